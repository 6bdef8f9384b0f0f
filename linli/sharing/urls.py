from django.urls import path

from linli.sharing import views

app_name = "sharing"
urlpatterns = [
    path("", views.index, name="index"),
    path("clients/", views.clients, name="clients"),
    path("clients/<int:client_id>/", views.client_page, name="client"),
    path("clients/<int:client_id>/active/", views.client_active, name="client_active"),
    path("clients/<int:client_id>/tokens/", views.token_issue, name="token_issue"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("grants/", views.grants, name="grants"),
    path("grants/new/", views.grant_new, name="grant_new"),
    path("grants/<int:grant_id>/", views.grant_page, name="grant"),
    path("grants/<int:grant_id>/approve/", views.grant_approve, name="grant_approve"),
    path("grants/<int:grant_id>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("access-log/", views.access_log, name="access_log"),
]

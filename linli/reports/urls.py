from django.urls import path

from linli.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.ledger_list, name="list"),
    path("coverage/", views.coverage, name="coverage"),
    path("templates/new/", views.template_new, name="template_new"),
    path("templates/<slug:code>/edit/", views.template_edit, name="template_edit"),
    path("<slug:code>/", views.ledger_page, name="ledger"),
    path("<slug:code>/export.xlsx", views.ledger_export, name="export"),
]

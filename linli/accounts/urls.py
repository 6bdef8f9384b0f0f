from django.urls import path

from linli.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.staff_login, name="login"),
    path("login/totp/", views.staff_totp, name="totp"),
    path("login/totp/setup/", views.staff_totp_setup, name="totp_setup"),
    path("logout/", views.logout_view, name="logout"),
    path("resident/", views.resident_login, name="resident_login"),
    path("resident/code/", views.resident_code, name="resident_code"),
    path("elder-mode/", views.elder_mode, name="elder_mode"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
]

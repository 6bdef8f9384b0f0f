from django.contrib import admin
from django.urls import include, path

from config.api import api
from linli.registry import views as registry_views

urlpatterns = [
    path("", registry_views.home, name="home"),
    path("accounts/", include("linli.accounts.urls")),
    path("", include("linli.core.urls")),
    path("", include("linli.registry.urls")),
    path("intake/", include("linli.intake.urls")),
    path("ledgers/", include("linli.reports.urls")),
    path("sharing/", include("linli.sharing.urls")),
    path("services/", include("linli.servicedesk.urls")),
    path("open311/v2/", include("linli.servicedesk.open311.urls")),
    path("care/", include("linli.care.urls")),
    path("meals/", include("linli.meals.urls")),
    path("home-care/", include("linli.homecare.urls")),
    path("alarms/", include("linli.alarms.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

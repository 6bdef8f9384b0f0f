"""Routes of the one-key alarm: webhooks, acknowledgement links, management and report pages, and the
console's routes (``console_urls``)."""

from django.urls import URLPattern, URLResolver, include, path

from linli.alarms import hooks, views

app_name = "alarms"
urlpatterns: list[URLPattern | URLResolver] = [
    path("hooks/sms/", hooks.sms_webhook, name="hook_sms"),
    path("hooks/device/", hooks.device_webhook, name="hook_device"),
    path("ack/<str:token>/", views.ack_by_link, name="ack_link"),
    path("manage/", views.manage_home, name="manage"),
    path("manage/policies/<int:area_id>/", views.policy_edit, name="policy_edit"),
    path("manage/policies/<int:policy_id>/delete/", views.policy_delete, name="policy_delete"),
    path("manage/shifts/", views.shift_list, name="shifts"),
    path("manage/shifts/<int:shift_id>/end/", views.shift_end, name="shift_end"),
    path("manage/responders/", views.responder_list, name="responders"),
    path("manage/responders/<int:responder_id>/", views.responder_edit, name="responder_edit"),
    path("manage/responders/<int:responder_id>/remove/", views.responder_remove, name="responder_remove"),
    path("manage/devices/", views.device_list, name="devices"),
    path("manage/devices/<int:device_pk>/remove/", views.device_remove, name="device_remove"),
    path("report/", views.report, name="report"),
    path("", include("linli.alarms.console_urls")),
]

"""The resident's alarm button and the workers' alarm console; included into the "alarms" namespace."""

from django.urls import URLPattern, path

from linli.alarms import console_views, resident_views

urlpatterns: list[URLPattern] = [
    # Residents: one big button, then the alarm's state.
    path("help/", resident_views.help_page, name="help"),
    path("help/<int:alarm_id>/", resident_views.help_alarm, name="help_alarm"),
    path("help/<int:alarm_id>/cancel/", resident_views.help_cancel, name="help_cancel"),
    # Workers: the live console, one alarm, and a phone call entered by hand.
    path("console/", console_views.console, name="console"),
    path("console/live/", console_views.console_live, name="console_live"),
    path("console/new/", console_views.console_new, name="console_new"),
    path("console/<int:alarm_id>/", console_views.alarm_page, name="console_alarm"),
    path("console/<int:alarm_id>/acknowledge/", console_views.acknowledge, name="console_ack"),
    path("console/<int:alarm_id>/call-back/", console_views.call_back, name="console_call_back"),
    path("console/<int:alarm_id>/close/", console_views.close, name="console_close"),
    path("console/<int:alarm_id>/note/", console_views.note, name="console_note"),
]

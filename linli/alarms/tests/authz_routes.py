"""Routes of this app and the test that checks each one across roles; the console's come from
``authz_console``."""

from linli.alarms.tests.authz_console import COVERED as CONSOLE

T = "linli.alarms.tests.test_authorization"

COVERED: dict[str, str] = {
    **CONSOLE,
    "alarms:hook_sms": f"{T}::test_sms_webhook_needs_signature",
    "alarms:hook_device": f"{T}::test_device_webhook_needs_signature",
    "alarms:ack_link": f"{T}::test_ack_link_needs_its_token",
    "alarms:manage": f"{T}::test_management_pages_by_role_and_area",
    "alarms:policy_edit": f"{T}::test_management_pages_by_role_and_area",
    "alarms:policy_delete": f"{T}::test_management_pages_by_role_and_area",
    "alarms:shifts": f"{T}::test_management_pages_by_role_and_area",
    "alarms:shift_end": f"{T}::test_management_pages_by_role_and_area",
    "alarms:responders": f"{T}::test_management_pages_by_role_and_area",
    "alarms:responder_edit": f"{T}::test_management_pages_by_role_and_area",
    "alarms:responder_remove": f"{T}::test_management_pages_by_role_and_area",
    "alarms:devices": f"{T}::test_management_pages_by_role_and_area",
    "alarms:device_remove": f"{T}::test_management_pages_by_role_and_area",
    "alarms:report": f"{T}::test_report_by_role_and_area",
}

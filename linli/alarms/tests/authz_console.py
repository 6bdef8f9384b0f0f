"""Routes of the alarm console and the resident's alarm button, and the test that checks each across roles."""

T = "linli.alarms.tests.test_console_authorization"

COVERED: dict[str, str] = {
    "alarms:console": f"{T}::test_console_lists_inside_alarms_and_never_outside_ones",
    "alarms:console_live": f"{T}::test_console_lists_inside_alarms_and_never_outside_ones",
    "alarms:console_alarm": f"{T}::test_alarm_pages_answer_inside_and_404_outside",
    "alarms:console_ack": f"{T}::test_alarm_pages_answer_inside_and_404_outside",
    "alarms:console_close": f"{T}::test_alarm_pages_answer_inside_and_404_outside",
    "alarms:console_note": f"{T}::test_alarm_pages_answer_inside_and_404_outside",
    "alarms:console_call_back": f"{T}::test_alarm_pages_answer_inside_and_404_outside",
    "alarms:console_new": f"{T}::test_manual_entry_finds_and_raises_only_inside_the_workers_area",
    "alarms:help": f"{T}::test_residents_see_only_their_own_alarm_and_never_the_console",
    "alarms:help_alarm": f"{T}::test_residents_see_only_their_own_alarm_and_never_the_console",
    "alarms:help_cancel": f"{T}::test_residents_see_only_their_own_alarm_and_never_the_console",
}

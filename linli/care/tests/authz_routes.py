"""Routes of this app and the test that checks each one across roles."""

T = "linli.care.tests.test_authorization"

COVERED: dict[str, str] = {
    "care:my_visits": f"{T}::test_my_visits_list_the_area_s_plans_and_never_outside_ones",
    "care:plan": f"{T}::test_plan_pages_answer_inside_and_404_outside",
    "care:visit_photo": f"{T}::test_plan_pages_answer_inside_and_404_outside",
    "care:visit": f"{T}::test_visits_are_recorded_inside_only",
    "care:plan_assign": f"{T}::test_reassignment_is_for_planners_inside_only",
    "care:overdue": f"{T}::test_overdue_lists_show_inside_plans_and_never_outside_ones",
    "care:coverage": f"{T}::test_coverage_shows_inside_grids_and_never_outside_ones",
    "care:rules": f"{T}::test_rules_are_set_and_removed_by_planners_inside_only",
    "care:rule_remove": f"{T}::test_rules_are_set_and_removed_by_planners_inside_only",
    "care:volunteers": f"{T}::test_volunteers_are_listed_and_registered_inside_only",
}

"""Routes of reports and the test that checks each one across roles, inside and outside the area."""

TESTS = "linli.reports.tests.test_authorization"

COVERED: dict[str, str] = {
    "reports:list": f"{TESTS}::test_ledger_list_is_for_roles_that_view_ledgers",
    "reports:ledger": f"{TESTS}::test_ledger_page_answers_inside_and_404_outside",
    "reports:export": f"{TESTS}::test_export_inside_holds_inside_residents_only_and_outside_is_404",
    "reports:coverage": f"{TESTS}::test_coverage_lists_only_communities_in_scope",
    "reports:template_new": f"{TESTS}::test_only_template_managers_create_and_edit_templates",
    "reports:template_edit": f"{TESTS}::test_only_template_managers_create_and_edit_templates",
    "api:list_ledger_templates": f"{TESTS}::test_api_lists_templates_for_roles_that_view_ledgers",
    "api:ledger_rows": f"{TESTS}::test_api_rows_inside_and_404_outside",
}

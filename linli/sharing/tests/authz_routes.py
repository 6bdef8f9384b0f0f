"""Routes of sharing and the test that checks each one across roles, inside and outside the area."""

_MODULE = "linli.sharing.tests.test_authorization"
_API_TEST = "test_api_takes_client_tokens_only_and_serves_only_its_own_grant_area"

COVERED: dict[str, str] = {
    "sharing:index": f"{_MODULE}::test_the_sharing_entry_page_leads_each_role_to_a_page_it_may_open",
    "sharing:client": f"{_MODULE}::test_object_pages_answer_as_the_role_allows_inside_and_404_outside",
    "sharing:client_active": f"{_MODULE}::test_object_pages_answer_as_the_role_allows_inside_and_404_outside",
    "sharing:token_issue": f"{_MODULE}::test_object_pages_answer_as_the_role_allows_inside_and_404_outside",
    "sharing:token_revoke": f"{_MODULE}::test_object_pages_answer_as_the_role_allows_inside_and_404_outside",
    "sharing:grant": f"{_MODULE}::test_object_pages_answer_as_the_role_allows_inside_and_404_outside",
    "sharing:grant_approve": f"{_MODULE}::test_object_pages_answer_as_the_role_allows_inside_and_404_outside",
    "sharing:grant_revoke": f"{_MODULE}::test_object_pages_answer_as_the_role_allows_inside_and_404_outside",
    "sharing:clients": f"{_MODULE}::test_lists_show_inside_objects_and_never_outside_ones",
    "sharing:grants": f"{_MODULE}::test_lists_show_inside_objects_and_never_outside_ones",
    "sharing:access_log": f"{_MODULE}::test_lists_show_inside_objects_and_never_outside_ones",
    "sharing:grant_new": f"{_MODULE}::test_grant_request_offers_only_clients_and_areas_in_scope",
    "api:sharing_residents": f"{_MODULE}::{_API_TEST}",
    "api:sharing_households": f"{_MODULE}::{_API_TEST}",
    "api:sharing_changes": f"{_MODULE}::{_API_TEST}",
}

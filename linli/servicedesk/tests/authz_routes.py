"""Routes of the service desk (incl. Open311) and the test that checks each one across roles."""

import contextlib
import importlib

T = "linli.servicedesk.tests.test_authorization"

COVERED: dict[str, str] = {
    "servicedesk:catalogue": f"{T}::test_the_catalogue_is_public",
    "servicedesk:item": f"{T}::test_the_catalogue_is_public",
    "api:list_service_items": f"{T}::test_the_catalogue_is_public",
    "servicedesk:apply": f"{T}::test_residents_see_only_their_own_cases",
    "servicedesk:my_cases": f"{T}::test_residents_see_only_their_own_cases",
    "servicedesk:my_case": f"{T}::test_residents_see_only_their_own_cases",
    "servicedesk:rate": f"{T}::test_residents_see_only_their_own_cases",
    "servicedesk:resubmit": f"{T}::test_residents_see_only_their_own_cases",
    "servicedesk:file": f"{T}::test_files_download_only_for_the_case_s_handlers_and_its_resident",
    "servicedesk:desk": f"{T}::test_the_queue_lists_inside_cases_and_never_outside_ones",
    "servicedesk:desk_case": f"{T}::test_case_pages_answer_inside_and_404_outside",
    "servicedesk:desk_act": f"{T}::test_case_pages_answer_inside_and_404_outside",
    "servicedesk:desk_assign": f"{T}::test_case_pages_answer_inside_and_404_outside",
    "servicedesk:desk_note": f"{T}::test_case_pages_answer_inside_and_404_outside",
    "servicedesk:on_behalf": f"{T}::test_on_behalf_is_for_residents_of_the_worker_s_area",
    "servicedesk:on_behalf_apply": f"{T}::test_on_behalf_is_for_residents_of_the_worker_s_area",
    "servicedesk:satisfaction": f"{T}::test_satisfaction_counts_only_ratings_in_scope",
    "servicedesk:rectifications": f"{T}::test_rectification_tasks_answer_inside_and_404_outside",
    "servicedesk:rectification": f"{T}::test_rectification_tasks_answer_inside_and_404_outside",
    "servicedesk:proactive": f"{T}::test_proactive_candidates_are_listed_and_confirmed_inside_only",
    "api:list_cases": f"{T}::test_the_api_serves_cases_inside_and_404_outside",
    "api:get_case": f"{T}::test_the_api_serves_cases_inside_and_404_outside",
    "api:create_case": f"{T}::test_the_api_serves_cases_inside_and_404_outside",
    "api:act_on_case": f"{T}::test_the_api_serves_cases_inside_and_404_outside",
}

# Open311 keeps its own list beside its code (linli/servicedesk/open311/tests/authz_routes.py).
with contextlib.suppress(ModuleNotFoundError):  # until it is written
    COVERED.update(importlib.import_module("linli.servicedesk.open311.tests.authz_routes").COVERED)

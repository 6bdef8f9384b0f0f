"""Routes of this app and the test that checks each one across roles."""

T = "linli.homecare.tests.test_authorization"

COVERED: dict[str, str] = {
    "homecare:mine": f"{T}::test_residents_see_and_act_on_their_own_orders_only",
    "homecare:order_start": f"{T}::test_residents_see_and_act_on_their_own_orders_only",
    "homecare:order_new": f"{T}::test_residents_see_and_act_on_their_own_orders_only",
    "homecare:my_order": f"{T}::test_residents_see_and_act_on_their_own_orders_only",
    "homecare:my_order_act": f"{T}::test_residents_see_and_act_on_their_own_orders_only",
    "homecare:my_order_rate": f"{T}::test_residents_see_and_act_on_their_own_orders_only",
    "homecare:provider_link": f"{T}::test_a_provider_link_opens_its_own_order_only",
    "homecare:provider_act": f"{T}::test_a_provider_link_opens_its_own_order_only",
    "homecare:orders": f"{T}::test_the_order_list_shows_inside_orders_and_never_outside_ones",
    "homecare:order": f"{T}::test_order_pages_answer_inside_and_404_outside",
    "homecare:order_act": f"{T}::test_order_pages_answer_inside_and_404_outside",
    "homecare:order_rate": f"{T}::test_order_pages_answer_inside_and_404_outside",
    "homecare:order_for": f"{T}::test_ordering_on_behalf_is_for_residents_of_the_worker_s_area",
    "homecare:order_for_resident": f"{T}::test_ordering_on_behalf_is_for_residents_of_the_worker_s_area",
    "homecare:providers": f"{T}::test_providers_are_seen_and_managed_inside_and_404_outside",
    "homecare:provider_new": f"{T}::test_providers_are_seen_and_managed_inside_and_404_outside",
    "homecare:provider": f"{T}::test_providers_are_seen_and_managed_inside_and_404_outside",
    "homecare:provider_edit": f"{T}::test_providers_are_seen_and_managed_inside_and_404_outside",
}

"""Routes of this app and the test that checks each one across roles."""

T = "linli.meals.tests.test_authorization"

COVERED: dict[str, str] = {
    "meals:home": f"{T}::test_residents_see_and_cancel_only_their_own_orders",
    "meals:order": f"{T}::test_residents_see_and_cancel_only_their_own_orders",
    "meals:my_orders": f"{T}::test_residents_see_and_cancel_only_their_own_orders",
    "meals:cancel_own": f"{T}::test_residents_see_and_cancel_only_their_own_orders",
    "meals:manage": f"{T}::test_the_canteen_list_shows_inside_canteens_and_new_ones_only_in_scope",
    "meals:canteen_new": f"{T}::test_the_canteen_list_shows_inside_canteens_and_new_ones_only_in_scope",
    "meals:canteen": f"{T}::test_canteen_pages_answer_inside_and_404_outside",
    "meals:canteen_edit": f"{T}::test_canteen_pages_answer_inside_and_404_outside",
    "meals:canteen_meal": f"{T}::test_canteen_pages_answer_inside_and_404_outside",
    "meals:dish_add": f"{T}::test_canteen_pages_answer_inside_and_404_outside",
    "meals:menu_copy": f"{T}::test_canteen_pages_answer_inside_and_404_outside",
    "meals:kitchen": f"{T}::test_canteen_pages_answer_inside_and_404_outside",
    "meals:statement": f"{T}::test_canteen_pages_answer_inside_and_404_outside",
    "meals:statement_xlsx": f"{T}::test_canteen_pages_answer_inside_and_404_outside",
    "meals:dish_withdraw": f"{T}::test_canteen_pages_answer_inside_and_404_outside",
    "meals:rules": f"{T}::test_rules_are_listed_and_ended_inside_only",
    "meals:rule_end": f"{T}::test_rules_are_listed_and_ended_inside_only",
    "meals:orders": f"{T}::test_workers_order_and_cancel_for_residents_of_their_area_only",
    "meals:order_for": f"{T}::test_workers_order_and_cancel_for_residents_of_their_area_only",
    "meals:order_cancel": f"{T}::test_workers_order_and_cancel_for_residents_of_their_area_only",
}

"""Routes of intake and the test that checks each one across roles, inside and outside the area."""

MATRIX = "linli.intake.tests.test_authorization"

COVERED: dict[str, str] = {
    "intake:imports": f"{MATRIX}::test_import_list_shows_only_batches_in_scope",
    "intake:batch": f"{MATRIX}::test_batch_pages_answer_inside_and_404_outside",
    "intake:batch_layout": f"{MATRIX}::test_batch_pages_answer_inside_and_404_outside",
    "intake:batch_start": f"{MATRIX}::test_batch_pages_answer_inside_and_404_outside",
    "intake:batch_progress": f"{MATRIX}::test_batch_pages_answer_inside_and_404_outside",
    "intake:batch_report": f"{MATRIX}::test_batch_pages_answer_inside_and_404_outside",
    "intake:reviews": f"{MATRIX}::test_review_queue_lists_only_questions_in_scope",
    "intake:review": f"{MATRIX}::test_review_pages_answer_inside_and_404_outside",
    "intake:review_decide": f"{MATRIX}::test_review_pages_answer_inside_and_404_outside",
}

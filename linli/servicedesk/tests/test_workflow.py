"""Every transition of the table, the allowed and the refused, with the history it appends."""

import datetime as dt

import pytest

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.errors import DomainError
from linli.registry.tests.factories import ResidentFactory
from linli.servicedesk.models import Case, CaseEvent, CaseStatus, Queue
from linli.servicedesk.services import transition_case
from linli.servicedesk.tests.factories import SUBMITTED, resident_account, window_case
from linli.servicedesk.workflow import ACTION_LABELS, TRANSITIONS, allowed_actions, can_transition

LATER = SUBMITTED + dt.timedelta(hours=3)


@pytest.fixture
def people(grid_a, community_a):
    resident = ResidentFactory(household__building__area=grid_a)
    return {
        "worker": staff_with_role(Role.COMMUNITY_WORKER, community_a),
        "director": staff_with_role(Role.COMMUNITY_DIRECTOR, community_a),
        "resident_record": resident,
        "resident": resident_account(resident),
    }


def actor_for(people, by):
    if "staff" in by:
        return people["worker"]
    if "director" in by:
        return people["director"]
    return people["resident"]


def force_status(case: Case, status: str) -> Case:
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


CASES = [(action, status) for action in TRANSITIONS for status in CaseStatus.values]


@pytest.mark.parametrize(("action", "status"), CASES)
def test_every_action_from_every_status_follows_the_table(people, action, status):
    case = force_status(window_case(people["worker"], people["resident_record"]), status)
    transition = TRANSITIONS[action]
    other_queue = Queue.objects.exclude(pk=case.queue_id).first()
    events_before = CaseEvent.objects.filter(case=case).count()
    call = {
        "actor": actor_for(people, transition.by),
        "case": case,
        "action": action,
        "note": "原因说明",
        "queue": other_queue,
        "now": LATER,
    }
    if status in transition.sources:
        changed = transition_case(**call)
        assert changed.status == transition.target
        event = CaseEvent.objects.filter(case=case).latest("id")
        assert (event.action, event.from_status, event.to_status) == (action, status, transition.target)
        assert CaseEvent.objects.filter(case=case).count() == events_before + 1
    else:
        with pytest.raises(DomainError) as error:
            transition_case(**call)
        assert error.value.code == "transition_not_allowed"
        # The message names the action as its button does, never by its internal code.
        assert str(ACTION_LABELS[action]) in str(error.value.message)
        assert action not in str(error.value.message)
        case.refresh_from_db()
        assert case.status == status
        assert CaseEvent.objects.filter(case=case).count() == events_before


def test_the_table_reaches_every_status_and_closed_cases_only_reopen():
    targets = {t.target for t in TRANSITIONS.values()} | {CaseStatus.SUBMITTED}
    assert targets == set(CaseStatus.values)
    assert allowed_actions("done") == ["reopen"]
    assert allowed_actions("rejected") == ["reopen"]
    assert not can_transition("done", "complete")
    assert not can_transition("submitted", "no_such_action")


def test_a_resident_cannot_accept_or_complete_their_own_case(people):
    case = window_case(people["worker"], people["resident_record"])
    for action in ("accept", "reject", "transfer"):
        with pytest.raises(DomainError) as error:
            transition_case(actor=people["resident"], case=case, action=action, note="x", now=LATER)
        assert error.value.code == "not_allowed"


def test_the_resident_answers_a_request_for_information(people):
    case = window_case(people["worker"], people["resident_record"])
    transition_case(actor=people["worker"], case=case, action="request_info", note="请补充用途", now=LATER)
    case = transition_case(
        actor=people["resident"], case=case, action="resubmit", answers={"purpose": "other"}, now=LATER
    )
    assert case.status == "resubmitted"
    assert case.answers["purpose"] == "other"
    # The time limit restarts from the resubmission (补正后重新计时): 3 working days from Wed 4 Mar.
    assert case.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date() == dt.date(2026, 3, 9)


def test_only_a_director_reopens_a_closed_case(people):
    case = force_status(window_case(people["worker"], people["resident_record"]), "done")
    with pytest.raises(DomainError) as error:
        transition_case(actor=people["worker"], case=case, action="reopen", note="复查", now=LATER)
    assert error.value.code == "not_allowed"
    reopened = transition_case(actor=people["director"], case=case, action="reopen", note="复查", now=LATER)
    assert reopened.status == "reopened" and reopened.closed_at is None


def test_a_worker_of_another_community_cannot_move_the_case(people, worker_b):
    case = window_case(people["worker"], people["resident_record"])
    with pytest.raises(DomainError) as error:
        transition_case(actor=worker_b, case=case, action="accept", now=LATER)
    assert error.value.code == "not_allowed"


def test_refusals_and_requests_need_a_reason(people):
    case = window_case(people["worker"], people["resident_record"])
    for action in ("reject", "request_info", "transfer"):
        with pytest.raises(DomainError) as error:
            transition_case(actor=people["worker"], case=case, action=action, note=" ", now=LATER)
        assert error.value.code == "note_required"


def test_a_transfer_needs_another_queue_and_clears_the_handler(people):
    case = window_case(people["worker"], people["resident_record"])
    case = transition_case(actor=people["worker"], case=case, action="accept", now=LATER)
    assert case.handler == people["worker"]
    with pytest.raises(DomainError):
        transition_case(actor=people["worker"], case=case, action="transfer", note="转", queue=case.queue)
    target = Queue.objects.get(code="civil_affairs")
    moved = transition_case(actor=people["worker"], case=case, action="transfer", note="属民政", queue=target)
    assert moved.queue == target and moved.handler is None and moved.status == "transferred"


def test_history_cannot_be_edited_or_deleted(people):
    case = window_case(people["worker"], people["resident_record"])
    event = case.events.get()
    event.note = "edited"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        CaseEvent.objects.filter(case=case).update(note="x")
    with pytest.raises(ValueError, match="append-only"):
        CaseEvent.objects.filter(case=case).delete()

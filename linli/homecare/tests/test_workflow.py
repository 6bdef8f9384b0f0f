"""Every action from every state, by every party: allowed exactly where the transition table says."""

from typing import Any

import pytest

from linli.core.errors import DomainError
from linli.homecare import links
from linli.homecare.models import Order, OrderEvent, OrderStatus
from linli.homecare.services import transition_order
from linli.homecare.workflow import TRANSITIONS, allowed_actions

EXPECTED = {
    # action: (from states, to state, who)
    "confirm": ({"requested"}, "confirmed", {"provider"}),
    "decline": ({"requested"}, "declined", {"provider"}),
    "start": ({"confirmed"}, "in_service", {"provider", "worker"}),
    "finish": ({"in_service"}, "finished", {"provider"}),
    "complete": ({"in_service", "finished"}, "completed", {"resident", "worker"}),
    "cancel": ({"requested", "confirmed"}, "cancelled", {"resident", "worker"}),
    "lapse": ({"requested"}, "cancelled", {"system"}),
}


def test_the_table_is_the_one_the_issue_describes():
    assert {
        action: ({str(s) for s in t.sources}, str(t.target), set(t.by)) for action, t in TRANSITIONS.items()
    } == EXPECTED
    assert allowed_actions("requested", "provider") == ["confirm", "decline"]
    assert allowed_actions("completed", "resident") == []


def act(order, action, party, *, account, worker):
    kwargs: dict[str, Any] = {"note": "家中有事"}
    if party == "provider":
        kwargs["provider_token"] = links.make_token(order)
    elif party == "system":
        kwargs["by_system"] = True
    else:
        kwargs["actor"] = account if party == "resident" else worker
    return transition_order(order=order, action=action, **kwargs)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("party", ["provider", "resident", "worker", "system"])
def test_each_action_is_allowed_only_from_its_states_and_to_its_parties(
    order, account, grid_worker, action, party
):
    sources, target, parties = EXPECTED[action]
    for status in OrderStatus.values:
        Order.objects.filter(pk=order.pk).update(status=status)
        order.refresh_from_db()
        events = OrderEvent.objects.filter(order=order).count()
        if status in sources and party in parties:
            moved = act(order, action, party, account=account, worker=grid_worker)
            assert moved.status == target, (action, party, status)
            last = OrderEvent.objects.filter(order=order).latest("id")
            assert (last.action, last.from_status, last.to_status, last.by) == (action, status, target, party)
        else:
            with pytest.raises(DomainError) as refused:
                act(order, action, party, account=account, worker=grid_worker)
            expected_code = "transition_not_allowed" if party in parties else "not_allowed"
            assert refused.value.code == expected_code, (action, party, status)
            order.refresh_from_db()
            assert order.status == status
            assert OrderEvent.objects.filter(order=order).count() == events


def test_a_refusal_names_the_state_in_words(order, account):
    Order.objects.filter(pk=order.pk).update(status="completed")
    with pytest.raises(DomainError) as refused:
        transition_order(order=order, action="cancel", actor=account)
    assert "Completed" in str(refused.value.message) or "已完成" in str(refused.value.message)


def test_declining_needs_a_reason(order):
    with pytest.raises(DomainError) as refused:
        transition_order(order=order, action="decline", provider_token=links.make_token(order), note=" ")
    assert refused.value.code == "note_required"
    declined = transition_order(
        order=order, action="decline", provider_token=links.make_token(order), note="人手不足"
    )
    assert declined.status == "declined" and declined.closed_at is not None
    assert declined.events.latest("id").note == "人手不足"


def test_unknown_actions_are_refused(order, account):
    with pytest.raises(DomainError) as refused:
        transition_order(order=order, action="teleport", actor=account)
    assert refused.value.code == "unknown_action"


def test_a_worker_of_another_area_and_another_resident_may_not_act(order, worker_b, grid_b):
    from linli.homecare.tests.factories import resident_account
    from linli.registry.tests.factories import ResidentFactory

    stranger = resident_account(
        ResidentFactory(area=grid_b, household__area=grid_b, household__building__area=grid_b)
    )
    for actor in (worker_b, stranger, None):
        with pytest.raises(DomainError) as refused:
            transition_order(order=order, action="cancel", actor=actor)
        assert refused.value.code == "not_allowed"
    order.refresh_from_db()
    assert order.status == "requested"


def test_history_is_append_only(order):
    event = order.events.get()
    event.note = "edited"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        OrderEvent.objects.filter(order=order).update(note="x")
    with pytest.raises(ValueError, match="append-only"):
        OrderEvent.objects.filter(order=order).delete()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()

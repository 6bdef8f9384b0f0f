"""The states of a home-care order and the allowed transitions between them, as data.

Each action moves an order from one of its ``sources`` to ``target``. ``by`` names who may take it:
"provider" (through the order's signed link), "resident" (the resident whose order it is), "worker" (staff
with ORDER_CARE over the order's area) or "system" (Linli's periodic job).
``linli.homecare.services.transition_order`` is the one place that changes an order's status.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from linli.homecare.models import OrderStatus

S = OrderStatus


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[OrderStatus]
    target: OrderStatus
    by: frozenset[str]
    label: Promise
    note_required: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("confirm", frozenset({S.REQUESTED}), S.CONFIRMED, frozenset({"provider"}), _("Confirm")),
        Transition(
            "decline",
            frozenset({S.REQUESTED}),
            S.DECLINED,
            frozenset({"provider"}),
            _("Decline"),
            note_required=True,
        ),
        Transition(
            "start",
            frozenset({S.CONFIRMED}),
            S.IN_SERVICE,
            frozenset({"provider", "worker"}),
            _("Service started"),
        ),
        Transition(
            "finish", frozenset({S.IN_SERVICE}), S.FINISHED, frozenset({"provider"}), _("Service finished")
        ),
        # The resident (or a worker for them) confirms the service was done; the provider's "finished" is
        # not needed first, so a forgotten button does not hold the order up.
        Transition(
            "complete",
            frozenset({S.IN_SERVICE, S.FINISHED}),
            S.COMPLETED,
            frozenset({"resident", "worker"}),
            _("Confirm the service was done"),
        ),
        Transition(
            "cancel",
            frozenset({S.REQUESTED, S.CONFIRMED}),
            S.CANCELLED,
            frozenset({"resident", "worker"}),
            _("Cancel the order"),
        ),
        # An order the provider has not confirmed by the start of its window lapses, so the resident is
        # told nobody is coming instead of waiting at home.
        Transition(
            "lapse", frozenset({S.REQUESTED}), S.CANCELLED, frozenset({"system"}), _("Not confirmed in time")
        ),
    )
}


def allowed_actions(status: str, by: str) -> list[str]:
    """The actions the table allows from ``status`` to ``by``, in the table's order."""
    return [t.action for t in TRANSITIONS.values() if status in t.sources and by in t.by]


def can_transition(status: str, action: str, by: str) -> bool:
    transition = TRANSITIONS.get(action)
    return transition is not None and status in transition.sources and by in transition.by

"""The states of a case and the allowed transitions between them, as data.

Each action moves a case from one of its ``sources`` to ``target``. Who may take an action is named by
``by``: "staff" (a handler with HANDLE_CASES over the case), "director" (REASSIGN_CASES over the case) or
"resident" (the resident who applied, on their own case). ``linli.servicedesk.services.transition_case``
is the one place that changes a case's status.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy, pgettext_lazy

from linli.servicedesk.models import CaseStatus

S = CaseStatus


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[CaseStatus]
    target: CaseStatus
    by: frozenset[str]
    note_required: bool = False


# Waiting for a first decision: a new case, one back with the missing information, one passed on.
_WAITING = frozenset({S.SUBMITTED, S.RESUBMITTED, S.TRANSFERRED})
_OPEN = frozenset({S.SUBMITTED, S.RESUBMITTED, S.TRANSFERRED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED})

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("accept", _WAITING, S.ACCEPTED, frozenset({"staff"})),
        Transition("start", frozenset({S.ACCEPTED, S.REOPENED}), S.IN_PROGRESS, frozenset({"staff"})),
        Transition(
            "request_info",
            frozenset({S.SUBMITTED, S.RESUBMITTED, S.TRANSFERRED, S.ACCEPTED, S.IN_PROGRESS}),
            S.NEEDS_INFO,
            frozenset({"staff"}),
            note_required=True,
        ),
        Transition("resubmit", frozenset({S.NEEDS_INFO}), S.RESUBMITTED, frozenset({"resident", "staff"})),
        Transition("transfer", _OPEN, S.TRANSFERRED, frozenset({"staff", "director"}), note_required=True),
        Transition("complete", frozenset({S.IN_PROGRESS}), S.DONE, frozenset({"staff"})),
        Transition("reject", _OPEN | {S.NEEDS_INFO}, S.REJECTED, frozenset({"staff"}), note_required=True),
        Transition("reopen", frozenset({S.DONE, S.REJECTED}), S.REOPENED, frozenset({"director"}), True),
    )
}


def allowed_actions(status: str) -> list[str]:
    """The actions the table allows from ``status``, in the table's order."""
    return [t.action for t in TRANSITIONS.values() if status in t.sources]


def can_transition(status: str, action: str) -> bool:
    transition = TRANSITIONS.get(action)
    return transition is not None and status in transition.sources


# What each action is called on its button and in messages.
ACTION_LABELS = {
    "accept": gettext_lazy("Accept"),
    "start": gettext_lazy("Start work"),
    "request_info": gettext_lazy("Ask for more information"),
    "resubmit": gettext_lazy("Information received"),
    "transfer": gettext_lazy("Transfer"),
    "complete": pgettext_lazy("case action", "Done"),
    "reject": gettext_lazy("Reject"),
    "reopen": gettext_lazy("Reopen"),
}

# How a resident's agreement was obtained, as recorded on a case (on-behalf forms offer the first three).
CONSENT_LABELS = {
    "signed": gettext_lazy("Signed the consent form"),
    "in_person": gettext_lazy("Asked in person, with a witness"),
    "phone": gettext_lazy("By phone, recorded"),
    "proactive": gettext_lazy("Proactive service, confirmed by a worker"),
    "visit": gettext_lazy("Asked during a care visit"),
}

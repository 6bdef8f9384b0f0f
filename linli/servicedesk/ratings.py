"""Ratings (好差评, 国办发〔2019〕51号) and the rectification of bad ones."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Capability
from linli.core.errors import DomainError
from linli.core.ratings import BAD_RATINGS, RatingLevel
from linli.core.services import record_audit_event
from linli.servicedesk import sla
from linli.servicedesk.access import may_on_case
from linli.servicedesk.models import Case, CaseEvent, FollowUpCall, Rating, Rectification
from linli.servicedesk.selectors import working_calendar
from linli.servicedesk.services import actor_may


@transaction.atomic
def rate_case(
    *, actor: Any, case: Case, level: int, comment: str = "", now: dt.datetime | None = None
) -> Rating:
    """The resident rates a closed case once, on the five national levels; a bad rating opens a
    rectification task due in 15 working days, which needs a follow-up call (国办发〔2019〕51号)."""
    now = now or timezone.now()
    locked = Case.objects.select_for_update(of=("self",)).select_related("resident").get(pk=case.pk)
    if not actor_may(actor, locked, frozenset({"resident"})):
        raise DomainError("not_allowed", _("Only the applicant can rate this case."))
    if not locked.is_closed:
        raise DomainError("case_not_closed", _("A case is rated when it is done."), field="level")
    if level not in RatingLevel.values:
        raise DomainError("rating_level", _("Choose one of the five levels."), field="level")
    if Rating.objects.filter(case=locked).exists():
        raise DomainError("already_rated", _("This case has been rated."), field="level")
    if level in BAD_RATINGS and not comment.strip():
        raise DomainError("comment_required", _("Please tell us what went wrong."), field="comment")
    rating = Rating.objects.create(
        case=locked,
        level=level,
        comment=comment.strip()[:2000],
        rated_at=now,
        rated_by=actor,
        handler_id=locked.handler_id,
        area_code=locked.area_code,
    )
    CaseEvent.objects.create(
        case=locked,
        at=now,
        actor=actor,
        action="rate",
        from_status=locked.status,
        to_status=locked.status,
        data={"level": level},
    )
    if level in BAD_RATINGS:
        calendar = working_calendar()
        Rectification.objects.create(
            rating=rating,
            case=locked,
            area_code=locked.area_code,
            due_date=sla.rectification_due(
                now.astimezone(sla.LOCAL).date(), calendar.overrides, covered_until=calendar.covered_until
            ),
            created_at=now,
        )
    record_audit_event(
        actor=actor,
        action="case.rate",
        object_type="case",
        object_id=locked.pk,
        area_code=locked.area_code,
        data={"level": level},
    )
    return rating


@transaction.atomic
def record_follow_up_call(
    *, actor: Any, rectification: Rectification, reached: bool, summary: str, now: dt.datetime | None = None
) -> FollowUpCall:
    """Record a call to the resident about their bad rating."""
    now = now or timezone.now()
    task = (
        Rectification.objects.select_for_update(of=("self",)).select_related("case").get(pk=rectification.pk)
    )
    if not may_on_case(actor, task.case, Capability.RECTIFY_RATINGS):
        raise DomainError("not_allowed", _("You may not do this on this case."))
    if not summary.strip():
        raise DomainError("summary_required", _("Please summarise the call."), field="summary")
    call = FollowUpCall.objects.create(
        rectification=task, called_at=now, caller=actor, reached=reached, summary=summary.strip()
    )
    record_audit_event(
        actor=actor,
        action="rectification.call",
        object_type="rectification",
        object_id=task.pk,
        area_code=task.area_code,
        data={"reached": reached},
    )
    return call


@transaction.atomic
def close_rectification(
    *, actor: Any, rectification: Rectification, outcome: str, now: dt.datetime | None = None
) -> Rectification:
    """Close a rectification with what was done; every bad rating needs a recorded follow-up call first."""
    now = now or timezone.now()
    task = (
        Rectification.objects.select_for_update(of=("self",)).select_related("case").get(pk=rectification.pk)
    )
    if not may_on_case(actor, task.case, Capability.RECTIFY_RATINGS):
        raise DomainError("not_allowed", _("You may not do this on this case."))
    if task.status != "open":
        raise DomainError("rectification_closed", _("This task is closed."))
    if not task.calls.exists():
        raise DomainError("call_required", _("Record the follow-up call first."), field="outcome")
    if not outcome.strip():
        raise DomainError("outcome_required", _("Please describe what was done."), field="outcome")
    task.status = "done"
    task.outcome = outcome.strip()
    task.closed_at = now
    task.closed_by = actor
    task.save(update_fields=["status", "outcome", "closed_at", "closed_by"])
    record_audit_event(
        actor=actor,
        action="rectification.close",
        object_type="rectification",
        object_id=task.pk,
        area_code=task.area_code,
    )
    return task

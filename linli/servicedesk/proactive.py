"""Proactive services (免申即享): a daily evaluation lists eligible residents, a worker confirms in bulk."""

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from linli.accounts.access import has_capability
from linli.accounts.roles import Capability
from linli.core.services import record_audit_event
from linli.registry.models import Resident
from linli.registry.selectors import active_tags_prefetch
from linli.servicedesk import sla
from linli.servicedesk.eligibility import parse_rule, resident_facts
from linli.servicedesk.models import Case, CaseEvent, CaseStatus, Channel, ProactiveCandidate, ServiceItem
from linli.servicedesk.selectors import working_calendar
from linli.servicedesk.services import case_number, notify_requester, route_case


def evaluate_proactive_items(*, today: dt.date | None = None, batch_size: int = 2000) -> int:
    """List the residents who qualify for each proactive item and have no case and no candidate row for
    it yet; safe to run twice. Returns how many candidates were added."""
    today = today or timezone.localdate()
    added = 0
    for item in ServiceItem.objects.filter(is_active=True, is_proactive=True):
        rule = parse_rule(item.eligibility_rule)
        if rule.tree is None:
            continue  # a proactive item without a rule would list everyone
        have_case = set(
            Case.objects.filter(item=item, resident__isnull=False).values_list("resident_id", flat=True)
        )
        listed = set(ProactiveCandidate.objects.filter(item=item).values_list("resident_id", flat=True))
        residents = (
            Resident.objects.filter(merged_into__isnull=True, residence_status__in=["living_here", "away"])
            .select_related("area", "household")
            .prefetch_related(active_tags_prefetch(today), "household__members")
            .order_by("id")
        )
        new: list[ProactiveCandidate] = []
        for resident in residents.iterator(chunk_size=batch_size):
            if resident.pk in have_case or resident.pk in listed:
                continue
            members = list(resident.household.members.all()) if resident.household is not None else []
            active_tags = getattr(resident, "active_tags", [])
            facts = resident_facts(resident, today=today, active_tags=active_tags, household_members=members)
            if rule.evaluate(facts):
                new.append(
                    ProactiveCandidate(
                        item=item, resident=resident, area_code=resident.area.code, found_on=today
                    )
                )
        ProactiveCandidate.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        added += len(new)
    return added


def confirm_proactive_candidates(
    *, actor: Any, candidate_ids: Sequence[int], now: dt.datetime | None = None
) -> list[Case]:
    """A worker confirms candidates in bulk: each becomes a case (channel: on behalf, consent "proactive"),
    accepted at once, and the resident is told by SMS. Candidates outside the worker's area are skipped."""
    now = now or timezone.now()
    created: list[Case] = []
    for candidate_id in candidate_ids:
        with transaction.atomic():
            candidate = (
                ProactiveCandidate.objects.select_for_update()
                .select_related("item", "resident__area")
                .filter(pk=candidate_id, status="pending")
                .first()
            )
            if candidate is None or not has_capability(
                actor, Capability.CONFIRM_PROACTIVE, candidate.area_code
            ):
                continue
            case = _proactive_case(actor=actor, candidate=candidate, now=now)
            candidate.status = "confirmed"
            candidate.case = case
            candidate.decided_at = now
            candidate.decided_by = actor
            candidate.save(update_fields=["status", "case", "decided_at", "decided_by"])
            created.append(case)
    return created


def _proactive_case(*, actor: Any, candidate: ProactiveCandidate, now: dt.datetime) -> Case:
    item = candidate.item
    resident = candidate.resident
    route = route_case(item=item, area_code=resident.area.code, description="")
    calendar = working_calendar()
    due, _guessed = sla.due_time_or_guess(
        now, item.sla_amount, item.sla_unit, calendar.overrides, covered_until=calendar.covered_until
    )
    case = Case.objects.create(
        number=f"new-{secrets.token_hex(8)}",
        item=item,
        status=CaseStatus.ACCEPTED,
        channel=Channel.ON_BEHALF,
        area=resident.area,
        area_code=resident.area.code,
        department=item.department,
        queue=route.queue,
        handler=actor,
        resident=resident,
        submitted_by=actor,
        requester_name=resident.name,
        consent_method="proactive",
        submitted_at=now,
        updated_at=now,
        due_at=due,
    )
    case.number = case_number(case)
    case.save(update_fields=["number"])
    CaseEvent.objects.create(
        case=case,
        at=now,
        actor=actor,
        action="submit",
        to_status=CaseStatus.SUBMITTED,
        data={"channel": "proactive", "candidate": candidate.pk},
    )
    CaseEvent.objects.create(
        case=case,
        at=now,
        actor=actor,
        action="accept",
        from_status=CaseStatus.SUBMITTED,
        to_status=CaseStatus.ACCEPTED,
    )
    record_audit_event(
        actor=actor,
        action="case.proactive",
        object_type="case",
        object_id=case.pk,
        area_code=case.area_code,
        data={"item": item.code},
    )
    notify_requester(
        case,
        "proactive",
        gettext_noop(
            "[Linli] You are entitled to %(item)s; we have started it for you (case %(number)s). "
            "No application needed."
        ),
    )
    return case


@transaction.atomic
def dismiss_proactive_candidates(
    *, actor: Any, candidate_ids: Sequence[int], now: dt.datetime | None = None
) -> int:
    """A worker sets candidates aside (e.g. already served elsewhere); they are not listed again."""
    now = now or timezone.now()
    dismissed = 0
    for candidate in ProactiveCandidate.objects.select_for_update().filter(
        pk__in=candidate_ids, status="pending"
    ):
        if not has_capability(actor, Capability.CONFIRM_PROACTIVE, candidate.area_code):
            continue
        candidate.status = "dismissed"
        candidate.decided_at = now
        candidate.decided_by = actor
        candidate.save(update_fields=["status", "decided_at", "decided_by"])
        dismissed += 1
    return dismissed

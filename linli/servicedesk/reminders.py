"""Reminders before a case's due time and escalation to the community director when it is overdue."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, override

from linli.accounts.models import Membership
from linli.accounts.roles import Role
from linli.core.services import queue_sms, record_audit_event
from linli.servicedesk import sla
from linli.servicedesk.models import Case, CaseEvent, CaseReminder
from linli.servicedesk.selectors import working_calendar


def _staff_phone(user: Any) -> str:
    return str(getattr(user, "phone", "") or "")


def _directors_for(case: Case) -> list[Any]:
    community = case.area_code[:12]
    memberships = Membership.objects.filter(role=Role.COMMUNITY_DIRECTOR).select_related("user", "area")
    return [m.user for m in memberships if community.startswith(m.area.code) and m.user.is_active]


def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind the handler of each open case whose reminder time has come; each once per due time."""
    now = now or timezone.now()
    calendar = working_calendar()
    sent = 0
    # A reminder comes at most a working day (or a quarter of an hours-limit) before the due time.
    horizon = now + dt.timedelta(days=5)
    candidates = (
        Case.objects.exclude(status__in=["done", "rejected"])
        .filter(due_at__gt=now, due_at__lte=horizon)
        .select_related("item", "handler")
    )
    for case in candidates:
        if sla.reminder_time(case.submitted_at, case.due_at, case.item.sla_unit, calendar.overrides) > now:
            continue
        with transaction.atomic():
            _reminder, created = CaseReminder.objects.get_or_create(
                case=case, kind="due_soon", due_at=case.due_at, defaults={"sent_at": now}
            )
            if not created:
                continue
            CaseEvent.objects.create(
                case=case,
                at=now,
                action="remind",
                from_status=case.status,
                to_status=case.status,
                public=False,
                data={"due_at": case.due_at.isoformat()},
            )
            phone = _staff_phone(case.handler) if case.handler else ""
            if phone:
                with override(settings.LANGUAGE_CODE):
                    body = gettext("[Linli] Case %(number)s (%(item)s) is due at %(due)s.") % {
                        "number": case.number,
                        "item": case.item.name,
                        "due": f"{case.due_at.astimezone(sla.LOCAL):%m-%d %H:%M}",
                    }
                queue_sms(
                    phone=phone,
                    body=body,
                    purpose="case_reminder",
                    idempotency_key=f"case:{case.pk}:remind:{case.due_at.isoformat()}",
                )
            sent += 1
    return sent


def escalate_overdue_cases(*, now: dt.datetime | None = None) -> int:
    """Escalate each open case past its due time to the community director, once per due time."""
    now = now or timezone.now()
    escalated = 0
    overdue = (
        Case.objects.exclude(status__in=["done", "rejected"]).filter(due_at__lt=now).select_related("item")
    )
    for case in overdue.filter(escalated_at__isnull=True).iterator(chunk_size=500):
        with transaction.atomic():
            _reminder, created = CaseReminder.objects.get_or_create(
                case=case, kind="overdue", due_at=case.due_at, defaults={"sent_at": now}
            )
            if not created:
                continue
            Case.objects.filter(pk=case.pk).update(escalated_at=now)
            directors = _directors_for(case)
            CaseEvent.objects.create(
                case=case,
                at=now,
                action="escalate",
                from_status=case.status,
                to_status=case.status,
                public=False,
                data={"directors": [d.pk for d in directors], "due_at": case.due_at.isoformat()},
            )
            for director in directors:
                phone = _staff_phone(director)
                if not phone:
                    continue
                with override(settings.LANGUAGE_CODE):
                    body = gettext("[Linli] Case %(number)s (%(item)s) is overdue since %(due)s.") % {
                        "number": case.number,
                        "item": case.item.name,
                        "due": f"{case.due_at.astimezone(sla.LOCAL):%m-%d %H:%M}",
                    }
                queue_sms(
                    phone=phone,
                    body=body,
                    purpose="case_escalation",
                    idempotency_key=f"case:{case.pk}:escalate:{director.pk}:{case.due_at.isoformat()}",
                )
            record_audit_event(
                actor=None,
                action="case.escalate",
                object_type="case",
                object_id=case.pk,
                area_code=case.area_code,
            )
            escalated += 1
    return escalated

"""The escalation dispatcher: moves alarms from step to step, from the database alone.

One pass (``dispatch_due``):
1. *Claim* each due step run with a conditional UPDATE that sets a lease (state ``claimed``, ``claimed_by``,
   ``lease_until``). Only one dispatcher's UPDATE matches; a dispatcher that dies holding a claim loses it
   when the lease runs out.
2. *Run* the step in one transaction under the alarm's row lock: if somebody answered meanwhile, stop;
   otherwise resolve the recipients, write their notices and outbox notifications (idempotency key
   ``alarm:<id>:step:<i>:<recipient>``), the timeline lines, and the next step run. The step run only
   moves from ``claimed`` to ``done`` in that transaction, and only for the claim holder, so a step's
   notices and lines are written once, whatever crashes or runs twice.
3. *Deliver* the step's notifications after the commit, through the core outbox (the gateway call).
4. *Watchdog*: deliver alarm notifications still queued or failed, and those left ``sending`` by a
   dispatcher that died mid-call (the gateway deduplicates by idempotency key).

``run_forever`` repeats the pass every ``LINLI_ALARM_POLL_SECONDS`` (0.2 s); on PostgreSQL it also
LISTENs, so a new alarm wakes it at once.
"""

import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, override

from linli.alarms.escalation import (
    WAKE_CHANNEL,
    Recipient,
    StepSpec,
    alarm_setting,
    recipients_for,
    step_at,
    steps_for_area_code,
)
from linli.alarms.models import (
    UNANSWERED_STATUSES,
    Alarm,
    AlarmEvent,
    AlarmEventKind,
    AlarmNotice,
    AlarmStatus,
    AlarmStepRun,
    StepRunState,
)
from linli.alarms.services import append_event, token_hash
from linli.core.models import Notification, NotificationStatus
from linli.core.services import MAX_DELIVERY_ATTEMPTS, deliver_notification, queue_sms

logger = logging.getLogger(__name__)

ALARM_SMS = gettext_noop(
    "[Linli] ALARM %(number)s: %(who)s needs help at %(where)s. Reply 1 if you are going, or open %(link)s"
)
ALARM_SMS_UNKNOWN = gettext_noop("someone")
ALARM_PURPOSE = "alarm"


def lease_seconds() -> int:
    return int(alarm_setting("LINLI_ALARM_LEASE_SECONDS", 10))


# The watchdog looks for undelivered SMS once a second per loop, not on every wake-up.
WATCHDOG_SECONDS = 1.0


def poll_seconds() -> float:
    return float(alarm_setting("LINLI_ALARM_POLL_SECONDS", 0.2))


def stale_sending_seconds() -> int:
    """A notification ``sending`` this long belongs to a dispatcher that died mid-call."""
    return int(alarm_setting("LINLI_ALARM_STALE_SENDING_SECONDS", 15))


def public_url() -> str:
    return str(alarm_setting("LINLI_PUBLIC_URL", "http://127.0.0.1:8000")).rstrip("/")


def dispatcher_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:64]


def _claim(run_id: int, *, now: dt.datetime, me: str) -> bool:
    # The conditional UPDATE is the claim: of two dispatchers only one changes the row.
    claimable = Q(state=StepRunState.SCHEDULED, due_at__lte=now) | Q(
        state=StepRunState.CLAIMED, lease_until__lt=now
    )
    return (
        AlarmStepRun.objects.filter(claimable, pk=run_id).update(
            state=StepRunState.CLAIMED,
            claimed_by=me,
            lease_until=now + dt.timedelta(seconds=lease_seconds()),
            attempts=F("attempts") + 1,
        )
        == 1
    )


def claim_due(*, now: dt.datetime, me: str, limit: int) -> tuple[list[tuple[int, int]], str]:
    """Claim up to ``limit`` due step runs with one conditional UPDATE; returns the (run, alarm) ids this
    claim won, oldest first, and the claim's token (kept in ``claimed_by``)."""
    claimable = Q(state=StepRunState.SCHEDULED, due_at__lte=now) | Q(
        state=StepRunState.CLAIMED, lease_until__lt=now
    )
    candidates = list(
        AlarmStepRun.objects.filter(claimable).order_by("due_at", "pk").values_list("pk", flat=True)[:limit]
    )
    token = f"{me[:54]}/{secrets.token_hex(4)}"
    if not candidates:
        return [], token
    AlarmStepRun.objects.filter(claimable, pk__in=candidates).update(
        state=StepRunState.CLAIMED,
        claimed_by=token,
        lease_until=now + dt.timedelta(seconds=lease_seconds()),
        attempts=F("attempts") + 1,
    )
    won = AlarmStepRun.objects.filter(pk__in=candidates, state=StepRunState.CLAIMED, claimed_by=token)
    return list(won.order_by("due_at", "pk").values_list("pk", "alarm_id")), token


def ack_path(token: str) -> str:
    """The path of ``alarms:ack_link`` (kept in step with it by a test): ``reverse`` would load the whole
    URL configuration into a freshly started dispatcher."""
    return f"/alarms/ack/{token}/"


def _message(alarm: Alarm, token: str) -> str:
    link = public_url() + ack_path(token)
    with override(settings.LANGUAGE_CODE):
        who = (
            alarm.resident.name
            if alarm.resident is not None
            else (alarm.caller_name or gettext(ALARM_SMS_UNKNOWN))
        )
        where = alarm.location_text or alarm.area.name
        return gettext(ALARM_SMS) % {"number": alarm.number, "who": who, "where": where, "link": link}


def _notify(alarm: Alarm, step_index: int, recipient: Recipient, now: dt.datetime) -> Notification:
    token = secrets.token_urlsafe(18)
    notification = queue_sms(
        phone=recipient.phone,
        body=_message(alarm, token),
        purpose=ALARM_PURPOSE,
        idempotency_key=f"alarm:{alarm.pk}:step:{step_index}:{recipient.key}",
        enqueue=False,  # the dispatcher delivers it after the commit, its watchdog again if need be
    )
    # Created once: only the claim holder gets here, once per step (the run leaves ``claimed`` in this
    # transaction); the unique constraint would refuse a second one anyway.
    AlarmNotice.objects.create(
        alarm=alarm,
        step_index=step_index,
        recipient_key=recipient.key,
        label=recipient.label[:100],
        phone_index=recipient.phone_index,
        user_id=recipient.user_id,
        notification=notification,
        token_hash=token_hash(token),
        created_at=now,
    )
    return notification


def run_step(
    run_id: int,
    *,
    me: str,
    now: dt.datetime,
    alarm_id: int | None = None,
    policies: dict[str, list[StepSpec]] | None = None,
    rosters: dict[tuple[str, str], list[Recipient]] | None = None,
) -> list[int]:
    """Run one claimed step run; returns the ids of the notifications to deliver after the commit.

    ``policies`` caches the steps per area code for one pass of the dispatcher."""
    if alarm_id is None:
        alarm_id = AlarmStepRun.objects.filter(pk=run_id).values_list("alarm_id", flat=True).first()
        if alarm_id is None:
            return []
    policies = {} if policies is None else policies
    with transaction.atomic():
        # The alarm first, then the run: the same order as acknowledging, so the two never deadlock.
        alarm = (
            Alarm.objects.select_for_update(of=("self",)).select_related("resident", "area").get(pk=alarm_id)
        )
        run = AlarmStepRun.objects.select_for_update().get(pk=run_id)
        if run.state != StepRunState.CLAIMED or run.claimed_by != me:
            return []  # our lease ran out and another dispatcher took the step
        if alarm.status not in UNANSWERED_STATUSES:
            run.state = StepRunState.STOPPED
            run.finished_at = now
            run.save(update_fields=["state", "finished_at"])
            return []
        if alarm.status == AlarmStatus.PENDING:
            alarm.status = AlarmStatus.OPEN
            append_event(alarm, AlarmEventKind.ESCALATION_STARTED, at=now)
        alarm.current_step = run.step_index
        alarm.save(update_fields=["status", "current_step"])
        spec = StepSpec(run.kind, run.timeout_seconds, run.radius_m)
        if alarm.area_code not in policies:
            policies[alarm.area_code] = steps_for_area_code(alarm.area_code)
        steps = policies[alarm.area_code]
        recipients = recipients_for(alarm, spec, now, rosters=rosters)
        notification_ids: list[int] = []
        if recipients:
            lines = [
                AlarmEvent(
                    alarm=alarm,
                    at=now,
                    kind=AlarmEventKind.STEP_STARTED,
                    step=run.step_index,
                    data={"kind": run.kind, "recipients": len(recipients)},
                )
            ]
            for recipient in recipients:
                notification_ids.append(_notify(alarm, run.step_index, recipient, now).pk)
                lines.append(
                    AlarmEvent(
                        alarm=alarm,
                        at=now,
                        kind=AlarmEventKind.NOTIFIED,
                        step=run.step_index,
                        label=recipient.label[:100],
                        data={"kind": run.kind},
                    )
                )
            AlarmEvent.objects.bulk_create(lines)  # appended in this order, in one statement
            run.state = StepRunState.DONE
            next_due = now + dt.timedelta(seconds=run.timeout_seconds)
        else:
            append_event(
                alarm,
                AlarmEventKind.STEP_SKIPPED_NO_RESPONDER,
                at=now,
                step=run.step_index,
                data={"kind": run.kind},
            )
            run.state = StepRunState.SKIPPED
            # Nobody to wait for: the next step at once; but the last step, repeating, waits its timeout
            # rather than spin.
            last = run.step_index >= len(steps) - 1
            next_due = now + dt.timedelta(seconds=run.timeout_seconds) if last else now
        run.finished_at = now
        run.recipients = len(recipients)
        run.save(update_fields=["state", "finished_at", "recipients"])
        following = step_at(steps, run.step_index + 1)
        AlarmStepRun.objects.create(
            alarm=alarm,
            step_index=run.step_index + 1,
            kind=following.kind,
            timeout_seconds=following.timeout_seconds,
            radius_m=following.radius_m,
            due_at=next_due,
        )
    return notification_ids


def deliver(notification_ids: list[int]) -> None:
    for notification_id in notification_ids:
        try:
            deliver_notification(notification_id=notification_id)
        except Exception:  # the watchdog tries again; one bad message must not stop the others
            logger.exception("alarm notification %s not delivered", notification_id)


def repair_deliveries(*, now: dt.datetime, limit: int = 200) -> int:
    """The watchdog: deliver alarm SMS that a crash or a gateway failure left behind (read through the
    outbox's index of unsent messages)."""
    unsent = Notification.objects.filter(
        purpose=ALARM_PURPOSE, created_at__gte=now - dt.timedelta(days=1)
    ).exclude(status=NotificationStatus.SENT)
    stale = now - dt.timedelta(seconds=stale_sending_seconds())
    # Only the watchdog that moves a row from ``sending`` retries it; the gateway deduplicates by key.
    unsent.filter(status=NotificationStatus.SENDING, claimed_at__lt=stale).update(
        status=NotificationStatus.FAILED, last_error="stale"
    )
    # Queued ones younger than a moment belong to a dispatcher about to deliver them itself.
    settled = now - dt.timedelta(seconds=1)
    due = list(
        unsent.filter(
            Q(status=NotificationStatus.FAILED, attempts__lt=MAX_DELIVERY_ATTEMPTS)
            | Q(status=NotificationStatus.QUEUED, created_at__lt=settled)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    deliver(due)
    return len(due)


def dispatch_due(
    now: dt.datetime | None = None,
    *,
    limit: int = 20,
    me: str | None = None,
    stop_event: threading.Event | None = None,
    repair: bool = True,
) -> int:
    """One pass: run every due step run this dispatcher can claim (``limit`` at a time), then the watchdog;
    returns the steps run. A set ``stop_event`` ends the pass after the step in hand; ``repair=False``
    leaves out the watchdog (a loop runs it once a second, not on every wake-up)."""
    me = me or dispatcher_id()
    processed = 0
    policies: dict[str, list[StepSpec]] = {}
    rosters: dict[tuple[str, str], list[Recipient]] = {}
    for _round in range(50):  # more due, or a skipped step made the next one due at once: go round again
        moment = now or timezone.now()
        won, token = claim_due(now=moment, me=me, limit=limit)
        ran = 0
        for run_id, alarm_id in won:
            if stop_event is not None and stop_event.is_set():
                return processed + ran  # the rest of the claim comes back when its lease runs out
            notification_ids = run_step(
                run_id, me=token, now=moment, alarm_id=alarm_id, policies=policies, rosters=rosters
            )
            deliver(notification_ids)
            ran += 1
        processed += ran
        if not won:
            break
    if repair:
        repair_deliveries(now=now or timezone.now())
    return processed


class _Waker:
    """A PostgreSQL LISTEN connection that ends the poll wait early when an alarm is raised."""

    def __init__(self, *, listen: bool = True) -> None:
        self.conn: Any = None
        if connection.vendor != "postgresql" or not listen:
            return
        try:
            import psycopg

            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            params.pop("prepare_threshold", None)
            params.pop("pool", None)
            self.conn = psycopg.connect(autocommit=True, **params)
            self.conn.execute(f"LISTEN {WAKE_CHANNEL}")
        except Exception:  # polling alone still works
            logger.warning("alarm dispatcher: LISTEN unavailable, polling only", exc_info=True)
            self.conn = None

    def wait(self, stop_event: threading.Event, seconds: float) -> None:
        if self.conn is None:
            stop_event.wait(seconds)
            return
        try:
            for _notify in self.conn.notifies(timeout=seconds, stop_after=1):
                break
        except Exception:
            logger.warning("alarm dispatcher: LISTEN connection lost, polling only", exc_info=True)
            self.close()
            stop_event.wait(seconds)

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None


def _loop(stop_event: threading.Event, interval: float, me: str, *, listen: bool) -> None:
    waker = _Waker(listen=listen)
    logger.info("alarm dispatcher %s started", me)
    repaired = 0.0
    try:
        while not stop_event.is_set():
            repair = time.monotonic() - repaired >= WATCHDOG_SECONDS
            if repair:
                repaired = time.monotonic()
            try:
                count = dispatch_due(me=me, stop_event=stop_event, repair=repair)
            except Exception:
                logger.exception("alarm dispatcher pass failed")
                close_old_connections()
                count = 0
            if count == 0:
                waker.wait(stop_event, interval)
    finally:
        waker.close()
        connection.close()
        logger.info("alarm dispatcher %s stopped", me)


def run_forever(stop_event: threading.Event, poll: float | None = None, threads: int | None = None) -> None:
    """Dispatch until ``stop_event`` is set; a failing pass is logged and the loop goes on.

    Most of a step's time is spent waiting for the database, so on PostgreSQL several threads
    (``LINLI_ALARM_DISPATCHER_THREADS``, 2) work side by side, sharing the work through their claims; the
    first LISTENs, the others poll. SQLite has one writer at a time: one thread there."""
    interval = poll_seconds() if poll is None else poll
    if threads is None:
        threads = (
            int(alarm_setting("LINLI_ALARM_DISPATCHER_THREADS", 2))
            if connection.vendor == "postgresql"
            else 1
        )
    workers = [
        threading.Thread(
            target=_loop,
            args=(stop_event, interval, f"{dispatcher_id()}:{n}"),
            kwargs={"listen": n == 0},
            daemon=True,
        )
        for n in range(max(1, threads))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

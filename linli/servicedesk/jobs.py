"""Periodic jobs and the small scheduler that runs them: ``linli tick`` (and the worker's tick thread).

Each job is idempotent: a reminder or an escalation is recorded once per case and due time, a proactive
candidate once per item and resident, a notification is delivered once per idempotency key. The
scheduler claims a job with a conditional update, so two ticks at the same moment run it once.
"""

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.utils import timezone

from linli.core.services import redeliver_notifications
from linli.servicedesk import proactive, reminders
from linli.servicedesk.models import JobRun
from linli.servicedesk.sla import LOCAL

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[dt.datetime], int]
    every: dt.timedelta | None = None
    # Daily jobs run once per local date, from this hour on.
    daily_at_hour: int | None = None


JOBS: tuple[Job, ...] = (
    Job("sla_reminders", lambda now: reminders.send_due_reminders(now=now), every=dt.timedelta(minutes=5)),
    Job(
        "overdue_escalation",
        lambda now: reminders.escalate_overdue_cases(now=now),
        every=dt.timedelta(minutes=5),
    ),
    Job("redeliver_notifications", lambda now: redeliver_notifications(), every=dt.timedelta(minutes=10)),
    Job(
        "proactive_evaluation",
        lambda now: proactive.evaluate_proactive_items(today=now.astimezone(LOCAL).date()),
        daily_at_hour=2,
    ),
)


def all_jobs() -> tuple[Job, ...]:
    """The desk's jobs and those other apps declare as ``JOBS`` in their own ``jobs`` module (e.g. care's
    daily plan run): the scheduler runs them all without this app importing theirs."""
    jobs = list(JOBS)
    for config in apps.get_app_configs():
        if config.name == __package__ or not config.name.startswith("linli."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.jobs")
        except ModuleNotFoundError as missing:
            if missing.name != f"{config.name}.jobs":
                raise
            continue
        jobs.extend(getattr(module, "JOBS", ()))
    return tuple(jobs)


def is_due(job: Job, last_started: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether ``job`` should run at ``now`` given when it last started."""
    if job.daily_at_hour is not None:
        local = now.astimezone(LOCAL)
        if local.hour < job.daily_at_hour:
            return False
        return last_started is None or last_started.astimezone(LOCAL).date() < local.date()
    assert job.every is not None  # noqa: S101 - a job is either daily or periodic
    return last_started is None or now - last_started >= job.every


def run_due_jobs(
    *, now: dt.datetime | None = None, only: str | None = None, force: bool = False
) -> dict[str, int]:
    """Run each job that is due (or ``only`` that one, with ``force`` whatever its time); returns counts."""
    now = now or timezone.now()
    results: dict[str, int] = {}
    for job in all_jobs():
        if only is not None and job.name != only:
            continue
        run, _created = JobRun.objects.get_or_create(name=job.name)
        if not force and not is_due(job, run.last_started_at, now):
            continue
        # Claim: only the tick that moves last_started_at from the value it read runs the job.
        claimed = JobRun.objects.filter(pk=run.pk, last_started_at=run.last_started_at).update(
            last_started_at=now
        )
        if not claimed:
            continue
        try:
            count = job.run(now)
        except Exception:
            logger.exception("job %s failed", job.name)
            JobRun.objects.filter(pk=run.pk).update(last_result="failed")
            continue
        JobRun.objects.filter(pk=run.pk).update(last_finished_at=timezone.now(), last_result=str(count))
        results[job.name] = count
    return results

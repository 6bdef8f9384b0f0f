"""The alarm app's periodic job, run by the scheduler in ``linli.servicedesk.jobs`` (escalation itself runs
in the dispatcher, not here: a minute's tick is far too slow for an alarm)."""

from linli.alarms.services import prune_webhook_records
from linli.servicedesk.jobs import Job

JOBS = (Job("alarm_webhook_records", lambda now: prune_webhook_records(now=now), daily_at_hour=3),)

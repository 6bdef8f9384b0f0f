"""The care app's periodic job: the daily plan run, early in the morning, by ``linli.servicedesk.jobs``."""

import datetime as dt

from django.utils import timezone

from linli.care.services import generate_care_plans
from linli.servicedesk.jobs import Job


def generate_care_plans_job(now: dt.datetime) -> int:
    """Bring every care plan in line with the rules and tags of the day; returns how many plans changed."""
    return generate_care_plans(today=timezone.localtime(now).date()).changed


JOBS = (Job("care_plans", generate_care_plans_job, daily_at_hour=1),)

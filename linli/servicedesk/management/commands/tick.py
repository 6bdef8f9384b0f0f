"""Run the periodic jobs that are due: SLA reminders, overdue escalation, the daily proactive evaluation,
the redelivery of failed notifications, and the jobs other apps declare (the daily care plans). Safe to run
as often as you like (cron, a timer, or the worker)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from linli.servicedesk.jobs import all_jobs, run_due_jobs


class Command(BaseCommand):
    help = "Run the periodic jobs that are due (safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--job", choices=[job.name for job in all_jobs()], help="only this job")
        parser.add_argument("--force", action="store_true", help="run even if not due")

    def handle(self, *args: Any, **options: Any) -> None:
        results = run_due_jobs(only=options.get("job"), force=bool(options.get("force")))
        for name, count in results.items():
            self.stdout.write(f"{name}: {count}")

"""``linli care_plan``: generate the care plans now (the daily job does the same)."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from linli.care.services import generate_care_plans


class Command(BaseCommand):
    help = "Create, update and end care plans from the visit rules and the residents' tags."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", default="", help="only residents below this area code")
        parser.add_argument("--today", default="", help="the day to plan from, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = dt.date.fromisoformat(options["today"]) if options["today"] else None
        except ValueError as error:
            raise CommandError(_("--today must be a date like 2026-03-02.")) from error
        result = generate_care_plans(today=today, area_prefix=options["area"])
        self.stdout.write(
            _("Care plans: %(created)d created, %(updated)d updated, %(ended)d ended.")
            % {"created": result.created, "updated": result.updated, "ended": result.ended}
        )

"""``manage.py load_demo``: load the demo district once, and print how to log in to it."""

import time
import unicodedata
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from linli.demo.accounts import account_rows, resident_logins
from linli.demo.generator import DEFAULT_RESIDENTS, DEFAULT_SEED, district_exists, generate


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths, strict=True)
        )

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


class Command(BaseCommand):
    help = "Load the demo district (门头沟区) once, then print the demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--residents", type=int, default=DEFAULT_RESIDENTS, help="About how many residents to create."
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Seed of the random generator.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.load(residents=options["residents"], seed=options["seed"])
        except ImproperlyConfigured as exc:  # the division files are missing
            raise CommandError(str(exc)) from exc

    def load(self, *, residents: int, seed: int) -> None:
        started = time.monotonic()
        self.print_accounts()
        if district_exists():
            self.stdout.write(_("The demo district is already loaded; nothing to do."))
        else:
            self.stdout.write(
                _("Loading the demo district with about %(residents)d residents (seed %(seed)d)…")
                % {"residents": residents, "seed": seed}
            )
            summary = generate(residents=residents, seed=seed, progress=self.stdout.write)
            if summary is None:
                self.stdout.write(_("The demo district is already loaded; nothing to do."))
            else:
                self.stdout.write(
                    self.style.SUCCESS(
                        _(
                            "Loaded %(streets)d streets and towns, %(communities)d communities and villages, "
                            "%(grids)d grids, %(households)d households, %(residents)d residents and "
                            "%(tags)d tags."
                        )
                        % {
                            "streets": summary.streets,
                            "communities": summary.communities,
                            "grids": summary.grids,
                            "households": summary.households,
                            "residents": summary.residents,
                            "tags": summary.tags,
                        }
                    )
                )
        self.print_accounts()
        self.stdout.write(_("Time taken: %(seconds).1f s") % {"seconds": time.monotonic() - started})

    def print_accounts(self) -> None:
        rows = [[row.username, row.role, row.area, row.password] for row in account_rows()]
        headers = [_("Username"), _("Role"), _("Area"), _("Password")]
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("Demo staff accounts")))
        self.stdout.write(_table(headers, rows))
        logins = resident_logins()
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(_("Residents for the phone login (the code is in the SMS outbox)"))
        )
        if logins:
            self.stdout.write(
                _table([_("Name"), _("Phone"), _("Address")], [[r.name, r.phone, r.address] for r in logins])
            )
        else:
            self.stdout.write(_("(listed once the demo district is loaded)"))
        self.stdout.write("")

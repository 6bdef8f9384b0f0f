"""``linli import FILE --profile NAME``: import a large department file from the command line."""

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from linli.core.errors import DomainError
from linli.core.models import Area
from linli.intake.models import ImportProfile
from linli.intake.pipeline import run_batch
from linli.intake.services import create_batch


class Command(BaseCommand):
    help = "Import a department's spreadsheet (xlsx, xls or CSV) with a saved column mapping."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--profile", required=True, help="name of a saved import profile")
        parser.add_argument("--area", help="statistical code of the area the list covers (default: district)")
        parser.add_argument("--user", required=True, help="username of the staff member importing")
        parser.add_argument("--label", default="", help="name of the list, kept as the values' source")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        profile = ImportProfile.objects.filter(name=options["profile"]).first()
        if profile is None:
            names = ", ".join(ImportProfile.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"no import profile named {options['profile']!r} (saved profiles: {names})")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user named {options['user']!r}")
        area = (
            Area.objects.filter(code=options["area"]).first()
            if options["area"]
            else Area.objects.filter(parent__isnull=True).order_by("code").first()
        )
        if area is None:
            raise CommandError("no such area")
        try:
            with path.open("rb") as handle:
                batch = create_batch(
                    actor=user,
                    area=area,
                    upload=File(handle, name=path.name),
                    source_kind=profile.source_kind,
                    source_label=options["label"] or profile.name,
                    profile=profile,
                )
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        bars: dict[str, tqdm[Any]] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            bar = bars.get(stage)
            if bar is None:
                for other in bars.values():
                    other.close()
                bar = bars[stage] = tqdm(total=total, desc=stage, unit="row" if stage == "write" else "%")
            bar.n = done
            bar.refresh()

        run_batch(batch, actor=user, on_progress=on_progress)
        for bar in bars.values():
            bar.close()
        batch.refresh_from_db()
        counts = ", ".join(f"{k} {v}" for k, v in sorted(batch.counts.items()))
        timings = ", ".join(f"{k} {v:.1f} s" for k, v in batch.timings.items())
        self.stdout.write(f"import {batch.pk}: {batch.total_rows} rows: {counts}")
        self.stdout.write(f"stages: {timings}")
        if batch.report:
            self.stdout.write(f"rows that were not clean: {batch.report.path}")

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from linli.core.reencryption import reencrypt_personal_data


class Command(BaseCommand):
    help = (
        "Re-encrypt personal data under the active key (LINLI_ENCRYPTION_ACTIVE_KEY), so that an old key can "
        "be retired. Safe to stop and run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction")
        parser.add_argument("--dry-run", action="store_true", help="only count the values to rewrite")

    def handle(self, *args: Any, **options: Any) -> None:
        results = reencrypt_personal_data(batch=options["batch"], dry_run=options["dry_run"])
        verb = "to re-encrypt" if options["dry_run"] else "re-encrypted"
        for result in results:
            if result.rewritten or result.skipped or result.unreadable:
                notes = []
                if result.skipped:
                    notes.append(f"{result.skipped} changed meanwhile: run again")
                if result.unreadable:
                    notes.append(f"{result.unreadable} unreadable with the configured keys: left as they are")
                extra = f" ({'; '.join(notes)})" if notes else ""
                self.stdout.write(f"{result.label}: {result.rewritten} {verb}{extra}")
        total = sum(r.rewritten for r in results)
        self.stdout.write(f"{total} values {verb} in {len(results)} encrypted columns")

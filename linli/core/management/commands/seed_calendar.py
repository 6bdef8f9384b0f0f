from typing import Any

from django.core.management.base import BaseCommand

from linli.core.services import seed_calendar_from_package


class Command(BaseCommand):
    help = "Load China's official holidays and adjusted workdays from the chinese_calendar package."

    def handle(self, *args: Any, **options: Any) -> None:
        written = seed_calendar_from_package()
        self.stdout.write(f"calendar days written: {written}")

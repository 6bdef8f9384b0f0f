from typing import Any

from django.core.management.base import BaseCommand

from linli.core.services import redeliver_notifications


class Command(BaseCommand):
    help = "Queue again the notifications whose delivery failed or stopped half-way."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"notifications queued again: {redeliver_notifications()}")

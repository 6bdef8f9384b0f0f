"""Run only the alarm escalation dispatcher (``linli worker`` also runs one). Start as many as you like:
they share the work through leases in the database. SIGTERM or Ctrl+C stops it after the current pass."""

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from linli.alarms.dispatcher import dispatch_due, run_forever


class Command(BaseCommand):
    help = "Run the alarm escalation dispatcher until stopped (or one pass with --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run the due steps once and exit")
        parser.add_argument("--poll", type=float, default=None, help="seconds between passes (default 0.2)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self.stdout.write(f"steps run: {dispatch_due()}")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_args: stop.set())
        run_forever(stop, options["poll"])

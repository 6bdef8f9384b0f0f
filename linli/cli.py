"""The ``linli`` command: ``demo`` (embedded, one process), ``serve`` and ``worker`` (production), and any
Django management command (``linli migrate``, ``linli createsuperuser``, ...)."""

import os
import signal
import subprocess
import sys
import threading


def _django(args: list[str]) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["linli", *args])


def _setup() -> None:
    import django

    django.setup()


def serve(argv: list[str]) -> int:
    """Run the web server: Granian serving Django's WSGI application (docs/adr/0010). Configure with
    LINLI_HOST, LINLI_PORT, LINLI_WEB_WORKERS (processes) and LINLI_WEB_THREADS (threads per process)."""
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        "config.wsgi:application",
        address=os.environ.get("LINLI_HOST", "127.0.0.1"),
        port=int(os.environ.get("LINLI_PORT", "8000")),
        interface=Interfaces.WSGI,
        workers=int(os.environ.get("LINLI_WEB_WORKERS", "1")),
        blocking_threads=int(os.environ.get("LINLI_WEB_THREADS", "2")),
    ).serve()
    return 0


def _tick_forever(stop: threading.Event, interval: float) -> None:
    from django.db import close_old_connections

    from linli.servicedesk.jobs import run_due_jobs

    while True:
        try:
            run_due_jobs()
        except Exception as exc:  # a failed tick is logged; the next one tries again
            print(f"tick failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        finally:
            close_old_connections()
        if stop.wait(interval):
            return


def start_tick_thread() -> threading.Event | None:
    """Run the periodic jobs (``linli tick``) in the background every LINLI_TICK_SECONDS (60; 0: never)."""
    interval = float(os.environ.get("LINLI_TICK_SECONDS", "60"))
    if interval <= 0:
        return None
    stop = threading.Event()
    threading.Thread(target=_tick_forever, args=(stop, interval), name="linli-tick", daemon=True).start()
    return stop


def start_alarm_dispatcher_thread() -> threading.Event | None:
    """Run the alarm escalation dispatcher in the background (LINLI_ALARM_DISPATCHER=0: not here)."""
    if os.environ.get("LINLI_ALARM_DISPATCHER", "1") == "0":
        return None
    from linli.alarms.dispatcher import run_forever

    stop = threading.Event()
    threading.Thread(target=run_forever, args=(stop,), name="linli-alarms", daemon=True).start()
    return stop


def worker(argv: list[str]) -> int:
    """Run the task worker: it takes tasks from the database queue (notifications, escalations, imports),
    runs the periodic jobs every minute, and the alarm dispatcher beside them."""
    _setup()
    stop = start_tick_thread()
    alarms = start_alarm_dispatcher_thread()
    try:
        _django(["db_worker", *argv])
    finally:
        for event in (stop, alarms):
            if event is not None:
                event.set()
    return 0


def demo(argv: list[str]) -> int:
    """Embedded mode: migrate, load the demo district once, then serve the site with a task worker."""
    os.environ.setdefault("LINLI_ALLOW_DEMO_TOTP_SKIP", "1")
    os.environ.setdefault("LINLI_DEMO_OUTBOX_PUBLIC", "1")
    _django(["migrate", "--noinput"])
    _django(["load_demo", *argv])
    worker_process = subprocess.Popen([sys.executable, "-m", "linli.cli", "worker"])
    try:
        host = os.environ.get("LINLI_HOST", "127.0.0.1")
        port = os.environ.get("LINLI_PORT", "8000")
        print(f"Linli demo: http://{host}:{port}  (Ctrl+C to stop)", flush=True)
        return serve([])
    finally:
        worker_process.send_signal(signal.SIGTERM)
        try:
            worker_process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker_process.kill()


COMMANDS = {"demo": demo, "serve": serve, "worker": worker}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        print("commands: demo, serve, worker, or any manage.py command")
        return 0
    command = COMMANDS.get(args[0])
    if command is not None:
        return command(args[1:])
    _django(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

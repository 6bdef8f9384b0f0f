"""The ``linli`` command: ``demo`` (embedded, one process), ``serve`` and ``worker`` (production), and any
Django management command (``linli migrate``, ``linli createsuperuser``, ...)."""

import os
import signal
import subprocess
import sys


def _django(args: list[str]) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["linli", *args])


def _setup() -> None:
    import django

    django.setup()


def serve(argv: list[str]) -> int:
    """Run the ASGI web server (uvicorn). Configure with LINLI_HOST, LINLI_PORT and LINLI_WEB_WORKERS."""
    import uvicorn

    host = os.environ.get("LINLI_HOST", "127.0.0.1")
    port = int(os.environ.get("LINLI_PORT", "8000"))
    workers = int(os.environ.get("LINLI_WEB_WORKERS", "1"))
    uvicorn.run(
        "config.asgi:application", host=host, port=port, workers=workers, log_level="info", lifespan="off"
    )
    return 0


def worker(argv: list[str]) -> int:
    """Run the task worker: it takes tasks from the database queue (notifications, escalations, imports)."""
    _django(["db_worker", *argv])
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

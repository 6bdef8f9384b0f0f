"""Service desk under load: 200,000 cases in PostgreSQL, 50 concurrent HTTP clients.

    .venv/bin/python bench/servicedesk_bench.py [--cases 200000] [--clients 50] [--requests 1000]

Measures, through a real server (``linli serve``: Granian in a subprocess) and httpx clients:

- **submit**: ``POST /api/v1/services/cases``, a community worker filing a case for a resident at the window
  (eligibility, answers, routing, SLA on the working-day calendar, case number, history row, audit row and
  the SMS in the outbox, in one transaction); target p95 < 150 ms;
- **queue page**: ``GET /services/desk/``, the worker's HTML queue of open cases in their community sorted by
  due time (session login with a verified second factor); target p95 < 100 ms.

The targets are judged on the paced load: 50 clients, each sending a request every second (people at their
screens; a desk worker really refreshes the queue every few tens of seconds, so this is already ten times a
real desk's load). The closed loop that follows sends each next request as soon as the last is answered: it
measures the server's capacity (requests a second), and its latency is only clients / capacity, so no
latency target applies to it.

The data lives in a PostgreSQL database of its own, ``linli_servicedesk_bench`` (dropped and created, and
dropped again at the end unless ``--keep``), with keys of its own under ``var/bench/servicedesk/``. Loading
is set-up and is timed separately. This is a benchmark, not a test: it prints figures, asserts no timing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import platform
import random
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_bench import (  # noqa: E402 - the path is set just above
    DISTRICT_CODE,
    drop_postgres,
    free_port,
    generate,
    load,
    percentile,
    postgres_urls,
    recreate_postgres,
    use_bench_var,
)

BENCH_VAR = ROOT / "var" / "bench" / "servicedesk"
RESULTS_DIR = ROOT / "bench" / "results"
TARGETS_MS = {"submit": 150.0, "queue page": 100.0}
NOW = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--residents", type=int, default=30_000, help="residents the cases belong to")
    parser.add_argument("--clients", type=int, default=50, help="concurrent HTTP clients")
    parser.add_argument("--requests", type=int, default=1000, help="measured requests per operation")
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured requests per operation")
    parser.add_argument("--open-share", type=float, default=0.12, help="share of cases still open")
    parser.add_argument("--web-workers", type=int, default=2, help="web server processes")
    parser.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="paced load: seconds between one client's requests (default 1.0: 50 clients offer 50 req/s)",
    )
    parser.add_argument("--no-closed", action="store_true", help="skip the closed-loop (saturation) run")
    parser.add_argument("--seed", type=int, default=20260304)
    parser.add_argument("--postgres-url", default="")
    parser.add_argument("--pg-database", default="linli_servicedesk_bench")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database a --keep run left (migrated, not reloaded)"
    )
    parser.add_argument("--explain", action="store_true", help="print the plan of the queue query")
    parser.add_argument("--no-json", action="store_true")
    return parser.parse_args(argv)


def configure_environment(args: argparse.Namespace) -> bool:
    """Point Django at the bench's own database and keys; True if a kept database is reused."""
    use_bench_var(BENCH_VAR)
    if "bench" not in args.pg_database:
        sys.exit("--pg-database must contain 'bench': this script drops and recreates it")
    bench_url, maintenance_url = postgres_urls(args)
    reused = recreate_postgres(maintenance_url, args.pg_database, reuse=args.reuse)
    os.environ["DATABASE_URL"] = bench_url
    return reused


# --- the cases ------------------------------------------------------------------------------------


def load_cases(*, count: int, open_share: float, rng: random.Random, batch: int = 5000) -> dict[str, float]:
    """200,000 cases over the last year: people's applications and reports at places, 12% still open."""
    from django.db import connection, transaction

    from linli.core.models import Area
    from linli.registry.models import Resident
    from linli.servicedesk.models import Case, CaseEvent, ServiceItem
    from linli.servicedesk.sla import LOCAL

    timings: dict[str, float] = {}
    started = time.perf_counter()
    items = list(ServiceItem.objects.select_related("queue"))
    people_items = [i for i in items if not i.is_location_based]
    place_items = [i for i in items if i.is_location_based]
    residents = list(Resident.objects.values_list("pk", "area_id", "name", "phone"))
    grids = list(Area.objects.filter(level="grid").values_list("pk", "code"))
    grid_code = dict(grids)
    closed_statuses = ["done"] * 9 + ["rejected"]
    open_statuses = ["submitted", "accepted", "in_progress", "in_progress", "needs_info", "resubmitted"]
    with transaction.atomic():
        for start in range(0, count, batch):
            cases: list[Case] = []
            events: list[CaseEvent] = []
            for pk in range(start + 1, min(start + batch, count) + 1):
                submitted = NOW - dt.timedelta(seconds=rng.randint(0, 365 * 86400))
                is_open = rng.random() < open_share
                if is_open:
                    submitted = NOW - dt.timedelta(seconds=rng.randint(0, 20 * 86400))
                if rng.random() < 0.6:
                    item = rng.choice(people_items)
                    resident_id, area_id, name, phone = rng.choice(residents)
                else:
                    item = rng.choice(place_items)
                    resident_id, name, phone = None, "", ""
                    area_id = rng.choice(grids)[0]
                span = (
                    dt.timedelta(hours=item.sla_amount)
                    if item.sla_unit == "hours"
                    else dt.timedelta(days=item.sla_amount * 7 / 5)
                )
                status = rng.choice(open_statuses) if is_open else rng.choice(closed_statuses)
                closed_at = submitted + span * rng.uniform(0.2, 1.1)
                cases.append(
                    Case(
                        pk=pk,
                        number=f"{submitted.astimezone(LOCAL):%Y%m%d}{pk:07d}",
                        item_id=item.pk,
                        status=status,
                        channel="online" if resident_id else "open311",
                        area_id=area_id,
                        area_code=grid_code[area_id],
                        department=item.department,
                        queue_id=item.queue_id,
                        resident_id=resident_id,
                        requester_name=name,
                        requester_phone=phone,
                        answers={},
                        description="",
                        submitted_at=submitted,
                        updated_at=submitted if is_open else closed_at,
                        due_at=submitted + span,
                        closed_at=None if is_open else closed_at,
                    )
                )
                events.append(
                    CaseEvent(case_id=pk, at=submitted, action="submit", to_status="submitted", data={})
                )
                if not is_open:
                    events.append(
                        CaseEvent(
                            case_id=pk,
                            at=closed_at,
                            action="complete" if status == "done" else "reject",
                            from_status="in_progress",
                            to_status=status,
                            data={},
                        )
                    )
            Case.objects.bulk_create(cases)
            CaseEvent.objects.bulk_create(events)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('servicedesk_case', 'id'),"
                " (SELECT MAX(id) FROM servicedesk_case))"
            )
    timings["cases and history"] = time.perf_counter() - started
    return timings


# --- the server and the clients -------------------------------------------------------------------


@contextmanager
def server(web_workers: int) -> Iterator[str]:
    """``linli serve`` in a subprocess with this process's environment; yields its base URL."""
    import httpx

    port = free_port()
    log = (BENCH_VAR / "serve.log").open("w")
    env = dict(os.environ, LINLI_HOST="127.0.0.1", LINLI_PORT=str(port), LINLI_WEB_WORKERS=str(web_workers))
    process = subprocess.Popen(
        [sys.executable, "-m", "linli.cli", "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                sys.exit(f"linli serve exited with {process.returncode}; see {log.name}")
            try:
                httpx.get(f"{base}/services/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    sys.exit(f"linli serve did not start within 60 s; see {log.name}")
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


async def run_clients(
    base: str,
    clients: int,
    requests: list[tuple[str, str, dict[str, Any] | None]],
    headers: dict[str, str],
    cookies: dict[str, str],
    *,
    interval: float,
) -> tuple[list[float], dict[int, int]]:
    """``clients`` concurrent clients share the list of requests; each request's latency is recorded.

    With ``interval`` > 0 each client sends one request every ``interval`` seconds (paced, like people at
    their screens), and a request's latency counts from when it was due, so a server that falls behind is
    not flattered (no coordinated omission). With ``interval`` 0 each client sends its next request as soon
    as the last one is answered (closed loop: the server's saturation, where latency = clients / throughput).
    """
    import httpx

    timings: list[float] = []
    statuses: dict[int, int] = {}
    queue = list(reversed(requests))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    rng = random.Random(len(requests))
    async with httpx.AsyncClient(
        base_url=base, headers=headers, cookies=cookies, limits=limits, timeout=60
    ) as client:

        async def one_client() -> None:
            due = time.perf_counter() + rng.uniform(0, interval)
            while queue:
                method, url, body = queue.pop()
                if interval > 0:
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                    started = due
                    due += interval
                else:
                    started = time.perf_counter()
                response = await client.request(method, url, json=body)
                timings.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        await asyncio.gather(*(one_client() for _ in range(clients)))
    return timings, statuses


def summary(
    name: str, load: str, timings: list[float], statuses: dict[int, int], wall: float, *, paced: bool
) -> dict[str, Any]:
    """One row of figures. The targets hold for the paced load; a closed loop measures capacity instead."""
    ordered = sorted(timings)
    return {
        "operation": name,
        "load": load,
        "n": len(ordered),
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 1),
        "p95_ms": round(percentile(ordered, 0.95) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "throughput_per_s": round(len(ordered) / wall, 1),
        "statuses": statuses,
        "target_p95_ms": TARGETS_MS[name] if paced else None,
        "meets_target": percentile(ordered, 0.95) * 1000 < TARGETS_MS[name] if paced else None,
    }


def staff_session(user: Any) -> str:
    """A session with a verified second factor, as the TOTP step leaves it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return str(session.session_key)


def explain_queue(user: Any) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.servicedesk.selectors import worker_queue

    with CaptureQueriesContext(connection) as captured:
        worker_queue(user=user)
    statement = next(q["sql"] for q in captured.captured_queries if 'FROM "servicedesk_case"' in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        return "\n".join(f"  {row[0]}" for row in cursor.fetchall())


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    reused = configure_environment(args)

    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from linli.accounts.models import User
    from linli.accounts.roles import Role
    from linli.accounts.services import create_staff_user, issue_api_token
    from linli.core.models import Area
    from linli.registry.models import Resident
    from linli.servicedesk.models import Case

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"database: PostgreSQL {version} ({connection.settings_dict['NAME']})")
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrate: {time.perf_counter() - started:.1f} s")

    rng = random.Random(args.seed)
    if reused and Case.objects.exists():
        with connection.cursor() as cursor:
            # The cases earlier runs submitted would lengthen the measured queue from run to run.
            earlier = "SELECT c.id FROM servicedesk_case c JOIN accounts_user u ON u.id = c.submitted_by_id"
            earlier += " WHERE u.username = 'bench-worker'"
            for table in ("servicedesk_caseevent", "servicedesk_casereminder"):
                cursor.execute(f"DELETE FROM {table} WHERE case_id IN ({earlier})")  # noqa: S608 - fixed names
            cursor.execute(f"DELETE FROM servicedesk_case WHERE id IN ({earlier})")  # noqa: S608
            cursor.execute("VACUUM ANALYZE servicedesk_case")
        print(f"reused: {Case.objects.count():,} cases from an earlier --keep run")
    else:
        population = generate(args.residents, args.seed)
        started = time.perf_counter()
        load(population, 2000)
        print(f"load residents: {len(population.people):,} in {time.perf_counter() - started:.1f} s")
        steps = load_cases(count=args.cases, open_share=args.open_share, rng=rng)
        took = ", ".join(f"{k} {v:.1f} s" for k, v in steps.items())
        print(f"load cases: {Case.objects.count():,} ({took})")
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("VACUUM ANALYZE")
            print(f"VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")

    # The busiest community: its worker's queue is the longest.
    counts: dict[str, int] = {}
    for code in Case.objects.exclude(status__in=["done", "rejected"]).values_list("area_code", flat=True):
        counts[code[:12]] = counts.get(code[:12], 0) + 1
    community_code = max(counts, key=lambda code: counts[code])
    community = Area.objects.get(code=community_code)
    worker = User.objects.filter(username="bench-worker").first() or create_staff_user(
        username="bench-worker",
        password=os.urandom(16).hex(),
        full_name="社区工作者",
        memberships=[(community, Role.COMMUNITY_WORKER)],
    )
    open_in_community = counts[community_code]
    in_community = Case.objects.filter(area_code__startswith=community_code).count()
    print(
        f"district {DISTRICT_CODE}: {Case.objects.count():,} cases; worker's community {community_code}: "
        f"{in_community:,} cases, {open_in_community:,} open"
    )
    if args.explain:
        print("\nplan of the queue query:")
        print(explain_queue(worker))
    _, token = issue_api_token(user=worker, name="bench")
    session_key = staff_session(worker)
    people = list(
        Resident.objects.filter(area__code__startswith=community_code, merged_into__isnull=True).values_list(
            "pk", flat=True
        )
    )
    # Items without an age rule, so any resident may be the applicant; the phone is asked only if unknown.
    phone = {"phone": "13800138000"}
    forms = [
        ("residence_certificate", {"purpose": "school", **phone}),
        ("temporary_assistance", {"event": "家中失火，生活暂时困难", **phone}),
        ("resident_medical_insurance", phone),
    ]

    def submits(n: int) -> list[tuple[str, str, dict[str, Any] | None]]:
        requests: list[tuple[str, str, dict[str, Any] | None]] = []
        for _ in range(n):
            code, answers = rng.choice(forms)
            body = {"item": code, "resident_id": rng.choice(people), "answers": answers, "channel": "window"}
            requests.append(("POST", "/api/v1/services/cases", body))
        return requests

    def pages(n: int) -> list[tuple[str, str, dict[str, Any] | None]]:
        return [("GET", "/services/desk/", None)] * n

    connection.close()
    results = []
    headers = {"Authorization": f"Bearer {token}"}
    cookies = {settings.SESSION_COOKIE_NAME: session_key}
    with server(args.web_workers) as base:
        print(f"server: linli serve, {args.web_workers} workers; {args.clients} concurrent clients\n")
        loads = [(f"paced {args.interval:g} s", args.interval)] + (
            [] if args.no_closed else [("closed loop", 0.0)]
        )
        for load_name, interval in loads:
            for name, make in (("submit", submits), ("queue page", pages)):
                asyncio.run(
                    run_clients(
                        base, args.clients, make(args.warmup), headers, cookies, interval=interval / 4
                    )
                )
                started = time.perf_counter()
                timings, statuses = asyncio.run(
                    run_clients(base, args.clients, make(args.requests), headers, cookies, interval=interval)
                )
                wall = time.perf_counter() - started
                results.append(summary(name, load_name, timings, statuses, wall, paced=interval > 0))

    head = ("load", "operation", "n", "p50 ms", "p95 ms", "max ms", "req/s")
    print("{:<13} {:<11} {:>6} {:>8} {:>8} {:>8} {:>7}  target".format(*head))
    for row in results:
        if row["meets_target"] is None:
            verdict = f"capacity (latency = {args.clients} clients / req/s)"
        else:
            verdict = f"{'meets' if row['meets_target'] else 'MISSES'} p95<{row['target_p95_ms']:.0f}"
        print(
            f"{row['load']:<13} {row['operation']:<11} {row['n']:>6} {row['p50_ms']:>8.1f} "
            f"{row['p95_ms']:>8.1f} {row['max_ms']:>8.1f} {row['throughput_per_s']:>7.1f}  "
            f"{verdict}  HTTP {row['statuses']}"
        )
    if not args.no_json:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = RESULTS_DIR / f"servicedesk-postgres-{args.cases}-{stamp}.json"
        path.write_text(
            json.dumps(
                {
                    "postgres": version,
                    "cases": args.cases,
                    "residents": args.residents,
                    "clients": args.clients,
                    "web_workers": args.web_workers,
                    "open_in_worker_community": open_in_community,
                    "python": platform.python_version(),
                    "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
                    "results": results,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        print(f"results: {path.relative_to(ROOT)}")
    connection.close()
    if not args.keep:
        drop_postgres(postgres_urls(args)[1], args.pg_database)
        print(f"dropped database {args.pg_database}")


if __name__ == "__main__":
    main()

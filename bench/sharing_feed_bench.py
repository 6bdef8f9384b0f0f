"""Department sync through the sharing API: full copy of residents, and the change feed, on a district.

    .venv/bin/python bench/sharing_feed_bench.py [--database sqlite|postgres] [--residents 30000]
                                                 [--changes 300000] [--page 500] [--explain]

The data lives in a database of its own (SQLite: ``var/bench/sharing.sqlite3``; PostgreSQL: a database
``linli_sharing_bench``, created and dropped by this script) with keys of its own in ``var/bench/keys.json``.
Every call goes through the whole API in process (``django.test.Client``: token check, grant check, read,
access-log row), so what is measured is a department's call less the network. Loading is set-up, timed
separately. This is a benchmark, not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = ROOT / "var" / "bench"
SQLITE_PATH = BENCH_VAR / "sharing.sqlite3"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "linli_sharing_bench"
DISTRICT = "110109"
STREETS, COMMUNITIES, GRIDS = 6, 5, 4  # 30 communities, 120 grids
FIELDS = ["name", "phone", "residence_status", "address", "ethnicity", "tag:disability", "tag:veteran"]


def configure(database: str) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.search_bench import use_bench_var

    use_bench_var(BENCH_VAR)
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
        return
    import psycopg
    from psycopg import sql

    base = os.environ.get("DATABASE_URL", "")
    base = base if base.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES
    parts = urlsplit(base)
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(PG_DATABASE)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_DATABASE)))
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{PG_DATABASE}"))
    os.environ["LINLI_BENCH_MAINTENANCE_URL"] = maintenance


def drop_postgres() -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(os.environ["LINLI_BENCH_MAINTENANCE_URL"], autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(PG_DATABASE)))


def load(residents: int, changes: int, rng: random.Random) -> dict[str, float]:
    """Areas, households and residents with bulk_create; a change log of ``changes`` rows over them."""
    from django.db import transaction
    from django.utils import timezone

    from linli.core.models import Area
    from linli.registry.models import Building, Household, Resident, ResidentChange

    timings: dict[str, float] = {}
    started = time.perf_counter()
    with transaction.atomic():
        district = Area.objects.create(code=DISTRICT, name="示范区", level="district", kind="district")
        grids: list[Area] = []
        for s in range(1, STREETS + 1):
            street = Area.objects.create(
                code=f"{DISTRICT}{s:03d}", name=f"街道{s}", level="street", kind="street", parent=district
            )
            for c in range(1, COMMUNITIES + 1):
                community = Area.objects.create(
                    code=f"{street.code}{c:03d}",
                    name=f"社区{s}-{c}",
                    level="community",
                    kind="urban_community",
                    parent=street,
                )
                for g in range(1, GRIDS + 1):
                    grids.append(
                        Area.objects.create(
                            code=f"{community.code}{g:03d}",
                            name=f"网格{s}-{c}-{g}",
                            level="grid",
                            kind="grid",
                            parent=community,
                        )
                    )
        buildings = Building.objects.bulk_create(
            Building(area=grid, name=f"{i}号楼", address=f"路{i}号", latitude=39.9, longitude=116.1)
            for grid in grids
            for i in range(max(1, residents // (len(grids) * 100)))
        )
        households = Household.objects.bulk_create(
            Household(area_id=b.area_id, building=b, room=f"{r}室")
            for b in buildings
            for r in range(max(1, residents // (len(buildings) * 2)))
        )
        people = Resident.objects.bulk_create(
            (
                Resident(
                    area_id=(h := households[i % len(households)]).area_id,
                    household=h,
                    name=f"居民{i}",
                    phone=f"13{i:09d}",
                    address=f"路{i}号",
                    birth_date=dt.date(1940, 1, 1) + dt.timedelta(days=i % 25000),
                )
                for i in range(residents)
            ),
            batch_size=2000,
        )
        timings["areas, households, residents"] = time.perf_counter() - started
        started = time.perf_counter()
        codes = {g.pk: g.code for g in grids}
        kinds = [*FIELDS, "id_number", "relation_to_head", "tag:minimum_allowance"]
        now = timezone.now() - dt.timedelta(minutes=5)
        rows: list[ResidentChange] = [
            ResidentChange(
                resident=p,
                area_code=codes[p.area_id],
                field="created",
                value="",
                source="bench",
                changed_at=now,
            )
            for p in people
        ]
        while len(rows) < changes:
            p = people[rng.randrange(len(people))]
            field = rng.choice(kinds)
            value = "1" if field.startswith("tag:") else f"{field}-{rng.randrange(10**6)}"
            rows.append(
                ResidentChange(
                    resident=p,
                    area_code=codes[p.area_id],
                    field=field,
                    value=value,
                    source="bench",
                    changed_at=now,
                )
            )
        ResidentChange.objects.bulk_create(rows, batch_size=5000)
        timings[f"{len(rows)} changes"] = time.perf_counter() - started
    return timings


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def client_and_grants() -> tuple[str, dict[str, int]]:
    from linli.accounts.roles import Role
    from linli.accounts.services import create_staff_user
    from linli.core.models import Area
    from linli.sharing import services

    district = Area.objects.get(code=DISTRICT)
    requester = create_staff_user(
        username="bench-requester",
        password=secrets.token_urlsafe(),
        full_name="申请人",
        memberships=[(district, Role.DEPARTMENT_OFFICER)],
    )
    approver = create_staff_user(
        username="bench-approver",
        password=secrets.token_urlsafe(),
        full_name="审批人",
        memberships=[(district, Role.DISTRICT_OFFICER)],
    )
    client = services.create_client(actor=approver, name="交换系统", department="民政局", area=district)
    _token, key = services.issue_client_token(actor=approver, client=client)
    from django.utils import timezone

    grants: dict[str, int] = {}
    for label, code, fields in (
        ("community", f"{DISTRICT}001001", ["name", "phone", "tag:disability"]),
        ("district", DISTRICT, FIELDS),
        ("district, copy", DISTRICT, ["name", "phone", "age", "household", "area", "tag:disability"]),
    ):
        grant = services.request_grant(
            actor=requester,
            client=client,
            fields=fields,
            area=Area.objects.get(code=code),
            purpose="基准测试",
            legal_basis="基准测试",
            expires_at=timezone.now() + dt.timedelta(days=30),
        )
        grants[label] = services.approve_grant(actor=approver, grant=grant).pk
    return key, grants


def timed_pages(call: Callable[[Any], tuple[dict[str, Any], Any]]) -> tuple[list[float], int, int]:
    """Call page after page until the last; the time of each, the number of records, the pages."""
    times: list[float] = []
    records = 0
    state: Any = 0
    while True:
        started = time.perf_counter()
        body, state = call(state)
        times.append((time.perf_counter() - started) * 1000)
        records += len(body["results"])
        if state is None:
            return times, records, len(times)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def line(label: str, times: list[float], records: int, pages: int) -> str:
    total = sum(times) / 1000
    return (
        f"{label:<42} pages {pages:>5}  records {records:>8}  p50 {statistics.median(times):7.1f} ms"
        f"  p95 {percentile(times, 0.95):7.1f} ms  max {max(times):7.1f} ms  total {total:6.2f} s"
        f"  {records / total if total else 0:9.0f} records/s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--residents", type=int, default=30_000)
    parser.add_argument("--changes", type=int, default=300_000)
    parser.add_argument("--page", type=int, default=500)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args(argv)

    configure(args.database)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from linli.registry.models import ResidentChange
    from linli.sharing.feed import watermark

    try:
        call_command("migrate", verbosity=0, interactive=False)
        for step, seconds in load(args.residents, args.changes, random.Random(args.seed)).items():
            print(f"load {step}: {seconds:.1f} s")
        analyze()
        key, grants = client_and_grants()
        http = Client()
        headers = {"Authorization": f"Bearer {key}"}
        count = ResidentChange.objects.count()
        print(f"\n{connection.vendor}, {args.residents} residents, {count} changes, page {args.page}")

        def changes_of(grant: int) -> Callable[[Any], tuple[dict[str, Any], Any]]:
            def call(cursor: int) -> tuple[dict[str, Any], Any]:
                body = http.get(
                    "/api/v1/sharing/changes",
                    {"grant": grant, "cursor": cursor, "limit": args.page},
                    headers=headers,
                ).json()
                return body, body["next_cursor"] if body["has_more"] else None

            return call

        def residents_of(grant: int) -> Callable[[Any], tuple[dict[str, Any], Any]]:
            def call(after: int) -> tuple[dict[str, Any], Any]:
                body = http.get(
                    "/api/v1/sharing/residents",
                    {"grant": grant, "after": after, "limit": args.page},
                    headers=headers,
                ).json()
                return body, body["next_after"]

            return call

        for label in ("community", "district"):
            print(line(f"changes, full sync, {label} grant", *timed_pages(changes_of(grants[label]))))
        print(
            line("residents, full copy, district grant", *timed_pages(residents_of(grants["district, copy"])))
        )

        # Following: a sync that is up to date, then one with 200 new changes.
        tail = ResidentChange.objects.latest("id").pk
        follow: list[float] = []
        for _ in range(50):
            started = time.perf_counter()
            http.get(
                "/api/v1/sharing/changes", {"grant": grants["district"], "cursor": tail}, headers=headers
            )
            follow.append((time.perf_counter() - started) * 1000)
        print(line("changes, up to date (50 calls)", follow, 0, len(follow)))

        started = time.perf_counter()
        for _ in range(200):
            watermark()
        print(
            f"{'watermark (no writer)':<42} {(time.perf_counter() - started) * 1000 / 200:7.2f} ms per call"
        )

        if connection.vendor == "postgresql":
            import psycopg

            # A writer holding a transaction open: the feed serves up to the last change before it began.
            with psycopg.connect(
                os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
            ) as writer:
                writer.execute(
                    "INSERT INTO registry_residentchange"
                    " (resident_id, area_code, field, value, source, changed_at)"
                    " SELECT resident_id, area_code, 'name', '', 'bench', now()"
                    " FROM registry_residentchange LIMIT 1"
                )
                started = time.perf_counter()
                for _ in range(200):
                    held = watermark()
                per_call = (time.perf_counter() - started) * 1000 / 200
                label = "watermark (a writer in flight)"
                print(f"{label:<42} {per_call:7.2f} ms per call, serves up to {held} of {tail}")
                writer.rollback()

        if args.explain:
            from linli.sharing import catalogue

            middle = tail // 2
            query = ResidentChange.objects.filter(
                area_code__startswith=f"{DISTRICT}001001",
                id__gt=middle,
                id__lte=tail,
                field__in=catalogue.change_fields_for(frozenset(["name", "phone", "tag:disability"])),
            ).order_by("id")[: args.page]
            if connection.vendor == "postgresql":
                print("\n" + query.explain(analyze=True, buffers=True))
            else:
                print("\n" + query.explain())
    finally:
        connection.close()
        if args.database == "postgres":
            drop_postgres()


if __name__ == "__main__":
    main()

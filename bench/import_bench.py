"""A district's four department lists imported end to end: parse → link → write → report, per stage.

    .venv/bin/python bench/import_bench.py [--rows 200000] [--database sqlite|postgres]

The lists come from ``bench/datasets/chinese_departments.py`` (about 30% of people on more than one list,
missing and mistyped ID numbers, name variants, changed phones; GBK and UTF-8 CSV and xlsx). They are
imported one after another into an empty registry of the demo district's areas, through the same
``run_batch`` the worker runs, in a database of the benchmark's own (SQLite ``var/bench/import.sqlite3`` or
PostgreSQL ``linli_import_bench``, dropped and created here). Printed: each file's stage times and outcomes,
the total, and how well the rows were brought together (pairwise precision, recall and F1 of "these rows
are one resident" against the generator's truth). Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = ROOT / "var" / "bench"
SQLITE_PATH = BENCH_VAR / "import.sqlite3"
DATA_DIR = BENCH_VAR / "departments"
TARGET_SECONDS = 60.0
PROFILES = {
    "民政_困难群众花名册.xlsx": ("civil_affairs", []),
    "残联_持证残疾人名单.csv": ("disability_federation", ["disability"]),
    "卫健_家庭医生签约居民.csv": ("health", []),
    "人社_就业登记人员.xlsx": ("human_resources", []),
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default="")
    parser.add_argument("--pg-database", default="linli_import_bench")
    return parser.parse_args(argv)


def configure_environment(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.search_bench import postgres_urls, recreate_postgres, use_bench_var

    use_bench_var(BENCH_VAR)
    os.environ["LINLI_MEDIA_ROOT"] = str(BENCH_VAR / "import-media")
    if args.database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
        return
    if "bench" not in args.pg_database:
        sys.exit("--pg-database must contain 'bench': this script drops and recreates it")
    bench_url, maintenance_url = postgres_urls(args)
    recreate_postgres(maintenance_url, args.pg_database, reuse=False)
    os.environ["DATABASE_URL"] = bench_url


def create_areas() -> None:
    """The demo district's streets and communities, as the registry holds them, with no one in them."""
    from linli.core.models import AreaKind, AreaLevel
    from linli.core.services import upsert_area
    from linli.demo import divisions
    from linli.demo.places import DISTRICT_CODE, community_kind, street_kind

    district = upsert_area(
        code=DISTRICT_CODE,
        name=divisions.district(DISTRICT_CODE).name,
        level=AreaLevel.DISTRICT,
        kind=AreaKind.DISTRICT,
        parent=None,
    )
    streets = divisions.streets_of(DISTRICT_CODE)  # the lists name people of every street of the district
    by_code = {}
    for street in streets:
        by_code[street.code] = upsert_area(
            code=street.code,
            name=street.name,
            level=AreaLevel.STREET,
            kind=street_kind(street.code),
            parent=district,
        )
    for community in divisions.communities_of(set(by_code)):
        upsert_area(
            code=community.code,
            name=community.name,
            level=AreaLevel.COMMUNITY,
            kind=community_kind(community.code),
            parent=by_code[community.parent_code],
        )


def pairwise_quality(
    truth_path: Path, row_resident: dict[tuple[str, int], int]
) -> tuple[float, float, float]:
    """Pairs of rows that are one person (truth) against pairs imported into one resident."""
    truth_groups: dict[str, list[tuple[str, int]]] = defaultdict(list)
    with truth_path.open(encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            truth_groups[record["person_id"]].append((record["file"], int(record["row"])))
    found_groups: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for key, resident in row_resident.items():
        found_groups[resident].append(key)
    true_pairs = {frozenset(p) for rows in truth_groups.values() for p in combinations(rows, 2)}
    found_pairs = {frozenset(p) for rows in found_groups.values() for p in combinations(rows, 2)}
    hits = len(true_pairs & found_pairs)
    precision = hits / len(found_pairs) if found_pairs else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    configure_environment(args)
    import django

    django.setup()
    from django.core.files import File
    from django.core.management import call_command
    from django.db import connection

    from bench.datasets.chinese_departments import generate
    from linli.accounts.roles import Role
    from linli.accounts.services import create_staff_user
    from linli.core.models import Area
    from linli.intake.models import ImportRow
    from linli.intake.pipeline import run_batch
    from linli.intake.services import create_batch
    from linli.registry.models import Resident

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0, interactive=False)
    create_areas()
    district = Area.objects.get(parent__isnull=True)
    officer = create_staff_user(
        username="import-bench",
        password="import-bench-2026",  # noqa: S106 - a throwaway account in a throwaway database
        full_name="Import bench",
        memberships=[(district, Role.DISTRICT_OFFICER)],
    )

    started = time.perf_counter()
    data = generate(DATA_DIR / f"{args.rows}-{args.seed}", rows=args.rows, seed=args.seed)
    print(f"generated {data.rows:,} rows of {data.people:,} people in {time.perf_counter() - started:.1f} s")

    totals: dict[str, float] = defaultdict(float)
    row_resident: dict[tuple[str, int], int] = {}
    for path in data.files:
        kind, tags = PROFILES[path.name]
        with path.open("rb") as handle:
            batch = create_batch(
                actor=officer,
                area=district,
                upload=File(handle, name=path.name),
                source_kind=kind,
                source_label=path.stem,
            )
        batch.constant_tags = tags
        batch.save(update_fields=["constant_tags"])
        started, cpu_started = time.perf_counter(), time.process_time()
        run_batch(batch, actor=officer)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        totals["cpu"] += cpu
        batch.refresh_from_db()
        for stage, seconds in batch.timings.items():
            totals[stage] += seconds
        totals["total"] += elapsed
        stages = "  ".join(f"{k} {v:5.1f} s" for k, v in batch.timings.items())
        outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(batch.counts.items()))
        print(
            f"{path.name:24} {batch.total_rows:7,} rows  {stages}  total {elapsed:5.1f} s"
            f"  (this process's CPU {cpu:5.1f} s)  ({outcomes})"
        )
        for row_number, resident in ImportRow.objects.filter(batch=batch, resident__isnull=False).values_list(
            "row_number", "resident_id"
        ):
            row_resident[(path.name, row_number - batch.first_data_row)] = resident

    # Merged records count as their survivor.
    survivor = {
        pk: into
        for pk, into in Resident.objects.filter(merged_into__isnull=False).values_list("pk", "merged_into")
        if into is not None
    }
    row_resident = {k: survivor.get(v, v) for k, v in row_resident.items()}
    precision, recall, f1 = pairwise_quality(data.truth, row_resident)
    stages = "  ".join(f"{k} {v:5.1f} s" for k, v in totals.items() if k not in ("total", "cpu"))
    print(f"{'all four lists':24} {data.rows:7,} rows  {stages}  total {totals['total']:5.1f} s")
    verdict = "under" if totals["total"] < TARGET_SECONDS else "OVER"
    print(f"end to end: {totals['total']:.1f} s ({verdict} the {TARGET_SECONDS:.0f} s target)")
    print(f"CPU time of this process: {totals['cpu']:.1f} s; load average now: {os.getloadavg()[0]:.2f}")
    print(f"residents in the registry: {Resident.objects.filter(merged_into__isnull=True).count():,}")
    print(f"linkage through the import: precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}")


if __name__ == "__main__":
    main()

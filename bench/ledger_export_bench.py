"""Exporting a ledger of 1,000,000 rows to xlsx: elapsed time and peak memory.

    .venv/bin/python bench/ledger_export_bench.py [--residents 1000000] [--database sqlite|postgres]

A district of ``--residents`` people is loaded into a database of its own (SQLite:
``var/bench-ledgers/ledgers.sqlite3``; PostgreSQL: the database ``h3bench``), with keys of its own in
``var/bench-ledgers/keys.json``; ID numbers, phones and reported addresses are encrypted as the model
field does. Then the district's ledger is exported through ``linli.reports.services.export_ledger``, the
function the export view calls, in a fresh Python process, so that its peak resident memory (ru_maxrss)
is the export's own (plus Django's start-up) and not the loader's. The target is under 30 s and under
500 MB. This is a benchmark, not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = ROOT / "var" / "bench-ledgers"
SQLITE_PATH = BENCH_VAR / "ledgers.sqlite3"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
TODAY = dt.date(2025, 6, 30)  # ages are computed against a fixed day, so the figures never drift
TARGET_SECONDS = 30.0
TARGET_MB = 500.0
DISTRICT = "110109"
STREETS = 6
COMMUNITIES_PER_STREET = 5
GRIDS_PER_COMMUNITY = 4
HOUSEHOLDS_PER_BUILDING = 40
BENCH_TEMPLATE = "bench-12-columns"
# Twelve text and number columns, as in the measurements; two of them decrypted and masked.
BENCH_COLUMNS = [
    "row_number",
    "name",
    "sex",
    "birth_date",
    "age",
    "id_number",
    "phone",
    "ethnicity",
    "hukou_status",
    "community",
    "grid",
    "address",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
GIVEN = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊芳娜秀敏静丽艳娟霞燕玲桂丹萍红玉兰琳雪婷倩颖"
ROADS = ["和平路", "新华大街", "光明街", "建设路", "永定路", "清水河路", "育才路", "石门营路"]


# --- the database ---------------------------------------------------------------------------------


def postgres_urls(args: argparse.Namespace) -> tuple[str, str]:
    base = args.postgres_url or os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        base = DEFAULT_POSTGRES
    parts = urlsplit(base)
    return (
        urlunsplit(parts._replace(path=f"/{args.pg_database}")),
        urlunsplit(parts._replace(scheme="postgresql", path="/postgres")),
    )


def configure_environment(args: argparse.Namespace) -> None:
    """Point Django at the benchmark's own database and keys (shared with the export subprocess)."""
    from bench.search_bench import use_bench_var

    use_bench_var(BENCH_VAR)
    os.environ["LINLI_LOG_LEVEL"] = "WARNING"
    if args.database == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    else:
        if "bench" not in args.pg_database:
            sys.exit("--pg-database must contain 'bench': this script drops and recreates it")
        os.environ["DATABASE_URL"] = postgres_urls(args)[0]


def recreate_database(args: argparse.Namespace) -> bool:
    """A fresh benchmark database, or (with --reuse) the existing one. True if an existing one is kept."""
    if args.database == "sqlite":
        if args.reuse and SQLITE_PATH.exists():
            return True
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return False
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres_urls(args)[1], autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.pg_database]).fetchone()
        if exists and args.reuse:
            return True
        if exists:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(args.pg_database)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.pg_database)))
    return False


def drop_postgres(args: argparse.Namespace) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres_urls(args)[1], autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.pg_database))
        )


# --- loading ----------------------------------------------------------------------------------------


class Inserter:
    """Rows of one model into its table: COPY on PostgreSQL, executemany on SQLite.

    Every concrete column gets a value: the generated one, else the field's default prepared for the
    database, so that columns added to the model later still load.
    """

    def __init__(self, model: Any, given: Sequence[str]) -> None:
        from django.db import connection

        self.connection = connection
        self.model = model
        fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.name in given]
        self.names = [f.name if f.name in given else f.attname for f in fields]
        self.columns = [f.column for f in fields]
        self.given = [name in given for name in self.names]
        self.defaults = [
            None if self.given[i] else f.get_db_prep_save(f.get_default(), connection)
            for i, f in enumerate(fields)
        ]
        now = dt.datetime.now(dt.UTC)
        for i, f in enumerate(fields):
            if not self.given[i] and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)):
                self.defaults[i] = f.get_db_prep_save(now, connection)

    def rows(self, records: Iterator[dict[str, Any]]) -> Iterator[list[Any]]:
        names, given, defaults = self.names, self.given, self.defaults
        for record in records:
            yield [record[name] if given[i] else defaults[i] for i, name in enumerate(names)]

    def insert(self, records: Iterator[dict[str, Any]]) -> None:
        quote = self.connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        columns = ", ".join(quote(c) for c in self.columns)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in self.rows(records):
                        copy.write_row(row)
                return
            placeholders = ", ".join(["%s"] * len(self.columns))
            statement = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - model names
            batch: list[list[Any]] = []
            for row in self.rows(records):
                batch.append(row)
                if len(batch) == 5000:
                    cursor.executemany(statement, batch)
                    batch = []
            if batch:
                cursor.executemany(statement, batch)


def load(residents: int, seed: int) -> dict[str, float]:
    """A district of ``residents`` people in households of 1 to 5, 40 households a building; some tagged."""
    from django.db import connection, transaction

    from linli.core import crypto
    from linli.core.idnumbers import check_character
    from linli.core.models import Area
    from linli.core.phones import phone_blind_index
    from linli.registry.models import Building, Household, Resident, TagAssignment
    from linli.registry.services import id_number_index

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with transaction.atomic():
        district = Area.objects.create(code=DISTRICT, name="示范区", level="district", kind="district")
        grids: list[Area] = []
        for s in range(1, STREETS + 1):
            street = Area.objects.create(
                code=f"{DISTRICT}{s:03d}", name=f"第{s}街道", level="street", kind="street", parent=district
            )
            for c in range(1, COMMUNITIES_PER_STREET + 1):
                community = Area.objects.create(
                    code=f"{street.code}{c:03d}",
                    name=f"{ROADS[(s + c) % len(ROADS)][:2]}{c}社区",
                    level="community",
                    kind="urban_community",
                    parent=street,
                )
                for g in range(1, GRIDS_PER_COMMUNITY + 1):
                    grids.append(
                        Area.objects.create(
                            code=f"{community.code}{g:03d}",
                            name=f"第{g}网格",
                            level="grid",
                            kind="grid",
                            parent=community,
                        )
                    )
        # Household sizes 1–5 (mean 2.7); enough households for ``residents`` people.
        sizes: list[int] = []
        total = 0
        while total < residents:
            sizes.append(rng.choices([1, 2, 3, 4, 5], weights=[20, 30, 25, 15, 10])[0])
            total += sizes[-1]
        sizes[-1] -= total - residents
        building_count = -(-len(sizes) // HOUSEHOLDS_PER_BUILDING)
        Inserter(Building, ["id", "area", "name", "address", "latitude", "longitude"]).insert(
            {
                "id": b + 1,
                "area": grids[b % len(grids)].pk,
                "name": f"{b // len(grids) + 1}号楼",
                "address": f"{ROADS[b % len(ROADS)]}{b // len(grids) + 1}号楼",
                "latitude": 39.9,
                "longitude": 116.1,
            }
            for b in range(building_count)
        )
        Inserter(Household, ["id", "area", "building", "room"]).insert(
            {
                "id": h + 1,
                "area": grids[(h // HOUSEHOLDS_PER_BUILDING) % len(grids)].pk,
                "building": h // HOUSEHOLDS_PER_BUILDING + 1,
                "room": f"{h % 4 + 1}单元{h % HOUSEHOLDS_PER_BUILDING // 4 + 1:02d}01",
            }
            for h in range(len(sizes))
        )
        timings["areas, buildings, households"] = time.perf_counter() - started

        started = time.perf_counter()
        days = (dt.date(2024, 12, 31) - dt.date(1925, 1, 1)).days
        tags: list[dict[str, Any]] = []

        def people() -> Iterator[dict[str, Any]]:
            number = 0
            for h, size in enumerate(sizes):
                grid = grids[(h // HOUSEHOLDS_PER_BUILDING) % len(grids)].pk
                for member in range(size):
                    birth = dt.date(1925, 1, 1) + dt.timedelta(days=number % days)
                    sequence = number // days * 2 + (number % 2)  # unique with the birth date; odd = male
                    first17 = f"{DISTRICT}{birth:%Y%m%d}{sequence:03d}"
                    id_number = first17 + check_character(first17)
                    phone = f"13{number:09d}"
                    number += 1
                    if rng.random() < 0.01:
                        tags.append({"resident": number, "tag": "disability", "level": rng.randint(1, 4)})
                    elif rng.random() < 0.01:
                        tags.append({"resident": number, "tag": "minimum_allowance", "level": None})
                    yield {
                        "id": number,
                        "area": grid,
                        "household": h + 1,
                        "relation_to_head": "head" if member == 0 else "child",
                        "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                        "id_number": crypto.encrypt(id_number, context="resident.id_number"),
                        "id_number_index": id_number_index(id_number),
                        "birth_date": birth,
                        "sex": "male" if sequence % 2 else "female",
                        "phone": crypto.encrypt(phone, context="resident.phone"),
                        "phone_index": phone_blind_index(phone),
                        "hukou_status": "registered" if rng.random() < 0.8 else "non_registered",
                        "ethnicity": "01" if rng.random() < 0.95 else "03",
                        "residence_status": "living_here" if rng.random() < 0.95 else "away",
                    }

        Inserter(
            Resident,
            [
                "id",
                "area",
                "household",
                "relation_to_head",
                "name",
                "id_number",
                "id_number_index",
                "birth_date",
                "sex",
                "phone",
                "phone_index",
                "hukou_status",
                "ethnicity",
                "residence_status",
            ],
        ).insert(people())
        timings["residents"] = time.perf_counter() - started
        started = time.perf_counter()
        Inserter(TagAssignment, ["resident", "tag", "level", "source", "valid_from"]).insert(
            {**t, "source": "bench", "valid_from": dt.date(2020, 1, 1)} for t in tags
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE registry_household SET head_id = (SELECT r.id FROM registry_resident r"
                " WHERE r.household_id = registry_household.id AND r.relation_to_head = 'head')"
            )
            if connection.vendor == "postgresql":
                for table in ("core_area", "registry_building", "registry_household", "registry_resident"):
                    statement = (
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"  # noqa: S608
                    )
                    cursor.execute(statement)
        timings["tags, heads"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    timings["analyze"] = time.perf_counter() - started
    return timings


def ensure_bench_template() -> None:
    from linli.reports.models import LedgerTemplate

    LedgerTemplate.objects.update_or_create(
        code=BENCH_TEMPLATE,
        defaults={
            "name": "基准测试台账",
            "definition": {"columns": [{"key": key, "label": ""} for key in BENCH_COLUMNS]},
        },
    )


# --- the measured export (a subprocess) ---------------------------------------------------------------


def export_once(template_code: str, area_code: str, phases: bool) -> dict[str, Any]:
    """Run in the child process: export through the view's service and report time and peak memory."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import router

    from linli.core.models import Area
    from linli.registry.models import Resident
    from linli.reports import xlsx
    from linli.reports.engine import LedgerQuery
    from linli.reports.models import LedgerTemplate
    from linli.reports.services import export_ledger, read_snapshot

    settings.LINLI_LEDGER_XLSX_WRITER = os.environ.get("LINLI_LEDGER_XLSX_WRITER", "auto")
    template = LedgerTemplate.objects.get(code=template_code)
    area = Area.objects.get(code=area_code)
    actor = get_user_model().objects.get(username="bench-ledgers")
    result: dict[str, Any] = {"writer": xlsx.writer_name(), "startup_mb": _max_rss_mb()}
    if phases:
        # The same reads as the export, in the same kind of transaction, without writing the workbook.
        query = LedgerQuery(template.parsed, area_code=area.code, today=TODAY)
        with read_snapshot(router.db_for_read(Resident)):
            started = time.perf_counter()
            query.count()
            result["count_s"] = time.perf_counter() - started
            started = time.perf_counter()
            result["read_items"] = sum(1 for _ in query.rows())
            result["read_s"] = time.perf_counter() - started
    result["rss_before_mb"] = _rss_mb()
    cpu = _cpu_seconds()
    started = time.perf_counter()
    exported = export_ledger(actor=actor, template=template, area=area, today=TODAY)
    result["export_s"] = time.perf_counter() - started
    result["cpu_s"] = _cpu_seconds() - cpu
    exported.file.seek(0, os.SEEK_END)
    result["file_mb"] = exported.file.tell() / 2**20
    exported.file.close()
    result["rows"] = exported.rows
    result["peak_mb"] = _max_rss_mb()
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    """The resident memory now (Linux: /proc/self/statm, in pages)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _max_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_export(args: argparse.Namespace, template: str, area: str, writer: str) -> dict[str, Any]:
    env = dict(os.environ, LINLI_LEDGER_XLSX_WRITER=writer)
    command = [sys.executable, __file__, "--child", template, area, "--database", args.database]
    if args.phases:
        command.append("--phases")
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        sys.exit(f"export failed:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def write_only(writer: str, rows: int) -> dict[str, Any]:
    """Run in a child process: the writer alone on ``rows`` rows shaped like the benchmark ledger's."""
    import django

    django.setup()
    import tempfile

    from django.conf import settings

    from linli.reports import xlsx

    settings.LINLI_LEDGER_XLSX_WRITER = writer
    headings = [f"column {n}" for n in range(len(BENCH_COLUMNS))]
    layout = xlsx.SheetLayout(title="基准", sheet_name="基准", headings=headings, widths=[12] * len(headings))

    def items() -> Iterator[tuple[Any, ...]]:
        for n in range(1, rows + 1):
            yield (
                n,
                f"王{GIVEN[n % 40]}{GIVEN[n % 37]}",
                "男",
                dt.date(1925, 1, 1) + dt.timedelta(days=n % 36000),
                n % 100,
                "11***************2",
                "130****0000",
                "汉族",
                "户籍",
                "光明1社区",
                "第1网格",
                f"和平路{n % 300}号楼 1单元0101",
            )

    startup = _max_rss_mb()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "w.xlsx")
        started = time.perf_counter()
        written = xlsx.write_ledger(path, layout, items(), items_expected=rows)
        seconds = time.perf_counter() - started
        size = os.path.getsize(path) / 2**20
    return {
        "rows": written,
        "seconds": seconds,
        "peak_mb": _max_rss_mb(),
        "startup_mb": startup,
        "file_mb": size,
    }


def run_write_only(args: argparse.Namespace, writer: str, rows: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child-writer", writer, str(rows), "--database", args.database]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        sys.exit(f"writing failed:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


# --- main ---------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seed", type=int, default=20250630)
    parser.add_argument(
        "--postgres-url", default="", help=f"server (default: DATABASE_URL, else {DEFAULT_POSTGRES})"
    )
    parser.add_argument("--pg-database", default="h3bench")
    parser.add_argument("--reuse", action="store_true", help="keep an existing benchmark database")
    parser.add_argument("--keep", action="store_true", help="do not drop the PostgreSQL database at the end")
    parser.add_argument(
        "--template",
        default=BENCH_TEMPLATE,
        help=f"ledger to export (default {BENCH_TEMPLATE}: 12 columns, every resident); or a built-in code",
    )
    parser.add_argument(
        "--writers",
        default="rust",
        help="comma-separated writers to measure on the whole district: rust, xlsxwriter (default rust)",
    )
    parser.add_argument(
        "--compare-street",
        action="store_true",
        help="also export one street (a sixth of the district) with each writer, rust and xlsxwriter",
    )
    parser.add_argument(
        "--phases", action="store_true", help="also time the count and reading the rows alone"
    )
    parser.add_argument(
        "--writers-only",
        type=int,
        default=0,
        metavar="ROWS",
        help="only compare the writers on ROWS generated rows of the same 12 columns (no database)",
    )
    parser.add_argument("--child", nargs=2, metavar=("TEMPLATE", "AREA"), help=argparse.SUPPRESS)
    parser.add_argument("--child-writer", nargs=2, metavar=("WRITER", "ROWS"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))
    configure_environment(args)
    if args.child:
        print(json.dumps(export_once(args.child[0], args.child[1], args.phases)))
        return
    if args.child_writer:
        print(json.dumps(write_only(args.child_writer[0], int(args.child_writer[1]))))
        return
    if args.writers_only:
        columns = len(BENCH_COLUMNS)
        print(f"writers alone: {args.writers_only:,} rows of {columns} columns, each in a fresh process")
        print(f"{'writer':<11} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'peak MB':>8} {'file MB':>8}")
        for writer in ("rust", "xlsxwriter"):
            r = run_write_only(args, writer, args.writers_only)
            print(
                f"{writer:<11} {r['rows']:>10,} {r['seconds']:>8.1f} {r['rows'] / r['seconds']:>9,.0f}"
                f" {r['peak_mb']:>8.0f} {r['file_mb']:>8.1f}"
            )
        print(f"(peak MB includes Django's start-up, {r['startup_mb']:.0f} MB)")
        return
    kept = recreate_database(args)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from linli.registry.models import Resident

    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"database: {connection.vendor} {version} ({connection.settings_dict['NAME']})")
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrate: {time.perf_counter() - started:.1f} s")
    existing = Resident.objects.count()
    if kept and existing == args.residents:
        print(f"load: reusing {existing:,} residents")
    else:
        if existing:
            sys.exit("the benchmark database holds another number of residents; drop --reuse")
        started = time.perf_counter()
        steps = load(args.residents, args.seed)
        detail = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items())
        print(f"load: {args.residents:,} residents in {time.perf_counter() - started:.1f} s ({detail})")
    ensure_bench_template()
    user_model = get_user_model()
    if not user_model.objects.filter(username="bench-ledgers").exists():
        user_model.objects.create(username="bench-ledgers", kind="staff")
    connection.close()

    load_before = os.getloadavg()[0]
    results = []
    for writer in [w.strip() for w in args.writers.split(",") if w.strip()]:
        results.append(("district", writer, run_export(args, args.template, DISTRICT, writer)))
    if args.compare_street:
        for writer in ("rust", "xlsxwriter"):
            results.append(("street", writer, run_export(args, args.template, f"{DISTRICT}001", writer)))

    print()
    print(f"ledger {args.template}, {connection.vendor}, exported as of {TODAY}")
    header = f"{'area':<9} {'writer':<11} {'rows':>10} {'export s':>9} {'cpu s':>6} {'rows/s':>9}"
    header += f" {'peak MB':>8} {'file MB':>8}" + ("  count s  read s" if args.phases else "") + "  target"
    print(header)
    for area, writer, r in results:
        meets = r["export_s"] < TARGET_SECONDS and r["peak_mb"] < TARGET_MB
        line = (
            f"{area:<9} {writer:<11} {r['rows']:>10,} {r['export_s']:>9.1f} {r['cpu_s']:>6.1f}"
            f" {r['rows'] / r['export_s']:>9,.0f} {r['peak_mb']:>8.0f} {r['file_mb']:>8.1f}"
        )
        if args.phases:
            line += f"  {r['count_s']:>7.1f} {r['read_s']:>7.1f}"
        target = "yes" if meets else "NO"
        print(f"{line}  {target if area == 'district' else '-'}")
    print(
        f"\nexport s: wall time of export_ledger (count, read, write the xlsx, record the export); cpu s: the"
        f" export process's own CPU time (the database server's is not in it). peak MB: ru_maxrss of the"
        f" export process, Django's start-up included (resident memory just before the export:"
        f" {results[0][2]['rss_before_mb']:.0f} MB). Target for the district: < {TARGET_SECONDS:.0f} s and"
        f" < {TARGET_MB:.0f} MB."
        f"\nload average (1 min) before the exports {load_before:.2f}, after {os.getloadavg()[0]:.2f};"
        f" {os.cpu_count()} CPUs, Python {platform.python_version()}."
    )
    if args.database == "postgres" and not args.keep:
        drop_postgres(args)
        print(f"dropped database {args.pg_database}")


if __name__ == "__main__":
    main()

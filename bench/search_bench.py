"""Resident search latency over a district of 100,000 residents: service layer and HTTP API.

    .venv/bin/python bench/search_bench.py [--residents 100000] [--database sqlite|postgres]

The data lives in a database of its own (SQLite: ``var/bench/search.sqlite3``; PostgreSQL: a database
``linli_bench`` created and dropped by this script), with keys of its own in ``var/bench/keys.json``, so a
developer's data is never touched. Loading is set-up and is timed separately; what is measured is the
latency of ``search_residents`` and of ``GET /api/v1/residents?q=`` for each kind of query. The figures are
printed and written to ``bench/results/``. This is a benchmark, not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
import os
import platform
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = ROOT / "var" / "bench"
RESULTS_DIR = ROOT / "bench" / "results"
SQLITE_PATH = BENCH_VAR / "search.sqlite3"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
TARGET_P95_MS = 50.0
REFERENCE_DATE = dt.date(2025, 6, 30)  # ages are computed against a fixed day, so the data never changes

# --- the district -----------------------------------------------------------------------------------

DISTRICT_CODE = "110109"
DISTRICT_NAME = "示范区"
STREETS = ["和平街道", "新华街道", "光明街道", "建设街道", "永定镇", "清水镇"]
COMMUNITY_WORDS = ["东", "西", "南", "北", "中", "新村", "花园", "家园", "里", "苑"]
ROADS = ["和平路", "新华大街", "光明街", "建设路", "永定路", "清水河路", "育才路", "石门营路"]
COMMUNITIES_PER_STREET = 5
GRIDS_PER_COMMUNITY = 4

# Surnames with their approximate share of the population in per cent (2020 census order). The rest of the
# population shares the rarer surnames below evenly.
COMMON_SURNAME_SHARES = """
王 7.12  李 7.00  张 6.74  刘 5.10  陈 4.61  杨 3.22  黄 2.45  赵 2.19  吴 2.08  周 1.98  徐 1.45  孙 1.38
马 1.29  朱 1.28  胡 1.16  郭 1.13  何 1.07  林 1.05  高 1.00  罗 0.95  郑 0.89  梁 0.88  谢 0.80  宋 0.76
唐 0.75  许 0.68  韩 0.66  冯 0.64  邓 0.63  曹 0.62  彭 0.59  曾 0.59  肖 0.56  田 0.54  董 0.52  袁 0.51
潘 0.51  于 0.50  蒋 0.49  蔡 0.48  余 0.47  杜 0.47  叶 0.46  程 0.45  苏 0.42  魏 0.41  吕 0.40  丁 0.40
任 0.39  沈 0.38  姚 0.37  卢 0.36  姜 0.35  崔 0.35  钟 0.34  谭 0.33  陆 0.33  汪 0.32  范 0.31  金 0.30
石 0.30  廖 0.29  贾 0.29  夏 0.28  韦 0.28  付 0.27  方 0.27  白 0.26  邹 0.25  孟 0.25  熊 0.24  秦 0.24
邱 0.24  江 0.23  尹 0.23  薛 0.22  闫 0.22  段 0.21  雷 0.21  侯 0.20  龙 0.20  史 0.19  陶 0.18  黎 0.18
贺 0.17  顾 0.17  毛 0.16  郝 0.16  龚 0.16  邵 0.15  万 0.15  钱 0.15  严 0.14  覃 0.14  武 0.14  戴 0.13
莫 0.13  孔 0.12  欧阳 0.05  司马 0.01  上官 0.01  诸葛 0.01
"""
COMMON_SURNAMES = [
    (name, float(share))
    for name, share in zip(
        COMMON_SURNAME_SHARES.split()[::2], COMMON_SURNAME_SHARES.split()[1::2], strict=True
    )
]
RARE_SURNAMES = (
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕"
    "单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦"
    "褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明"
)
# Given-name characters, most frequent first; a Zipf-like weight makes the first ones much more common.
MALE_CHARS = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国志文海峰东亮成新永晨子博家"
FEMALE_CHARS = "芳娜秀敏静丽艳娟霞燕玲桂丹萍红玉兰琳雪婷倩颖莉梅慧晶欣佳思雨梦怡月洁美琴英凤云紫涵诗彤瑶"
# fmt: off
MIGRANT_REGIONS = [
    "130102", "130602", "410102", "370102", "510104", "420102", "230102", "340102", "110108", "110105",
    "320102", "140105",
]
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156",
    "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "184", "185", "186", "187",
    "188", "189", "198", "199",
]
# fmt: on
HOUSEHOLD_SIZES = [(1, 20), (2, 30), (3, 25), (4, 15), (5, 7), (6, 3)]


@dataclass
class Person:
    name: str
    surname: str
    sex: str
    birth_date: dt.date
    id_number: str
    phone: str
    relation: str
    household: int
    hukou_status: str
    residence_status: str
    ethnicity: str


@dataclass
class HouseholdPlan:
    grid: int
    building: int
    room: str


@dataclass
class BuildingPlan:
    grid: int
    name: str
    address: str
    latitude: float
    longitude: float


@dataclass
class AreaPlan:
    code: str
    name: str
    level: str
    kind: str
    parent: str | None


@dataclass
class Population:
    areas: list[AreaPlan]
    grids: list[str]  # grid codes, indexed by HouseholdPlan.grid and BuildingPlan.grid
    buildings: list[BuildingPlan]
    households: list[HouseholdPlan]
    people: list[Person]

    def grid_of(self, person: Person) -> str:
        return self.grids[self.households[person.household].grid]


def plan_areas(rng: random.Random) -> tuple[list[AreaPlan], list[str], list[float]]:
    """District, streets, communities and grids, with a relative population weight for each grid."""
    areas = [AreaPlan(DISTRICT_CODE, DISTRICT_NAME, "district", "district", None)]
    grids: list[str] = []
    weights: list[float] = []
    for s, street in enumerate(STREETS, start=1):
        street_code = f"{DISTRICT_CODE}{s:03d}"
        areas.append(
            AreaPlan(street_code, street, "street", "town" if street.endswith("镇") else "street", None)
        )
        areas[-1].parent = DISTRICT_CODE
        for c in range(1, COMMUNITIES_PER_STREET + 1):
            community_code = f"{street_code}{c:03d}"
            word = COMMUNITY_WORDS[(s * 3 + c) % len(COMMUNITY_WORDS)]
            areas.append(
                AreaPlan(
                    community_code, f"{street[:2]}{word}社区", "community", "urban_community", street_code
                )
            )
            community_weight = rng.uniform(0.4, 1.6)
            for g in range(1, GRIDS_PER_COMMUNITY + 1):
                grid_code = f"{community_code}{g:03d}"
                areas.append(AreaPlan(grid_code, f"第{g}网格", "grid", "grid", community_code))
                grids.append(grid_code)
                weights.append(community_weight * rng.uniform(0.7, 1.3))
    return areas, grids, weights


class NameMaker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        common_total = sum(share for _, share in COMMON_SURNAMES)
        rare_share = (100.0 - common_total) / len(RARE_SURNAMES)
        self.surnames = [s for s, _ in COMMON_SURNAMES] + list(RARE_SURNAMES)
        self.surname_weights = [share for _, share in COMMON_SURNAMES] + [rare_share] * len(RARE_SURNAMES)
        self.male = list(MALE_CHARS)
        self.female = list(FEMALE_CHARS)
        self.male_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(self.male))]
        self.female_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(self.female))]

    def surname(self) -> str:
        return self.rng.choices(self.surnames, weights=self.surname_weights)[0]

    def given(self, sex: str) -> str:
        chars, weights = (
            (self.male, self.male_weights) if sex == "male" else (self.female, self.female_weights)
        )
        length = 1 if self.rng.random() < 0.25 else 2
        return "".join(self.rng.choices(chars, weights=weights, k=length))


class NumberMaker:
    """Unique, valid ID numbers (GB 11643 check character) and unique, valid mobile numbers."""

    def __init__(self, rng: random.Random) -> None:
        from linli.core.idnumbers import check_character
        from linli.core.phones import normalize_mobile

        self.rng = rng
        self.check_character = check_character
        self.normalize_mobile = normalize_mobile
        self.id_numbers: set[str] = set()
        self.phones: set[str] = set()

    def id_number(self, region: str, birth: dt.date, sex: str) -> str:
        while True:
            digit = self.rng.choice("13579" if sex == "male" else "02468")
            first17 = f"{region}{birth:%Y%m%d}{self.rng.randint(0, 99):02d}{digit}"
            number = first17 + self.check_character(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def phone(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"
            if number in self.phones:
                continue
            if self.normalize_mobile(number) != number:  # raises DomainError if invalid; never expected
                continue
            self.phones.add(number)
            return number


def birth_for_age(rng: random.Random, age: int) -> dt.date:
    born = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age) - dt.timedelta(days=rng.randint(0, 364))
    return born


def generate(residents: int, seed: int) -> Population:
    """A deterministic district: the same seed and size give the same people, numbers and addresses."""
    rng = random.Random(seed)
    areas, grids, grid_weights = plan_areas(rng)
    names = NameMaker(rng)
    numbers = NumberMaker(rng)
    sizes = [s for s, _ in HOUSEHOLD_SIZES]
    size_weights = [w for _, w in HOUSEHOLD_SIZES]
    grid_cum = list(_cumulative(grid_weights))
    buildings: list[BuildingPlan] = []
    households: list[HouseholdPlan] = []
    people: list[Person] = []
    open_building: dict[int, tuple[int, int, int]] = {}  # grid -> (building index, capacity, used)
    building_count: dict[int, int] = {}

    while len(people) < residents:
        grid = rng.choices(range(len(grids)), cum_weights=grid_cum)[0]
        building, capacity, used = open_building.get(grid, (-1, 0, 0))
        if used >= capacity:
            number = building_count.get(grid, 0) + 1
            building_count[grid] = number
            street = int(grids[grid][6:9])
            road = ROADS[(street + int(grids[grid][9:12])) % len(ROADS)]
            buildings.append(
                BuildingPlan(
                    grid=grid,
                    name=f"{number}号楼",
                    address=f"{road}{int(grids[grid][9:12]) * 10 + int(grids[grid][12:])}号院{number}号楼",
                    latitude=round(39.90 + rng.uniform(0, 0.08), 6),
                    longitude=round(116.05 + rng.uniform(0, 0.10), 6),
                )
            )
            building, capacity, used = len(buildings) - 1, rng.randint(24, 72), 0
        open_building[grid] = (building, capacity, used + 1)
        room = f"{used // 12 + 1}单元{(used % 12) // 2 + 1:02d}0{used % 2 + 1}"
        households.append(HouseholdPlan(grid=grid, building=building, room=room))
        household = len(households) - 1
        size = min(rng.choices(sizes, weights=size_weights)[0], residents - len(people))
        people.extend(_household_members(rng, names, numbers, household, size))
    return Population(areas=areas, grids=grids, buildings=buildings, households=households, people=people)


def _cumulative(weights: Sequence[float]) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def _household_members(
    rng: random.Random, names: NameMaker, numbers: NumberMaker, household: int, size: int
) -> list[Person]:
    registered = rng.random() < 0.78
    region = "110109" if registered else rng.choice(MIGRANT_REGIONS)
    head_age = rng.randint(60, 92) if size == 1 and rng.random() < 0.5 else rng.randint(22, 88)
    head_sex = rng.choice(["male", "female"])
    members: list[tuple[str, str, int, str]] = [("head", head_sex, head_age, names.surname())]
    if size >= 2:
        spouse_sex = "female" if head_sex == "male" else "male"
        spouse_age = max(20, min(95, head_age + rng.randint(-5, 5)))
        members.append(("spouse", spouse_sex, spouse_age, names.surname()))
    father_surname = members[0][3] if head_sex == "male" or len(members) == 1 else members[1][3]
    while len(members) < size:
        if head_age < 60 and rng.random() < 0.2 and head_age + 30 <= 95:
            members.append(
                ("parent", rng.choice(["male", "female"]), head_age + rng.randint(24, 32), names.surname())
            )
        elif head_age >= 55 and rng.random() < 0.4:
            members.append(("grandchild", rng.choice(["male", "female"]), rng.randint(0, 16), father_surname))
        else:
            child_age = max(0, head_age - rng.randint(22, 38))
            members.append(("child", rng.choice(["male", "female"]), child_age, father_surname))
    people: list[Person] = []
    head_phone = ""
    for relation, sex, age, surname in members:
        birth = birth_for_age(rng, age)
        if age < 14:
            phone = ""
        elif age >= 75:
            roll = rng.random()
            phone = numbers.phone() if roll < 0.6 else (head_phone if roll < 0.85 else "")
        else:
            phone = numbers.phone() if rng.random() < 0.96 else ""
        if relation == "head":
            head_phone = phone
        status_roll = rng.random()
        status = (
            "living_here"
            if status_roll < 0.92
            else "away"
            if status_roll < 0.97
            else "moved_out"
            if status_roll < 0.99
            else "deceased"
        )
        people.append(
            Person(
                name=surname + names.given(sex),
                surname=surname,
                sex=sex,
                birth_date=birth,
                id_number=numbers.id_number(region, birth, sex),
                phone=phone,
                relation=relation,
                household=household,
                hukou_status="registered" if registered else "non_registered",
                residence_status=status,
                ethnicity="01" if rng.random() < 0.96 else rng.choice(["03", "11", "02", "04", "08"]),
            )
        )
    return people


# --- the database -----------------------------------------------------------------------------------


def postgres_urls(args: argparse.Namespace) -> tuple[str, str]:
    """The benchmark database URL and the maintenance database URL, on the server DATABASE_URL names."""
    base = args.postgres_url or os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        base = DEFAULT_POSTGRES
    parts = urlsplit(base)
    bench = urlunsplit(parts._replace(path=f"/{args.pg_database}"))
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    return bench, maintenance


def recreate_postgres(maintenance_url: str, name: str, *, reuse: bool) -> bool:
    """Drop and create the benchmark database; with ``reuse``, keep it if it exists. True if it was kept."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and reuse:
            return True
        if exists:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return False


def drop_postgres(maintenance_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def use_bench_var(var_dir: Path) -> None:
    """Run Django with a benchmark's own var directory and the keys generated there (shared with the
    subprocesses it starts), never the keys of the caller's environment, and without debug."""
    for name in (
        "LINLI_ENCRYPTION_KEYS",
        "LINLI_ENCRYPTION_ACTIVE_KEY",
        "LINLI_BLIND_INDEX_KEY",
        "LINLI_SECRET_KEY",
    ):
        os.environ.pop(name, None)
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["LINLI_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["LINLI_DEBUG"] = "false"


def configure_environment(args: argparse.Namespace) -> bool:
    """Point Django at the benchmark's own database and keys; True if an existing database is reused."""
    use_bench_var(BENCH_VAR)
    if args.database == "sqlite":
        kept = args.reuse and SQLITE_PATH.exists()
        if not kept:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
        return kept
    if "bench" not in args.pg_database:
        sys.exit("--pg-database must contain 'bench': this script drops and recreates it")
    bench_url, maintenance_url = postgres_urls(args)
    kept = recreate_postgres(maintenance_url, args.pg_database, reuse=args.reuse)
    os.environ["DATABASE_URL"] = bench_url
    return kept


def load(population: Population, batch: int) -> dict[str, float]:
    """Insert the district with bulk_create; personal fields encrypted and indexed as the services do."""
    from django.db import connection, transaction

    from linli.core.models import Area
    from linli.core.phones import phone_blind_index
    from linli.registry.models import Building, Household, Resident
    from linli.registry.services import id_number_index

    timings: dict[str, float] = {}
    started = time.perf_counter()
    with transaction.atomic():
        by_code: dict[str, Area] = {}
        for level in ("district", "street", "community", "grid"):
            rows = [
                Area(
                    code=a.code,
                    name=a.name,
                    level=a.level,
                    kind=a.kind,
                    parent=by_code[a.parent] if a.parent else None,
                )
                for a in population.areas
                if a.level == level
            ]
            for area in Area.objects.bulk_create(rows):
                by_code[area.code] = area
        grid_ids = [by_code[code].pk for code in population.grids]
        buildings = Building.objects.bulk_create(
            (
                Building(
                    area_id=grid_ids[b.grid],
                    name=b.name,
                    address=b.address,
                    latitude=b.latitude,
                    longitude=b.longitude,
                )
                for b in population.buildings
            ),
            batch_size=batch,
        )
        households = Household.objects.bulk_create(
            (
                Household(area_id=grid_ids[h.grid], building_id=buildings[h.building].pk, room=h.room)
                for h in population.households
            ),
            batch_size=batch,
        )
        timings["areas, buildings, households"] = time.perf_counter() - started
        started = time.perf_counter()
        for start in range(0, len(population.people), batch):
            residents: list[Resident] = []
            for p in population.people[start : start + batch]:
                household = households[p.household]
                residents.append(
                    Resident(
                        area_id=household.area_id,
                        household_id=household.pk,
                        relation_to_head=p.relation,
                        name=p.name,
                        id_number=p.id_number,
                        id_number_index=id_number_index(p.id_number),
                        birth_date=p.birth_date,
                        sex=p.sex,
                        phone=p.phone,
                        phone_index=phone_blind_index(p.phone) if p.phone else "",
                        hukou_status=p.hukou_status,
                        ethnicity=p.ethnicity,
                        residence_status=p.residence_status,
                    )
                )
            Resident.objects.bulk_create(residents)
        timings["residents"] = time.perf_counter() - started
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE registry_household SET head_id = (SELECT r.id FROM registry_resident r"
                " WHERE r.household_id = registry_household.id AND r.relation_to_head = 'head')"
            )
        timings["household heads"] = time.perf_counter() - started
    return timings


def analyze() -> None:
    """Planner statistics (and, on PostgreSQL, the visibility map), as autovacuum would leave them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


# --- queries ----------------------------------------------------------------------------------------

KINDS = ("name: surname", "name: surname + 1", "id number", "phone")


def make_queries(population: Population, scope: str, count: int, rng: random.Random) -> dict[str, list[str]]:
    """Inputs for each kind of query, drawn from the people in scope (so common surnames come up most).

    One in ten ID-number and phone queries asks for a valid number that nobody has.
    """
    numbers = NumberMaker(rng)
    numbers.id_numbers = {p.id_number for p in population.people}
    numbers.phones = {p.phone for p in population.people if p.phone}
    in_scope = [p for p in population.people if population.grid_of(p).startswith(scope)]
    with_phone = [p for p in in_scope if p.phone]
    with_given = [p for p in in_scope if len(p.name) > len(p.surname)]
    queries: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for _ in range(count):
        queries["name: surname"].append(rng.choice(in_scope).surname)
        person = rng.choice(with_given)
        queries["name: surname + 1"].append(person.name[: len(person.surname) + 1])
        if rng.random() < 0.1:
            birth = birth_for_age(rng, rng.randint(18, 80))
            queries["id number"].append(numbers.id_number("110109", birth, rng.choice(["male", "female"])))
        else:
            queries["id number"].append(rng.choice(in_scope).id_number)
        queries["phone"].append(numbers.phone() if rng.random() < 0.1 else rng.choice(with_phone).phone)
    return queries


@dataclass
class Row:
    database: str
    path: str
    scope: str
    kind: str
    n: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    mean_results: float
    timings_ms: list[float]  # in the order measured

    @property
    def meets_target(self) -> bool:
        return self.p95_ms < TARGET_P95_MS


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(
    database: str, path: str, scope: str, kind: str, timings: list[float], counts: list[int]
) -> Row:
    ordered = sorted(timings)
    return Row(
        database=database,
        path=path,
        scope=scope,
        kind=kind,
        n=len(ordered),
        p50_ms=percentile(ordered, 0.50) * 1000,
        p95_ms=percentile(ordered, 0.95) * 1000,
        max_ms=ordered[-1] * 1000,
        mean_results=sum(counts) / len(counts),
        timings_ms=[round(t * 1000, 3) for t in timings],
    )


Measured = dict[str, tuple[list[float], list[int]]]


def measure(search: Callable[[str], int], inputs: dict[str, list[str]]) -> Measured:
    """Time ``search`` on every input; the kinds take turns, so a disturbance hits them all alike."""
    results: Measured = {kind: ([], []) for kind in inputs}
    for i in range(max(len(queries) for queries in inputs.values())):
        for kind, queries in inputs.items():
            if i < len(queries):
                started = time.perf_counter()
                found = search(queries[i])
                results[kind][0].append(time.perf_counter() - started)
                results[kind][1].append(found)
    return results


def service_search(user: Any) -> Callable[[str], int]:
    from linli.registry.selectors import search_residents

    def search(query: str) -> int:
        # A request loads its user afresh, so the scope (memberships) is looked up every time.
        user.__dict__.pop("_linli_scope_cache", None)
        return len(search_residents(user=user, query=query))

    return search


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server() -> Iterator[str]:
    """``linli serve`` (Granian, one worker) in a subprocess with this environment; yields its URL."""
    import httpx

    port = free_port()
    log = (BENCH_VAR / "serve.log").open("w")
    command = [sys.executable, "-m", "linli.cli", "serve"]
    os.environ.update(LINLI_HOST="127.0.0.1", LINLI_PORT=str(port))
    process = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                sys.exit(f"linli serve exited with {process.returncode}; see {log.name}")
            try:
                httpx.get(f"{base}/api/v1/residents", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    sys.exit(f"linli serve did not start within 60 s; see {log.name}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def http_search(client: Any) -> Callable[[str], int]:
    def search(query: str) -> int:
        response = client.get("/api/v1/residents", params={"q": query})
        response.raise_for_status()
        return len(response.json())

    return search


def http_floor(client: Any, count: int) -> dict[str, float]:
    """Latency of a request the framework answers without touching the database: what any call costs."""
    timings: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get("/api/v1/residents")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 401
    ordered = sorted(timings)
    return {"p50_ms": percentile(ordered, 0.50) * 1000, "p95_ms": percentile(ordered, 0.95) * 1000}


def explain(user: Any, query: str) -> str:
    """The plan of the search for ``query``: EXPLAIN QUERY PLAN, or EXPLAIN ANALYZE on PostgreSQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.registry.selectors import search_residents

    user.__dict__.pop("_linli_scope_cache", None)
    with CaptureQueriesContext(connection) as captured:
        search_residents(user=user, query=query)
    statement = next(q["sql"] for q in captured.captured_queries if 'FROM "registry_resident"' in q["sql"])
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    with connection.cursor() as cursor:
        cursor.execute(prefix + statement)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        return "\n".join(f"  {row[-1]}" for row in rows)
    return "\n".join(f"  {row[0]}" for row in rows)


# --- output -----------------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    header = [
        "database",
        "path",
        "scope",
        "query kind",
        "n",
        "p50 ms",
        "p95 ms",
        "max ms",
        "rows",
        "p95<50ms",
    ]
    lines = [
        [
            r.database,
            r.path,
            r.scope,
            r.kind,
            str(r.n),
            f"{r.p50_ms:.2f}",
            f"{r.p95_ms:.2f}",
            f"{r.max_ms:.2f}",
            f"{r.mean_results:.1f}",
            "yes" if r.meets_target else "NO",
        ]
        for r in rows
    ]
    widths = [max(_width(c) for c in column) for column in zip(header, *lines, strict=True)]
    right = {4, 5, 6, 7, 8}

    def fmt(cells: list[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - _width(cell))
            out.append(pad + cell if i in right else cell + pad)
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines)])


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


# --- main -------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--residents", type=int, default=100_000, help="number of residents (default 100000)")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--queries", type=int, default=300, help="measured queries per kind, path and scope")
    parser.add_argument(
        "--warmup", type=int, default=30, help="unmeasured queries before each path and scope"
    )
    parser.add_argument("--seed", type=int, default=20250630)
    parser.add_argument("--batch", type=int, default=2000, help="bulk_create batch size")
    parser.add_argument(
        "--postgres-url",
        default="",
        help=f"server to use (default: DATABASE_URL if it is PostgreSQL, else {DEFAULT_POSTGRES}); "
        "only its host, port and credentials are used",
    )
    parser.add_argument(
        "--pg-database", default="linli_bench", help="database to (re)create (default linli_bench)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep an existing benchmark database of this size"
    )
    parser.add_argument("--keep", action="store_true", help="do not drop the PostgreSQL database at the end")
    parser.add_argument(
        "--analyze",
        choices=["auto", "yes", "no"],
        default="auto",
        help="run ANALYZE after loading (auto: on PostgreSQL, as autovacuum would; not on SQLite, "
        "where a fresh install has no statistics)",
    )
    parser.add_argument("--no-http", action="store_true", help="measure the service layer only")
    parser.add_argument("--explain", action="store_true", help="print the plan of one query of each kind")
    parser.add_argument("--no-json", action="store_true", help="do not write bench/results/*.json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))
    kept = configure_environment(args)

    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise

    import httpx
    from django.core.management import call_command
    from django.db import connection

    from linli.accounts.models import User
    from linli.accounts.roles import Role
    from linli.accounts.services import create_staff_user, issue_api_token
    from linli.core.models import Area
    from linli.registry.models import Resident

    database = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if database == "sqlite" else "SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"database: {database} {version}  ({connection.settings_dict['NAME']})")

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrate: {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    population = generate(args.residents, args.seed)
    print(
        f"generated {len(population.people):,} residents, {len(population.households):,} households, "
        f"{len(population.buildings):,} buildings, {len(population.areas)} areas in "
        f"{time.perf_counter() - started:.1f} s"
    )
    existing = list(Resident.objects.order_by("id").values_list("name", flat=True))
    if kept and existing == [p.name for p in population.people]:
        print(f"load: reusing the {len(existing):,} residents already in the benchmark database")
        load_seconds = None
    else:
        if existing:
            sys.exit(
                "the benchmark database holds other residents (size, seed or generator differ); drop --reuse"
            )
        started = time.perf_counter()
        steps = load(population, args.batch)
        load_seconds = time.perf_counter() - started
        detail = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items())
        print(f"load: {load_seconds:.1f} s ({detail})")
    if args.analyze == "yes" or (args.analyze == "auto" and database == "postgresql"):
        started = time.perf_counter()
        analyze()
        statement = "VACUUM ANALYZE" if database == "postgresql" else "ANALYZE"
        print(f"{statement}: {time.perf_counter() - started:.1f} s")

    # The widest scope (the district) and the narrowest community (hardest for a name-ordered scan).
    by_community: dict[str, int] = {}
    for person in population.people:
        code = population.grid_of(person)[:12]
        by_community[code] = by_community.get(code, 0) + 1
    community_code = min(by_community, key=lambda code: (by_community[code], code))
    district = Area.objects.get(code=DISTRICT_CODE)
    community = Area.objects.get(code=community_code)
    officer = User.objects.filter(username="bench-district").first() or create_staff_user(
        username="bench-district",
        password=os.urandom(16).hex(),
        full_name="区级干部",
        memberships=[(district, Role.DISTRICT_OFFICER)],
    )
    worker = User.objects.filter(username="bench-community").first() or create_staff_user(
        username="bench-community",
        password=os.urandom(16).hex(),
        full_name="社区工作者",
        memberships=[(community, Role.COMMUNITY_WORKER)],
    )
    scopes = [
        ("district", officer, DISTRICT_CODE, len(population.people)),
        ("community", worker, community_code, by_community[community_code]),
    ]
    for label, _, code, size in scopes:
        print(f"scope {label}: {code}, {size:,} residents")

    rng = random.Random(args.seed + 1)
    queries = {label: make_queries(population, code, args.queries, rng) for label, _, code, _ in scopes}
    warmup = {label: make_queries(population, code, args.warmup, rng) for label, _, code, _ in scopes}

    if args.explain:
        for label, user, _, _ in scopes:
            for kind in KINDS:
                # The most frequent input: for names, the commonest surname in scope, the hardest case.
                inputs = queries[label][kind]
                sample = max(inputs, key=inputs.count)
                print(f"\nplan: {label}, {kind} ({sample!r})")
                print(explain(user, sample))
        print()

    rows: list[Row] = []
    floor: dict[str, float] | None = None
    for label, user, _, _ in scopes:
        measure(service_search(user), warmup[label])
        for kind, (timings, counts) in measure(service_search(user), queries[label]).items():
            rows.append(summarise(database, "service", label, kind, timings, counts))

    if not args.no_http:
        connection.close()  # the server is the only one using the database while it is measured
        tokens = {}
        for label, user, _, _ in scopes:
            _, key = issue_api_token(user=user, name=f"bench {dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}")
            tokens[label] = key
        connection.close()
        with server() as base:
            with httpx.Client(base_url=base, timeout=30) as client:
                floor = http_floor(client, args.queries)
            print(
                f"HTTP floor (GET /api/v1/residents without a token, 401, no database work): "
                f"p50 {floor['p50_ms']:.2f} ms, p95 {floor['p95_ms']:.2f} ms"
            )
            for label, _, _, _ in scopes:
                headers = {"Authorization": f"Bearer {tokens[label]}"}
                with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                    measure(http_search(client), warmup[label])
                    for kind, (timings, counts) in measure(http_search(client), queries[label]).items():
                        rows.append(summarise(database, "http", label, kind, timings, counts))

    print()
    print(table(rows))
    missed = [r for r in rows if not r.meets_target]
    print(
        f"\n{len(rows) - len(missed)} of {len(rows)} figures meet the target (p95 < {TARGET_P95_MS:.0f} ms)"
        + (f"; missed: {', '.join(f'{r.path}/{r.scope}/{r.kind}' for r in missed)}" if missed else "")
    )

    if not args.no_json:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = RESULTS_DIR / f"search-{database}-{len(population.people)}-{stamp}.json"
        path.write_text(
            json.dumps(
                {
                    "database": database,
                    "version": version,
                    "residents": len(population.people),
                    "households": len(population.households),
                    "load_seconds": load_seconds,
                    "seed": args.seed,
                    "queries_per_kind": args.queries,
                    "target_p95_ms": TARGET_P95_MS,
                    "scopes": {label: {"code": code, "residents": size} for label, _, code, size in scopes},
                    "python": platform.python_version(),
                    "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
                    "http_floor": floor,
                    "rows": [asdict(r) | {"meets_target": r.meets_target} for r in rows],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        print(f"results: {path.relative_to(ROOT)}")

    connection.close()
    if database == "postgresql" and not args.keep:
        drop_postgres(postgres_urls(args)[1], args.pg_database)
        print(f"dropped database {args.pg_database}")


if __name__ == "__main__":
    main()

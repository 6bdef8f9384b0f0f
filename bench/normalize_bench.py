"""Reading and normalising a department spreadsheet of 200,000 rows: how many rows a second?

    .venv/bin/python bench/normalize_bench.py [--rows 200000] [--seed 7] [--keep]

A sheet like the ones departments send (a title row, then 14 columns: name, ID number, sex, birth date in
mixed forms, phone, address, community, grid, hukou, ethnicity, relation, two tag columns) is generated
from a fixed seed, with the usual share of faults (wrong check characters, IDs stored as numbers, 15-digit
numbers, landlines, month-only dates, unknown words ...). It is written as CSV in UTF-8 and in GBK and as
xlsx under ``var/bench/intake/`` (set-up, timed but not measured), then each is read with ``read_rows``
and every data row normalised with ``row_values`` + ``normalize_row``; the problem report of the rows that
are not clean is written last. No database is used. Figures are printed; nothing is asserted.

Both wall and CPU seconds are printed: on a shared machine wall time also counts other processes' turns.
The results are kept in memory as a pipeline would keep them, so the garbage collector's passes over them
are part of the figures (``gc.freeze()`` after parsing takes most of that away).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import io
import os
import platform
import random
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench" / "intake"
TODAY = dt.date(2026, 6, 1)
TITLE = "2026年高龄老人津贴发放名册"
HEADER = [
    "序号",
    "姓名",
    "身份证号码",
    "性别",
    "出生日期",
    "联系电话",
    "现住址",
    "社区(村)",
    "网格",
    "户籍性质",
    "民族",
    "与户主关系",
    "是否低保",
    "残疾等级",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰建国建华志强淑珍桂兰秀珍凤英玉珍"
COMMUNITIES = ["百泉社区", "儒林社区", "湖南社区", "胜芳社区", "110119001001", "110119001002", "東關村"]
STREETS = ["百泉街道", "儒林街道", "香水园街道", "延庆镇"]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def _check(first17: str) -> str:
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def _person(rng: random.Random, number: int) -> list[str]:
    birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 33000))
    male = rng.random() < 0.5
    sequence = rng.randrange(0, 50) * 2 + (1 if male else 0)
    first17 = f"110229{birth:%Y%m%d}{rng.randrange(0, 10)}{sequence:02d}"[:17]
    id_number = first17 + _check(first17)
    roll = rng.random()
    if roll < 0.03:
        id_number = first17 + ("0" if _check(first17) != "0" else "1")  # a typo in the check character
    elif roll < 0.04:
        id_number = f"{float(id_number[:17]) * 10:.14E}".replace("E+0", "E+")  # stored as a number
    elif roll < 0.05:
        id_number = id_number[:6] + id_number[8:17]  # the old 15-digit form
    elif roll < 0.07:
        id_number = ""
    elif roll < 0.09:
        id_number = id_number.lower()[:-1] + ("x" if id_number[-1] == "X" else id_number[-1])
    date_form = rng.random()
    if date_form < 0.4:
        birth_text = birth.isoformat()
    elif date_form < 0.6:
        birth_text = f"{birth.year}年{birth.month}月{birth.day}日"
    elif date_form < 0.75:
        birth_text = f"{birth:%Y.%m.%d}"
    elif date_form < 0.85:
        birth_text = f"{birth:%Y%m%d}"
    elif date_form < 0.95:
        birth_text = f"{birth.year}年{birth.month}月"
    else:
        birth_text = ""
    phone_roll = rng.random()
    mobile = f"1{rng.choice('3578')}{rng.randrange(0, 10**9):09d}"
    if phone_roll < 0.7:
        phone = mobile
    elif phone_roll < 0.8:
        phone = f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    elif phone_roll < 0.88:
        phone = f"010-6{rng.randrange(0, 10**7):07d}"
    elif phone_roll < 0.93:
        phone = f"{mobile}/010-6{rng.randrange(0, 10**7):07d}"
    elif phone_roll < 0.95:
        phone = mobile[:10]  # a digit lost
    else:
        phone = ""
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    if rng.random() < 0.05:
        name = " ".join(name)
    building = rng.randrange(1, 40)
    return [
        str(number),
        name,
        id_number,
        ("男" if male else "女") if rng.random() < 0.97 else rng.choice(["男", "女", "未知"]),
        birth_text,
        phone,
        f"延庆区{rng.choice(STREETS)}{building}号楼{rng.randrange(1, 7)}单元{rng.randrange(101, 1802)}",
        rng.choice(COMMUNITIES),
        f"第{rng.randrange(1, 9)}网格",
        rng.choice(["本地", "本地", "本地", "户籍", "外地", "流动人口", "农业", ""]),
        rng.choice(["汉族"] * 20 + ["回族", "满族", "蒙古族", "01", "汉", ""]),
        rng.choice(["户主", "配偶", "子", "女", "母亲", "孙子", "其他", ""]),
        rng.choice(["", "", "", "否", "是", "√"]),
        rng.choice([""] * 12 + ["一级", "二级", "三级", "四级", "2", "肢体三级"]),
    ]


def generate(rows: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    return [[TITLE] + [""] * (len(HEADER) - 1), HEADER] + [_person(rng, n) for n in range(1, rows + 1)]


def write_csv(rows: list[list[str]], path: Path, encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="", errors="replace") as file:
        csv.writer(file).writerows(rows)


def write_xlsx(rows: list[list[str]], path: Path) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("名册")
    for index, row in enumerate(rows):
        for column, value in enumerate(row):
            if not value:
                continue
            # Serial numbers and phone numbers typed as numbers, the way departments' sheets have them.
            if column in (0, 5) and value.isdigit() and index > 1:
                sheet.write_number(index, column, int(value))
            else:
                sheet.write_string(index, column, value)
    workbook.close()


CPU_SECONDS: list[float] = []


def count_rows(read: Callable[..., Iterator[list[str]]], path: Path, filename: str) -> int:
    return sum(1 for _ in read(path, filename=filename))


def timed(action: Callable[[], object]) -> tuple[float, object]:
    """Wall seconds of one call; its CPU seconds go to CPU_SECONDS (a shared machine stretches wall time)."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    CPU_SECONDS.append(time.process_time() - cpu)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the generated files in var/bench/intake/")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.utils import translation

    from linli.intake.normalize import NormalizedRow, normalize_row, row_values, suggest_mapping
    from linli.intake.reading import detect_header_row, header_labels, inspect_file, read_rows
    from linli.intake.report import ReportRow, write_problem_report

    translation.activate("zh-hans")
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"rows: {args.rows:,} (seed {args.seed})")

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    seconds, rows = timed(lambda: generate(args.rows, args.seed))
    print(f"set-up: generated rows in {seconds:.2f} s")
    assert isinstance(rows, list)
    files = {
        "csv utf-8": OUT_DIR / "sheet-utf8.csv",
        "csv gbk": OUT_DIR / "sheet-gbk.csv",
        "xlsx": OUT_DIR / "sheet.xlsx",
    }
    for label, path in files.items():
        if label == "xlsx":
            seconds, _ = timed(partial(write_xlsx, rows, path))
        else:
            encoding = "utf-8" if "utf-8" in label else "gbk"
            seconds, _ = timed(partial(write_csv, rows, path, encoding))
        print(f"set-up: wrote {label} ({path.stat().st_size / 1e6:.1f} MB) in {seconds:.2f} s")

    # The generated rows are set-up: keep the garbage collector from walking them again and again.
    gc.collect()
    gc.freeze()

    header_row = detect_header_row(rows[:20])
    labels, first_data = header_labels(rows[:20], header_row)
    mapping = suggest_mapping(labels)
    data = rows[first_data:]
    print(f"header row {header_row}, {len(mapping)} of {len(labels)} columns mapped")

    def normalise(source: Iterator[list[str]] | list[list[str]], skip: int) -> list[NormalizedRow]:
        out = []
        for index, row in enumerate(source):
            if index < skip:
                continue
            out.append(normalize_row(row_values(row, mapping), today=TODAY))
        return out

    def line(what: str, seconds: float, count: int) -> None:
        cpu = CPU_SECONDS[-1]
        rate = f"{count / cpu:>12,.0f}" if count > 1 else f"{'':>12}"
        print(f"{what:<40} {seconds:>7.2f} {cpu:>7.2f} {rate}")

    print()
    print(f"{'what':<40} {'wall s':>7} {'cpu s':>7} {'rows/cpu s':>12}")
    seconds, result = timed(lambda: normalise(data, 0))
    assert isinstance(result, list)
    normalised: list[NormalizedRow] = result
    line("normalise (rows already in memory)", seconds, len(data))

    for label, path in files.items():
        filename = path.name

        def parse_and_normalise(path: Path = path, filename: str = filename) -> int:
            inspect_file(path, filename=filename)
            return len(normalise(read_rows(path, filename=filename), first_data))

        seconds, _ = timed(partial(inspect_file, path, filename=filename))
        line(f"inspect: {label}", seconds, 1)
        seconds, _ = timed(partial(count_rows, read_rows, path, filename))
        line(f"read: {label}", seconds, len(rows))
        seconds, count = timed(parse_and_normalise)
        assert count == len(data), (count, len(data))
        line(f"inspect + read + normalise: {label}", seconds, len(data))

    unclean = [(number, row) for number, row in enumerate(normalised, start=first_data + 1) if row.problems]
    report_rows = [
        ReportRow.from_problems(
            row_number=number,
            outcome="拒绝" if row.is_rejectable else "已导入",
            problems=row.problems,
            cells=data[number - first_data - 1],
        )
        for number, row in unclean
    ]
    buffer = io.BytesIO()
    seconds, _ = timed(lambda: write_problem_report(report_rows, buffer, header=labels))
    line(f"problem report ({len(report_rows):,} rows)", seconds, len(report_rows))
    print(f"report size: {len(buffer.getvalue()) / 1e6:.1f} MB")

    codes = Counter(problem.code for row in normalised for problem in row.problems)
    rejected = sum(1 for row in normalised if row.is_rejectable)
    print()
    clean = sum(1 for row in normalised if row.is_clean)
    print(f"clean {clean:,}, with warnings {len(normalised) - rejected - clean:,}, rejected {rejected:,}")
    print("problems: " + ", ".join(f"{code} {count:,}" for code, count in codes.most_common()))
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    if not args.keep:
        for path in files.values():
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()

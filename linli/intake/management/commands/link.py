"""``linli link FILE --map col=role,...``: link the records of a plain CSV and write their cluster ids.

    linli link residents.csv --map 姓名=name,身份证号=id_number,出生日期=birth_date,联系电话=phone
    linli link febrl3.csv --schema generic --truth-column rec_id --truth-pattern 'rec-(\\d+)-' \\
        --map given_name=given_name,surname=surname,date_of_birth=birth_date,soc_sec_id=id_number

The file is deduplicated within itself: the output is the input with a ``cluster_id`` column (the row
number, from 1, of the first row of the cluster). ``--truth-column`` (with ``--truth-pattern`` to take the
entity out of a record id) prints pairwise precision, recall and F1 against the truth.
"""

import csv
import io
import re
import time
from pathlib import Path
from typing import Any

import polars as pl
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from linli.intake.linkage import (
    RESIDENT_SCHEMA,
    ROLES,
    LinkResult,
    StoredModel,
    link_records,
    schema_by_name,
    train_model,
)
from linli.intake.linkage.records import resident_record

ENCODINGS = ("utf-8-sig", "gb18030")
STAGES = 100


def read_csv(path: Path) -> pl.DataFrame:
    """Every cell as text; UTF-8 (with or without BOM) or GB18030, which contains GBK."""
    raw = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return pl.read_csv(io.StringIO(text), infer_schema=False, truncate_ragged_lines=True).fill_null("")
    raise CommandError(f"{path}: neither UTF-8 nor GB18030")


def parse_mapping(text: str, columns: list[str]) -> dict[str, str]:
    """``col=role,col=role`` → {column: role}; every column must exist and every role be known."""
    mapping: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        column, sep, role = item.partition("=")
        column, role = column.strip(), role.strip()
        if not sep or not column or not role:
            raise CommandError(f"--map: {item!r} is not column=role")
        if column not in columns:
            raise CommandError(f"--map: no column {column!r} in the file (columns: {', '.join(columns)})")
        if role not in ROLES:
            raise CommandError(f"--map: unknown role {role!r} (roles: {', '.join(ROLES)})")
        if role in mapping.values():
            raise CommandError(f"--map: role {role!r} is mapped twice")
        mapping[column] = role
    if not mapping:
        raise CommandError("--map: map at least one column to a role")
    return mapping


def pairwise_scores(clusters: list[str], truth: list[str]) -> tuple[float, float, float, int, int]:
    """Precision, recall and F1 over all pairs of records, with the true and found pair counts."""
    frame = pl.DataFrame({"found": clusters, "truth": truth})

    def pairs(counts: pl.Series) -> int:
        return int((counts * (counts - 1) // 2).sum())

    both = pairs(frame.group_by(["found", "truth"]).len()["len"])
    found = pairs(frame.group_by("found").len()["len"])
    true = pairs(frame.group_by("truth").len()["len"])
    precision = both / found if found else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, true, found


class Command(BaseCommand):
    help = "Link the records of a CSV file (deduplicate it) and write a cluster id for each row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--map", required=True, help=f"column=role pairs, comma-separated; roles: {', '.join(ROLES)}"
        )
        parser.add_argument("--schema", choices=["resident", "generic"], default="resident")
        parser.add_argument("--output", type=Path, help="where to write the rows (default: FILE.linked.csv)")
        parser.add_argument("--model", type=Path, help="a stored model (with --train: where to save it)")
        parser.add_argument("--train", action="store_true", help="train a model on this file and save it")
        parser.add_argument("--truth-column", help="column that names the true entity of each row")
        parser.add_argument(
            "--truth-pattern", help="regular expression; its first group (or match) is the entity"
        )
        parser.add_argument("--pairs", type=Path, help="also write the evidence of every pair to this CSV")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        for name in ("output", "model", "pairs"):
            # call_command passes values as given, not through the parser's type.
            options[name] = Path(options[name]) if options[name] else None
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        if options["train"] and not options["model"]:
            raise CommandError("--train needs --model PATH to save the model to")
        timings: dict[str, float] = {}
        bar = tqdm(total=STAGES, desc="read", unit="%", disable=options["no_progress"], leave=False)

        started = time.perf_counter()
        frame = read_csv(path)
        mapping = parse_mapping(options["map"], frame.columns)
        try:
            schema = schema_by_name(options["schema"], list(mapping.values()))
        except ValueError as error:
            raise CommandError(str(error)) from error
        records = self._records(frame, mapping, resident=schema is RESIDENT_SCHEMA)
        timings["read"] = time.perf_counter() - started
        bar.update(5)

        model = None
        if options["train"]:
            started = time.perf_counter()
            bar.set_description("train")
            model = train_model(records, schema)
            model.save(options["model"])
            timings["train"] = time.perf_counter() - started
        elif options["model"]:
            model = StoredModel.load(options["model"])

        def on_progress(stage: str, fraction: float) -> None:
            bar.set_description(stage)
            bar.n = 5 + int(fraction * 90)
            bar.refresh()

        try:
            result = link_records(records, schema=schema, model=model, progress=on_progress)
        except ValueError as error:
            raise CommandError(str(error)) from error
        timings.update(result.timings)

        started = time.perf_counter()
        bar.set_description("write")
        output = options["output"] or path.with_name(path.name + ".linked.csv")
        cluster_ids = [str(int(result.clusters[uid])) for uid in records["uid"].to_list()]
        frame.with_columns(pl.Series("cluster_id", cluster_ids)).write_csv(output)
        if options["pairs"]:
            self._write_pairs(options["pairs"], result)
        timings["write"] = time.perf_counter() - started
        bar.n = STAGES
        bar.close()
        self._summary(result, output, timings)
        if options["truth_column"]:
            self._scores(frame, cluster_ids, options["truth_column"], options["truth_pattern"])

    def _records(self, frame: pl.DataFrame, mapping: dict[str, str], *, resident: bool) -> pl.DataFrame:
        uids = [f"{i:09d}" for i in range(1, frame.height + 1)]
        by_role = frame.select([pl.col(column).alias(role) for column, role in mapping.items()])
        if not resident:
            return by_role.with_columns(pl.Series("uid", uids))
        today = timezone.localdate()
        rows = [resident_record(cells, today=today) for cells in by_role.iter_rows(named=True)]
        return pl.DataFrame(rows).with_columns(pl.Series("uid", uids))

    def _summary(self, result: LinkResult, output: Path, timings: dict[str, float]) -> None:
        matches = sum(1 for pair in result.pairs if pair.status == "match")
        candidates = len(result.pairs) - matches
        clusters = len(set(result.clusters.values()))
        self.stdout.write(
            f"records {len(result.clusters)}, clusters {clusters}, match pairs {matches}, "
            f"candidates for review {candidates}"
        )
        self.stdout.write(
            "times: " + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in timings.items())
        )
        self.stdout.write(f"written: {output}")

    def _scores(self, frame: pl.DataFrame, clusters: list[str], column: str, pattern: str | None) -> None:
        if column not in frame.columns:
            raise CommandError(f"--truth-column: no column {column!r}")
        values = frame[column].to_list()
        if pattern:
            regex = re.compile(pattern)
            entities = []
            for value in values:
                hit = regex.search(value)
                entities.append((hit.group(1) if hit.groups() else hit.group(0)) if hit else value)
        else:
            entities = values
        precision, recall, f1, true, found = pairwise_scores(clusters, entities)
        self.stdout.write(
            f"pairwise precision {precision:.4f}, recall {recall:.4f}, F1 {f1:.4f} "
            f"({found} pairs found, {true} true pairs)"
        )

    def _write_pairs(self, path: Path, result: LinkResult) -> None:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["left", "right", "status", "decided_by", "match_probability", "field_weights"])
            for pair in result.pairs:
                weights = ";".join(f"{name}={weight}" for name, weight in pair.field_weights.items())
                writer.writerow(
                    [
                        int(pair.left),
                        int(pair.right),
                        pair.status,
                        pair.decided_by,
                        pair.match_probability,
                        weights,
                    ]
                )

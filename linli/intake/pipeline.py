"""Running an import: parse → link → write → report, each row ending in exactly one outcome.

* **parse** reads the file and normalises every row; a row with a blocking problem is rejected here.
* **link** finds who each row is: the same row imported before (its fingerprint), the exact ID number
  anywhere in the district, then the linkage engine over the rows left and the golden records of the
  list's area (rules first, the stored probabilistic model for what the rules leave open).
* **write** works through the rows in chunks, one transaction each: a chunk is written whole or not at
  all, and a row is done when its ``ImportRow`` exists. A run that stopped half-way is run again and
  picks up the rows not yet written; rows already written are not touched.
* **report** writes the xlsx of every row that was not clean.
"""

import datetime as dt
import gc
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.core.files.base import ContentFile
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.bulkinsert import insert_rows, rows_with_keys
from linli.core.models import Area
from linli.core.services import record_audit_event
from linli.intake import normalize, reading
from linli.intake.linkage import (
    RESIDENT_SCHEMA,
    LinkageThresholds,
    PairEvidence,
    default_model,
    link_records,
)
from linli.intake.models import BatchStatus, ImportBatch, ImportRow, Outcome, ReviewItem, ReviewKind
from linli.intake.report import ReportRow, write_problem_report
from linli.registry import imports as registry_imports
from linli.registry.imports import NewResident, ProvenanceRow
from linli.registry.models import Resident
from linli.registry.provenance import SOURCE_FIELDS, Decision, current_sources, decide_field, source_kind
from linli.registry.services import field_text, id_number_index

# Rows written per transaction: small enough that a failure loses little work, large enough to be fast.
CHUNK_ROWS = 10000
INSERT_BATCH = 1000
TAG_SOURCE_FALLBACK = "import"


@dataclass
class ParsedRow:
    number: int  # 1-based row number in the sheet, as a spreadsheet program shows it
    cells: list[str]
    values: dict[str, str]  # target field -> normalised text
    id_valid: bool
    tags: dict[str, int | None]
    community: str
    grid: str
    fingerprint: str
    reject_code: str = ""
    warnings: list[tuple[str, str, str]] = field(default_factory=list)  # (field, code, message)
    unknown_groups: list[str] = field(default_factory=list)
    messages: str = ""


@dataclass
class RowResult:
    outcome: str
    resident_id: int | None = None
    reason_code: str = ""
    message: str = ""


@dataclass
class RunContext:
    batch: ImportBatch
    actor: Any
    source: str
    area_by_key: dict[str, Area]
    # Tests inject a failure here to prove a half-done run leaves no half-written rows.
    before_chunk: Callable[[int], None] | None = None


# --- parse ------------------------------------------------------------------------------------------


def parse_batch(batch: ImportBatch) -> tuple[list[str], list[ParsedRow]]:
    """Every data row of the file, normalised; blank rows are skipped (they are not records)."""
    path = batch.file.path
    rows = reading.read_rows(path, filename=batch.filename, sheet=batch.sheet or None)
    header: list[str] = batch.header
    parsed: list[ParsedRow] = []
    mapping: dict[str, str] = batch.mapping
    today = timezone.localdate()
    for index, cells in enumerate(rows):
        if index < batch.first_data_row:
            continue
        if not any(c.strip() for c in cells):
            continue
        parsed.append(parse_row(index + 1, header, cells, mapping, batch.constant_tags, today))
    return header, parsed


def parse_row(
    number: int,
    header: list[str],
    cells: list[str],
    mapping: dict[str, str],
    constant_tags: list[str],
    today: dt.date | None = None,
) -> ParsedRow:
    raw: dict[str, str] = {}
    for position, label in enumerate(header):
        target = mapping.get(label)
        if not target or target == "ignore" or position >= len(cells):
            continue
        raw[target] = cells[position]
    result = normalize.normalize_row(raw, today=today)
    values = {k: _as_text(v) for k, v in result.values.items() if v not in (None, "")}
    id_value = result.id_number
    id_valid = bool(id_value is not None and id_value.valid)
    if id_value is not None and id_value.number:
        values["id_number"] = id_value.number
    tags = dict(result.tags)
    for tag in constant_tags:
        tags.setdefault(tag, None)
    community = values.pop("community", "") or ""
    grid = values.pop("grid", "") or ""
    # Unit and record separators cannot occur in a cleaned cell, so the joined text is unambiguous.
    key = "\x1e".join(f"{k}\x1f{v}" for k, v in sorted(values.items()))
    joined = f"{key}\x1d{','.join(sorted(tags))}\x1d{community}\x1d{grid}"
    fingerprint = hashlib.sha256(joined.encode()).hexdigest()
    row = ParsedRow(
        number=number,
        cells=cells,
        values=values,
        id_valid=id_valid,
        tags=tags,
        community=community,
        grid=grid,
        fingerprint=fingerprint,
    )
    # A group name the registry has no tag for (临时救助, say) is the list's vocabulary, not a fault of the
    # row: the batch names those once, and the row stays clean.
    problems = [p for p in result.problems if p.code != "tag_unknown"]
    row.unknown_groups = [
        name
        for p in result.problems
        if p.code == "tag_unknown"
        for name in (p.params or {}).get("names", "").split("、")
    ]
    blocking = [p for p in problems if p.blocking]
    if blocking:
        row.reject_code = blocking[0].code
    row.warnings = [(p.field, p.code, p.text()) for p in problems]
    row.messages = "；".join(p.text() for p in problems)
    return row


def _as_text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --- areas ------------------------------------------------------------------------------------------


# Lists name a place with or without its committee: "向阳社区居委会", "向阳社区" and "向阳" are one community,
# "东山村委会" and "东山村" one village (a village keeps its "村": "东山村" is not "东山").
VILLAGE_COMMITTEE = ("村民委员会", "村委会")
RESIDENTS_COMMITTEE = ("社区居民委员会", "社区居委会", "居民委员会", "居委会")


def area_key(name: str) -> str:
    key = "".join(name.split())
    for suffix in VILLAGE_COMMITTEE:
        if key.endswith(suffix) and len(key) > len(suffix):
            base = key[: -len(suffix)]
            return base if base.endswith("村") else base + "村"
    for suffix in RESIDENTS_COMMITTEE:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
            break
    return key.removesuffix("社区") if len(key) > 2 else key


def area_lookup(batch: ImportBatch) -> dict[str, Area]:
    """Communities and grids under the list's area, by code and by name (names as people write them)."""
    areas: dict[str, Area] = {}
    below = Area.objects.filter(code__startswith=batch.area.code).order_by("code")
    for area in below:
        areas[area.code] = area
        areas.setdefault(area.name, area)
        areas.setdefault(area_key(area.name), area)
    return areas


def _row_area(row: ParsedRow, context: RunContext) -> Area | None:
    # The grid when the registry knows it, else the community: departments' grid codes go stale.
    for ref in (row.grid.strip(), row.community.strip()):
        if ref:
            found = context.area_by_key.get(ref) or context.area_by_key.get(area_key(ref))
            if found is not None:
                return found
    if row.grid or row.community:
        return None
    area = context.batch.area
    # A row may only be placed without a community when the list is of one community or grid.
    return area if area.level in ("community", "grid") else None


# --- link -------------------------------------------------------------------------------------------


@dataclass
class LinkPlan:
    """Who each pending row is, before anything is written."""

    # row number -> existing resident id (fingerprint, exact ID or linkage to a golden record)
    existing: dict[int, int] = field(default_factory=dict)
    # clusters of rows that are one new person (row numbers, best first: the one to create from)
    new_people: list[list[int]] = field(default_factory=list)
    cluster_of: dict[int, list[int]] = field(default_factory=dict)
    # row number -> reason code, for rows refused while linking
    refused: dict[int, str] = field(default_factory=dict)
    # pairs for review: (row, resident, other row, other resident, evidence); each side is a row or a record
    candidates: list[tuple[int | None, int | None, int | None, int | None, dict[str, Any]]] = field(
        default_factory=list
    )
    candidate_rows: set[int] = field(default_factory=set)


def _golden_frame(batch: ImportBatch) -> pl.DataFrame:
    rows = (
        Resident.objects.filter(area__code__startswith=batch.area.code, merged_into__isnull=True)
        .values_list(
            "pk",
            "name",
            "id_number",
            "birth_date",
            "sex",
            "phone",
            "address",
            "household__building__address",
            "household__room",
        )
        .iterator(chunk_size=20000)
    )
    uids, names, ids, births, sexes, phones, addresses = [], [], [], [], [], [], []
    for pk, name, id_number, birth, sex, phone, address, building, room in rows:
        uids.append(f"r{pk}")
        names.append(name)
        ids.append(id_number or "")
        births.append(birth.isoformat() if birth else "")
        sexes.append(sex or "")
        phones.append(phone or "")
        addresses.append(f"{building} {room}".strip() if building else (address or ""))
    return pl.DataFrame(
        {
            "uid": uids,
            "source": ["golden"] * len(uids),
            "id_number": ids,
            "id_valid": [len(i) == 18 for i in ids],
            "name": names,
            "birth_date": births,
            "sex": sexes,
            "phone": phones,
            "address": addresses,
        },
        schema={
            "uid": pl.String,
            "source": pl.String,
            "id_number": pl.String,
            "id_valid": pl.Boolean,
            "name": pl.String,
            "birth_date": pl.String,
            "sex": pl.String,
            "phone": pl.String,
            "address": pl.String,
        },
    )


def _rows_frame(rows: list[ParsedRow]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "uid": [f"i{r.number}" for r in rows],
            "source": ["import"] * len(rows),
            "id_number": [r.values.get("id_number", "") for r in rows],
            "id_valid": [r.id_valid for r in rows],
            "name": [r.values.get("name", "") for r in rows],
            "birth_date": [r.values.get("birth_date", "") for r in rows],
            "sex": [r.values.get("sex", "") for r in rows],
            "phone": [r.values.get("phone", "") for r in rows],
            "address": [r.values.get("address", "") for r in rows],
        },
        schema={
            "uid": pl.String,
            "source": pl.String,
            "id_number": pl.String,
            "id_valid": pl.Boolean,
            "name": pl.String,
            "birth_date": pl.String,
            "sex": pl.String,
            "phone": pl.String,
            "address": pl.String,
        },
    )


def _follow_merges(resident_ids: Iterable[int]) -> dict[int, int]:
    """Each id -> the record it now lives in (a merged record points at its survivor)."""
    result = {pk: pk for pk in resident_ids}
    pending = set(result)
    for _step in range(10):
        links = Resident.objects.filter(pk__in=pending, merged_into__isnull=False).values_list(
            "pk", "merged_into"
        )
        merged = {pk: into for pk, into in links if into is not None}
        if not merged:
            break
        for original, current in result.items():
            if current in merged:
                result[original] = merged[current]
        pending = set(merged.values())
    return result


def link_batch(
    batch: ImportBatch, rows: list[ParsedRow], *, progress: Callable[[str, float], None]
) -> LinkPlan:
    plan = LinkPlan()
    open_rows = [r for r in rows if not r.reject_code]

    # 1. The same row imported before leads to the same person.
    by_print: dict[str, int] = {}
    prints = [r.fingerprint for r in open_rows]
    for fingerprint, resident_id in rows_with_keys(
        ImportRow, "fingerprint", prints, ("fingerprint", "resident")
    ):
        if resident_id is not None:
            by_print[fingerprint] = resident_id
    current = _follow_merges(set(by_print.values()))
    remaining: list[ParsedRow] = []
    for row in open_rows:
        if row.fingerprint in by_print:
            plan.existing[row.number] = current[by_print[row.fingerprint]]
        else:
            remaining.append(row)

    # 2. A valid ID number registered anywhere in the district is that person.
    index_of = {r.number: id_number_index(r.values["id_number"]) for r in remaining if r.id_valid}
    found: dict[str, tuple[int, str]] = {}
    indexes = list(set(index_of.values()))
    area_codes = dict(Area.objects.filter(code__startswith=batch.area.code[:6]).values_list("pk", "code"))
    for pk, index, area_id in rows_with_keys(
        Resident, "id_number_index", indexes, ("id", "id_number_index", "area")
    ):
        found[index] = (pk, area_codes.get(area_id) or Area.objects.get(pk=area_id).code)
    current = _follow_merges({pk for pk, _code in found.values()})
    left: list[ParsedRow] = []
    for row in remaining:
        hit = found.get(index_of.get(row.number, ""))
        if hit is None:
            left.append(row)
        elif not hit[1].startswith(batch.area.code):
            # Registered in another community: not this list's to change. The review of the other
            # community's workers is not reached from here; the row says why it stopped.
            plan.refused[row.number] = "registered_elsewhere"
        else:
            plan.existing[row.number] = current[hit[0]]
    progress("link", 0.2)

    # 3. The engine: rules on normalised keys, then the stored model for what the rules leave open.
    quality = {r.number: (r.id_valid, len(r.values)) for r in left}
    if left:
        frame = pl.concat([_golden_frame(batch), _rows_frame(left)])
        result = link_records(
            frame,
            schema=RESIDENT_SCHEMA,
            model=default_model(),
            thresholds=LinkageThresholds.from_settings(),
            progress=lambda stage, share: progress("link", 0.2 + 0.8 * share),
        )
        members: dict[str, list[str]] = defaultdict(list)
        for uid, cluster in result.clusters.items():
            members[cluster].append(uid)
        for uids in members.values():
            golden = sorted(int(u[1:]) for u in uids if u.startswith("r"))
            imported = sorted(int(u[1:]) for u in uids if u.startswith("i"))
            if not imported:
                continue
            if len(golden) == 1:
                for number in imported:
                    plan.existing[number] = golden[0]
            elif len(golden) > 1:
                for number in imported:
                    plan.refused[number] = "several_records_match"
                for other in golden[1:]:
                    plan.candidates.append((None, golden[0], None, other, {"decided_by": "cluster"}))
            else:
                imported.sort(key=lambda n: (not quality[n][0], -quality[n][1], n))
                plan.new_people.append(imported)
                for number in imported:
                    plan.cluster_of[number] = imported
        for pair in result.pairs:
            if pair.status == "candidate":
                candidate = _candidate(pair)
                plan.candidates.append(candidate)
                plan.candidate_rows.update(n for n in (candidate[0], candidate[2]) if n is not None)
    return plan


def _candidate(pair: PairEvidence) -> tuple[int | None, int | None, int | None, int | None, dict[str, Any]]:
    def side(uid: str) -> tuple[int | None, int | None]:
        number = int(uid[1:])
        return (number, None) if uid.startswith("i") else (None, number)

    left_row, left_resident = side(pair.left)
    right_row, right_resident = side(pair.right)
    evidence = {
        "decided_by": pair.decided_by,
        "match_probability": pair.match_probability,
        "match_weight": pair.match_weight,
        "field_weights": pair.field_weights,
    }
    return left_row, left_resident, right_row, right_resident, evidence


# --- write ------------------------------------------------------------------------------------------


def _new_resident(row: ParsedRow, area: Area) -> NewResident:
    resident = NewResident(area_id=area.pk, name=row.values.get("name", ""))
    values = {k: v for k, v in row.values.items() if k in SOURCE_FIELDS and k != "name"}
    if not row.id_valid:
        values.pop("id_number", None)
    registry_imports.set_values(resident, values)
    return resident


def _sources_that_matter(
    rows: list[ParsedRow], target_of: dict[int, int | None], residents: dict[int, Resident | NewResident]
) -> dict[tuple[int, str], str]:
    """The source behind each current value a row disagrees with: only those decide the rule."""
    needed: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        pk = target_of[row.number]
        if pk is None:
            continue
        resident = residents[pk]
        for name in SOURCE_FIELDS:
            new = row.values.get(name, "")
            if new and field_text(resident, name) not in ("", new):
                needed[pk].add(name)
    if not needed:
        return {}
    found = current_sources(list(needed))
    return {key: source for key, source in found.items() if key[1] in needed[key[0]]}


def write_chunk(
    context: RunContext,
    rows: list[ParsedRow],
    plan: LinkPlan,
    created_for: dict[int, int],
) -> dict[int, RowResult]:
    """Write one chunk of rows in one transaction; returns each row's outcome."""
    batch = context.batch
    source = context.source
    kind = source_kind(source)
    actor_id = context.actor.pk if context.actor is not None and context.actor.is_authenticated else None
    results: dict[int, RowResult] = {}
    provenance: list[ProvenanceRow] = []
    changes: list[tuple[int, str, str, str]] = []  # (resident, area code, field, value)
    by_number = {r.number: r for r in rows}
    reviews: list[ReviewItem] = []

    # New people: the best row of a new cluster creates the resident; the cluster's others match it.
    new_residents: list[tuple[ParsedRow, NewResident, list[int]]] = []
    for row in rows:
        if row.reject_code:
            results[row.number] = RowResult(Outcome.REJECTED, None, row.reject_code, row.messages)
            continue
        if row.number in plan.refused:
            code = plan.refused[row.number]
            results[row.number] = RowResult(Outcome.CONFLICT, None, code, REFUSAL_MESSAGES[code]())
    for row in rows:
        if row.number in results or row.number in plan.existing or row.number in created_for:
            continue
        cluster = plan.cluster_of.get(row.number, [row.number])
        members = [by_number[n] for n in cluster if n in by_number and n not in results]
        placed = [(m, _row_area(m, context)) for m in members]
        creator = next(((m, area) for m, area in placed if area is not None), None)
        if creator is None:
            for member in members:
                results[member.number] = RowResult(
                    Outcome.REJECTED,
                    None,
                    "unknown_community",
                    _("The community or village is not known in the area of this list."),
                )
            continue
        first, area = creator
        resident = _new_resident(first, area)
        new_residents.append((first, resident, [n for n in cluster if n != first.number]))
        for number in cluster:
            if number not in results:
                created_for[number] = -1  # the cluster has its creator; the id comes with the insert
    registry_imports.insert_residents([r for _row, r, _others in new_residents])
    area_codes = {a.pk: a.code for a in context.area_by_key.values()}
    area_codes[batch.area.pk] = batch.area.code
    for row, resident, others in new_residents:
        for number in (row.number, *others):
            if created_for.get(number) == -1:
                created_for[number] = resident.pk
        ref = f"import:{batch.pk}:{row.number}"
        # Provenance for what the list said; fields it did not give keep the registry's defaults, unsourced.
        for name in SOURCE_FIELDS:
            value = field_text(resident, name) if name in row.values else ""
            if value:
                provenance.append(ProvenanceRow(resident.pk, name, value, ref, True))
        if row.values.get("id_number") and not row.id_valid:
            # A number failing its check character is kept as a source's value, not as the record's.
            provenance.append(ProvenanceRow(resident.pk, "id_number", row.values["id_number"], ref, False))
        changes.append((resident.pk, area_codes[resident.area_id], "created", ""))
        results[row.number] = RowResult(Outcome.CREATED, resident.pk, *_warning(row))

    # Rows of a person who exists (or was created above): values follow the per-field rules.
    matched_rows = [
        r for r in rows if r.number not in results and (r.number in plan.existing or r.number in created_for)
    ]
    target_of = {r.number: plan.existing.get(r.number, created_for.get(r.number)) for r in matched_rows}
    residents: dict[int, Resident | NewResident] = {r.pk: r for _row, r, _others in new_residents}
    known = {pk for pk in target_of.values() if pk is not None and pk not in residents}
    residents.update(Resident.objects.in_bulk(known))
    sources = _sources_that_matter(matched_rows, target_of, residents)
    dirty: dict[int, set[str]] = defaultdict(set)
    for row in matched_rows:
        person = residents[target_of[row.number]]  # type: ignore[index]
        ref = f"import:{batch.pk}:{row.number}"
        taken: dict[str, str] = {}
        conflicted = False
        for name in SOURCE_FIELDS:
            new = row.values.get(name, "")
            if name == "id_number" and not row.id_valid:
                new = ""
            current = field_text(person, name)
            decision = decide_field(
                field_name=name,
                current=current,
                current_kind=source_kind(sources.get((person.pk, name), "other")),
                new=new,
                new_kind=kind,
            )
            if decision is Decision.TAKE:
                taken[name] = new
                sources[(person.pk, name)] = source
            elif decision is Decision.CONFLICT:
                conflicted = True
                provenance.append(ProvenanceRow(person.pk, name, new, ref, False))
                reviews.append(
                    ReviewItem(
                        kind=ReviewKind.FIELD_CONFLICT,
                        area_id=person.area_id,
                        resident_id=person.pk,
                        field=name,
                        evidence={"source": source, "row": row.number, "batch": batch.pk, "ref": ref},
                    )
                )
        if taken:
            registry_imports.set_values(person, taken)
            dirty[person.pk].update(taken)
            for name in taken:
                provenance.append(ProvenanceRow(person.pk, name, taken[name], ref, True))
                changes.append(
                    (person.pk, area_codes.get(person.area_id, batch.area.code), name, taken[name])
                )
        just_created = created_for.get(row.number) == person.pk and plan.existing.get(row.number) is None
        if conflicted:
            outcome = Outcome.CONFLICT
            code, message = "field_conflict", _("Sources disagree on a value; a worker chooses.")
        else:
            outcome = Outcome.UPDATED if taken and not just_created else Outcome.MATCHED
            code, message = _warning(row)
        results[row.number] = RowResult(outcome, person.pk, code, message)
    registry_imports.save_fields((residents[pk], names) for pk, names in dirty.items())

    # Tags the department's list says a person holds, added when not yet open.
    tag_rows: list[tuple[ParsedRow, int]] = []
    for r in rows:
        owner = results[r.number].resident_id
        if r.tags and owner is not None:
            tag_rows.append((r, owner))
    if tag_rows:
        held = registry_imports.open_tags(pk for _r, pk in tag_rows)
        new_tags: list[tuple[int, str, int | None]] = []
        for row, pk in tag_rows:
            for tag, level in row.tags.items():
                if (pk, tag) in held:
                    continue
                held.add((pk, tag))
                new_tags.append((pk, tag, level))
                area_code = area_codes.get(residents[pk].area_id, batch.area.code) if pk in residents else ""
                changes.append((pk, area_code or batch.area.code, f"tag:{tag}", str(level or 1)))
        registry_imports.add_tags(
            new_tags, source=batch.source_label or TAG_SOURCE_FALLBACK, set_by_id=actor_id
        )

    # A new person who may be someone already known: created, and the pair goes to the review queue.
    for number, result in results.items():
        if result.outcome == Outcome.CREATED and number in plan.candidate_rows:
            results[number] = RowResult(
                Outcome.CONFLICT,
                result.resident_id,
                "possible_duplicate",
                _("May be the same person as another record; a worker decides."),
            )

    registry_imports.append_provenance(provenance, source=source, recorded_by_id=actor_id)
    registry_imports.append_changes(changes, source=source)
    _create_reviews(reviews)
    insert_rows(
        ImportRow,
        ("batch", "row_number", "cells", "fingerprint", "outcome", "reason_code", "message", "resident"),
        (
            (
                batch.pk,
                row.number,
                json.dumps(row.cells, ensure_ascii=False),
                row.fingerprint,
                results[row.number].outcome,
                results[row.number].reason_code,
                results[row.number].message,
                results[row.number].resident_id,
            )
            for row in rows
        ),
    )
    return results


def open_duplicate_reviews(batch: ImportBatch, plan: LinkPlan) -> int:
    """After the rows are written, each possible duplicate pair becomes one question for a worker."""
    numbers = {n for c in plan.candidates for n in (c[0], c[2]) if n is not None}
    resident_of: dict[int, int] = {}
    for start in range(0, len(numbers), 500):
        chunk = sorted(numbers)[start : start + 500]
        resident_of.update(
            ImportRow.objects.filter(batch=batch, row_number__in=chunk, resident__isnull=False).values_list(
                "row_number", "resident_id"
            )
        )
    pairs: dict[tuple[int, int], dict[str, Any]] = {}
    for left_row, left_resident, right_row, right_resident, evidence in plan.candidates:
        left = left_resident if left_row is None else resident_of.get(left_row)
        right = right_resident if right_row is None else resident_of.get(right_row)
        if left is None or right is None or left == right:
            continue
        pairs.setdefault((min(left, right), max(left, right)), evidence)
    areas = dict(Resident.objects.filter(pk__in={p[0] for p in pairs}).values_list("pk", "area_id"))
    reviews = [
        ReviewItem(
            kind=ReviewKind.POSSIBLE_DUPLICATE,
            area_id=areas[first],
            resident_id=first,
            other_id=second,
            evidence=evidence,
        )
        for (first, second), evidence in pairs.items()
    ]
    _create_reviews(reviews)
    return len(reviews)


def _create_reviews(reviews: list[ReviewItem]) -> None:
    """Open each question once: one already open for the same pair or field is not asked again."""
    if not reviews:
        return
    wanted: dict[tuple[str, int, int | None, str], ReviewItem] = {}
    for item in reviews:
        wanted.setdefault((item.kind, item.resident_id, item.other_id, item.field), item)
    open_now = set(
        ReviewItem.objects.filter(status="open", resident_id__in={k[1] for k in wanted}).values_list(
            "kind", "resident_id", "other_id", "field"
        )
    )
    ReviewItem.objects.bulk_create(
        [item for key, item in wanted.items() if key not in open_now], batch_size=INSERT_BATCH
    )


def _warning(row: ParsedRow) -> tuple[str, str]:
    if row.warnings:
        return row.warnings[0][1], row.messages
    return "", ""


REFUSAL_MESSAGES: dict[str, Callable[[], str]] = {
    "registered_elsewhere": lambda: _(
        "This ID number is registered in another community; that community must update the record."
    ),
    "several_records_match": lambda: _("The row fits several existing records; a worker decides."),
}


# --- run --------------------------------------------------------------------------------------------


class ImportInterrupted(Exception):
    """Raised by a test hook to stop a run between two chunks."""


def run_batch(
    batch: ImportBatch,
    *,
    actor: Any = None,
    before_chunk: Callable[[int], None] | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> ImportBatch:
    """Run (or resume) an import: rows already written are left as they are; the rest are written."""
    timings: dict[str, float] = {}
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, started_at=timezone.now(), error="", stage="parse"
    )

    def progress(stage: str, share: float) -> None:
        if on_progress is not None:
            on_progress(stage, int(share * 100), 100)

    def report_rows(stage: str, done: int, total: int) -> None:
        if on_progress is not None:
            on_progress(stage, done, total)

    try:
        started = time.perf_counter()
        # Parsing allocates hundreds of thousands of small objects that all live to the end of the run:
        # the collector would walk them again and again for nothing.
        gc.disable()
        try:
            _header, rows = parse_batch(batch)
            gc.freeze()
        finally:
            gc.enable()
        done = set(ImportRow.objects.filter(batch=batch).values_list("row_number", flat=True))
        pending = [r for r in rows if r.number not in done]
        timings["parse"] = time.perf_counter() - started
        ImportBatch.objects.filter(pk=batch.pk).update(
            total_rows=len(rows),
            processed_rows=len(done),
            stage="link",
            unknown_groups=sorted({name for row in rows for name in row.unknown_groups if name})[:200],
        )

        started = time.perf_counter()
        plan = link_batch(batch, pending, progress=progress)
        timings["link"] = time.perf_counter() - started

        started = time.perf_counter()
        context = RunContext(
            batch=batch,
            actor=actor,
            source=batch.source,
            area_by_key=area_lookup(batch),
            before_chunk=before_chunk,
        )
        ImportBatch.objects.filter(pk=batch.pk).update(stage="write")
        created_for: dict[int, int] = {}
        # Rows of one new person stay in one chunk, the creating row first.
        ordered = _order_for_writing(pending, plan)
        processed = len(done)
        for index, start in enumerate(range(0, len(ordered), CHUNK_ROWS)):
            chunk = ordered[start : start + CHUNK_ROWS]
            if before_chunk is not None:
                before_chunk(index)
            with transaction.atomic():
                _tune_chunk_transaction()
                write_chunk(context, chunk, plan, created_for)
            processed += len(chunk)
            ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=processed)
            report_rows("write", processed, len(rows))
        with transaction.atomic():
            open_duplicate_reviews(batch, plan)
        timings["write"] = time.perf_counter() - started

        started = time.perf_counter()
        ImportBatch.objects.filter(pk=batch.pk).update(stage="report")
        counts = _count_outcomes(batch)
        write_batch_report(batch)
        timings["report"] = time.perf_counter() - started
        batch.refresh_from_db()
        batch.status = BatchStatus.DONE
        batch.counts = counts
        batch.timings = {k: round(v, 3) for k, v in timings.items()}
        batch.finished_at = timezone.now()
        batch.stage = ""
        batch.save(update_fields=["status", "counts", "timings", "finished_at", "stage", "report"])
        record_audit_event(
            actor=actor,
            action="import.finished",
            object_type="import",
            object_id=batch.pk,
            area_code=batch.area.code,
            data={"counts": counts, "file": batch.filename},
        )
    except Exception as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, error=str(exc)[:1000], counts=_count_outcomes(batch)
        )
        raise
    finally:
        gc.unfreeze()
    return batch


def _tune_chunk_transaction() -> None:
    """On PostgreSQL, for this chunk's transaction only: its commit need not wait for the WAL to reach the
    disk (a crash can lose only the last chunks, whole, and a run started again writes them again); and
    foreign keys are checked as rows stream in, while Python prepares the next ones, not all at commit."""
    connection = connections[router.db_for_write(ImportRow)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO off")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _order_for_writing(rows: list[ParsedRow], plan: LinkPlan) -> list[ParsedRow]:
    by_number = {r.number: r for r in rows}
    ordered: list[ParsedRow] = []
    seen: set[int] = set()
    for cluster in plan.new_people:
        for number in cluster:
            if number in by_number and number not in seen:
                ordered.append(by_number[number])
                seen.add(number)
    ordered += [r for r in rows if r.number not in seen]
    return ordered


def _count_outcomes(batch: ImportBatch) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for outcome in ImportRow.objects.filter(batch=batch).values_list("outcome", flat=True).iterator():
        counts[outcome] += 1
    return dict(counts)


def write_batch_report(batch: ImportBatch) -> None:
    """The xlsx of every row that was not clean: rejected, in conflict, or with a warning."""
    import io

    unclean = (
        ImportRow.objects.filter(batch=batch)
        .exclude(outcome__in=[Outcome.CREATED, Outcome.MATCHED, Outcome.UPDATED], reason_code="")
        .order_by("row_number")
    )
    buffer = io.BytesIO()
    write_problem_report(
        (
            ReportRow(
                row_number=row.row_number,
                outcome=str(Outcome(row.outcome).label),
                reason_code=row.reason_code,
                message=row.message,
                cells=json.loads(row.cells),
            )
            for row in unclean.iterator(chunk_size=2000)
        ),
        buffer,
        header=batch.header,
    )
    batch.report.save(f"import-{batch.pk}-problems.xlsx", ContentFile(buffer.getvalue()), save=False)
    ImportBatch.objects.filter(pk=batch.pk).update(report=batch.report.name)

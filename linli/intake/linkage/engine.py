"""Link records: exact ID numbers, then deterministic rules, then the stored Splink model for what is left.

``link_records`` is a pure function of its input (no database): it returns a cluster id for every record
and the evidence of every match edge and of every pair a person should review.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl
from django.conf import settings

from linli.intake.linkage.cluster import AnchoredClusters
from linli.intake.linkage.keys import prepare
from linli.intake.linkage.model import RULE_RECALL, ScoredPair, StoredModel, score_open_pairs, train_model
from linli.intake.linkage.rules import Edge, exact_id_edges, near_id_pairs, rule_edges
from linli.intake.linkage.schema import LinkSchema

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

DEFAULT_MODEL_PATH = Path(__file__).with_name("resident_model.json")
DEFAULT_MATCH_PROBABILITY = 0.95
DEFAULT_REVIEW_PROBABILITY = 0.6

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class LinkageThresholds:
    """Splink probabilities: at or above ``match_probability`` a pair is linked; from
    ``review_probability`` up to it, the pair goes to a person for review."""

    match_probability: float
    review_probability: float

    @classmethod
    def from_settings(cls) -> "LinkageThresholds":
        return cls(
            match_probability=float(
                getattr(settings, "LINLI_LINKAGE_MATCH_PROBABILITY", DEFAULT_MATCH_PROBABILITY)
            ),
            review_probability=float(
                getattr(settings, "LINLI_LINKAGE_REVIEW_PROBABILITY", DEFAULT_REVIEW_PROBABILITY)
            ),
        )


@dataclass(frozen=True)
class PairEvidence:
    left: str
    right: str
    status: Literal["match", "candidate"]
    # "id_exact", "id_near", "rule:<name>" or "splink"
    decided_by: str
    match_probability: float | None
    match_weight: float | None
    # Splink decisions: each compared field's match weight (log2 Bayes factor). Rule decisions: 1.0 for
    # each field the rule required to agree.
    field_weights: dict[str, float]


@dataclass
class LinkResult:
    clusters: dict[str, str]
    pairs: list[PairEvidence]
    timings: dict[str, float] = field(default_factory=dict)


def default_model() -> StoredModel:
    """``LINLI_LINKAGE_MODEL`` if set, else the model trained on the generated district set."""
    path = getattr(settings, "LINLI_LINKAGE_MODEL", None) or DEFAULT_MODEL_PATH
    return StoredModel.load(path)


def _as_polars(records: "pd.DataFrame | pl.DataFrame") -> pl.DataFrame:
    if isinstance(records, pl.DataFrame):
        return records
    return pl.from_pandas(records.astype(object).where(records.notna(), None))


class _Linkage:
    def __init__(self, table: pl.DataFrame, schema: LinkSchema, thresholds: LinkageThresholds) -> None:
        self.table = table
        self.schema = schema
        self.thresholds = thresholds
        self.uids: list[str] = table["unique_id"].to_list()
        self.clusters = AnchoredClusters(table["anchor"].to_list())
        self.matches: list[PairEvidence] = []
        self.candidates: list[PairEvidence] = []

    def evidence(
        self,
        a: int,
        b: int,
        status: Literal["match", "candidate"],
        decided_by: str,
        *,
        probability: float | None = None,
        weight: float | None = None,
        field_weights: dict[str, float] | None = None,
    ) -> PairEvidence:
        left, right = sorted((self.uids[a], self.uids[b]))
        return PairEvidence(
            left=left,
            right=right,
            status=status,
            decided_by=decided_by,
            match_probability=probability,
            match_weight=weight,
            field_weights=field_weights or {},
        )

    def apply_edges(self, edges: list[Edge]) -> None:
        for edge in edges:
            weights = dict.fromkeys(edge.fields, 1.0)
            if self.clusters.same(edge.left, edge.right):
                continue
            if self.clusters.union(edge.left, edge.right):
                self.matches.append(
                    self.evidence(edge.left, edge.right, "match", edge.decided_by, field_weights=weights)
                )
            else:
                self.candidates.append(
                    self.evidence(edge.left, edge.right, "candidate", edge.decided_by, field_weights=weights)
                )

    def prior(self) -> float | None:
        """The probability that two random records match, from what the rules found (Splink's direct
        estimate): pairs inside rule clusters over all pairs, scaled up by the rules' assumed recall."""
        n = len(self.uids)
        if n < 2:
            return None
        sizes: dict[int, int] = {}
        for label in self.clusters.labels():
            sizes[label] = sizes.get(label, 0) + 1
        linked = sum(size * (size - 1) // 2 for size in sizes.values())
        if linked == 0:
            return None
        return min(0.5, linked / RULE_RECALL / (n * (n - 1) / 2))


def _check_model(model: StoredModel, schema: LinkSchema) -> None:
    """A model compares the keys of the roles it was trained on; another schema's records lack them."""
    roles = model.metadata.get("roles")
    if model.schema_name != schema.name or (roles is not None and list(roles) != list(schema.roles)):
        raise ValueError(
            f"the model was trained for the {model.schema_name} schema with roles {roles}, "
            f"not for {schema.name} with {list(schema.roles)}"
        )


def _splink_status(
    pair: ScoredPair, schema: LinkSchema, thresholds: LinkageThresholds
) -> tuple[Literal["match", "candidate"] | None, str]:
    if pair.probability < thresholds.review_probability:
        return None, "splink"
    reason = schema.match_guard(pair.levels) if schema.match_guard is not None else None
    if reason == "apart":
        return None, "splink"
    if pair.probability < thresholds.match_probability:
        return "candidate", "splink"
    if reason is not None:
        return "candidate", reason
    return "match", "splink"


def link_records(
    records: "pd.DataFrame | pl.DataFrame",
    *,
    schema: LinkSchema,
    model: StoredModel | None = None,
    thresholds: LinkageThresholds | None = None,
    progress: Progress | None = None,
) -> LinkResult:
    """Cluster the records (a ``uid`` column and the schema's roles) into entities.

    Exact usable ID numbers link first; an ID failing its check character or one character from another
    with the same name and birth date is a candidate only. Then the schema's rules on normalised keys, then
    the Splink model for the pairs the rules leave open. Components never hold two different valid IDs:
    an edge that would join them is reported as a candidate instead.
    """
    thresholds = thresholds or LinkageThresholds.from_settings()
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def report(stage: str, fraction: float) -> None:
        if progress:
            progress(stage, fraction)

    def lap(stage: str, since: float) -> float:
        now = time.perf_counter()
        timings[stage] = round(now - since, 3)
        return now

    report("prepare", 0.0)
    frame = _as_polars(records)
    table = prepare(frame, schema).with_row_index("position").with_columns(pl.col("position").cast(pl.Int64))
    linkage = _Linkage(table, schema, thresholds)
    mark = lap("prepare", started)

    report("exact ID", 0.1)
    linkage.apply_edges(exact_id_edges(table, schema))
    near = near_id_pairs(table) if schema.id_checked else []
    report("rules", 0.2)
    for rule in schema.rules:
        linkage.apply_edges(rule_edges(table, rule))
    mark = lap("rules", mark)

    report("model", 0.35)
    if table.height > 1:
        labels = linkage.clusters.labels()
        anchors = [linkage.clusters.anchor[label] for label in labels]
        scored_table = table.with_columns(
            pl.Series("rule_cluster", labels, dtype=pl.Int64),
            pl.Series("cluster_anchor", anchors, dtype=pl.String),
        )
        prior = linkage.prior()
        if model is None:
            if schema.name == "resident":
                model = default_model()
            else:
                report("train", 0.4)
                model = train_model(scored_table, schema, prepared=True)
                mark = lap("train", mark)
        _check_model(model, schema)
        scored = score_open_pairs(
            scored_table, schema, model, prior=prior, threshold=thresholds.review_probability
        )
        mark = lap("model", mark)
        report("cluster", 0.9)
        position = {uid: i for i, uid in enumerate(linkage.uids)}
        ordered = sorted(scored, key=lambda p: (-p.probability, p.left, p.right))
        for pair in ordered:
            status, decided_by = _splink_status(pair, schema, thresholds)
            if status is None:
                continue
            a, b = position[pair.left], position[pair.right]
            if status == "match":
                if linkage.clusters.same(a, b):
                    continue  # already joined through stronger edges
                if not linkage.clusters.union(a, b):
                    status = "candidate"
            target = linkage.matches if status == "match" else linkage.candidates
            target.append(
                linkage.evidence(
                    a,
                    b,
                    status,
                    decided_by,
                    probability=round(pair.probability, 6),
                    weight=round(pair.weight, 3),
                    field_weights=pair.field_weights,
                )
            )
    for edge in near:
        linkage.candidates.append(
            linkage.evidence(
                edge.left, edge.right, "candidate", "id_near", field_weights=dict.fromkeys(edge.fields, 1.0)
            )
        )

    labels = linkage.clusters.labels()
    cluster_uid: dict[int, str] = {}
    for uid, label in zip(linkage.uids, labels, strict=True):
        if label not in cluster_uid or uid < cluster_uid[label]:
            cluster_uid[label] = uid
    clusters = {uid: cluster_uid[label] for uid, label in zip(linkage.uids, labels, strict=True)}

    # A candidate whose two records ended in one cluster needs no review, and two clusters are put to a
    # person once: by the strongest of the pairs between them (rules first, then by probability).
    seen: set[tuple[str, str]] = set()
    candidates: list[PairEvidence] = []
    for candidate in linkage.candidates:
        left_cluster, right_cluster = clusters[candidate.left], clusters[candidate.right]
        key = (min(left_cluster, right_cluster), max(left_cluster, right_cluster))
        if left_cluster == right_cluster or key in seen:
            continue
        seen.add(key)
        candidates.append(candidate)
    lap("cluster", mark)
    timings["total"] = round(time.perf_counter() - started, 3)
    report("done", 1.0)
    return LinkResult(clusters=clusters, pairs=linkage.matches + candidates, timings=timings)

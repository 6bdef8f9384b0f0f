"""The probabilistic model (Splink, Fellegi–Sunter, DuckDB backend): comparisons, training, storage, scoring.

A model is trained once per deployment on a sample (u from random pairs with a fixed seed, m by EM in
sessions blocked on name and on birth date, never on phone or address) and stored as Splink settings JSON.
At link time the stored model scores only the pairs the rules left open.
"""

import copy
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from linli.intake.linkage.schema import LinkSchema

SPLINK_LOG_LEVEL = logging.ERROR
DEFAULT_SEED = 2026
# Memory DuckDB may use for one linkage; beyond it, it spills to its temporary directory.
DUCKDB_MEMORY_LIMIT = "4GB"
# Below this many records, how often a name occurs in the input is no estimate of how common it is.
TERM_FREQUENCY_MIN_RECORDS = 20_000
# Assumed share of all true pairs that the deterministic rules find, to estimate the prior of a match.
RULE_RECALL = 0.9

Level = dict[str, Any]
Comparison = dict[str, Any]


def _null(*columns: str) -> Level:
    condition = " OR ".join(f'"{c}_l" IS NULL OR "{c}_r" IS NULL' for c in columns)
    return {"sql_condition": condition, "label_for_charts": "missing", "is_null_level": True}


def _level(sql: str, label: str, *, tf: str | None = None) -> Level:
    level: Level = {"sql_condition": sql, "label_for_charts": label}
    if tf:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
    return level


def _else() -> Level:
    return {"sql_condition": "ELSE", "label_for_charts": "different"}


def _comparison(name: str, levels: list[Level]) -> Comparison:
    return {"output_column_name": name, "comparison_levels": levels, "comparison_description": name}


def _exact(column: str, label: str = "same", *, tf: str | None = None) -> Level:
    return _level(f'"{column}_l" = "{column}_r"', label, tf=tf)


def _string_comparison(role: str, *, tf: bool = False) -> Comparison:
    return _comparison(
        role,
        [
            _null(role),
            _exact(role, tf=role if tf else None),
            _level(f'jaro_winkler_similarity("{role}_l", "{role}_r") >= 0.92', "very similar"),
            _level(f'jaro_winkler_similarity("{role}_l", "{role}_r") >= 0.8', "similar"),
            _else(),
        ],
    )


def _edit_comparison(role: str, column: str | None = None) -> Comparison:
    col = column or role
    return _comparison(
        role,
        [
            _null(col),
            _exact(col),
            _level(f'damerau_levenshtein("{col}_l", "{col}_r") <= 1', "one character apart"),
            _level(f'levenshtein("{col}_l", "{col}_r") <= 2', "two characters apart"),
            _else(),
        ],
    )


def _resident_comparisons() -> list[Comparison]:
    same_surname_typo = (
        '"surname_l" = "surname_r" AND length("name_fold_l") = length("name_fold_r") '
        'AND length("name_fold_l") >= 3 AND levenshtein("name_fold_l", "name_fold_r") = 1'
    )
    id_near = (
        "NOT (\"id_status_l\" = 'valid' AND \"id_status_r\" = 'valid') AND ("
        'damerau_levenshtein("id_key_l", "id_key_r") <= 1 OR ('
        "(\"id_status_l\" = 'unverified' OR \"id_status_r\" = 'unverified') AND "
        'damerau_levenshtein(left("id_key_l", 17), left("id_key_r", 17)) <= 1))'
    )
    return [
        _comparison(
            "name",
            [
                _null("name_key"),
                _exact("name_key", tf="name_key"),
                _exact("name_fold", "variant or homophone"),
                _level(same_surname_typo, "one character of the given name differs"),
                _else(),
            ],
        ),
        _comparison(
            "birth_date",
            [
                _null("birth_date"),
                _exact("birth_date"),
                _level('damerau_levenshtein("birth_date_l", "birth_date_r") <= 1', "one digit apart"),
                _else(),
            ],
        ),
        _comparison("sex", [_null("sex"), _exact("sex"), _else()]),
        _comparison(
            "phone",
            [
                _null("phone"),
                _exact("phone"),
                _else(),
            ],
        ),
        _comparison(
            "address",
            [
                _null("address_key"),
                _exact("address_key"),
                _level(
                    '"address_nums_l" = "address_nums_r" AND "address_head_l" = "address_head_r"',
                    "same place, written differently",
                ),
                _level('jaro_winkler_similarity("address_key_l", "address_key_r") >= 0.9', "similar"),
                _else(),
            ],
        ),
        _comparison(
            "id_number",
            [
                _null("id_key"),
                _exact("id_key"),
                _level(id_near, "one character apart, not both valid"),
                _level(
                    "\"id_status_l\" = 'valid' AND \"id_status_r\" = 'valid'", "two different valid numbers"
                ),
                _else(),
            ],
        ),
    ]


def _generic_comparisons(schema: LinkSchema) -> list[Comparison]:
    comparisons: list[Comparison] = []
    if schema.has("given_name", "surname"):
        for role, other in (("given_name", "surname"), ("surname", "given_name")):
            comparison = _string_comparison(role, tf=True)
            swapped = _level(f'"{role}_l" = "{other}_r"', "swapped with the other name")
            comparison["comparison_levels"].insert(-1, swapped)
            comparisons.append(comparison)
    else:
        for role in ("given_name", "surname"):
            if schema.has(role):
                comparisons.append(_string_comparison(role, tf=True))
    if schema.has("name"):
        comparisons.append(
            _comparison(
                "name",
                [
                    _null("name_key"),
                    _exact("name_key", tf="name_key"),
                    _level('jaro_winkler_similarity("name_key_l", "name_key_r") >= 0.92', "very similar"),
                    _level('jaro_winkler_similarity("name_key_l", "name_key_r") >= 0.8', "similar"),
                    _else(),
                ],
            )
        )
    if schema.has("birth_date"):
        comparisons.append(_edit_comparison("birth_date"))
    if schema.has("sex"):
        comparisons.append(_comparison("sex", [_null("sex"), _exact("sex"), _else()]))
    if schema.has("id_number"):
        comparisons.append(_edit_comparison("id_number", "id_key"))
    if schema.has("phone"):
        comparisons.append(_edit_comparison("phone"))
    if schema.has("address"):
        comparisons.append(
            _comparison(
                "address",
                [
                    _null("address_key"),
                    _exact("address_key"),
                    _level(
                        'jaro_winkler_similarity("address_key_l", "address_key_r") >= 0.9', "very similar"
                    ),
                    _level('jaro_winkler_similarity("address_key_l", "address_key_r") >= 0.75', "similar"),
                    _else(),
                ],
            )
        )
    if schema.has("street_number"):
        comparisons.append(
            _comparison("street_number", [_null("street_number"), _exact("street_number"), _else()])
        )
    for role in ("address_1", "address_2", "suburb"):
        if schema.has(role):
            comparisons.append(_string_comparison(role))
    if schema.has("postcode"):
        comparisons.append(
            _comparison(
                "postcode",
                [
                    _null("postcode"),
                    _exact("postcode"),
                    _level('damerau_levenshtein("postcode_l", "postcode_r") <= 1', "one digit apart"),
                    _else(),
                ],
            )
        )
    if schema.has("state"):
        comparisons.append(_comparison("state", [_null("state"), _exact("state"), _else()]))
    return comparisons


def comparisons_for(schema: LinkSchema) -> list[Comparison]:
    return _resident_comparisons() if schema.name == "resident" else _generic_comparisons(schema)


def equal_keys_sql(keys: tuple[str, ...]) -> str:
    return " AND ".join(f'l."{key}" = r."{key}"' for key in keys)


def base_settings(schema: LinkSchema, blocking: list[str]) -> dict[str, Any]:
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": comparisons_for(schema),
        "blocking_rules_to_generate_predictions": blocking,
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "probability_two_random_records_match": 0.0001,
        "max_iterations": 25,
        "em_convergence": 0.0001,
    }


@dataclass
class StoredModel:
    """A trained model: Splink settings with their m and u probabilities, for one schema."""

    settings: dict[str, Any]
    schema_name: str
    metadata: dict[str, Any] = field(default_factory=dict)

    def save(self, path: Path | str) -> None:
        document = dict(self.settings)
        document["linli"] = {"schema": self.schema_name, **self.metadata}
        Path(path).write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path | str) -> "StoredModel":
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        meta = document.pop("linli", {})
        schema_name = meta.pop("schema", "resident")
        return cls(settings=document, schema_name=schema_name, metadata=meta)


def _connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    # One thread order for every run: sums of floating weights do not depend on scheduling.
    con.execute("SET threads = 2")
    return con


def _linker(frame: pl.DataFrame, settings: dict[str, Any], con: duckdb.DuckDBPyConnection) -> Any:
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    table = db_api.register(frame.to_arrow())
    return Linker(table, settings, log_level=SPLINK_LOG_LEVEL)


def rule_sql(schema: LinkSchema) -> list[str]:
    rules = [equal_keys_sql(rule.keys) for rule in schema.rules]
    if schema.has("id_number"):
        rules.insert(0, equal_keys_sql(("id_key",)))
    return rules


def train_model(
    records: pl.DataFrame,
    schema: LinkSchema,
    *,
    sample_size: int = 200_000,
    u_pairs: float = 5e6,
    seed: int = DEFAULT_SEED,
    progress: Callable[[str, float], None] | None = None,
    prepared: bool = False,
) -> StoredModel:
    """Train on (a sample of) the records: u from random pairs with a fixed seed, m by EM sessions blocked
    on the schema's training keys, the prior from the deterministic rules."""
    from linli.intake.linkage.keys import prepare

    table = records if prepared else prepare(records, schema)
    if table.height > sample_size:
        table = table.sample(n=sample_size, seed=seed, shuffle=False).sort("unique_id")
    settings = base_settings(schema, [])
    con = _connection()
    try:
        linker = _linker(table, settings, con)
        if progress:
            progress("train: prior", 0.0)
        deterministic = rule_sql(schema)
        if deterministic:
            linker.training.estimate_probability_two_random_records_match(deterministic, recall=RULE_RECALL)
        if progress:
            progress("train: u", 0.2)
        linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
        for number, keys in enumerate(schema.training_blocks):
            if progress:
                progress("train: em", 0.5 + 0.5 * number / max(1, len(schema.training_blocks)))
            linker.training.estimate_parameters_using_expectation_maximisation(
                equal_keys_sql(keys), estimate_without_term_frequencies=True
            )
        trained = linker.misc.save_model_to_json()
    finally:
        con.close()
    trained.pop("linker_uid", None)
    # Parallel sums differ in the last bits from run to run; twelve significant digits are the same.
    for comparison in trained["comparisons"]:
        for level in comparison["comparison_levels"]:
            for key in ("m_probability", "u_probability"):
                if isinstance(level.get(key), float):
                    level[key] = float(f"{level[key]:.12g}")
    trained["probability_two_random_records_match"] = float(
        f"{trained['probability_two_random_records_match']:.12g}"
    )
    trained["blocking_rules_to_generate_predictions"] = []
    return StoredModel(
        settings=trained,
        schema_name=schema.name,
        metadata={"records": table.height, "seed": seed, "u_pairs": u_pairs, "roles": list(schema.roles)},
    )


@dataclass(frozen=True)
class ScoredPair:
    left: str
    right: str
    probability: float
    weight: float
    field_weights: dict[str, float]
    levels: dict[str, int]


def score_open_pairs(
    table: pl.DataFrame,
    schema: LinkSchema,
    model: StoredModel,
    *,
    prior: float | None,
    threshold: float,
) -> list[ScoredPair]:
    """Score the pairs proposed by the schema's blocking in which at least one side is open (its rule
    cluster holds no valid ID) and the two sides are not in one rule cluster already.

    ``table`` is the prepared table with ``rule_cluster`` (int) and ``cluster_anchor`` columns.
    """
    open_pair = (
        'l."rule_cluster" <> r."rule_cluster" AND (l."cluster_anchor" IS NULL OR r."cluster_anchor" IS NULL)'
    )
    blocking = [f"{equal_keys_sql(keys)} AND {open_pair}" for keys in schema.blocking]
    settings = copy.deepcopy(model.settings)
    settings["blocking_rules_to_generate_predictions"] = blocking
    # Matching columns carry the comparison levels (gamma), which the schema's match guard reads.
    settings["retain_matching_columns"] = True
    settings["retain_intermediate_calculation_columns"] = True
    settings.pop("linker_uid", None)
    if prior is not None:
        settings["probability_two_random_records_match"] = prior
    if table.height < TERM_FREQUENCY_MIN_RECORDS:
        # In a short list every name is "frequent" (one in a few dozen); that says nothing about the name.
        for comparison in settings["comparisons"]:
            for level in comparison["comparison_levels"]:
                level.pop("tf_adjustment_column", None)
                level.pop("tf_adjustment_weight", None)
    comparisons = settings["comparisons"]
    names = [c["output_column_name"] for c in comparisons]
    # A comparison with term-frequency adjustment reports it in a column of its own; it belongs to the field.
    tf_names = {
        c["output_column_name"]
        for c in comparisons
        if any(level.get("tf_adjustment_column") for level in c["comparison_levels"])
    }
    con = _connection()
    try:
        linker = _linker(table, settings, con)
        predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
        selected = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
        selected += [f'"mw_{name}"' for name in names]
        selected += [f'"gamma_{name}"' for name in names]
        selected += [f'coalesce("mw_tf_adj_{name}", 0)' if name in tf_names else "0" for name in names]
        rows = con.execute(
            f"SELECT {', '.join(selected)} FROM {predictions.physical_name} "  # noqa: S608
            "ORDER BY unique_id_l, unique_id_r"
        ).fetchall()
    finally:
        con.close()
    count = len(names)
    scored: list[ScoredPair] = []
    for row in rows:
        weights = row[4 : 4 + count]
        gammas = row[4 + count : 4 + 2 * count]
        adjustments = row[4 + 2 * count :]
        left, right = sorted((str(row[0]), str(row[1])))
        scored.append(
            ScoredPair(
                left=left,
                right=right,
                probability=float(row[2]),
                weight=float(row[3]),
                field_weights={
                    name: round(float(weight or 0.0) + float(adjustment or 0.0), 3)
                    for name, weight, adjustment in zip(names, weights, adjustments, strict=True)
                },
                levels={name: int(gamma) for name, gamma in zip(names, gammas, strict=True)},
            )
        )
    return scored

"""Deterministic linkage on normalised keys: exact ID numbers, near ID numbers, and the schema's rules.

Each function returns edges between record positions in a fixed order (sorted by key, then position), so
the same input always gives the same edges.
"""

from dataclasses import dataclass

import polars as pl

from linli.intake.linkage.schema import LinkSchema, Rule

# Which comparison field each key stands for, to tell a reviewer what agreed.
KEY_FIELDS = {
    "id_key": "id_number",
    "name_key": "name",
    "name_fold": "name",
    "birth_year": "birth_date",
    "address_nums": "address",
    "address_head": "address",
}


@dataclass(frozen=True)
class Edge:
    left: int
    right: int
    decided_by: str
    fields: tuple[str, ...]


def _fields(keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(KEY_FIELDS.get(key, key) for key in keys))


def _star_edges(table: pl.DataFrame, keys: tuple[str, ...], decided_by: str) -> list[Edge]:
    """One edge from the first record of each group of equal keys to each other record of the group."""
    fields = _fields(keys)
    grouped = (
        table.select([*keys, "position"])
        .drop_nulls(list(keys))
        .with_columns(pl.col("position").min().over(list(keys)).alias("first"))
        .filter(pl.col("position") != pl.col("first"))
        .sort(["first", "position"])
    )
    return [
        Edge(first, other, decided_by, fields)
        for first, other in zip(grouped["first"].to_list(), grouped["position"].to_list(), strict=True)
    ]


def exact_id_edges(table: pl.DataFrame, schema: LinkSchema) -> list[Edge]:
    """Records with the same usable ID number: valid (check character right) or unverified (15-digit
    numbers, or a scheme without a check character). A number that fails its check never links alone."""
    if "id_key" not in table.columns:
        return []
    usable = table.filter(pl.col("id_status").is_in(["valid", "unverified"]))
    return _star_edges(usable, ("id_key",), "id_exact")


def rule_edges(table: pl.DataFrame, rule: Rule) -> list[Edge]:
    if not all(key in table.columns for key in rule.keys):
        return []
    return _star_edges(table, rule.keys, f"rule:{rule.name}")


def _near(a: str, b: str) -> bool:
    """One character substituted, or two neighbours swapped (the typos a check character catches)."""
    if len(a) != len(b):
        return False
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(differ) == 1:
        return True
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and a[differ[0]] == b[differ[1]]
        and (a[differ[1]] == b[differ[0]])
    )


def near_id_pairs(table: pl.DataFrame) -> list[Edge]:
    """Pairs with the same name and birth date whose ID numbers are one typo apart and not both valid
    (two valid numbers are never one character apart: the check character would catch it)."""
    needed = {"id_key", "id_status", "name_key", "birth_date"}
    if not needed <= set(table.columns):
        return []
    groups = (
        table.select(["name_key", "birth_date", "id_key", "id_status", "position"])
        .drop_nulls(["name_key", "birth_date", "id_key"])
        .group_by(["name_key", "birth_date"])
        .agg(pl.col("id_key"), pl.col("id_status"), pl.col("position"))
        .filter(pl.col("position").list.len() > 1)
        .filter(
            pl.col("id_status").list.contains("invalid") | pl.col("id_status").list.contains("unverified")
        )
    )
    edges: list[Edge] = []
    for keys, statuses, positions in zip(
        groups["id_key"].to_list(), groups["id_status"].to_list(), groups["position"].to_list(), strict=True
    ):
        members = sorted(zip(positions, keys, statuses, strict=True))
        for i, (pos_a, key_a, status_a) in enumerate(members):
            for pos_b, key_b, status_b in members[i + 1 :]:
                if key_a == key_b or (status_a == "valid" and status_b == "valid"):
                    continue
                legacy = "unverified" in (status_a, status_b)
                if _near(key_a, key_b) or (legacy and _near(key_a[:17], key_b[:17])):
                    edges.append(Edge(pos_a, pos_b, "id_near", ("id_number", "name", "birth_date")))
    return edges

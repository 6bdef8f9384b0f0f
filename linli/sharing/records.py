"""Residents and households as a department client reads them: only the grant's fields, only its area.

Each output dict is built key by key from the grant's field list; no model is serialised wholesale, and
columns of fields outside the grant are not even loaded (so an ungranted ID number is never decrypted).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from linli.core.models import Area, AreaLevel
from linli.registry.choices import ResidenceStatus
from linli.registry.models import Household, Resident, TagAssignment
from linli.sharing import catalogue
from linli.sharing.models import Grant

# Members counted in a household's size: people who live there, also when away for a while.
COUNTED_STATUSES = (ResidenceStatus.LIVING_HERE, ResidenceStatus.AWAY)


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_after: int | None
    fields: list[str]
    personal_count: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def granted_fields(grant: Grant) -> frozenset[str]:
    """The grant's fields that the catalogue knows (a field dropped from the catalogue is never served)."""
    return frozenset(key for key in grant.fields if key in catalogue.CATALOGUE)


def in_area(prefix: str, lookup: str = "area__code") -> Q:
    return Q(**{f"{lookup}__startswith": prefix})


def age_on(birth: dt.date | None, today: dt.date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def area_out(area: Area) -> dict[str, Any]:
    community = area.parent if area.level == AreaLevel.GRID else area
    grid = area if area.level == AreaLevel.GRID else None
    return {
        "community": {"code": community.code, "name": community.name} if community is not None else None,
        "grid": {"code": grid.code, "name": grid.name} if grid is not None else None,
    }


def _text(value: str) -> str | None:
    return value or None


@dataclass
class Context:
    today: dt.date
    household_sizes: dict[int, int]
    # Heads that are merged records: a merged record is no person, so no household's head either.
    merged_heads: frozenset[int] = frozenset()


ValueOf = Callable[[Resident, Context], Any]

VALUES: dict[str, ValueOf] = {
    "name": lambda r, c: r.name,
    "sex": lambda r, c: _text(r.sex),
    "birth_date": lambda r, c: r.birth_date.isoformat() if r.birth_date else None,
    "age": lambda r, c: age_on(r.birth_date, c.today),
    "ethnicity": lambda r, c: r.ethnicity,
    "hukou_status": lambda r, c: r.hukou_status,
    "residence_status": lambda r, c: r.residence_status,
    "relation_to_head": lambda r, c: r.relation_to_head,
    "id_number": lambda r, c: _text(r.id_number),
    "phone": lambda r, c: _text(r.phone),
    "address": lambda r, c: _text(r.address),
    "household": lambda r, c: _household_of(r, c),
    "area": lambda r, c: area_out(r.area),
}

# The columns each field needs, for ``only()``.
COLUMNS: dict[str, tuple[str, ...]] = {
    "age": ("birth_date",),
    "household": (
        "household",
        "household__room",
        "household__head",
        "household__building",
        "household__building__address",
    ),
    "area": ("area", "area__code", "area__name", "area__level", "area__parent__code", "area__parent__name"),
}


def _household_of(resident: Resident, context: Context) -> dict[str, Any] | None:
    household = resident.household
    if household is None:
        return None
    return {
        "id": household.pk,
        "address": household_address(household),
        "head_id": household.head_id if household.head_id not in context.merged_heads else None,
        "size": context.household_sizes.get(household.pk, 0),
    }


def household_address(household: Household) -> str:
    return f"{household.building.address} {household.room}".strip()


def merged_among(resident_ids: Iterable[int | None]) -> frozenset[int]:
    ids = {pk for pk in resident_ids if pk is not None}
    if not ids:
        return frozenset()
    return frozenset(
        Resident.objects.filter(pk__in=ids, merged_into__isnull=False).values_list("pk", flat=True)
    )


def household_sizes(household_ids: Iterable[int | None]) -> dict[int, int]:
    ids = {pk for pk in household_ids if pk is not None}
    if not ids:
        return {}
    rows = (
        Resident.objects.filter(
            household_id__in=ids, merged_into__isnull=True, residence_status__in=COUNTED_STATUSES
        )
        .values("household_id")
        .annotate(n=Count("id"))
        .values_list("household_id", "n")
    )
    return dict(rows)


def _tag_keys(granted: frozenset[str]) -> list[str]:
    return [key for key in catalogue.ordered(granted) if key.startswith(catalogue.TAG_PREFIX)]


def resident_queryset(grant: Grant, granted: frozenset[str], today: dt.date) -> QuerySet[Resident]:
    """Residents of the grant's area who are persons (not merged), loading only the granted columns."""
    columns: set[str] = {"id"}
    for key in granted:
        if key.startswith(catalogue.TAG_PREFIX):
            continue
        columns.update(COLUMNS.get(key, (key,)))
    queryset = Resident.objects.filter(in_area(grant.area.code), merged_into__isnull=True)
    if "household" in granted:
        queryset = queryset.select_related("household__building")
    if "area" in granted:
        queryset = queryset.select_related("area__parent")
    tags = [key.removeprefix(catalogue.TAG_PREFIX) for key in _tag_keys(granted)]
    if tags:
        active = TagAssignment.objects.filter(
            Q(tag__in=tags),
            Q(ended_at__isnull=True),
            Q(valid_from__lte=today),
            Q(valid_to__isnull=True) | Q(valid_to__gte=today),
        ).only("id", "resident_id", "tag", "level")
        queryset = queryset.prefetch_related(Prefetch("tags", queryset=active, to_attr="shared_tags"))
    return queryset.only(*sorted(columns))


def resident_record(resident: Resident, granted: frozenset[str], context: Context) -> dict[str, Any]:
    """One resident with exactly the granted fields (and the id); an open tag shows its level, or 1."""
    record: dict[str, Any] = {"id": resident.pk}
    tags: dict[str, int] = {}
    for assignment in getattr(resident, "shared_tags", ()):
        tags[f"{catalogue.TAG_PREFIX}{assignment.tag}"] = assignment.level or 1
    for key in catalogue.ordered(granted):
        if key.startswith(catalogue.TAG_PREFIX):
            record[key] = tags.get(key)
        else:
            record[key] = VALUES[key](resident, context)
    return record


def personal_values(records: Iterable[dict[str, Any]]) -> int:
    """How many records carry an ID number or a phone: each one is a read of personal data."""
    return sum(1 for r in records if any(r.get(key) for key in catalogue.PERSONAL_FIELDS))


def build_records(residents: list[Resident], granted: frozenset[str], today: dt.date) -> list[dict[str, Any]]:
    context = Context(today=today, household_sizes={})
    if "household" in granted:
        context.household_sizes = household_sizes(r.household_id for r in residents)
        context.merged_heads = merged_among(r.household.head_id for r in residents if r.household is not None)
    return [resident_record(r, granted, context) for r in residents]


def shared_residents(*, grant: Grant, after: int, limit: int, today: dt.date) -> Page:
    """A page of the grant's residents in id order after ``after``; ``next_after`` is None at the end."""
    granted = granted_fields(grant)
    residents = list(resident_queryset(grant, granted, today).filter(id__gt=after).order_by("id")[:limit])
    records = build_records(residents, granted, today)
    next_after = residents[-1].pk if len(residents) == limit else None
    return Page(
        items=records,
        next_after=next_after,
        fields=catalogue.ordered(granted),
        personal_count=personal_values(records),
    )


def current_records(
    *, grant: Grant, resident_ids: Iterable[int], today: dt.date
) -> dict[int, dict[str, Any]]:
    """The granted fields of these residents as they are now, for those still persons in the grant's area."""
    ids = set(resident_ids)
    if not ids:
        return {}
    granted = granted_fields(grant)
    residents = list(resident_queryset(grant, granted, today).filter(id__in=ids).order_by("id"))
    return {record["id"]: record for record in build_records(residents, granted, today)}


def shared_households(*, grant: Grant, after: int, limit: int) -> Page:
    """A page of the grant's households in id order: address, head, size and the members counted in it."""
    granted = granted_fields(grant)
    members = Resident.objects.filter(merged_into__isnull=True, residence_status__in=COUNTED_STATUSES).only(
        "id", "household_id"
    )
    queryset = (
        Household.objects.filter(in_area(grant.area.code), id__gt=after)
        .select_related("building")
        .prefetch_related(Prefetch("members", queryset=members.order_by("id"), to_attr="counted_members"))
        .order_by("id")
    )
    if "area" in granted:
        queryset = queryset.select_related("area__parent")
    households = list(queryset[:limit])
    merged_heads = merged_among(h.head_id for h in households)
    items = []
    for household in households:
        member_ids = [m.pk for m in household.counted_members]  # type: ignore[attr-defined]
        item: dict[str, Any] = {
            "id": household.pk,
            "address": household_address(household),
            "head_id": household.head_id if household.head_id not in merged_heads else None,
            "size": len(member_ids),
            "member_ids": member_ids,
        }
        if "area" in granted:
            item["area"] = area_out(household.area)
        items.append(item)
    return Page(
        items=items,
        next_after=households[-1].pk if len(households) == limit else None,
        fields=["household", *(["area"] if "area" in granted else [])],
    )

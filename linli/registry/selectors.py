"""Reads of the registry, always limited to the acting user's area."""

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import connections
from django.db.models import Count, Model, Prefetch, Q, QuerySet
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.access import scope_prefixes
from linli.accounts.roles import Capability
from linli.core.errors import DomainError
from linli.core.idnumbers import looks_like_id_number, parse_id_number
from linli.core.models import Area, AreaLevel
from linli.core.normalize import fold_width, squeeze
from linli.core.phones import looks_like_mobile, normalize_mobile
from linli.core.phones import phone_blind_index as phone_index
from linli.registry.access import area_condition
from linli.registry.choices import Tag
from linli.registry.models import Building, FieldProvenance, Household, Resident, TagAssignment
from linli.registry.services import id_number_index

if TYPE_CHECKING:
    from django.db.models import Field


def _in_scope[M: Model](queryset: QuerySet[M], user: Any, capability: Capability) -> QuerySet[M]:
    condition = area_condition(user, capability)
    return queryset.filter(condition) if condition is not None else queryset.none()


def residents_in_scope(
    *, user: Any, capability: Capability = Capability.VIEW_RESIDENTS
) -> QuerySet[Resident]:
    """Residents in the areas where the user holds ``capability``; a merged record is no longer a person."""
    return _in_scope(Resident.objects.filter(merged_into__isnull=True), user, capability)


def households_in_scope(
    *, user: Any, capability: Capability = Capability.VIEW_RESIDENTS
) -> QuerySet[Household]:
    """Households in the areas where the user holds ``capability``."""
    return _in_scope(Household.objects.all(), user, capability)


def buildings_in_scope(
    *, user: Any, capability: Capability = Capability.EDIT_RESIDENTS
) -> QuerySet[Building]:
    """Buildings in the grids where the user holds ``capability`` (where households may be registered)."""
    return _in_scope(Building.objects.select_related("area"), user, capability)


def active_tags_prefetch(today: dt.date | None = None) -> "Prefetch[Any]":
    today = today or timezone.localdate()
    return Prefetch(
        "tags",
        queryset=TagAssignment.objects.filter(
            Q(ended_at__isnull=True),
            Q(valid_from__lte=today),
            Q(valid_to__isnull=True) | Q(valid_to__gte=today),
        ),
        to_attr="active_tags",
    )


# Sources written by Linli itself; department sources are stored under their own names.
SOURCE_LABELS = {
    "worker": _("Entered by a worker"),
    "api": _("Through the API"),
    "demo": _("Demo data"),
}


@dataclass(frozen=True)
class ProvenanceLine:
    field: str
    source: str
    row: FieldProvenance


@dataclass(frozen=True)
class SearchQuery:
    kind: str  # "id_number", "phone", "name" or "all"
    text: str


def classify_query(raw: str) -> SearchQuery:
    """A full ID number or a mobile number is looked up exactly (blind index); other text is a name prefix."""
    text = fold_width(raw)
    if not text:
        return SearchQuery("all", "")
    if looks_like_id_number(text):
        return SearchQuery("id_number", squeeze(text).upper())
    if looks_like_mobile(text):
        return SearchQuery("phone", squeeze(text))
    return SearchQuery("name", text)


def search_residents(*, user: Any, query: str, limit: int | None = None) -> list[Resident]:
    """Residents in scope matching an exact ID number, an exact phone, or a name prefix; at most ``limit``."""
    limit = limit or settings.LINLI_PAGE_SIZE
    residents = residents_in_scope(user=user).select_related("area", "household__building")
    parsed = classify_query(query)
    if parsed.kind == "id_number":
        try:
            number = parse_id_number(parsed.text).number
        except DomainError:
            number = parsed.text
        residents = residents.filter(id_number_index=id_number_index(number))
    elif parsed.kind == "phone":
        try:
            residents = residents.filter(phone_index=phone_index(normalize_mobile(parsed.text)))
        except DomainError:
            return []
    elif parsed.kind == "name":
        return list(_name_prefix_search(residents, parsed.text)[:limit])
    return list(residents.order_by("name", "id")[:limit])


def _name_prefix_search(residents: QuerySet[Resident], prefix: str) -> QuerySet[Resident]:
    """Names that start with ``prefix`` (case-sensitive), ordered by name in code point order, then id.

    Each backend reads one B-tree index in order from the prefix and stops at the page size, so the cost
    depends on the page, not on how common the prefix is (王 is 7% of a district):

    - SQLite cannot serve ``LIKE 'x%'`` from an index on a case-sensitive (binary) column, so the prefix is
      the range ``prefix <= name < next``, which ``resident_name_scope`` (name, id, area) serves in code
      point order, checking the area from the index entry.
    - PostgreSQL serves ``LIKE 'x%'`` and the order from ``registry_resident_name_c`` (name in the "C"
      collation, id; migration 0003). Ordering in the column's own collation instead cannot use that index,
      and for a common prefix the planner then walks ``resident_name_scope`` from its start.

    Code point order is SQLite's order, and PostgreSQL's under a C or C.UTF-8 database collation.
    """
    vendor = connections[residents.db].vendor
    if vendor == "postgresql":
        return residents.filter(name__startswith=prefix).order_by(Collate("name", "C"), "id")
    if vendor == "sqlite":
        upper = _prefix_upper_bound(prefix)
        residents = residents.filter(name__gte=prefix)
        if upper is not None:
            residents = residents.filter(name__lt=upper)
        return residents.order_by("name", "id")
    return residents.filter(name__startswith=prefix).order_by("name", "id")


def _prefix_upper_bound(prefix: str) -> str | None:
    """The least string above every string that starts with ``prefix`` (code point order); None if none is."""
    chars = list(prefix)
    while chars:
        following = ord(chars.pop()) + 1
        if 0xD800 <= following <= 0xDFFF:  # surrogates are no characters: skip to the next one
            following = 0xE000
        if following <= 0x10FFFF:
            return "".join(chars) + chr(following)
    return None


def resident_detail(*, resident: Resident) -> dict[str, Any]:
    """What a resident page shows besides the record: tags (open and ended), household members, provenance."""
    tags = list(TagAssignment.objects.filter(resident=resident).select_related("set_by", "ended_by"))
    members: list[Resident] = []
    if resident.household_id:
        persons = Resident.objects.filter(merged_into__isnull=True)
        members = list(persons.filter(household_id=resident.household_id).order_by("id"))
    latest: dict[str, FieldProvenance] = {}
    for row in FieldProvenance.objects.filter(resident=resident).select_related("recorded_by"):
        latest.setdefault(row.field, row)
    provenance = [
        ProvenanceLine(
            field=str(cast("Field[Any, Any]", Resident._meta.get_field(name)).verbose_name),
            source=str(SOURCE_LABELS.get(row.source, row.source)),
            row=row,
        )
        for name, row in latest.items()
    ]
    return {"tags": tags, "members": members, "provenance": provenance}


def household_members(*, household: Household) -> list[Resident]:
    today = timezone.localdate()
    return list(
        household.members.filter(merged_into__isnull=True)
        .prefetch_related(active_tags_prefetch(today))
        .order_by("id")
    )


@dataclass(frozen=True)
class AreaCounts:
    area: Area | None
    residents: int
    households: int
    aged_60_plus: int
    aged_80_plus: int
    tags: list[tuple[str, str, int]]
    children: list[tuple[Area, int]]


def area_counts(*, user: Any, today: dt.date | None = None) -> AreaCounts:
    """Counts for a worker's home page: residents, households, older people, each tag, per sub-area."""
    today = today or timezone.localdate()
    residents = residents_in_scope(user=user).filter(residence_status__in=["living_here", "away"])
    born_60 = today.replace(year=today.year - 60)
    born_80 = today.replace(year=today.year - 80)
    totals = residents.aggregate(
        total=Count("id"),
        aged_60=Count("id", filter=Q(birth_date__lte=born_60)),
        aged_80=Count("id", filter=Q(birth_date__lte=born_80)),
    )
    tag_rows = dict(
        TagAssignment.objects.filter(resident__in=residents, ended_at__isnull=True, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values_list("tag")
        .annotate(n=Count("id"))
        .values_list("tag", "n")
    )
    tags = [(value, str(label), tag_rows.get(value, 0)) for value, label in Tag.choices]
    prefixes = scope_prefixes(user, Capability.VIEW_RESIDENTS)
    top = Area.objects.filter(code__in=prefixes).first() if len(prefixes) == 1 else None
    children: list[tuple[Area, int]] = []
    if top is not None and top.level != AreaLevel.GRID:
        child_len = len(top.code) + 3
        by_child: dict[str, int] = {}
        for code, n in (
            residents.values_list("area__code").annotate(n=Count("id")).values_list("area__code", "n")
        ):
            by_child[code[:child_len]] = by_child.get(code[:child_len], 0) + n
        for child in top.children.order_by("code"):
            children.append((child, by_child.get(child.code, 0)))
    return AreaCounts(
        area=top,
        residents=totals["total"],
        households=households_in_scope(user=user).count(),
        aged_60_plus=totals["aged_60"],
        aged_80_plus=totals["aged_80"],
        tags=tags,
        children=children,
    )


def residents_for_phone_account(*, user: Any) -> list[Resident]:
    """The registered residents behind a resident's verified phone (a family may share one)."""
    if getattr(user, "kind", None) != "resident" or not user.phone_index:
        return []
    return list(
        Resident.objects.filter(phone_index=user.phone_index, merged_into__isnull=True)
        .select_related("area", "household__building")
        .prefetch_related(active_tags_prefetch())
    )


@dataclass(frozen=True)
class PossibleDuplicates:
    in_scope: list[Resident]
    elsewhere: int  # records outside the user's area: counted, never shown

    def __bool__(self) -> bool:
        return bool(self.in_scope) or self.elsewhere > 0


def possible_duplicates(*, user: Any, name: str, id_number: str = "", phone: str = "") -> PossibleDuplicates:
    """Records that may be the person about to be registered: same name with the same birth date (from
    the ID number) or the same phone, or an ID number one character apart."""
    name = name.strip()
    if not name:
        return PossibleDuplicates([], 0)
    same_name = Resident.objects.filter(name=name, merged_into__isnull=True)
    condition = Q(pk__in=[])
    # A number that fails its check character is still compared: a typo is the usual reason it fails.
    number = squeeze(id_number).upper()
    if number:
        try:
            parsed = parse_id_number(number)
        except DomainError:
            parsed = None
        if parsed is not None:
            number = parsed.number
            condition |= Q(birth_date=parsed.birth_date)
    if phone.strip():
        with contextlib.suppress(DomainError):
            condition |= Q(phone_index=phone_index(normalize_mobile(phone)))
    found = {r.pk: r for r in same_name.filter(condition).select_related("area", "household__building")[:20]}
    if number:
        # One character apart from a known number of someone with this name: a typo, not a new person.
        for resident in same_name.exclude(id_number_index="").select_related("area")[:200]:
            other = resident.id_number
            if len(other) == len(number) and sum(a != b for a, b in zip(other, number, strict=True)) == 1:
                found.setdefault(resident.pk, resident)
    visible = set(residents_in_scope(user=user).filter(pk__in=found).values_list("pk", flat=True))
    return PossibleDuplicates(
        in_scope=[r for pk, r in found.items() if pk in visible],
        elsewhere=sum(1 for pk in found if pk not in visible),
    )

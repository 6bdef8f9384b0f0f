"""A ledger is a query over the golden record: this module turns a definition into rows.

``LedgerQuery`` holds one definition applied to one area on one day. ``queryset()`` is the filtered and
ordered set of residents; ``rows()`` streams the ledger's rows (and group headings) in batches: each batch of
residents is read with ``values_list`` from a server-side cursor, and the facts that live in other rows (tags,
household sizes, tag holders in the household) are read for the whole batch at once, so the number of queries
grows with rows / batch size and the memory held stays that of one batch.

Personal data leaves a ledger masked only: ID numbers and phones go through ``mask_id_number`` and
``mask_phone`` as soon as they are decrypted.
"""

import datetime as dt
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case as CaseWhen
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from linli.core import crypto
from linli.core.idnumbers import mask_id_number
from linli.core.models import Area
from linli.core.phones import mask_phone
from linli.registry.choices import ETHNICITIES, HukouStatus, Relation, ResidenceStatus, Sex, Tag
from linli.registry.models import Resident, TagAssignment
from linli.reports.definitions import GroupBy, LedgerDefinition, OrderKey

# Residents read per round trip; also the size of the batches for tags and household facts.
BATCH_SIZE = 2000
# Who counts in a household's size: people living there or away for now, not moved out or deceased.
MEMBER_STATUSES = (ResidenceStatus.LIVING_HERE, ResidenceStatus.AWAY)


class Heading:
    """The title of a group of rows (a community, a grid, a household) in a grouped ledger."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Heading) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Heading({self.text!r})"


type Cell = str | int | dt.date | None
type LedgerItem = tuple[Cell, ...] | Heading


def active_tag(today: dt.date) -> Q:
    """A tag in force on ``today``: not ended, started, and not past its end of validity."""
    return Q(ended_at__isnull=True, valid_from__lte=today) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )


def born_on_or_before_for_age(today: dt.date, age: int) -> dt.date:
    """The latest birth date of someone who is at least ``age`` whole years old on ``today``."""
    year = today.year - age
    try:
        return today.replace(year=year)
    except ValueError:  # 29 February, in a year without one: the birthday counts from 1 March
        return dt.date(year, 2, 28)


def age_on(birth: dt.date, today: dt.date) -> int:
    """Age in whole years on ``today`` (周岁)."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def age_band(age: int) -> str:
    """Ten-year bands (0–9, 10–19 … 90–99), and 100+."""
    if age >= 100:
        return "100+"
    low = age - age % 10
    return f"{low}–{low + 9}"


def area_names(codes: Sequence[str]) -> dict[str, str]:
    """Names of the given areas and of every area below them, by code."""
    condition = Q()
    for code in codes:
        condition |= Q(code__startswith=code) | Q(code__in=[code[:n] for n in (6, 9, 12)])
    return dict(Area.objects.filter(condition).values_list("code", "name"))


@dataclass(frozen=True)
class TagFacts:
    level: int | None
    source: str
    valid_from: dt.date


@dataclass
class Batch:
    """Facts read once for a batch of residents, and the number of its first row."""

    first_number: int
    tags: dict[tuple[int, str], TagFacts] = field(default_factory=dict)
    household_sizes: dict[int, int] = field(default_factory=dict)
    household_tag_members: dict[tuple[int, str], int] = field(default_factory=dict)


# Makes one column's cells for a whole batch of rows read.
type Builder = Callable[[Sequence[Sequence[Any]], Batch], list[Cell]]


def field_context(name: str) -> str:
    context: str = getattr(Resident._meta.get_field(name), "context")  # noqa: B009 - EncryptedTextField
    return context


class LedgerQuery:
    """One ledger definition over one area on one day."""

    def __init__(
        self, definition: LedgerDefinition, *, area_code: str, today: dt.date, batch_size: int = BATCH_SIZE
    ) -> None:
        self.definition = definition
        self.area_code = area_code
        self.today = today
        self.batch_size = batch_size
        self.keys = [column.key for column in definition.columns]
        self.tags_read = definition.tags_read()
        self.household_tags = definition.household_tags_counted()
        self.needs_sizes = "household_size" in self.keys
        # Area names by code, read when the first row is made (the makers hold this very dict).
        self._names: dict[str, str] = {}
        self._fields: list[str] = ["id", "household_id", "area__code"]
        # Encrypted fields are read as stored (name, alias) and decrypted here, batch by batch.
        self._sealed: list[tuple[str, str]] = []
        self._builders: list[Builder] = [self._builder(key) for key in self.keys]
        self._group = self._grouping()

    # --- the query -------------------------------------------------------------------------------

    def queryset(self) -> QuerySet[Resident]:
        """The residents of the ledger in the area, filtered and ordered; merged records never count."""
        filters = self.definition.filters
        today = self.today
        residents = Resident.objects.filter(
            area__code__startswith=self.area_code,
            merged_into__isnull=True,
            residence_status__in=[str(status) for status in filters.residence_status],
        )
        if filters.min_age is not None:
            residents = residents.filter(birth_date__lte=born_on_or_before_for_age(today, filters.min_age))
        if filters.max_age is not None:
            residents = residents.filter(birth_date__gt=born_on_or_before_for_age(today, filters.max_age + 1))
        if filters.sex is not None:
            residents = residents.filter(sex=filters.sex)
        if filters.hukou_status is not None:
            residents = residents.filter(hukou_status=filters.hukou_status)
        if filters.heads_only:
            residents = residents.filter(household__head_id=F("pk"))
        tags = TagAssignment.objects.filter(active_tag(today))
        for tag in filters.tags_all:
            residents = residents.filter(Exists(tags.filter(resident=OuterRef("pk"), tag=tag)))
        if filters.tags_any:
            any_of = tags.filter(resident=OuterRef("pk"), tag__in=filters.tags_any)
            residents = residents.filter(Exists(any_of))
        if filters.tags_none:
            residents = residents.exclude(
                Exists(tags.filter(resident=OuterRef("pk"), tag__in=filters.tags_none))
            )
        if filters.disability_grades:
            residents = residents.filter(
                Exists(
                    tags.filter(
                        resident=OuterRef("pk"), tag=Tag.DISABILITY, level__in=filters.disability_grades
                    )
                )
            )
        if filters.household_tags_any:
            in_household = tags.filter(
                resident__household_id=OuterRef("household_id"),
                resident__merged_into__isnull=True,
                tag__in=filters.household_tags_any,
            )
            residents = residents.filter(Exists(in_household), household__isnull=False)
        return residents.order_by(*self._ordering())

    def _ordering(self) -> list[Any]:
        group_by = self.definition.group_by
        order: list[Any] = []
        if group_by in (GroupBy.STREET, GroupBy.COMMUNITY):
            # Only the group's own code: within it, the template's order applies across its grids.
            order.append(Substr("area__code", 1, 9 if group_by == GroupBy.STREET else 12).asc())
        elif group_by == GroupBy.GRID:
            order.append("area__code")
        elif group_by == GroupBy.HOUSEHOLD:
            order += ["area__code", F("household_id").asc(nulls_last=True), self._head_first()]
        # What the grouping already orders by is not repeated.
        implied = {GroupBy.GRID: OrderKey.AREA, GroupBy.HOUSEHOLD: OrderKey.HOUSEHOLD}.get(group_by)
        for key in self.definition.order_by:
            if key != implied:
                order += self._order_key(key)
        order.append("id")
        return order

    @staticmethod
    def _head_first() -> OrderBy:
        return CaseWhen(When(relation_to_head=Relation.HEAD, then=Value(0)), default=Value(1)).asc()

    def _order_key(self, key: OrderKey) -> list[Any]:
        match key:
            case OrderKey.AREA:
                return ["area__code"]
            case OrderKey.HOUSEHOLD:
                return [F("household_id").asc(nulls_last=True), self._head_first()]
            case OrderKey.NAME:
                return ["name"]
            case OrderKey.OLDEST_FIRST:
                return [F("birth_date").asc(nulls_last=True)]
            case OrderKey.YOUNGEST_FIRST:
                return [F("birth_date").desc(nulls_last=True)]
            case OrderKey.REGISTERED:
                return ["id"]

    def count(self) -> int:
        return self.queryset().count()

    # --- the rows --------------------------------------------------------------------------------

    def headings(self) -> list[str]:
        return [column.heading() for column in self.definition.columns]

    def rows(self, *, offset: int = 0, limit: int | None = None) -> Iterator[LedgerItem]:
        """Rows from ``offset``, each a tuple of cells; a grouped ledger puts a Heading before each group."""
        residents = self.queryset()
        if self._sealed:
            residents = residents.annotate(
                **{
                    alias: ExpressionWrapper(F(name), output_field=TextField())
                    for name, alias in self._sealed
                }
            )
        if limit is not None:
            residents = residents[offset : offset + limit]
        elif offset:
            residents = residents[offset:]
        if not self._names:
            self._names.update(area_names([self.area_code]))
        stream = residents.values_list(*self._fields).iterator(chunk_size=self.batch_size)
        builders = self._builders
        group = self._group
        last_group: Any = object()
        number = offset
        for chunk in itertools.batched(stream, self.batch_size):
            batch = self._load_batch(chunk, first_number=number + 1)
            number += len(chunk)
            # Column by column: one comprehension per column over the batch, then zipped into rows.
            made = zip(*[build(chunk, batch) for build in builders], strict=True)
            if group is None:
                yield from made
                continue
            key_of, heading_of = group
            for row, cells in zip(chunk, made, strict=True):
                key = key_of(row)
                if key != last_group:
                    last_group = key
                    yield Heading(heading_of(row))
                yield cells

    def _load_batch(self, chunk: Sequence[Sequence[Any]], *, first_number: int) -> Batch:
        batch = Batch(first_number=first_number)
        if self.tags_read:
            ids = [row[0] for row in chunk]
            for resident_id, tag, level, source, valid_from in (
                TagAssignment.objects.filter(active_tag(self.today), resident_id__in=ids)
                .filter(tag__in=self.tags_read)
                .order_by()
                .values_list("resident_id", "tag", "level", "source", "valid_from")
            ):
                batch.tags[(resident_id, tag)] = TagFacts(level, source, valid_from)
        if self.needs_sizes or self.household_tags:
            households = sorted({row[1] for row in chunk if row[1] is not None})
            if self.needs_sizes and households:
                batch.household_sizes = dict(
                    Resident.objects.filter(
                        household_id__in=households,
                        merged_into__isnull=True,
                        residence_status__in=[str(status) for status in MEMBER_STATUSES],
                    )
                    .order_by()
                    .values_list("household_id")
                    .annotate(n=Count("id"))
                    .values_list("household_id", "n")
                )
            if self.household_tags and households:
                for household_id, tag, n in (
                    TagAssignment.objects.filter(
                        active_tag(self.today),
                        tag__in=self.household_tags,
                        resident__household_id__in=households,
                        resident__merged_into__isnull=True,
                    )
                    .order_by()
                    .values_list("resident__household_id", "tag")
                    .annotate(n=Count("resident_id", distinct=True))
                    .values_list("resident__household_id", "tag", "n")
                ):
                    batch.household_tag_members[(household_id, tag)] = n
        return batch

    # --- columns ---------------------------------------------------------------------------------

    def _field(self, name: str) -> int:
        """The position of ``name`` in each row read, adding it to the fields read if needed."""
        if name not in self._fields:
            self._fields.append(name)
        return self._fields.index(name)

    def _sealed_field(self, name: str) -> int:
        """The position of the encrypted field ``name``, read as stored (not decrypted by the ORM)."""
        alias = f"{name}_sealed"
        if (name, alias) not in self._sealed:
            self._sealed.append((name, alias))
        return self._field(alias)

    def _builder(self, key: str) -> Builder:
        kind, _sep, tag = key.partition(":")
        if kind in ("tag", "tag_level", "tag_source", "tag_since", "disability_grade"):
            return self._tag_builder(kind, tag or Tag.DISABILITY.value)
        if kind == "household_tag_members":
            return self._household_tag_builder(tag)
        labels: dict[str, dict[str, str]] = {
            "sex": {value: str(label) for value, label in Sex.choices},
            "ethnicity": {value: str(label) for value, label in ETHNICITIES},
            "hukou_status": {value: str(label) for value, label in HukouStatus.choices},
            "residence_status": {value: str(label) for value, label in ResidenceStatus.choices},
            "relation_to_head": {value: str(label) for value, label in Relation.choices},
        }
        if key in labels:
            at, shown = self._field(key), labels[key]
            return lambda chunk, batch: [shown.get(row[at], row[at]) for row in chunk]
        if key in ("name", "birth_date", "household_number"):
            at = self._field({"household_number": "household_id"}.get(key, key))
            return lambda chunk, batch: [row[at] for row in chunk]
        if key == "row_number":
            return lambda chunk, batch: list(range(batch.first_number, batch.first_number + len(chunk)))
        if key in ("age", "age_band"):
            return self._age_builder(band=key == "age_band")
        if key in ("id_number", "phone"):
            return self._masked_builder(key)
        if key == "address":
            return self._address_builder()
        if key == "head_name":
            at = self._field("household__head__name")
            return lambda chunk, batch: [row[at] or "" for row in chunk]
        if key == "household_size":
            at = self._field("household_id")
            return lambda chunk, batch: [
                None if row[at] is None else batch.household_sizes.get(row[at], 0) for row in chunk
            ]
        if key in ("street", "community", "grid"):
            return self._area_builder({"street": 9, "community": 12, "grid": 15}[key])
        raise ValueError(f"no column {key}")

    def _age_builder(self, *, band: bool) -> Builder:
        at, today = self._field("birth_date"), self.today
        year, day = today.year, (today.month, today.day)

        def ages(chunk: Sequence[Sequence[Any]]) -> list[int | None]:
            # age_on(), inline: a call per cell would cost as much as the rest of the column.
            return [
                None if (born := row[at]) is None else year - born.year - (day < (born.month, born.day))
                for row in chunk
            ]

        if band:
            return lambda chunk, batch: [None if age is None else age_band(age) for age in ages(chunk)]
        return lambda chunk, batch: list[Cell](ages(chunk))

    def _masked_builder(self, key: str) -> Builder:
        at = self._sealed_field(key)
        decrypt = crypto.decrypter(context=field_context(key))
        mask = mask_id_number if key == "id_number" else mask_phone
        return lambda chunk, batch: [mask(decrypt(row[at])) if row[at] else "" for row in chunk]

    def _address_builder(self) -> Builder:
        household_at = self._field("household_id")
        building_at = self._field("household__building__address")
        room_at = self._field("household__room")
        reported_at = self._sealed_field("address")
        decrypt = crypto.decrypter(context=field_context("address"))

        def address(row: Sequence[Any]) -> str:
            if row[household_at] is None:
                return decrypt(row[reported_at]) if row[reported_at] else ""
            room: str = row[room_at]
            building: str = row[building_at]
            return f"{building} {room}" if room else building

        return lambda chunk, batch: [address(row) for row in chunk]

    def _area_builder(self, length: int) -> Builder:
        at, names = self._field("area__code"), self._names
        return lambda chunk, batch: [
            names.get(row[at][:length], "") if len(row[at]) >= length else "" for row in chunk
        ]

    def _tag_builder(self, kind: str, tag: str) -> Builder:
        at = self._field("id")
        if kind == "tag":
            yes = _("Yes")
            return lambda chunk, batch: [yes if (row[at], tag) in batch.tags else "" for row in chunk]
        read: Callable[[TagFacts], Cell] = {
            "tag_source": lambda facts: facts.source,
            "tag_since": lambda facts: facts.valid_from,
        }.get(kind, lambda facts: facts.level)

        def detail(chunk: Sequence[Sequence[Any]], batch: Batch) -> list[Cell]:
            found = [batch.tags.get((row[at], tag)) for row in chunk]
            return [None if facts is None else read(facts) for facts in found]

        return detail

    def _household_tag_builder(self, tag: str) -> Builder:
        at = self._field("household_id")
        return lambda chunk, batch: [
            None if row[at] is None else batch.household_tag_members.get((row[at], tag), 0) for row in chunk
        ]

    # --- groups ----------------------------------------------------------------------------------

    def _grouping(self) -> tuple[Callable[[Sequence[Any]], Any], Callable[[Sequence[Any]], str]] | None:
        group_by = self.definition.group_by
        if group_by == GroupBy.NONE:
            return None
        code_at = self._field("area__code")
        if group_by == GroupBy.HOUSEHOLD:
            household_at = self._field("household_id")
            head_at = self._field("household__head__name")
            building_at = self._field("household__building__address")
            room_at = self._field("household__room")

            def household_heading(row: Sequence[Any]) -> str:
                if row[household_at] is None:
                    return _("Not in a household")
                address = f"{row[building_at]} {row[room_at]}".strip()
                return _("Household %(number)s · head: %(head)s · %(address)s") % {
                    "number": row[household_at],
                    "head": row[head_at] or "—",
                    "address": address,
                }

            return (lambda row: row[household_at]), household_heading
        length = {GroupBy.STREET: 9, GroupBy.COMMUNITY: 12, GroupBy.GRID: 15}[group_by]
        names = self._names

        def area_heading(row: Sequence[Any]) -> str:
            code: str = row[code_at]
            parts = [names.get(code[:n], "") for n in (9, 12, 15) if n <= length and len(code) >= n]
            if len(code) < length:
                parts.append(_("(no grid)"))
            return " · ".join(part for part in parts if part)

        return (lambda row: row[code_at][:length]), area_heading

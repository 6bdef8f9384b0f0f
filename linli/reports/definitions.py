"""What a ledger template is made of: its columns, filters, grouping and order, as a typed schema.

A template stores its definition as JSON; ``parse_definition`` turns it into a ``LedgerDefinition`` or raises
a ``DomainError`` naming the part that is wrong. Columns come from a fixed registry of sources over the
golden record (``COLUMN_SOURCES``): resident fields, household facts, area names, tags and derived values.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Self

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from linli.core.errors import DomainError
from linli.registry.choices import HukouStatus, ResidenceStatus, Sex, Tag

type Label = str | Promise


class SourceGroup(StrEnum):
    PERSON = "person"
    HOUSEHOLD = "household"
    AREA = "area"
    DERIVED = "derived"
    TAG = "tag"


GROUP_LABELS: dict[SourceGroup, Label] = {
    SourceGroup.PERSON: _("Person"),
    SourceGroup.HOUSEHOLD: _("Household"),
    SourceGroup.AREA: _("Area"),
    SourceGroup.DERIVED: _("Derived values"),
    SourceGroup.TAG: _("Tags"),
}


@dataclass(frozen=True)
class ColumnSource:
    """One kind of value a ledger column can show; ``tag`` is set for the columns about one tag."""

    key: str
    label: Label
    group: SourceGroup
    width: float = 12
    tag: str | None = None


def _tag_sources() -> list[ColumnSource]:
    sources: list[ColumnSource] = []
    for value, tag_label in Tag.choices:
        sources += [
            ColumnSource(f"tag:{value}", tag_label, SourceGroup.TAG, 10, value),
            ColumnSource(
                f"tag_level:{value}",
                format_lazy(_("{tag}: level"), tag=tag_label),
                SourceGroup.TAG,
                8,
                value,
            ),
            ColumnSource(
                f"tag_source:{value}",
                format_lazy(_("{tag}: source"), tag=tag_label),
                SourceGroup.TAG,
                16,
                value,
            ),
            ColumnSource(
                f"tag_since:{value}",
                format_lazy(_("{tag}: valid from"), tag=tag_label),
                SourceGroup.TAG,
                12,
                value,
            ),
            ColumnSource(
                f"household_tag_members:{value}",
                format_lazy(_("{tag}: members in household"), tag=tag_label),
                SourceGroup.HOUSEHOLD,
                10,
                value,
            ),
        ]
    return sources


COLUMN_SOURCES: dict[str, ColumnSource] = {
    source.key: source
    for source in [
        ColumnSource("row_number", _("No."), SourceGroup.DERIVED, 7),
        ColumnSource("name", _("Name"), SourceGroup.PERSON, 12),
        ColumnSource("sex", _("Sex"), SourceGroup.PERSON, 6),
        ColumnSource("birth_date", _("Birth date"), SourceGroup.PERSON, 12),
        ColumnSource("ethnicity", _("Ethnicity"), SourceGroup.PERSON, 8),
        ColumnSource("id_number", _("ID number (masked)"), SourceGroup.PERSON, 22),
        ColumnSource("phone", _("Phone (masked)"), SourceGroup.PERSON, 14),
        ColumnSource("hukou_status", _("Hukou status"), SourceGroup.PERSON, 12),
        ColumnSource("residence_status", _("Residence status"), SourceGroup.PERSON, 10),
        ColumnSource("address", _("Address"), SourceGroup.PERSON, 32),
        ColumnSource("relation_to_head", _("Relation to head"), SourceGroup.HOUSEHOLD, 10),
        ColumnSource("household_number", _("Household number"), SourceGroup.HOUSEHOLD, 10),
        ColumnSource("head_name", _("Head of household"), SourceGroup.HOUSEHOLD, 12),
        ColumnSource("household_size", _("Household size"), SourceGroup.HOUSEHOLD, 8),
        ColumnSource("street", _("Street or town"), SourceGroup.AREA, 14),
        ColumnSource("community", _("Community or village"), SourceGroup.AREA, 14),
        ColumnSource("grid", _("Grid"), SourceGroup.AREA, 10),
        ColumnSource("age", _("Age"), SourceGroup.DERIVED, 6),
        ColumnSource("age_band", _("Age band"), SourceGroup.DERIVED, 8),
        # The "ability grade" of the issue: the disability certificate's grade, kept as the level of the
        # disability tag (1 = most severe, 4 = mildest).
        ColumnSource("disability_grade", _("Disability grade"), SourceGroup.DERIVED, 8, Tag.DISABILITY.value),
        *_tag_sources(),
    ]
}


class GroupBy(StrEnum):
    NONE = "none"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    HOUSEHOLD = "household"


GROUP_BY_LABELS: dict[GroupBy, Label] = {
    GroupBy.NONE: _("No grouping"),
    GroupBy.STREET: _("By street or town"),
    GroupBy.COMMUNITY: _("By community or village"),
    GroupBy.GRID: _("By grid"),
    GroupBy.HOUSEHOLD: _("By household (head first)"),
}


class OrderKey(StrEnum):
    AREA = "area"
    HOUSEHOLD = "household"
    NAME = "name"
    OLDEST_FIRST = "oldest_first"
    YOUNGEST_FIRST = "youngest_first"
    REGISTERED = "registered"


ORDER_LABELS: dict[OrderKey, Label] = {
    OrderKey.AREA: _("Area (street, community, grid)"),
    OrderKey.HOUSEHOLD: _("Household, head first"),
    OrderKey.NAME: _("Name"),
    OrderKey.OLDEST_FIRST: _("Oldest first"),
    OrderKey.YOUNGEST_FIRST: _("Youngest first"),
    OrderKey.REGISTERED: _("Order of registration"),
}

DEFAULT_RESIDENCE = [ResidenceStatus.LIVING_HERE, ResidenceStatus.AWAY]
MAX_COLUMNS = 40
MAX_LABEL = 40


class ColumnSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    # A heading of the template's own; empty means the source's (translated) label.
    label: str = Field("", max_length=MAX_LABEL)

    @field_validator("key")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in COLUMN_SOURCES:
            raise ValueError("unknown column")
        return value

    @field_validator("label")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @property
    def source(self) -> ColumnSource:
        return COLUMN_SOURCES[self.key]

    def heading(self) -> str:
        return self.label or str(self.source.label)


class LedgerFilters(BaseModel):
    """Who is in a ledger. Records merged into another are never in one; these narrow it further."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_age: int | None = Field(None, ge=0, le=150)
    max_age: int | None = Field(None, ge=0, le=150)
    sex: Sex | None = None
    hukou_status: HukouStatus | None = None
    # Moved-out and deceased people stay out unless a template asks for them.
    residence_status: list[ResidenceStatus] = Field(default_factory=lambda: list(DEFAULT_RESIDENCE))
    tags_all: list[Tag] = Field(default_factory=list)
    tags_any: list[Tag] = Field(default_factory=list)
    tags_none: list[Tag] = Field(default_factory=list)
    # Members of a household in which someone holds one of these tags (e.g. a minimum-allowance household).
    household_tags_any: list[Tag] = Field(default_factory=list)
    disability_grades: list[int] = Field(default_factory=list)
    # One row per household: its head only.
    heads_only: bool = False

    @field_validator("disability_grades")
    @classmethod
    def _grades(cls, value: list[int]) -> list[int]:
        if any(grade not in range(1, 5) for grade in value):
            raise ValueError("disability grades are 1 to 4")
        return sorted(set(value))

    @field_validator("residence_status", "tags_all", "tags_any", "tags_none", "household_tags_any")
    @classmethod
    def _distinct(cls, value: list[Any]) -> list[Any]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise DomainError(
                "ages_reversed", _("The minimum age is above the maximum age."), field="filters.min_age"
            )
        if not self.residence_status:
            raise DomainError(
                "residence_status_required",
                _("Choose at least one residence status."),
                field="filters.residence_status",
            )
        if set(self.tags_none) & (set(self.tags_all) | set(self.tags_any)):
            raise DomainError(
                "tags_contradict",
                _("A tag cannot be both required and excluded."),
                field="filters.tags_none",
            )
        return self


class LedgerDefinition(BaseModel):
    """Columns, filters, grouping and order of a ledger template."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: list[ColumnSpec] = Field(min_length=1, max_length=MAX_COLUMNS)
    filters: LedgerFilters = Field(default_factory=lambda: LedgerFilters.model_validate({}))
    group_by: GroupBy = GroupBy.NONE
    order_by: list[OrderKey] = Field(default_factory=lambda: [OrderKey.AREA], max_length=4)

    @field_validator("order_by")
    @classmethod
    def _distinct_order(cls, value: list[OrderKey]) -> list[OrderKey]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _unique_columns(self) -> Self:
        keys = [column.key for column in self.columns]
        if len(set(keys)) != len(keys):
            raise DomainError("duplicate_column", _("A column appears twice."), field="columns")
        headings = [column.heading() for column in self.columns]
        if len(set(headings)) != len(headings):
            raise DomainError("duplicate_heading", _("Two columns have the same heading."), field="columns")
        return self

    def tags_read(self) -> set[str]:
        """Tags whose details (presence, level, source, dates) some column shows for the person."""
        tags: set[str] = set()
        for column in self.columns:
            if column.source.tag is not None and not column.key.startswith("household_tag_members:"):
                tags.add(column.source.tag)
        return tags

    def household_tags_counted(self) -> set[str]:
        """Tags whose holders some column counts among the household's members."""
        tags: set[str] = set()
        for column in self.columns:
            if column.source.tag is not None and column.key.startswith("household_tag_members:"):
                tags.add(column.source.tag)
        return tags


def _first_error(exc: ValidationError) -> tuple[str, str | None]:
    error = exc.errors()[0]
    location = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
    return error.get("type", "invalid"), ".".join(location) or None


def parse_definition(data: Any) -> LedgerDefinition:
    """The definition in ``data``, or a DomainError naming the first part that is wrong."""
    # Rules between fields raise DomainError from the validators; pydantic lets it through unchanged.
    try:
        return LedgerDefinition.model_validate(data)
    except ValidationError as exc:
        kind, field = _first_error(exc)
        messages: dict[str, Label] = {
            "too_short": _("Choose at least one column."),
            "too_long": _("Too many entries."),
        }
        message = messages.get(kind, _("This value is not allowed."))
        raise DomainError("invalid_definition", message, field=field) from exc

"""The fixed catalogue of fields a grant may name, and which change-log fields each one lets through."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from linli.registry.choices import Tag


@dataclass(frozen=True)
class ShareableField:
    key: str
    label: str | Promise
    # ID numbers and phones: returned in full to a client holding them, and every read is audited.
    personal: bool = False


TAG_PREFIX = "tag:"

BASE_FIELDS: tuple[ShareableField, ...] = (
    ShareableField("name", _("Name")),
    ShareableField("sex", _("Sex")),
    ShareableField("birth_date", _("Birth date")),
    ShareableField("age", _("Age (years, on the day of the read)")),
    ShareableField("ethnicity", _("Ethnicity")),
    ShareableField("hukou_status", _("Hukou status")),
    ShareableField("residence_status", _("Residence status")),
    ShareableField("relation_to_head", _("Relation to head")),
    ShareableField("id_number", _("ID number (in full)"), personal=True),
    ShareableField("phone", _("Phone (in full)"), personal=True),
    ShareableField("address", _("Reported address")),
    ShareableField("household", _("Household (id, address, head, size)")),
    ShareableField("area", _("Area (community and grid, name and code)")),
)

TAG_FIELDS: tuple[ShareableField, ...] = tuple(
    ShareableField(f"{TAG_PREFIX}{value}", label) for value, label in Tag.choices
)

CATALOGUE: dict[str, ShareableField] = {f.key: f for f in (*BASE_FIELDS, *TAG_FIELDS)}
PERSONAL_FIELDS = frozenset(key for key, f in CATALOGUE.items() if f.personal)

# Change-log rows every feed carries, as identifiers only: a new record, and a record merged into another
# (value: the surviving id) or split off again (value: "").
ALWAYS_IN_FEED = ("created", "merged_into")


def field_choices() -> list[tuple[str, str | Promise]]:
    return [(f.key, f.label) for f in CATALOGUE.values()]


def unknown_fields(keys: list[str]) -> list[str]:
    return sorted(set(keys) - set(CATALOGUE))


def ordered(keys: list[str] | set[str] | frozenset[str]) -> list[str]:
    """Keys in catalogue order, so that grants, responses and logs list them alike."""
    wanted = set(keys)
    return [key for key in CATALOGUE if key in wanted]


def feed_field(change_field: str, granted: frozenset[str]) -> str | None:
    """The granted field under which a change-log row is shown, or None when the grant does not cover it.

    A birth date change shows as itself, or as "age" to a grant that has the age but not the birth date.
    """
    if change_field in ALWAYS_IN_FEED:
        return change_field
    if change_field in granted:
        return change_field
    if change_field == "birth_date" and "age" in granted:
        return "age"
    return None


def change_fields_for(granted: frozenset[str]) -> list[str]:
    """The change-log ``field`` values a grant lets through (the filter the feed query applies)."""
    names = set(ALWAYS_IN_FEED) | {key for key in granted if key in CATALOGUE and key not in ("age", "area")}
    if "age" in granted:
        names.add("birth_date")
    return sorted(names)

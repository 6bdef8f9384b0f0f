from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.fields import EncryptedTextField
from linli.registry.choices import ETHNICITIES, HukouStatus, Relation, ResidenceStatus, Sex, Tag


class Building(models.Model):
    """A residential building (urban) or a house plot (village), placed in a grid."""

    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))

    class Meta:
        ordering = ["area__code", "name"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self) -> str:
        return self.address


class Household(models.Model):
    """A household (户) living at one address; it has one head."""

    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="households", verbose_name=_("building")
    )
    room = models.CharField(_("unit and room"), max_length=32, blank=True)
    head = models.OneToOneField(
        "registry.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head of household"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["building__address", "room"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{self.building.address} {self.room}".strip()


class Resident(models.Model):
    """The golden record of one person: recorded once, read by every ledger and department."""

    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
    )
    relation_to_head = models.CharField(
        _("relation to head"), max_length=16, choices=Relation.choices, default=Relation.OTHER
    )
    name = models.CharField(pgettext_lazy("a person's", "name"), max_length=64)
    id_number = EncryptedTextField(_("ID number"), context="resident.id_number", blank=True)
    id_number_index = models.CharField(_("ID number index"), max_length=64, blank=True, db_index=True)
    id_number_is_legacy = models.BooleanField(_("15-digit legacy ID number"), default=False)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, blank=True)
    phone = EncryptedTextField(_("phone"), context="resident.phone", blank=True)
    phone_index = models.CharField(_("phone index"), max_length=64, blank=True, db_index=True)
    hukou_status = models.CharField(
        _("hukou status"), max_length=16, choices=HukouStatus.choices, default=HukouStatus.REGISTERED
    )
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITIES, default="01")
    residence_status = models.CharField(
        _("residence status"),
        max_length=16,
        choices=ResidenceStatus.choices,
        default=ResidenceStatus.LIVING_HERE,
    )
    # The address as a source reported it; people brought in by an import have no household yet.
    address = EncryptedTextField(_("reported address"), context="resident.address", blank=True)
    # A record found to be the same person as another: kept for its history, no longer a person of its own.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        indexes: ClassVar[list[models.Index]] = [
            # Name-prefix search reads this index in (name, id) order and checks the user's area from the
            # index entry itself, without fetching the (wide, encrypted) row of every name it passes.
            models.Index(fields=["name", "id", "area"], name="resident_name_scope"),
            models.Index(fields=["area", "birth_date"], name="resident_area_birth"),
        ]
        constraints: ClassVar[list[Any]] = [
            # One golden record per person, also when two registrations race past the service's check.
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="one_resident_per_id_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TagAssignment(models.Model):
    """A vulnerable-group tag on a resident, with who set it, from what source, and for how long."""

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="tags", verbose_name=_("resident")
    )
    tag = models.CharField(_("tag"), max_length=32, choices=Tag.choices)
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=64)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set by"),
    )
    set_at = models.DateTimeField(_("set at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)

    class Meta:
        ordering = ["-set_at", "-id"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["tag", "resident"], name="tag_by_kind")]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["resident", "tag"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_tag_per_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="tag_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_tag_display()} ({self.resident_id})"


class FieldProvenance(models.Model):
    """Where a value of a golden-record field came from and when: one row per recorded value, appended.

    A source's value that the golden record did not take stays here as an alternative a worker can choose.
    """

    # Indexed by (resident, field) below, which serves every lookup by resident too.
    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        related_name="provenance",
        verbose_name=_("resident"),
        db_index=False,
    )
    field = models.CharField(_("field"), max_length=32)
    source = models.CharField(_("source"), max_length=64)
    # The value as the source gave it, in the field's text form; encrypted, as it may be an ID number.
    value = EncryptedTextField(_("value"), context="provenance.value", blank=True)
    # Where in the source: an import row ("import:<batch>:<row>"), a merge, a worker's choice.
    source_ref = models.CharField(_("source reference"), max_length=64, blank=True)
    # Whether the golden record took this value when it was recorded.
    applied = models.BooleanField(_("applied"), default=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # Not indexed: nothing reads provenance by who recorded it, and an import appends it by the million.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        db_index=False,
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("field provenance")
        verbose_name_plural = _("field provenance")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["resident", "field"], name="provenance_field")
        ]

    def __str__(self) -> str:
        return f"{self.field} ← {self.source}"


class ResidentChange(models.Model):
    """One change of one golden-record field, appended: the cursor of the departments' change feed.

    ``field`` is a golden-record field name, ``tag:<tag>`` for a tag (value: its level or "1"; "" when it
    ended), or ``merged_into`` (value: the surviving resident's id).
    """

    id = models.BigAutoField(primary_key=True)
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="changes", verbose_name=_("resident")
    )
    # The resident's area code when the change happened; the feed filters it by a grant's area prefix.
    area_code = models.CharField(_("area code"), max_length=15)
    field = models.CharField(_("field"), max_length=40)
    value = EncryptedTextField(_("value"), context="resident_change.value", blank=True)
    source = models.CharField(_("source"), max_length=64)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("resident change")
        verbose_name_plural = _("resident changes")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["area_code", "id"], name="change_area_cursor"),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}.{self.field}"


class ResidentMerge(models.Model):
    """Two records found to be one person: what moved, so the merge can be undone. Appended, never edited."""

    survivor = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="merges_in", verbose_name=_("kept record")
    )
    absorbed = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="merges_out", verbose_name=_("merged record")
    )
    reason = models.CharField(_("reason"), max_length=200)
    # Ids of provenance rows and tags moved to the survivor, and the survivor's fields filled from the
    # absorbed record with their values before: all an undo needs.
    moved = models.JSONField(_("what moved"), default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undo_reason = models.CharField(_("reason for undoing"), max_length=200, blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.absorbed_id} → {self.survivor_id}"

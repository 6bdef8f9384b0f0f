"""Care for the vulnerable: visit rules by tag and grade, one care plan per resident who needs visits,
visit records (appended, never edited) with the needs they found, and volunteers who may be assigned."""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.append_only import AppendOnlyModel
from linli.core.fields import EncryptedTextField
from linli.registry.choices import Tag


class Volunteer(models.Model):
    """A volunteer who visits residents. A stand-in until the volunteers app exists: a name, an encrypted
    phone and the area they serve; the volunteers app will own the person and their verified hours."""

    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    area_code = models.CharField(_("area code"), max_length=15)
    name = models.CharField(_("name"), max_length=64)
    phone = EncryptedTextField(_("phone"), context="care.volunteer.phone", blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["area_code", "name", "id"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")

    def __str__(self) -> str:
        return self.name


class CareRule(models.Model):
    """How often a resident with a tag is visited (or called).

    ``max_level`` narrows a rule to the severe grades of a tag that carries a level (disability grade 1 is
    the most severe): the rule applies when the tag's level is at most ``max_level``; 0 means any level.
    A rule with an empty ``area_code`` is the installation's default; a rule of an area overrides the rule
    with the same tag and grade of any area above it, and an inactive override switches that rule off there.
    """

    area = models.ForeignKey(
        "core.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("area")
    )
    area_code = models.CharField(_("area code"), max_length=15, blank=True)
    tag = models.CharField(_("tag"), max_length=32, choices=Tag.choices)
    max_level = models.PositiveSmallIntegerField(_("up to grade"), default=0)
    interval_days = models.PositiveSmallIntegerField(_("visit every (days)"))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        ordering = ["area_code", "tag", "max_level"]
        verbose_name = _("care rule")
        verbose_name_plural = _("care rules")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["area_code", "tag", "max_level"], name="care_rule_unique"),
            models.CheckConstraint(
                condition=models.Q(interval_days__gte=1, interval_days__lte=366), name="care_rule_interval"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_code or '*'} {self.tag}≤{self.max_level}: {self.interval_days}"


class CarePlan(models.Model):
    """The due visit of one resident: how often (the shortest interval of the rules that apply), who
    visits, when the next visit is due and when the resident was last reached. Kept, not deleted, when no
    rule applies any more (``ended_on``), so coverage of past months stays computable."""

    resident = models.OneToOneField(
        "registry.Resident", on_delete=models.PROTECT, related_name="care_plan", verbose_name=_("resident")
    )
    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    # Denormalised from the area, for the scope filters and the per-grid counts.
    area_code = models.CharField(_("area code"), max_length=15)
    rule = models.ForeignKey(
        CareRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("rule")
    )
    interval_days = models.PositiveSmallIntegerField(_("visit every (days)"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visitor"),
    )
    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name=_("volunteer"),
    )
    next_due = models.DateField(_("next visit due"))
    last_visit_on = models.DateField(_("last reached"), null=True, blank=True)
    started_on = models.DateField(_("started"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["next_due", "id"]
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")
        indexes: ClassVar[list[models.Index]] = [
            # A visitor's list and the overdue counts: open plans by due date.
            models.Index(
                fields=["assignee", "next_due"],
                condition=models.Q(ended_on__isnull=True),
                name="care_plan_mine",
            ),
            models.Index(
                fields=["area_code", "next_due"],
                condition=models.Q(ended_on__isnull=True),
                name="care_plan_area_due",
            ),
        ]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=models.Q(assignee__isnull=True) | models.Q(volunteer__isnull=True),
                name="care_plan_one_visitor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} every {self.interval_days}d, due {self.next_due}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class VisitMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")


class VisitOutcome(models.TextChoices):
    WELL = "well", _("All well")
    NEEDS_HELP = "needs_help", _("Needs help")
    NOT_REACHED = "not_reached", _("Not reached")


def visit_photo_path(instance: "Visit", filename: str) -> str:
    # The stored name carries no personal data: the plan id and a random token.
    import secrets

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"care/{instance.plan_id}/{secrets.token_hex(12)}.{extension}"


class Visit(AppendOnlyModel):
    """One visit or call, as the visitor recorded it; appended, never edited."""

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="visits")
    resident = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("resident")
    )
    area_code = models.CharField(_("area code"), max_length=15)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("visitor")
    )
    method = models.CharField(_("how"), max_length=12, choices=VisitMethod.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=VisitOutcome.choices)
    visited_at = models.DateTimeField(_("visited at"))
    # The local (Asia/Shanghai) date of the visit: what intervals and monthly coverage count in.
    visited_on = models.DateField(_("visited on"))
    # What was due when the visit was recorded, so lateness stays visible after the plan moves on.
    was_due_on = models.DateField(_("was due on"))
    note = models.TextField(_("note"), blank=True)
    photo = models.FileField(_("photo"), upload_to=visit_photo_path, blank=True)
    photo_type = models.CharField(_("photo type"), max_length=32, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["plan", "visited_on"], name="care_visit_plan_day"),
            models.Index(fields=["area_code", "visited_on"], name="care_visit_area_day"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.visited_on} {self.outcome}"

    @property
    def reached(self) -> bool:
        return self.outcome != VisitOutcome.NOT_REACHED


class VisitNeed(models.Model):
    """A need found on a visit and the service-desk case opened for it on the resident's behalf."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="needs")
    need = models.CharField(_("need"), max_length=24)
    case = models.ForeignKey(
        "servicedesk.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("case")
    )

    class Meta:
        ordering = ["visit", "id"]
        verbose_name = _("need found on a visit")
        verbose_name_plural = _("needs found on visits")

    def __str__(self) -> str:
        return f"{self.visit_id} {self.need}"

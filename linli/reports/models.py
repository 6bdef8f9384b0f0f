"""Ledgers (一表通) derived from the golden record, and their exports."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.append_only import AppendOnlyModel
from linli.reports.definitions import LedgerDefinition, parse_definition


class LedgerTemplate(models.Model):
    """A ledger a department asks communities to keep, defined as a query over the golden record."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    department = models.CharField(_("department"), max_length=64, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Columns, filters, grouping and order; read through ``parsed`` (linli.reports.definitions).
    definition = models.JSONField(_("definition"), default=dict)
    is_builtin = models.BooleanField(_("built in"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
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
        ordering = ["-is_builtin", "id"]
        verbose_name = _("ledger template")
        verbose_name_plural = _("ledger templates")

    def __str__(self) -> str:
        return self.name

    @property
    def parsed(self) -> LedgerDefinition:
        return parse_definition(self.definition)


class LedgerExport(AppendOnlyModel):
    """One export of a ledger for an area: who, when and how many rows. Appended, never edited."""

    template = models.ForeignKey(
        LedgerTemplate, on_delete=models.PROTECT, related_name="exports", verbose_name=_("ledger")
    )
    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exported by"),
    )
    exported_at = models.DateTimeField(_("exported at"), default=timezone.now)
    row_count = models.PositiveIntegerField(_("rows"))

    class Meta:
        ordering = ["-exported_at", "-id"]
        verbose_name = _("ledger export")
        verbose_name_plural = _("ledger exports")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["template", "area", "exported_at"], name="ledger_export_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.template_id}@{self.area_id} {self.exported_at:%Y-%m-%d}"

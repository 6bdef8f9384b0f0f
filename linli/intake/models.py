from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.fields import EncryptedTextField


class SourceKind(models.TextChoices):
    """Who a spreadsheet comes from; how far its values are trusted is a setting (LINLI_SOURCE_TRUST)."""

    PUBLIC_SECURITY = "public_security", _("Public security (household registration)")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    DISABILITY_FEDERATION = "disability_federation", _("Disabled persons' federation")
    HEALTH = "health", _("Health commission")
    HUMAN_RESOURCES = "human_resources", _("Human resources and social security")
    EDUCATION = "education", _("Education")
    COMMUNITY = "community", _("Community survey")
    OTHER = "other", _("Other department")


class ImportProfile(models.Model):
    """A department's spreadsheet layout: which column means which golden-record field, saved for reuse."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    source_kind = models.CharField(_("source"), max_length=32, choices=SourceKind.choices)
    # Header label (as normalised) -> target field (see linli.intake.normalize.TARGET_FIELDS).
    mapping = models.JSONField(_("column mapping"), default=dict)
    # Tags every row of this department's list carries (a disability register: every row is disabled).
    constant_tags = models.JSONField(_("tags of every row"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")

    def __str__(self) -> str:
        return self.name


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded, mapping to check")
    QUEUED = "queued", _("Waiting to run")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Stopped with an error")


class Outcome(models.TextChoices):
    PENDING = "pending", _("Not yet processed")
    CREATED = "created", _("New resident created")
    MATCHED = "matched", _("Matched, nothing new")
    UPDATED = "updated", _("Matched and updated")
    CONFLICT = "conflict", _("Conflict, waiting for review")
    REJECTED = "rejected", _("Rejected")


class ImportBatch(models.Model):
    """One uploaded file and its run: every row of it ends in exactly one outcome."""

    area = models.ForeignKey(
        "core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area of the list")
    )
    profile = models.ForeignKey(
        ImportProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="batches"
    )
    source_kind = models.CharField(_("source"), max_length=32, choices=SourceKind.choices)
    source_label = models.CharField(_("source name"), max_length=64)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    header_row = models.PositiveIntegerField(_("header row"), default=0)
    header = models.JSONField(_("column labels"), default=list)
    # A header of two rows (merged labels over sub-labels) puts the first data row two below its top.
    first_data_row = models.PositiveIntegerField(_("first data row"), default=1)
    mapping = models.JSONField(_("column mapping"), default=dict)
    constant_tags = models.JSONField(_("tags of every row"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed rows"), default=0)
    counts = models.JSONField(_("outcomes"), default=dict)
    stage = models.CharField(_("stage"), max_length=32, blank=True)
    timings = models.JSONField(_("stage timings"), default=dict)
    error = models.TextField(_("error"), blank=True)
    # Group names in a list column that match no tag: said once for the file, not on every row.
    unknown_groups = models.JSONField(_("unknown group names"), default=list, blank=True)
    report = models.FileField(_("problem report"), upload_to="imports/reports/%Y/%m/", blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["status"], name="batch_status"),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def source(self) -> str:
        """The provenance source the golden record notes for values from this batch."""
        return f"{self.source_kind}:{self.source_label}"[:64]


class ImportRow(models.Model):
    """One row of an uploaded file: its cells (encrypted, they hold ID numbers) and its outcome."""

    # Indexed by (batch, row_number) below, which serves every lookup by batch too.
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows", db_index=False)
    row_number = models.PositiveIntegerField(_("row"))
    cells = EncryptedTextField(_("cells"), context="import_row.cells")
    # Hash of the row's normalised values: the same row imported again finds the resident it led to.
    fingerprint = models.CharField(max_length=64, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    reason_code = models.CharField(_("reason"), max_length=40, blank=True)
    message = models.TextField(_("message"), blank=True)
    resident = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["batch", "row_number"]
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="one_row_per_number"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


class ReviewKind(models.TextChoices):
    POSSIBLE_DUPLICATE = "possible_duplicate", _("Possibly the same person")
    FIELD_CONFLICT = "field_conflict", _("Sources disagree")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MERGED = "merged", _("Merged")
    KEPT_APART = "kept_apart", _("Kept apart")
    VALUE_CHOSEN = "value_chosen", _("Value chosen")
    KEPT_CURRENT = "kept_current", _("Current value kept")
    UNMERGED = "unmerged", _("Merge undone")


class ReviewItem(models.Model):
    """A question for a worker: are two records one person, or which of two values is right."""

    kind = models.CharField(_("kind"), max_length=24, choices=ReviewKind.choices)
    # The golden record's area at the time: the queue is scoped by it.
    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="+")
    other = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    field = models.CharField(_("field"), max_length=32, blank=True)
    provenance = models.ForeignKey(
        "registry.FieldProvenance", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    import_row = models.ForeignKey(
        ImportRow, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews"
    )
    # Why: the linkage's decision, probability and the match weight of each field.
    evidence = models.JSONField(_("evidence"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    merge = models.ForeignKey(
        "registry.ResidentMerge", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["status", "area"], name="review_open_area"),
        ]
        constraints: ClassVar[list[Any]] = [
            # The same question is asked once while it is open.
            models.UniqueConstraint(
                fields=["kind", "resident", "other", "field"],
                condition=models.Q(status="open"),
                name="one_open_review_per_question",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.resident_id}/{self.other_id or self.field}"


class ReviewEvent(models.Model):
    """What happened to a review item, appended: decisions and undos are history."""

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=16, choices=ReviewStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("review event")
        verbose_name_plural = _("review events")

    def __str__(self) -> str:
        return f"{self.item_id} → {self.status}"

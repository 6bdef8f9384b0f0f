"""History that is appended, never edited.

Audit events, the histories of cases and orders, alarm timelines, care visits, ledger exports and the data
access log are records of what happened. One abstract model keeps all of them from being rewritten: an
instance is inserted once and never saved again or deleted, and their querysets refuse bulk updates and
deletes, which would edit history behind the model's back.
"""

from typing import Any, TypeVar

from django.db import models

_Model = TypeVar("_Model", bound=models.Model)


class AppendOnlyError(ValueError):
    """Raised on any attempt to change or remove a history record."""

    def __init__(self, model: type[models.Model]) -> None:
        super().__init__(f"{model._meta.label} is append-only: records are added, never changed or removed")


class AppendOnlyQuerySet(models.QuerySet[_Model]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(self.model)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(self.model)


class AppendOnlyModel(models.Model):
    """A record inserted once: saving it again, or saving an unsaved copy over an existing row, raises."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(type(self))
        # An insert, never Django's update-else-insert: a copy carrying an existing id must not overwrite it.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(type(self))

"""The one exception type for broken business rules."""

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule was broken: ``code`` is stable for machines, ``message`` is translated for people."""

    def __init__(self, code: str, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": str(self.message), "field": self.field}


def add_error_to_form(form: Any, error: DomainError, *, field: str | None = None) -> None:
    """Show a broken rule beside its field (``field`` or the error's own), or above the form."""
    name = field if field is not None else error.field
    form.add_error(name if name in form.fields else None, str(error.message))

"""The one exception type for broken business rules."""

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

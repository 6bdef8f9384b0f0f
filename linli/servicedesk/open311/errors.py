"""Errors as GeoReport v2 shapes them: an array of ``{code, description}`` with the HTTP status.

Spec, "Errors": 404 for resources that do not exist, 403 for a wrong or missing api_key, 400 for any other
request that cannot be fulfilled. The body's code is the HTTP status, as the spec's example has it, so a
client that reads either one reads the same thing; several errors may be returned at once.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.functional import Promise

from linli.servicedesk.open311.formats import Format, render


@dataclass(frozen=True)
class ErrorItem:
    code: int
    description: str | Promise


class Open311Error(Exception):
    """A request the endpoint refuses; raised anywhere below a view and rendered in the request's format."""

    def __init__(self, status: int, *descriptions: str | Promise) -> None:
        super().__init__(", ".join(str(d) for d in descriptions))
        self.status = status
        self.items = [ErrorItem(status, description) for description in descriptions]

    @classmethod
    def many(cls, status: int, items: Sequence[ErrorItem]) -> "Open311Error":
        error = cls(status)
        error.items = list(items)
        return error


def bad_request(*descriptions: str | Promise) -> Open311Error:
    return Open311Error(400, *descriptions)


def not_found(*descriptions: str | Promise) -> Open311Error:
    return Open311Error(404, *descriptions)


def forbidden(*descriptions: str | Promise) -> Open311Error:
    return Open311Error(403, *descriptions)


def render_error(fmt: Format, error: Open311Error) -> HttpResponse:
    items = [{"code": item.code, "description": str(item.description)} for item in error.items]
    return render(fmt, "errors", items, status=error.status)

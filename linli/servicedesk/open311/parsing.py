"""Input of the GeoReport v2 methods, checked at the edge: form-encoded POST bodies and query strings.

Spec, "Optional Arguments": a parameter passed empty is the same as one not passed at all. Every problem of
one request is reported together, each as an error of the array.
"""

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.servicedesk.open311.errors import ErrorItem, Open311Error

MAX_DESCRIPTION = 4000  # spec: free text "limited to 4,000 characters"
MAX_SHORT_TEXT = 200
MAX_URL = 1000
DEFAULT_SPAN = dt.timedelta(days=90)  # spec, "Response Volume"
MAX_RESULTS = 1000
STATUSES = ("open", "closed")

# attribute[CODE]=value, or attribute[CODE][]=value repeated for a multivaluelist.
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
# W3C NOTE-datetime: a complete date, or a date with hh:mm[:ss[.s]] and a time zone designator.
_W3_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_W3_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
# "+08:00" sent unencoded in a query string arrives as " 08:00".
_PLUS_AS_SPACE = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


def text(data: QueryDict, name: str) -> str:
    """The parameter's value, stripped; "" when it is absent or empty."""
    return (data.get(name) or "").strip()


def text_list(data: QueryDict, name: str) -> list[str]:
    """A parameter that may be comma delimited and declared several times, in order, without repeats."""
    values: list[str] = []
    for raw in data.getlist(name):
        for part in raw.split(","):
            value = part.strip()
            if value and value not in values:
                values.append(value)
    return values


def parse_w3_datetime(raw: str, *, name: str) -> dt.datetime:
    """An aware datetime from the w3 profile of ISO 8601; a date alone means its midnight in the district."""
    value = _PLUS_AS_SPACE.sub(r"\1+\2", raw.strip())
    if _W3_DATE.match(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    elif _W3_DATETIME.match(value):
        if not (value.endswith("Z") or re.search(r"[+-]\d{2}:?\d{2}$", value)):
            raise Open311Error(
                400, _("%(name)s must carry a time zone, e.g. 2010-01-01T00:00:00Z.") % {"name": name}
            )
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    raise Open311Error(
        400, _("%(name)s is not a w3 date and time, e.g. 2010-01-01T00:00:00Z.") % {"name": name}
    )


@dataclass(frozen=True)
class Location:
    lat: float | None = None
    long: float | None = None
    address_string: str = ""
    address_id: str = ""

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.long is not None


@dataclass(frozen=True)
class Reporter:
    """Who sent the report, as the app says: personal data, stored encrypted and never returned."""

    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    device_id: str = ""
    account_id: str = ""

    def is_empty(self) -> bool:
        return not any(
            (self.email, self.phone, self.first_name, self.last_name, self.device_id, self.account_id)
        )


@dataclass(frozen=True)
class NewRequest:
    """A POST requests.[format] body, checked for shape; its attributes are checked against the service."""

    jurisdiction_id: str
    service_code: str
    location: Location
    attributes: dict[str, list[str]] = field(default_factory=dict)
    description: str = ""
    media_url: str = ""
    reporter: Reporter = field(default_factory=Reporter)


def _coordinate(raw: str, name: str, limit: float, problems: list[ErrorItem]) -> float | None:
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -limit <= value <= limit:
        problems.append(
            ErrorItem(
                400,
                _("%(name)s must be a number from -%(limit)s to %(limit)s.")
                % {"name": name, "limit": int(limit)},
            )
        )
        return None
    return value


def parse_attributes(data: QueryDict) -> dict[str, list[str]]:
    """``attribute[code]=v`` and ``attribute[code][]=v1&attribute[code][]=v2`` as code → values."""
    attributes: dict[str, list[str]] = {}
    for key in data:
        match = _ATTRIBUTE_KEY.match(key)
        if match is None:
            continue
        values = [value.strip() for value in data.getlist(key) if value.strip()]
        attributes.setdefault(match[1].strip(), []).extend(values)
    return attributes


def parse_new_request(data: QueryDict) -> NewRequest:
    """The fields of a new service request; raises a 400 listing every problem found."""
    problems: list[ErrorItem] = []
    service_code = text(data, "service_code")
    if not service_code:
        problems.append(ErrorItem(400, _("service_code was not provided.")))
    lat_raw, long_raw = text(data, "lat"), text(data, "long")
    lat = _coordinate(lat_raw, "lat", 90, problems)
    long = _coordinate(long_raw, "long", 180, problems)
    if bool(lat_raw) != bool(long_raw):
        problems.append(ErrorItem(400, _("lat and long must both be sent.")))
    location = Location(
        lat=lat if long is not None else None,
        long=long if lat is not None else None,
        address_string=text(data, "address_string"),
        address_id=text(data, "address_id"),
    )
    if not (lat_raw and long_raw) and not location.address_string and not location.address_id:
        problems.append(
            ErrorItem(400, _("A location is required: lat and long, address_string or address_id."))
        )
    description = text(data, "description")
    if len(description) > MAX_DESCRIPTION:
        problems.append(ErrorItem(400, _("description is limited to 4,000 characters.")))
    media_url = text(data, "media_url")
    if media_url:
        try:
            if len(media_url) > MAX_URL:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            problems.append(ErrorItem(400, _("media_url must be an http or https URL.")))
    email = text(data, "email")
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            problems.append(ErrorItem(400, _("email is not an email address.")))
    for name in (
        "address_string",
        "address_id",
        "first_name",
        "last_name",
        "phone",
        "device_id",
        "account_id",
    ):
        if len(text(data, name)) > MAX_SHORT_TEXT:
            problems.append(ErrorItem(400, _("%(name)s is too long.") % {"name": name}))
    if problems:
        raise Open311Error.many(400, problems)
    return NewRequest(
        jurisdiction_id=text(data, "jurisdiction_id"),
        service_code=service_code,
        location=location,
        attributes=parse_attributes(data),
        description=description,
        media_url=media_url,
        reporter=Reporter(
            email=email,
            phone=text(data, "phone"),
            first_name=text(data, "first_name"),
            last_name=text(data, "last_name"),
            device_id=text(data, "device_id"),
            account_id=text(data, "account_id"),
        ),
    )


@dataclass(frozen=True)
class RequestQuery:
    """GET requests.[format]: ids override every other filter; otherwise a window of at most 90 days."""

    start: dt.datetime
    end: dt.datetime
    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()


def parse_request_query(data: QueryDict, *, now: dt.datetime) -> RequestQuery:
    """The filters of GET requests, with the spec's defaults: the last 90 days, all codes, all statuses."""
    ids = text_list(data, "service_request_id")
    if ids:
        # "This overrides all other arguments."
        return RequestQuery(start=now - DEFAULT_SPAN, end=now, ids=tuple(ids[:MAX_RESULTS]))
    problems: list[ErrorItem] = []
    statuses = text_list(data, "status")
    unknown = [status for status in statuses if status not in STATUSES]
    if unknown:
        problems.append(ErrorItem(400, _("status must be open or closed.")))
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    for name in ("start_date", "end_date"):
        raw = text(data, name)
        if not raw:
            continue
        try:
            value = parse_w3_datetime(raw, name=name)
        except Open311Error as exc:
            problems.extend(exc.items)
            continue
        if name == "start_date":
            start = value
        else:
            end = value
    if start is None:
        end = end or now
        start = end - DEFAULT_SPAN
    elif end is None:
        end = start + DEFAULT_SPAN
    elif end < start:
        problems.append(ErrorItem(400, _("end_date is before start_date.")))
    elif end - start > DEFAULT_SPAN:
        problems.append(ErrorItem(400, _("start_date and end_date may not span more than 90 days.")))
    if problems:
        raise Open311Error.many(400, problems)
    return RequestQuery(
        service_codes=tuple(text_list(data, "service_code")),
        statuses=tuple(statuses),
        start=start,
        end=end,
    )

"""The change feed: every change of a granted field in the grant's area, after a cursor, exactly once.

The cursor is the id of ``registry.ResidentChange``. Ids are handed out when a row is inserted, but rows
become visible when their transaction commits, and on PostgreSQL concurrent transactions commit in any
order: a reader could see id 101 while 100 is still uncommitted, move its cursor past 100 and never see it.
So the feed serves ids only up to a *watermark* below which no row can appear any more:

- SQLite has one writer at a time: every row up to the highest visible id is final.
- PostgreSQL: first the highest visible id is read, then the other transactions holding a write lock on
  the change table are looked up (``pg_locks``). With none, every row up to that id is final. With some,
  the watermark is the highest id written before the oldest of them began, less a margin
  (``LINLI_CHANGE_FEED_LAG_SECONDS``, default 2) for clock skew between the application and the database
  and for the moment between stamping ``changed_at`` and inserting the row: their rows all get higher ids.
  A long import therefore holds the feed back until it commits, and then everything flows.

Within the watermark, rows are filtered by the grant's area and fields in the query, and the next cursor is
the last row served on a full page, or the watermark itself on a shorter one (nothing else below it can
match), so rows skipped by the filter are not read again.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Max
from django.utils import timezone

from linli.registry.models import ResidentChange
from linli.sharing import catalogue
from linli.sharing.models import Grant
from linli.sharing.records import age_on, current_records, granted_fields, in_area

# Changes after which the department is given the resident's current granted fields: a new record, and one
# split off again from a merge ("merged_into" back to "").
RECORD_FOLLOWS = ("created", "merged_into")


def feed_lag() -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(settings, "LINLI_CHANGE_FEED_LAG_SECONDS", 2)))


WRITERS_SQL = """
SELECT count(*), min(a.xact_start), bool_or(a.xact_start IS NULL)
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation'
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.relation = %s::regclass
  AND l.mode = 'RowExclusiveLock'
  AND l.granted
  AND l.pid IS DISTINCT FROM pg_backend_pid()
"""


def watermark(using: str = "default") -> int | None:
    """The highest change id below which every row is committed or gone for good; None when unknown."""
    changes = ResidentChange.objects.using(using)
    highest: int = changes.aggregate(m=Max("id"))["m"] or 0
    vendor = connections[using].vendor
    if vendor == "sqlite":
        return highest
    if vendor != "postgresql":
        cutoff = timezone.now() - feed_lag()
        return changes.filter(id__lte=highest, changed_at__lt=cutoff).aggregate(m=Max("id"))["m"] or 0
    with connections[using].cursor() as cursor:
        cursor.execute(WRITERS_SQL, [ResidentChange._meta.db_table])
        writers, oldest_start, start_unknown = cursor.fetchone()
    if not writers:
        return highest
    if start_unknown:
        # A writer whose start this role may not read: serve nothing new rather than risk a gap.
        return None
    cutoff = oldest_start - feed_lag()
    return changes.filter(id__lte=highest, changed_at__lt=cutoff).aggregate(m=Max("id"))["m"] or 0


@dataclass
class FeedPage:
    items: list[dict[str, Any]]
    next_cursor: int
    has_more: bool
    fields: list[str]
    personal_count: int


def _value(key: str, text: str, today: dt.date) -> Any:
    """A change's value in the type the residents endpoint uses for the same field."""
    if not text:
        return None
    if key == "age":
        return age_on(dt.date.fromisoformat(text), today)
    if key.startswith(catalogue.TAG_PREFIX) or key in ("household", "merged_into"):
        return int(text)
    return text


def read_changes(*, grant: Grant, cursor: int, limit: int, today: dt.date) -> FeedPage:
    """Changes after ``cursor`` of residents in the grant's area, to the fields the grant covers, by id."""
    granted = granted_fields(grant)
    high = watermark()
    if high is None or high <= cursor:
        return FeedPage(items=[], next_cursor=cursor, has_more=False, fields=[], personal_count=0)
    rows = list(
        ResidentChange.objects.filter(
            in_area(grant.area.code, "area_code"),
            id__gt=cursor,
            id__lte=high,
            field__in=catalogue.change_fields_for(granted),
        )
        .only("id", "resident_id", "area_code", "field", "value", "changed_at")
        .order_by("id")[:limit]
    )
    items: list[dict[str, Any]] = []
    shown: set[str] = set()
    personal = 0
    wants_record: set[int] = set()
    for row in rows:
        key = catalogue.feed_field(row.field, granted)
        if key is None:  # the query's filter already keeps these out
            continue
        item: dict[str, Any] = {
            "id": row.pk,
            "resident_id": row.resident_id,
            "field": key,
            "value": _value(key, row.value, today),
            "changed_at": row.changed_at,
        }
        if "area" in granted:
            item["area_code"] = row.area_code
        if key in RECORD_FOLLOWS and not (key == "merged_into" and row.value):
            wants_record.add(row.resident_id)
            item["record"] = None
        if key in catalogue.PERSONAL_FIELDS and row.value:
            personal += 1
        shown.add(key)
        items.append(item)
    if wants_record:
        records = current_records(grant=grant, resident_ids=wants_record, today=today)
        for item in items:
            if "record" in item:
                record = records.get(item["resident_id"])
                item["record"] = record
                if record is not None:
                    shown.update(key for key in record if key != "id")
                    personal += sum(1 for key in catalogue.PERSONAL_FIELDS if record.get(key))
    full = len(rows) == limit
    return FeedPage(
        items=items,
        next_cursor=rows[-1].pk if full else high,
        has_more=full,
        fields=catalogue.ordered(shown - set(catalogue.ALWAYS_IN_FEED))
        + sorted(shown & set(catalogue.ALWAYS_IN_FEED)),
        personal_count=personal,
    )

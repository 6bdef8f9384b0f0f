"""Input of the GeoReport v2 methods: attributes, locations, w3 dates and the 90-day window."""

import datetime as dt

import pytest
from django.http import QueryDict

from linli.servicedesk.open311.errors import Open311Error
from linli.servicedesk.open311.parsing import (
    DEFAULT_SPAN,
    parse_attributes,
    parse_new_request,
    parse_request_query,
    parse_w3_datetime,
    text_list,
)

NOW = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)
SPEC_EXAMPLE = (
    "api_key=xyz&jurisdiction_id=city.gov&service_code=001&lat=37.76524078&long=-122.4212043"
    "&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456"
    "&first_name=john&last_name=smith&phone=111111111&description=A+large+sinkhole+is+destroying+the+street"
    "&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg"
    "&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001"
)


def descriptions(error: Open311Error) -> str:
    return " ".join(str(item.description) for item in error.items)


def test_the_spec_example_body_parses():
    new = parse_new_request(QueryDict(SPEC_EXAMPLE))

    assert new.service_code == "001"
    assert new.jurisdiction_id == "city.gov"
    assert (new.location.lat, new.location.long) == (37.76524078, -122.4212043)
    assert new.location.address_string == "1234 5th street"
    assert new.attributes == {"WHISPAWN": ["123456"], "WHISDORN": ["COISL001"]}
    assert new.reporter.email == "smit333@sfgov.edu"
    assert (new.reporter.first_name, new.reporter.last_name) == ("john", "smith")
    assert new.media_url.startswith("http://farm3.static.flickr.com/")


def test_a_multivaluelist_collects_every_bracketed_value():
    data = QueryDict(
        "attribute[code1][]=value1&attribute[code1][]=value2&attribute[code1][]=value3&attribute[x]=1"
    )

    assert parse_attributes(data) == {"code1": ["value1", "value2", "value3"], "x": ["1"]}


def test_other_fields_are_not_attributes():
    assert parse_attributes(QueryDict("attribute=1&attributes[a]=2&attribute[a]][b]=3&attribute[]=4")) == {}


@pytest.mark.parametrize(
    "location",
    ["lat=39.9&long=116.1", "address_string=石龙南路", "address_id=42", "lat=39.9&long=116.1&address_id=42"],
)
def test_any_one_full_location_is_enough(location):
    assert parse_new_request(QueryDict(f"service_code=a&{location}")).service_code == "a"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("service_code=a", "location"),
        ("service_code=a&lat=39.9", "both"),
        ("service_code=a&lat=&long=&address_string=", "location"),
        ("service_code=a&lat=91&long=116", "lat"),
        ("service_code=a&lat=39&long=nan", "long"),
        ("lat=39&long=116", "service_code"),
        ("service_code=a&address_id=1&media_url=ftp://x.org/a", "media_url"),
        ("service_code=a&address_id=1&email=not-an-address", "email"),
        ("service_code=a&address_id=1&description=" + "x" * 4001, "4,000"),
    ],
)
def test_a_malformed_body_is_a_400_saying_why(body, words):
    with pytest.raises(Open311Error) as caught:
        parse_new_request(QueryDict(body))

    assert caught.value.status == 400
    assert words in descriptions(caught.value)


def test_an_empty_parameter_is_the_same_as_none():
    new = parse_new_request(QueryDict("service_code=a&address_id=1&email=&lat=&long=&media_url="))

    assert new.reporter.email == "" and new.location.lat is None and new.media_url == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2010-01-01T00:00:00Z", dt.datetime(2010, 1, 1, tzinfo=dt.UTC)),
        ("1994-11-05T08:15:30-05:00", dt.datetime(1994, 11, 5, 13, 15, 30, tzinfo=dt.UTC)),
        ("1994-11-05T13:15:30.25Z", dt.datetime(1994, 11, 5, 13, 15, 30, 250000, tzinfo=dt.UTC)),
        ("2026-03-04T10:00+08:00", dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)),
        ("2026-03-04T10:00:00 08:00", dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)),  # "+" sent unencoded
        ("2026-03-04", dt.datetime(2026, 3, 3, 16, 0, tzinfo=dt.UTC)),  # midnight in Beijing
    ],
)
def test_w3_datetimes_are_read_with_their_zone(raw, expected):
    assert parse_w3_datetime(raw, name="start_date") == expected


@pytest.mark.parametrize(
    "raw", ["2010-01-01T00:00:00", "2010-13-01", "yesterday", "2010-01-01T25:00:00Z", "2010"]
)
def test_other_datetimes_are_refused(raw):
    with pytest.raises(Open311Error) as caught:
        parse_w3_datetime(raw, name="end_date")

    assert caught.value.status == 400
    assert "end_date" in descriptions(caught.value)


def test_the_window_defaults_to_the_last_90_days():
    query = parse_request_query(QueryDict(""), now=NOW)

    assert (query.start, query.end) == (NOW - DEFAULT_SPAN, NOW)


def test_a_start_alone_runs_90_days_on_and_an_end_alone_90_days_back():
    start = parse_request_query(QueryDict("start_date=2026-01-01T00:00:00Z"), now=NOW)
    end = parse_request_query(QueryDict("end_date=2026-01-01T00:00:00Z"), now=NOW)

    assert start.end - start.start == DEFAULT_SPAN
    assert end.end - end.start == DEFAULT_SPAN
    assert start.start == end.end == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_exactly_90_days_is_allowed_and_more_is_not():
    ok = parse_request_query(
        QueryDict("start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:00Z"), now=NOW
    )
    assert ok.end - ok.start == DEFAULT_SPAN

    with pytest.raises(Open311Error):
        parse_request_query(
            QueryDict("start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:01Z"), now=NOW
        )


def test_lists_may_be_comma_delimited_and_repeated():
    data = QueryDict("service_code=a,b&service_code=c&service_code=a&status=open, closed")

    assert text_list(data, "service_code") == ["a", "b", "c"]
    query = parse_request_query(data, now=NOW)
    assert query.service_codes == ("a", "b", "c")
    assert query.statuses == ("open", "closed")


def test_service_request_ids_override_everything_else():
    query = parse_request_query(QueryDict("service_request_id=1,2&status=nonsense&start_date=bad"), now=NOW)

    assert query.ids == ("1", "2")
    assert query.statuses == () and query.service_codes == ()

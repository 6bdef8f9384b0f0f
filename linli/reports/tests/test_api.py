import datetime as dt

import pytest
from django.test import Client

from linli.accounts.services import issue_api_token
from linli.core.models import AuditEvent
from linli.reports.tests.factories import household_in, person, tag


@pytest.fixture
def api(worker_a):
    token = issue_api_token(user=worker_a, name="test")[1]
    client = Client(headers={"Authorization": f"Bearer {token}"})
    return client


@pytest.fixture
def disabled(grid_a):
    home = household_in(grid_a, room="1-101", address="和平路1号楼")
    people = [
        person(home, f"成员{i}", birth=dt.date(1950, 1, 1 + i), head=i == 0, phone=f"1381234567{i}")
        for i in range(3)
    ]
    for resident in people:
        tag(resident, "disability", level=2, valid_from=dt.date(2021, 3, 1))
    return people


def test_templates_are_listed_with_their_columns(api):
    response = api.get("/api/v1/ledgers")
    assert response.status_code == 200
    ledger = next(t for t in response.json() if t["code"] == "people-with-disabilities")
    assert ledger["name"] == "残疾人台账" and ledger["group_by"] == "community"
    assert {"key": "disability_grade", "heading": ledger["columns"][7]["heading"]} == ledger["columns"][7]


def test_rows_are_paged_masked_and_audited(api, disabled, community_a):
    response = api.get(
        "/api/v1/ledgers/people-with-disabilities/rows", {"area": community_a.code, "offset": 1, "limit": 1}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["offset"], body["limit"], body["area"]) == (3, 1, 1, community_a.code)
    [row] = body["rows"]
    assert row["row_number"] == 2 and row["name"] == "成员1"
    assert row["id_number"] == "11" + "*" * 15 + disabled[1].id_number[-1]
    assert row["phone"] == "138****5671"
    assert row["disability_grade"] == 2 and row["tag_since:disability"] == "2021-03-01"
    assert row["address"] == "和平路1号楼 1-101"
    event = AuditEvent.objects.get(action="ledger.read_api")
    assert event.area_code == community_a.code and event.data["rows"] == 1


def test_the_page_size_is_capped(api, disabled, community_a):
    response = api.get(
        "/api/v1/ledgers/people-with-disabilities/rows", {"area": community_a.code, "limit": 100000}
    )
    assert response.json()["limit"] == 500


def test_an_unknown_ledger_is_404(api, community_a):
    assert api.get("/api/v1/ledgers/no-such-ledger/rows", {"area": community_a.code}).status_code == 404

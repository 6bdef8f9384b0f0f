"""The sharing API as a contract: granted fields only, granted area only, 403 for unusable grants, a log row
for every call."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from linli.accounts.roles import Role
from linli.accounts.services import issue_api_token
from linli.accounts.tests.factories import staff_with_role
from linli.core.models import AuditEvent
from linli.core.tests.factories import area_tree
from linli.registry.merges import merge_residents
from linli.registry.services import add_tag
from linli.sharing import services
from linli.sharing.models import AccessLog, ClientToken, Grant
from linli.sharing.tests.factories import client_with_token, make_grant, officers, resident_in

GRID_A = "110109001001001"
GRID_A2 = "110109001001002"
GRID_B = "110109002003001"  # another street of the same district
GRID_OTHER_DISTRICT = "110105001001001"
COMMUNITY_A = "110109001001"


@pytest.fixture
def place(db):
    grids = {code: area_tree(code) for code in (GRID_A, GRID_A2, GRID_B)}
    residents = {
        "a": resident_in(grids[GRID_A], name="甲"),
        "a2": resident_in(grids[GRID_A2], name="乙"),
        "b": resident_in(grids[GRID_B], name="丙"),
    }
    return grids, residents


def get(key: str, path: str, **params):
    return Client().get(f"/api/v1/sharing/{path}", params, headers={"Authorization": f"Bearer {key}"})


def all_residents(key: str, grant_id: int, limit: int = 2) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = 0
    while True:
        body = get(key, "residents", grant=grant_id, after=after, limit=limit).json()
        found += body["results"]
        if body["next_after"] is None:
            return found
        after = body["next_after"]


def test_residents_have_exactly_the_granted_fields(place):
    grids, residents = place
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name", "age", "tag:disability"], area=grids[GRID_A].parent)
    add_tag(
        actor=None,
        resident=residents["a"],
        tag="disability",
        level=3,
        source="残联",
        valid_from=dt.date(2020, 1, 1),
    )
    add_tag(
        actor=None,
        resident=residents["a"],
        tag="veteran",
        source="退役军人事务局",
        valid_from=dt.date(2020, 1, 1),
    )

    found = all_residents(key, grant.pk)

    by_id = {r["id"]: r for r in found}
    assert set(by_id) == {residents["a"].pk, residents["a2"].pk}
    for record in found:
        assert set(record) == {"id", "name", "age", "tag:disability"}
    assert by_id[residents["a"].pk]["tag:disability"] == 3
    assert by_id[residents["a2"].pk]["tag:disability"] is None
    body = str(found)
    for value in (residents["a"].phone, residents["a"].id_number, residents["a"].address, "veteran"):
        assert value not in body


def test_a_resident_outside_the_grant_area_is_never_returned(place):
    grids, residents = place
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name", "household", "area"], area=grids[GRID_A])

    found = all_residents(key, grant.pk, limit=1)
    households = get(key, "households", grant=grant.pk, limit=500).json()["results"]

    assert [r["id"] for r in found] == [residents["a"].pk]
    assert found[0]["area"]["grid"]["code"] == GRID_A
    assert found[0]["area"]["community"]["code"] == COMMUNITY_A
    assert [h["id"] for h in households] == [residents["a"].household_id]
    assert residents["a2"].name not in str(found) + str(households)


def test_merged_records_are_never_listed(place):
    grids, residents = place
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name"], area=grids[GRID_A].parent)
    _requester, approver = officers()
    merge_residents(actor=approver, survivor=residents["a"], absorbed=residents["a2"], reason="同一人")

    assert [r["id"] for r in all_residents(key, grant.pk)] == [residents["a"].pk]


def test_id_number_and_phone_go_in_full_to_a_grant_that_holds_them_and_are_audited(place):
    grids, residents = place
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name", "id_number", "phone"], area=grids[GRID_A])

    response = get(key, "residents", grant=grant.pk)

    record = response.json()["results"][0]
    assert record["id_number"] == residents["a"].id_number
    assert record["phone"] == residents["a"].phone
    log = AccessLog.objects.get(grant=grant)
    event = AuditEvent.objects.get(action="sharing.personal_data_read")
    assert event.data["access_log"] == log.pk
    assert event.data["fields"] == ["id_number", "phone"]
    assert event.data["records"] == 1
    assert event.object_id == str(grant.pk)


def test_a_grant_without_personal_fields_writes_no_personal_data_audit(place):
    grids, _residents = place
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name"], area=grids[GRID_A])
    get(key, "residents", grant=grant.pk)
    assert not AuditEvent.objects.filter(action="sharing.personal_data_read").exists()


def test_household_record_carries_address_head_and_size(place):
    grids, residents = place
    client, key = client_with_token()
    a = residents["a"]
    member = resident_in(grids[GRID_A], household=a.household, relation_to_head="child")
    resident_in(grids[GRID_A], household=a.household, residence_status="deceased")
    grant = make_grant(client=client, fields=["household"], area=grids[GRID_A])

    found = {r["id"]: r for r in all_residents(key, grant.pk, limit=10)}
    households = get(key, "households", grant=grant.pk).json()["results"]

    household = found[member.pk]["household"]
    assert household["id"] == a.household_id
    assert household["size"] == 2  # the deceased member is not counted
    assert household["address"].startswith(a.household.building.address)
    assert households[0]["member_ids"] == sorted([a.pk, member.pk])
    assert households[0]["size"] == 2


def test_households_need_the_household_field(place):
    grids, _residents = place
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name"], area=grids[GRID_A])

    response = get(key, "households", grant=grant.pk)

    assert response.status_code == 403
    assert response.json()["code"] == "field_not_granted"
    assert AccessLog.objects.get(grant=grant).refusal == "field_not_granted"


@pytest.mark.parametrize("path", ["residents", "households", "changes"])
def test_expired_revoked_unapproved_and_foreign_grants_get_403(place, path):
    grids, _residents = place
    client, key = client_with_token()
    other_client, _other_key = client_with_token()
    fields = ["name", "household"]
    requester, approver = officers()
    expired = make_grant(
        client=client, fields=fields, area=grids[GRID_A], requester=requester, approver=approver
    )
    Grant.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    revoked = make_grant(
        client=client, fields=fields, area=grids[GRID_A], requester=requester, approver=approver
    )
    services.revoke_grant(actor=approver, grant=revoked, reason="用途已完成")
    requested = make_grant(
        client=client, fields=fields, area=grids[GRID_A], approve=False, requester=requester
    )
    foreign = make_grant(
        client=other_client, fields=fields, area=grids[GRID_A], requester=requester, approver=approver
    )
    cases = {
        expired.pk: "grant_expired",
        revoked.pk: "grant_revoked",
        requested.pk: "grant_not_approved",
        foreign.pk: "grant_unknown",
        999_999: "grant_unknown",
    }

    for grant_id, code in cases.items():
        response = get(key, path, grant=grant_id)
        assert response.status_code == 403, (grant_id, code)
        body = response.json()
        assert body["code"] == code
        assert body["message"]
        assert "results" not in body

    refused = AccessLog.objects.filter(client=client).order_by("id")
    assert [e.refusal for e in refused] == list(cases.values())
    assert all(e.status_code == 403 and e.record_count == 0 and e.endpoint == path for e in refused)
    # A foreign or missing grant is not linked to the calling client's log rows.
    assert [e.grant_id for e in refused] == [expired.pk, revoked.pk, requested.pk, None, None]


def test_a_grant_is_refused_from_the_moment_it_is_revoked(place):
    grids, _residents = place
    client, key = client_with_token()
    requester, approver = officers()
    grant = make_grant(
        client=client, fields=["name"], area=grids[GRID_A], requester=requester, approver=approver
    )
    assert get(key, "residents", grant=grant.pk).status_code == 200

    services.revoke_grant(actor=approver, grant=grant, reason="停止共享")

    assert get(key, "residents", grant=grant.pk).status_code == 403


def test_every_call_has_its_access_log_row(place):
    grids, _residents = place
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name", "household"], area=grids[GRID_A].parent)

    get(key, "residents", grant=grant.pk, limit=1)
    get(key, "residents", grant=grant.pk, after=10**9)
    get(key, "households", grant=grant.pk)
    get(key, "changes", grant=grant.pk, cursor=0, limit=3)
    get(key, "changes", grant=999_999)

    entries = list(AccessLog.objects.filter(client=client).order_by("id"))
    assert [(e.endpoint, e.status_code) for e in entries] == [
        ("residents", 200),
        ("residents", 200),
        ("households", 200),
        ("changes", 200),
        ("changes", 403),
    ]
    first = entries[0]
    assert first.record_count == 1 and first.fields == ["name", "household"]
    assert first.purpose == grant.purpose and first.token is not None and first.token.client_id == client.pk
    assert first.remote_addr == "127.0.0.1"
    assert entries[1].record_count == 0
    assert entries[2].record_count == 2
    assert entries[3].record_count == 3 and entries[3].cursor_from == 0
    assert entries[3].cursor_to is not None and entries[3].cursor_to > 0


def test_the_access_log_is_append_only(place):
    grids, _residents = place
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name"], area=grids[GRID_A])
    get(key, "residents", grant=grant.pk)
    entry = AccessLog.objects.get()
    with pytest.raises(ValueError, match="append-only"):
        AccessLog.objects.update(record_count=0)
    with pytest.raises(ValueError, match="append-only"):
        AccessLog.objects.all().delete()
    with pytest.raises(ValueError, match="append-only"):
        entry.save()


def test_staff_tokens_and_unknown_tokens_are_refused_with_401(place):
    grids, _residents = place
    client, _key = client_with_token()
    grant = make_grant(client=client, fields=["name"], area=grids[GRID_A])
    staff = staff_with_role(Role.ADMINISTRATOR, area_tree("110109"))
    staff_key = issue_api_token(user=staff, name="t")[1]

    for key in (staff_key, "lls_not-a-token", ""):
        assert get(key, "residents", grant=grant.pk).status_code == 401
    assert Client().get("/api/v1/sharing/residents", {"grant": grant.pk}).status_code == 401
    assert not AccessLog.objects.exists()


def test_client_tokens_do_not_open_the_staff_api(place):
    _client, key = client_with_token()
    response = Client().get("/api/v1/residents", {"q": "甲"}, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


def test_a_rotated_token_works_through_the_grace_period_then_gets_401(place, settings):
    settings.LINLI_SHARING_TOKEN_GRACE_DAYS = 7
    grids, _residents = place
    client, old_key = client_with_token()
    grant = make_grant(client=client, fields=["name"], area=grids[GRID_A])
    _requester, approver = officers()

    _token, new_key = services.issue_client_token(actor=approver, client=client)

    assert get(old_key, "residents", grant=grant.pk).status_code == 200
    assert get(new_key, "residents", grant=grant.pk).status_code == 200
    old = ClientToken.objects.get(client=client, expires_at__isnull=False)
    assert old.expires_at is not None and old.expires_at - timezone.now() > dt.timedelta(days=6, hours=23)
    ClientToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert get(old_key, "residents", grant=grant.pk).status_code == 401
    assert get(new_key, "residents", grant=grant.pk).status_code == 200


def test_a_revoked_token_and_a_switched_off_client_get_401_at_once(place):
    grids, _residents = place
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name"], area=grids[GRID_A])
    _requester, approver = officers()
    _token, second_key = services.issue_client_token(actor=approver, client=client)

    services.revoke_client_token(
        actor=approver, token=ClientToken.objects.get(client=client, expires_at__isnull=False)
    )
    assert get(key, "residents", grant=grant.pk).status_code == 401
    assert get(second_key, "residents", grant=grant.pk).status_code == 200

    services.set_client_active(actor=approver, client=client, active=False)
    assert get(second_key, "residents", grant=grant.pk).status_code == 401


def test_a_token_records_when_it_was_last_used(place):
    grids, _residents = place
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name"], area=grids[GRID_A])
    get(key, "residents", grant=grant.pk)
    assert ClientToken.objects.get(client=client).last_used_at is not None


def test_page_size_is_capped(place):
    grids, _residents = place
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name"], area=grids[GRID_A].parent)
    body = get(key, "residents", grant=grant.pk, limit=0).json()
    assert len(body["results"]) == 1 and body["next_after"] is not None


def test_residents_read_in_a_fixed_number_of_queries(place, django_assert_max_num_queries):
    grids, _residents = place
    for _ in range(5):
        resident_in(grids[GRID_A])
    client, key = client_with_token()
    fields = ["name", "household", "area", "tag:disability", "phone"]
    grant = make_grant(client=client, fields=fields, area=grids[GRID_A].parent)
    # token (and its last use), grant, savepoint, sync cursor (highest change id, writers on PostgreSQL),
    # residents, tags, household sizes, log row, audit event, release: the same for a page of 7 or of 500
    with django_assert_max_num_queries(12):
        response = get(key, "residents", grant=grant.pk, limit=100)
    assert len(response.json()["results"]) == 7


def test_a_head_merged_into_another_record_is_no_household_head(place):
    grids, residents = place
    client, key = client_with_token()
    head = residents["a"]
    twin = resident_in(grids[GRID_A2], name="甲的重复记录")
    grant = make_grant(client=client, fields=["household"], area=grids[GRID_A].parent)
    _requester, approver = officers()
    merge_residents(actor=approver, survivor=twin, absorbed=head, reason="同一人")

    households = {h["id"]: h for h in get(key, "households", grant=grant.pk).json()["results"]}
    records = {r["id"]: r for r in all_residents(key, grant.pk, limit=10)}

    assert households[head.household_id]["head_id"] is None
    assert head.pk not in households[head.household_id]["member_ids"]
    assert records[twin.pk]["household"]["head_id"] == twin.household.head_id
    assert head.pk not in records

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import login_staff
from linli.core.tests.factories import area_tree
from linli.sharing.models import AccessLog, ClientToken, DepartmentClient, Grant, GrantStatus
from linli.sharing.tests.factories import DepartmentClientFactory, client_with_token, make_grant, officers

GRID_A = "110109001001001"


@pytest.fixture
def grid(db):
    return area_tree(GRID_A)


@pytest.fixture
def people(grid):
    requester, approver = officers(grid)
    return login_staff(Client(), requester), login_staff(Client(), approver), requester, approver


def api_get(key: str, path: str, **params):
    return Client().get(f"/api/v1/sharing/{path}", params, headers={"Authorization": f"Bearer {key}"})


def test_a_district_officer_registers_a_client_and_its_token_is_shown_once(people):
    _requester_client, manager, _requester, approver = people
    created = manager.post(
        reverse("sharing:clients"),
        {"department": "残联", "name": "残疾人信息系统", "contact": "王工", "area": area_tree("110109").pk},
    )
    client = DepartmentClient.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse("sharing:client", args=[client.pk])
    assert client.created_by == approver

    issued = manager.post(reverse("sharing:token_issue", args=[client.pk]))

    key = issued.context["new_key"]
    assert key.startswith("lls_") and key in issued.content.decode()
    assert issued["Cache-Control"] == "no-store"
    page = manager.get(reverse("sharing:client", args=[client.pk]))
    assert key not in page.content.decode()
    assert ClientToken.objects.get(client=client).prefix in page.content.decode()


def test_rotating_from_the_page_keeps_the_old_token_for_the_grace_period(people):
    _r, manager, _requester, _approver = people
    client = DepartmentClientFactory()
    first_key = manager.post(reverse("sharing:token_issue", args=[client.pk])).context["new_key"]
    second_key = manager.post(reverse("sharing:token_issue", args=[client.pk])).context["new_key"]
    grant = make_grant(client=client, fields=["name"], area=area_tree(GRID_A))

    assert api_get(first_key, "residents", grant=grant.pk).status_code == 200
    assert api_get(second_key, "residents", grant=grant.pk).status_code == 200
    old = ClientToken.objects.get(client=client, expires_at__isnull=False)
    manager.post(reverse("sharing:token_revoke", args=[old.pk]))
    assert api_get(first_key, "residents", grant=grant.pk).status_code == 401


def test_a_grant_is_requested_on_one_page_and_approved_by_another_officer(people, grid):
    requester_client, manager, requester, approver = people
    client = DepartmentClientFactory()
    expires_on = timezone.localdate() + dt.timedelta(days=30)

    response = requester_client.post(
        reverse("sharing:grant_new"),
        {
            "client": client.pk,
            "shared_fields": ["name", "id_number", "tag:disability"],
            "area": grid.parent.pk,
            "purpose": "残疾人两项补贴动态管理",
            "legal_basis": "《残疾人保障法》",
            "expires_on": expires_on.isoformat(),
        },
    )
    grant = Grant.objects.get()
    assert response.status_code == 302
    assert grant.fields == ["name", "id_number", "tag:disability"] and grant.requested_by == requester
    assert timezone.localtime(grant.expires_at).date() == expires_on + dt.timedelta(days=1)

    page = requester_client.get(reverse("sharing:grant", args=[grant.pk]))
    assert page.context["can_approve"] is False and page.context["can_revoke"] is False
    page = manager.get(reverse("sharing:grant", args=[grant.pk]))
    assert page.context["can_approve"] is True

    manager.post(reverse("sharing:grant_approve", args=[grant.pk]), {"note": "同意"})
    grant.refresh_from_db()
    assert grant.status == GrantStatus.APPROVED and grant.approved_by == approver

    manager.post(reverse("sharing:grant_revoke", args=[grant.pk]), {"reason": ""})
    grant.refresh_from_db()
    assert grant.status == GrantStatus.APPROVED  # no reason, no revocation
    manager.post(reverse("sharing:grant_revoke", args=[grant.pk]), {"reason": "补贴核查结束"})
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REVOKED
    history = manager.get(reverse("sharing:grant", args=[grant.pk])).context["events"]
    assert [e.to_status for e in history] == ["requested", "approved", "revoked"]


def test_a_request_with_a_rule_broken_shows_the_error_beside_the_field(people, grid):
    requester_client, _m, _requester, _approver = people
    client = DepartmentClientFactory()
    response = requester_client.post(
        reverse("sharing:grant_new"),
        {
            "client": client.pk,
            "shared_fields": ["name"],
            "area": grid.pk,
            "purpose": "核对低保对象",
            "legal_basis": "社会救助暂行办法",
            "expires_on": (timezone.localdate() + dt.timedelta(days=900)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["expires_on"]
    assert not Grant.objects.exists()


def test_grants_list_filters_by_status(people, grid):
    _r, manager, requester, approver = people
    client = DepartmentClientFactory()
    approved = make_grant(client=client, fields=["name"], area=grid, requester=requester, approver=approver)
    requested = make_grant(client=client, fields=["name"], area=grid, approve=False, requester=requester)

    listed = manager.get(reverse("sharing:grants"), {"status": "requested"}).context["grants"]
    assert [g.pk for g in listed] == [requested.pk]
    everything = manager.get(reverse("sharing:grants"), {"status": "nonsense"}).context["grants"]
    assert {g.pk for g in everything} == {approved.pk, requested.pk}


def test_access_log_shows_who_read_what_with_totals_and_filters(people, grid):
    from linli.sharing.tests.factories import resident_in

    _r, manager, requester, approver = people
    resident_in(grid)
    resident_in(grid)
    client, key = client_with_token(name="民政系统")
    other, other_key = client_with_token(name="卫健系统", department="卫健委")
    grant = make_grant(
        client=client, fields=["name", "phone"], area=grid, requester=requester, approver=approver
    )
    other_grant = make_grant(client=other, fields=["name"], area=grid, requester=requester, approver=approver)
    api_get(key, "residents", grant=grant.pk)
    api_get(key, "residents", grant=other_grant.pk)  # refused: not its grant
    api_get(other_key, "residents", grant=other_grant.pk, limit=1)

    page = manager.get(reverse("sharing:access_log"))
    log = page.context["log"]
    assert (log.calls, log.records, log.refused) == (3, 3, 1)
    html = page.content.decode()
    assert "民政系统" in html and "name, phone" in html and "grant_unknown" in html
    by_client = {row["client__name"]: (row["calls"], row["records"]) for row in log.by_client}
    assert by_client == {"民政系统": (2, 2), "卫健系统": (1, 1)}

    only_grant = manager.get(reverse("sharing:access_log"), {"grant": grant.pk}).context["log"]
    assert [e.grant_id for e in only_grant.entries] == [grant.pk]
    only_client = manager.get(reverse("sharing:access_log"), {"client": other.pk}).context["log"]
    assert {e.client_id for e in only_client.entries} == {other.pk}
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert manager.get(reverse("sharing:access_log"), {"date_from": tomorrow}).context["log"].calls == 0
    today = timezone.localdate().isoformat()
    assert manager.get(reverse("sharing:access_log"), {"date_to": today}).context["log"].calls == 3
    partial = manager.get(reverse("sharing:access_log"), headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and 'data-testid="access-log"' in partial.content.decode()


@pytest.mark.parametrize(
    ("route", "queries"), [("sharing:clients", 6), ("sharing:grants", 5), ("sharing:access_log", 8)]
)
def test_list_pages_issue_a_fixed_number_of_queries(
    people, grid, route, queries, django_assert_max_num_queries
):
    _r, manager, requester, approver = people
    for _ in range(6):
        client, key = client_with_token()
        grant = make_grant(client=client, fields=["name"], area=grid, requester=requester, approver=approver)
        api_get(key, "residents", grant=grant.pk)
    assert AccessLog.objects.count() == 6
    # session, user, second factor, memberships; then the page's own reads, whatever the number of rows
    with django_assert_max_num_queries(queries):
        response = manager.get(reverse(route))
    assert response.status_code == 200

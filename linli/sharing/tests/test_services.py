import datetime as dt

import pytest
from django.db import IntegrityError
from django.utils import timezone

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.errors import DomainError
from linli.core.models import AuditEvent
from linli.core.tests.factories import area_tree
from linli.sharing import services
from linli.sharing.auth import client_token_for_key
from linli.sharing.models import ClientToken, Grant, GrantEvent, GrantStatus
from linli.sharing.tests.factories import DepartmentClientFactory, make_grant, officers
from linli.sharing.workflow import TRANSITIONS, can_transition

GRID_A = "110109001001001"


@pytest.fixture
def grid(db):
    return area_tree(GRID_A)


def request(requester, client, area, **overrides):
    arguments = {
        "actor": requester,
        "client": client,
        "fields": ["name", "phone"],
        "area": area,
        "purpose": "核对残疾人两项补贴对象",
        "legal_basis": "《残疾人保障法》第四十八条",
        "expires_at": timezone.now() + dt.timedelta(days=90),
        **overrides,
    }
    return services.request_grant(**arguments)


def test_the_workflow_table_allows_only_its_transitions():
    states = list(GrantStatus.values)
    allowed = {(a, b) for a in states for b in states if can_transition(a, b)}
    assert (
        allowed
        == set(TRANSITIONS)
        == {
            ("requested", "approved"),
            ("requested", "revoked"),
            ("approved", "revoked"),
        }
    )


def test_a_grant_goes_from_requested_to_approved_to_revoked_with_its_history(grid):
    client = DepartmentClientFactory()
    requester, approver = officers()

    grant = request(requester, client, grid)
    assert grant.status == GrantStatus.REQUESTED and grant.fields == ["name", "phone"]
    grant = services.approve_grant(actor=approver, grant=grant, note="符合规定")
    assert grant.status == GrantStatus.APPROVED and grant.approved_by == approver
    grant = services.revoke_grant(actor=approver, grant=grant, reason="项目结束")
    assert grant.status == GrantStatus.REVOKED and grant.revoke_reason == "项目结束"

    history = list(
        GrantEvent.objects.filter(grant=grant).values_list("from_status", "to_status", "actor_id", "note")
    )
    assert history == [
        ("", "requested", requester.pk, ""),
        ("requested", "approved", approver.pk, "符合规定"),
        ("approved", "revoked", approver.pk, "项目结束"),
    ]
    actions = set(AuditEvent.objects.filter(object_type="sharing_grant").values_list("action", flat=True))
    assert actions == {"sharing.grant_requested", "sharing.grant_approved", "sharing.grant_revoked"}


def test_the_requester_cannot_approve_even_as_an_administrator(grid):
    client = DepartmentClientFactory()
    admin = staff_with_role(Role.ADMINISTRATOR, area_tree("110109"))
    grant = request(admin, client, grid)

    with pytest.raises(DomainError) as refused:
        services.approve_grant(actor=admin, grant=grant)

    assert refused.value.code == "approver_is_requester"
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.REQUESTED


def test_the_database_refuses_a_grant_approved_by_its_requester(grid):
    client = DepartmentClientFactory()
    requester, _approver = officers()
    grant = request(requester, client, grid)
    with pytest.raises(IntegrityError):
        Grant.objects.filter(pk=grant.pk).update(status="approved", approved_by=requester)


def test_only_an_officer_managing_sharing_over_the_grant_area_approves(grid):
    client = DepartmentClientFactory()
    requester, _approver = officers()
    grant = request(requester, client, grid)
    street_officer = staff_with_role(Role.STREET_OFFICER, grid.parent.parent)
    other_district = staff_with_role(Role.DISTRICT_OFFICER, area_tree("110105"))

    for actor in (street_officer, other_district, requester):
        with pytest.raises(DomainError):
            services.approve_grant(actor=actor, grant=grant)
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.REQUESTED


def test_a_revoked_grant_cannot_be_approved_or_revoked_again(grid):
    client = DepartmentClientFactory()
    requester, approver = officers()
    grant = request(requester, client, grid)
    services.revoke_grant(actor=approver, grant=grant, reason="不符合规定")

    with pytest.raises(DomainError) as approving:
        services.approve_grant(actor=approver, grant=grant)
    with pytest.raises(DomainError) as revoking:
        services.revoke_grant(actor=approver, grant=grant, reason="再次")

    assert approving.value.code == "grant_not_requested"
    assert revoking.value.code == "grant_already_revoked"


def test_an_expired_request_cannot_be_approved(grid):
    client = DepartmentClientFactory()
    requester, approver = officers()
    grant = request(requester, client, grid)
    Grant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(DomainError) as refused:
        services.approve_grant(actor=approver, grant=grant)
    assert refused.value.code == "grant_expired"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"fields": []}, "fields_required"),
        ({"fields": ["name", "password"]}, "unknown_field"),
        ({"purpose": " "}, "purpose_required"),
        ({"legal_basis": ""}, "legal_basis_required"),
        ({"expires_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "expiry_in_past"),
        ({"expires_at": timezone.now() + dt.timedelta(days=800)}, "expiry_too_far"),
    ],
)
def test_a_request_needs_catalogue_fields_a_purpose_a_basis_and_a_sensible_end(grid, overrides, code):
    client = DepartmentClientFactory()
    requester, _approver = officers()
    with pytest.raises(DomainError) as refused:
        request(requester, client, grid, **overrides)
    assert refused.value.code == code
    assert not Grant.objects.exists()


def test_a_grant_area_lies_within_the_client_and_the_requester_scope(db):
    client = DepartmentClientFactory(area=area_tree("110109001"))
    requester, _approver = officers()
    inside = area_tree(GRID_A)
    outside_client = area_tree("110109002003001")
    other_district = area_tree("110105001001001")

    with pytest.raises(DomainError) as outside:
        request(requester, client, outside_client)
    with pytest.raises(DomainError) as not_mine:
        request(requester, client, other_district)

    assert outside.value.code == "area_outside_client"
    assert not_mine.value.code == "not_permitted"
    assert request(requester, client, inside).area == inside


def test_a_district_officer_may_not_request_grants(grid):
    _requester, approver = officers()
    with pytest.raises(DomainError):
        request(approver, DepartmentClientFactory(), grid)


def test_issuing_a_token_rotates_the_others_out_after_the_grace_period(db, settings):
    settings.LINLI_SHARING_TOKEN_GRACE_DAYS = 3
    client = DepartmentClientFactory()
    _requester, manager = officers()
    first, first_key = services.issue_client_token(actor=manager, client=client)
    assert first.expires_at is None and first_key.startswith("lls_") and first.prefix == first_key[:10]
    assert first.key_hash != first_key and first_key not in str(ClientToken.objects.values())

    second, second_key = services.issue_client_token(actor=manager, client=client)
    third, _third_key = services.issue_client_token(actor=manager, client=client)

    first.refresh_from_db()
    second.refresh_from_db()
    # The first token's grace period is not prolonged by a later rotation.
    assert first.expires_at is not None and second.expires_at is not None
    assert first.expires_at <= second.expires_at
    assert dt.timedelta(days=2, hours=23) < second.expires_at - timezone.now() <= dt.timedelta(days=3)
    assert third.expires_at is None
    assert client_token_for_key(first_key) == first
    assert client_token_for_key(second_key) == second


def test_a_token_past_its_grace_period_or_revoked_no_longer_authenticates(db):
    client = DepartmentClientFactory()
    _requester, manager = officers()
    token, key = services.issue_client_token(actor=manager, client=client)
    ClientToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client_token_for_key(key) is None

    token2, key2 = services.issue_client_token(actor=manager, client=client)
    services.revoke_client_token(actor=manager, token=token2)
    assert client_token_for_key(key2) is None
    assert AuditEvent.objects.filter(action="sharing.token_revoked").count() == 1


def test_only_a_sharing_manager_over_the_client_area_manages_its_tokens(db):
    client = DepartmentClientFactory()
    requester, _manager = officers()
    outsider = staff_with_role(Role.DISTRICT_OFFICER, area_tree("110105"))
    for actor in (requester, outsider):
        with pytest.raises(DomainError):
            services.issue_client_token(actor=actor, client=client)
        with pytest.raises(DomainError):
            services.set_client_active(actor=actor, client=client, active=False)
    assert not ClientToken.objects.exists()


def test_creating_a_client_needs_sharing_management_over_its_area(db):
    requester, manager = officers()
    district = area_tree("110109")
    with pytest.raises(DomainError):
        services.create_client(actor=requester, name="系统", department="民政局", area=district)
    client = services.create_client(actor=manager, name=" 系统 ", department="民政局", area=district)
    assert client.name == "系统" and client.created_by == manager and client.active


def test_make_grant_helper_approves_through_the_services(grid):
    grant = make_grant(client=DepartmentClientFactory(), fields=["name"], area=grid)
    assert grant.status == GrantStatus.APPROVED
    assert grant.approved_by_id != grant.requested_by_id

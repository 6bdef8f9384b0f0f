"""Apps, keys and request types: who may manage them, what is stored, and the audit trail."""

import importlib

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import clear_url_caches

import config.urls
from conftest import login_staff
from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.errors import DomainError
from linli.core.models import AuditEvent
from linli.core.tests.factories import area_tree
from linli.servicedesk.open311 import services
from linli.servicedesk.open311.auth import api_key_for
from linli.servicedesk.open311.models import Open311ApiKey, Open311App, Open311Service, RequestType
from linli.servicedesk.open311.selectors import catalogue_changeset
from linli.servicedesk.open311.tests.factories import item

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return staff_with_role(Role.ADMINISTRATOR, area_tree("110109"))


def test_a_key_is_stored_as_its_hash_and_works_until_revoked(manager):
    app = services.register_app(actor=manager, name="随手拍")

    api_key, key = services.issue_api_key(actor=manager, app=app)

    assert key.startswith("o311_") and len(key) > 40
    assert key not in (api_key.key_hash, api_key.prefix)
    assert key.startswith(api_key.prefix)
    found = api_key_for(key)
    assert found == api_key
    assert found.last_used_at is not None
    services.revoke_api_key(actor=manager, api_key=api_key)
    assert api_key_for(key) is None


def test_a_stopped_app_s_keys_do_not_work(manager):
    app = services.register_app(actor=manager, name="随手拍")
    key = services.issue_api_key(actor=manager, app=app)[1]

    services.set_app_active(actor=manager, app=app, active=False)

    assert api_key_for(key) is None


@pytest.mark.parametrize("key", ["", "xyz", "o311_" + "x" * 200, "ll_staff-token", "lls_department-token"])
def test_anything_else_is_not_a_key(manager, key):
    services.issue_api_key(actor=manager, app=services.register_app(actor=manager, name="随手拍"))

    assert api_key_for(key) is None


@pytest.mark.parametrize(
    "role", [Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_OFFICER, Role.DEPARTMENT_OFFICER]
)
def test_only_catalogue_managers_register_apps_and_issue_keys(manager, role):
    someone = staff_with_role(role, area_tree("110109001001001"))
    app = services.register_app(actor=manager, name="随手拍")

    with pytest.raises(DomainError):
        services.register_app(actor=someone, name="另一个")
    with pytest.raises(DomainError):
        services.issue_api_key(actor=someone, app=app)
    with pytest.raises(DomainError):
        services.set_request_type(actor=someone, item=item(), request_type=RequestType.BATCH)


def test_every_change_is_audited_and_a_request_type_moves_the_changeset(manager):
    before = catalogue_changeset()
    app = services.register_app(actor=manager, name="随手拍")
    api_key = services.issue_api_key(actor=manager, app=app)[0]
    services.revoke_api_key(actor=manager, api_key=api_key)
    services.set_request_type(actor=manager, item=item(), request_type=RequestType.BATCH)

    actions = list(AuditEvent.objects.filter(action__startswith="open311.").values_list("action", flat=True))
    assert sorted(actions) == sorted(
        ["open311.app_registered", "open311.key_issued", "open311.key_revoked", "open311.request_type"]
    )
    assert Open311Service.objects.get(item=item()).request_type == "batch"
    assert catalogue_changeset() > before


def test_an_unknown_request_type_is_refused(manager):
    with pytest.raises(DomainError):
        services.set_request_type(actor=manager, item=item(), request_type="instant")


def test_the_admin_registers_an_app_and_shows_a_new_key_once(manager):
    import linli.servicedesk.open311.admin  # noqa: F401 - registered as the app's admin module does

    assert admin.site.is_registered(Open311App)
    # The admin's URLs are built when the root URLconf is first read: read it again with these models.
    importlib.reload(config.urls)
    clear_url_caches()
    client = login_staff(Client(), manager)

    client.post("/admin/servicedesk/open311app/add/", {"name": "随手拍", "contact": "app@example.org"})
    app = Open311App.objects.get()
    response = client.post(
        "/admin/servicedesk/open311app/",
        {"action": "issue_key", "_selected_action": [app.pk]},
        follow=True,
    )

    api_key = Open311ApiKey.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    assert any(api_key.prefix in message for message in shown)
    assert api_key.key_hash not in response.content.decode()
    listing = client.get("/admin/servicedesk/open311apikey/").content.decode()
    assert api_key.prefix in listing
    assert api_key.key_hash not in listing

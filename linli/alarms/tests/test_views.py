"""The management pages at work: a policy, a shift, a responder and a device saved through them."""

import pytest
from django.urls import reverse

from conftest import login_staff
from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.alarms.escalation import steps_for_area_code
from linli.alarms.models import Device, DutyShift, EscalationPolicy, Responder
from linli.core.models import AuditEvent


@pytest.fixture
def director(client, grid_a):
    return login_staff(client, staff_with_role(Role.COMMUNITY_DIRECTOR, grid_a.parent))


def test_a_director_sets_the_policy_of_a_grid(director, grid_a):
    page = director.get(reverse("alarms:policy_edit", args=[grid_a.pk]))
    assert page.status_code == 200
    answer = director.post(
        reverse("alarms:policy_edit", args=[grid_a.pk]),
        {
            "name": "一网格",
            "kind_0": "grid_on_duty",
            "timeout_0": "45",
            "kind_1": "nearby_responders",
            "timeout_1": "60",
            "radius_1": "300",
        },
    )
    assert answer.status_code == 302
    assert [(s.kind, s.timeout_seconds, s.radius_m) for s in steps_for_area_code(grid_a.code)] == [
        ("grid_on_duty", 45, None),
        ("nearby_responders", 60, 300),
    ]
    assert AuditEvent.objects.filter(action="alarms.save_policy").exists()
    listing = director.get(reverse("alarms:manage"))
    assert "一网格" in listing.text


def test_a_nearby_step_without_a_distance_is_refused(director, grid_a):
    answer = director.post(
        reverse("alarms:policy_edit", args=[grid_a.pk]),
        {"name": "x", "kind_0": "nearby_responders", "timeout_0": "60"},
    )
    assert answer.status_code == 200
    assert not EscalationPolicy.objects.exists()


def test_shifts_and_responders_show_phones_masked(director, grid_a):
    director.post(
        reverse("alarms:shifts"),
        {
            "area_code": grid_a.code,
            "kind": "grid",
            "name": "夜班",
            "phone": "13912345678",
            "starts_at": "2026-01-01T08:00",
            "ends_at": "2030-01-01T08:00",
        },
    )
    assert DutyShift.objects.get().name == "夜班"
    page = director.get(reverse("alarms:shifts"))
    assert "139****5678" in page.text and "13912345678" not in page.text
    director.post(
        reverse("alarms:responders"),
        {
            "area_code": grid_a.code,
            "kind": "neighbour",
            "name": "老邻居",
            "phone": "13987654321",
            "latitude": "39.9",
            "longitude": "116.1",
        },
    )
    assert Responder.objects.get().name == "老邻居"
    page = director.get(reverse("alarms:responders"))
    assert "139****4321" in page.text and "13987654321" not in page.text


def test_a_bad_phone_is_shown_beside_the_form(director, grid_a):
    page = director.post(
        reverse("alarms:shifts"),
        {
            "area_code": grid_a.code,
            "kind": "grid",
            "name": "夜班",
            "phone": "12345",
            "starts_at": "2026-01-01T08:00",
            "ends_at": "2026-01-02T08:00",
        },
    )
    assert page.status_code == 200 and not DutyShift.objects.exists()


def test_registering_a_device_shows_its_secret_once_and_it_signs(director, client, elder):
    page = director.post(reverse("alarms:devices"), {"resident_id": elder.pk, "device_id": "P-9"})
    device = Device.objects.get()
    assert str(device.secret) in page.text
    assert str(device.secret) not in director.get(reverse("alarms:devices")).text
    assert device.resident == elder and device.area_code == elder.area.code

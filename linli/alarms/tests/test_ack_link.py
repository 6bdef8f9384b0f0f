"""Acknowledgement by the link in the SMS: GET shows, POST acknowledges, each token its own alarm."""

import pytest
from django.urls import reverse

from linli.alarms import dispatcher, services
from linli.alarms.models import AckVia, AlarmEvent, AlarmStatus, TriggerSource
from linli.alarms.tests import factories as f
from linli.core.models import Notification
from linli.registry.tests.factories import ResidentFactory


def link_token(alarm) -> str:
    body = Notification.objects.get(idempotency_key__startswith=f"alarm:{alarm.pk}:").body
    return str(body).split("/alarms/ack/")[1].split("/")[0]


@pytest.fixture
def two_alarms(grid_a, elder, t0):
    f.shift(grid_a, "grid", name="网格员")
    first = services.trigger_alarm(source=TriggerSource.BUTTON, resident=elder, received_at=t0)
    other = ResidentFactory(
        area=grid_a, household__building__area=grid_a, household__area=grid_a, name="赵大爷"
    )
    second = services.trigger_alarm(source=TriggerSource.BUTTON, resident=other, received_at=t0)
    dispatcher.dispatch_due(now=t0)
    return first, second


def test_the_link_in_the_sms_is_the_ack_route(two_alarms):
    first, _second = two_alarms
    token = link_token(first)
    assert dispatcher.ack_path(token) == reverse("alarms:ack_link", args=[token])


def test_get_shows_the_alarm_and_does_not_acknowledge(client, two_alarms):
    first, _second = two_alarms
    page = client.get(reverse("alarms:ack_link", args=[link_token(first)]))
    assert page.status_code == 200
    assert first.number in page.text and "李奶奶" in page.text and 'data-testid="ack-button"' in page.text
    first.refresh_from_db()
    assert first.status == AlarmStatus.OPEN


def test_post_acknowledges_only_the_tokens_own_alarm(client, two_alarms):
    first, second = two_alarms
    answer = client.post(reverse("alarms:ack_link", args=[link_token(first)]))
    assert answer.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == AlarmStatus.ACKNOWLEDGED and first.acknowledged_via == AckVia.LINK
    assert first.acknowledged_by_label == "网格员"
    assert second.status == AlarmStatus.OPEN
    again = client.get(reverse("alarms:ack_link", args=[link_token(first)]))
    assert 'data-testid="ack-button"' not in again.text and "网格员" in again.text
    assert AlarmEvent.objects.filter(alarm=first, kind="acknowledged").count() == 1


def test_a_made_up_or_altered_token_is_404(client, two_alarms):
    first, _second = two_alarms
    token = link_token(first)
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(reverse("alarms:ack_link", args=[altered])).status_code == 404
    assert client.post(reverse("alarms:ack_link", args=[altered])).status_code == 404
    assert client.post(reverse("alarms:ack_link", args=["x" * 80])).status_code == 404
    first.refresh_from_db()
    assert first.status == AlarmStatus.OPEN

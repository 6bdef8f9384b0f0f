import pytest

from linli.core.models import LocalSmsMessage, Notification, NotificationStatus
from linli.core.services import deliver_notification, queue_sms


@pytest.mark.django_db
def test_a_queued_sms_is_delivered_once_even_if_the_task_runs_twice():
    notification = queue_sms(phone="13812345678", body="你好", purpose="test", idempotency_key="test:1")

    deliver_notification(notification_id=notification.pk)
    deliver_notification(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 1
    assert LocalSmsMessage.objects.count() == 1
    assert LocalSmsMessage.objects.get().body == "你好"


@pytest.mark.django_db
def test_the_same_idempotency_key_queues_one_message():
    queue_sms(phone="13812345678", body="a", purpose="test", idempotency_key="k")
    queue_sms(phone="13812345678", body="a", purpose="test", idempotency_key="k")

    assert Notification.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # restores migrated data after its flush
def test_delivery_is_enqueued_only_after_commit():
    from django_tasks_db.models import DBTaskResult

    queue_sms(phone="13812345678", body="b", purpose="test", idempotency_key="k2")

    assert DBTaskResult.objects.filter(task_path__endswith="deliver_notification").count() == 1


class FailingGateway:
    def send(self, *, phone, body, idempotency_key):
        raise ConnectionError(f"gateway down while sending to {phone}")


@pytest.mark.django_db
def test_a_gateway_failure_is_recorded_without_personal_data_and_redelivered(settings):
    from linli.core.services import redeliver_notifications

    settings.LINLI_SMS_GATEWAY = "linli.core.tests.test_outbox.FailingGateway"
    notification = queue_sms(phone="13812345678", body="c", purpose="test", idempotency_key="k3")

    deliver_notification(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.last_error == "ConnectionError"
    settings.LINLI_SMS_GATEWAY = "linli.core.gateways.LocalSmsGateway"
    assert redeliver_notifications() == 1
    deliver_notification(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 2


@pytest.mark.django_db
def test_a_message_is_given_up_after_five_attempts(settings):
    from linli.core.services import redeliver_notifications

    settings.LINLI_SMS_GATEWAY = "linli.core.tests.test_outbox.FailingGateway"
    notification = queue_sms(phone="13812345678", body="d", purpose="test", idempotency_key="k4")
    for _ in range(5):
        deliver_notification(notification_id=notification.pk)

    assert redeliver_notifications() == 0
    notification.refresh_from_db()
    assert notification.attempts == 5


@pytest.mark.django_db
def test_a_sender_that_stopped_half_way_is_picked_up_again():
    import datetime as dt

    from django.utils import timezone

    from linli.core.services import redeliver_notifications

    notification = queue_sms(phone="13812345678", body="e", purpose="test", idempotency_key="k5")
    Notification.objects.filter(pk=notification.pk).update(
        status="sending", attempts=1, claimed_at=timezone.now() - dt.timedelta(hours=1)
    )

    assert redeliver_notifications() == 1
    deliver_notification(notification_id=notification.pk)
    assert Notification.objects.get(pk=notification.pk).status == NotificationStatus.SENT

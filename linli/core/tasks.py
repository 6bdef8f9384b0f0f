from django.tasks import task

from linli.core import services


@task()
def deliver_notification(*, notification_id: int) -> None:
    services.deliver_notification(notification_id=notification_id)

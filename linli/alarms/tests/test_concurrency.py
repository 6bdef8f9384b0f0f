"""Two dispatchers at once, on their own threads and database connections, never both run a step."""

import threading
from collections import Counter

import pytest
from django.db import connection

from linli.alarms import dispatcher, services
from linli.alarms.models import AlarmEvent, AlarmNotice, AlarmStepRun, TriggerSource
from linli.alarms.tests import factories as f
from linli.alarms.tests.gateway import CALLS
from linli.core.models import LocalSmsMessage
from linli.core.tests.factories import area_tree
from linli.registry.tests.factories import ResidentFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent writers need PostgreSQL"
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_dispatchers_never_claim_the_same_step(settings):
    settings.LINLI_SMS_GATEWAY = "linli.alarms.tests.gateway.CountingGateway"
    CALLS.clear()
    grid = area_tree("110109001001001")
    f.full_roster(grid)
    f.policy(grid)
    people = [
        ResidentFactory(area=grid, household__building__area=grid, household__area=grid) for _ in range(40)
    ]
    from django.utils import timezone

    t0 = timezone.now()
    alarms = [services.trigger_alarm(source=TriggerSource.BUTTON, resident=p, received_at=t0) for p in people]
    start = threading.Barrier(3)
    ran: Counter[str] = Counter()
    errors: list[str] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        try:
            start.wait(timeout=30)
            for moment in (t0, t0, t0):
                count = dispatcher.dispatch_due(now=moment, me=name)
                with lock:
                    ran[name] += count
        except Exception as exc:  # surfaced below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"dispatcher-{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(ran.values()) == len(alarms)  # each first step run once, by one of the three
    runs = AlarmStepRun.objects.filter(step_index=0)
    assert set(runs.values_list("state", flat=True)) == {"done"}
    assert sorted(runs.values_list("attempts", flat=True)) == [1] * len(alarms)
    assert AlarmNotice.objects.count() == len(alarms)
    assert AlarmEvent.objects.filter(kind="step_started").count() == len(alarms)
    assert AlarmStepRun.objects.filter(step_index=1).count() == len(alarms)
    assert LocalSmsMessage.objects.count() == len(alarms)
    assert set(CALLS.values()) == {1}

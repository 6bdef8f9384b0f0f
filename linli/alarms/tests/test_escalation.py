"""Every escalation path, on a controlled clock: ``dispatch_due(now=...)`` instead of sleeping."""

import pytest

from linli.alarms import dispatcher, services
from linli.alarms.escalation import StepSpec
from linli.alarms.models import (
    AckVia,
    Alarm,
    AlarmEvent,
    AlarmEventKind,
    AlarmNotice,
    AlarmOutcome,
    AlarmStatus,
    AlarmStepRun,
    DutyKind,
    StepKind,
    StepRunState,
    TriggerSource,
)
from linli.alarms.tests import factories as f
from linli.alarms.tests.conftest import later
from linli.alarms.tests.gateway import CALLS
from linli.core.errors import DomainError
from linli.core.models import LocalSmsMessage, Notification, NotificationStatus


@pytest.fixture(autouse=True)
def counting_gateway(settings):
    settings.LINLI_SMS_GATEWAY = "linli.alarms.tests.gateway.CountingGateway"
    CALLS.clear()


def raise_alarm(resident, t, **kwargs):
    return services.trigger_alarm(source=TriggerSource.BUTTON, resident=resident, received_at=t, **kwargs)


def steps_sent(alarm):
    """(step index, recipient label) of every notice, in order."""
    return list(
        AlarmNotice.objects.filter(alarm=alarm)
        .order_by("step_index", "label")
        .values_list("step_index", "label")
    )


def kinds(alarm):
    return list(AlarmEvent.objects.filter(alarm=alarm).order_by("at", "id").values_list("kind", flat=True))


@pytest.fixture
def roster(grid_a, elder):
    f.policy(grid_a.parent.parent.parent)  # the district's default
    shifts = f.full_roster(grid_a)
    f.responder(grid_a, "family", name="女儿", resident=elder, lat=None, lon=None)
    f.responder(grid_a, "neighbour", name="邻居", lat=39.9410, lon=116.1001)  # about 110 m away
    f.responder(grid_a, "volunteer", name="远处志愿者", lat=39.99, lon=116.10)  # about 5.5 km away
    return shifts


def test_the_trigger_stores_the_alarm_and_its_first_step_before_answering(roster, elder, t0):
    alarm = raise_alarm(elder, t0)
    assert alarm.number.startswith("A") and alarm.status == AlarmStatus.OPEN
    assert alarm.area_code == elder.area.code
    assert (alarm.latitude, alarm.longitude) == (39.94, 116.10)
    run = AlarmStepRun.objects.get(alarm=alarm)
    assert (run.step_index, run.kind, run.due_at, run.state) == (0, StepKind.GRID_ON_DUTY, t0, "scheduled")
    assert kinds(alarm) == [AlarmEventKind.TRIGGERED]


def test_every_step_timed_out_sends_each_step_in_order_at_its_time_then_repeats_the_last(roster, elder, t0):
    alarm = raise_alarm(elder, t0)
    assert dispatcher.dispatch_due(now=t0) == 1
    assert steps_sent(alarm) == [(0, "网格员")]
    assert dispatcher.dispatch_due(now=later(t0, 59)) == 0
    assert dispatcher.dispatch_due(now=later(t0, 60)) == 1
    assert steps_sent(alarm)[1:] == [(1, "女儿"), (1, "社区值班")]
    assert dispatcher.dispatch_due(now=later(t0, 119)) == 0
    assert dispatcher.dispatch_due(now=later(t0, 120)) == 1
    assert steps_sent(alarm)[3:] == [(2, "邻居")]  # the volunteer 5 km away is not asked
    assert dispatcher.dispatch_due(now=later(t0, 210)) == 1
    assert steps_sent(alarm)[4:] == [(3, "街道值班")]
    # No answer after the last step: it repeats every its timeout until someone answers.
    assert dispatcher.dispatch_due(now=later(t0, 329)) == 0
    assert dispatcher.dispatch_due(now=later(t0, 330)) == 1
    assert dispatcher.dispatch_due(now=later(t0, 450)) == 1
    assert steps_sent(alarm)[5:] == [(4, "街道值班"), (5, "街道值班")]
    runs = list(AlarmStepRun.objects.filter(alarm=alarm).values_list("step_index", "kind", "due_at", "state"))
    assert [r[2] for r in runs] == [later(t0, s) for s in (0, 60, 120, 210, 330, 450, 570)]
    assert [r[1] for r in runs][3:] == [StepKind.STREET_DUTY] * 4
    assert [r[3] for r in runs] == ["done"] * 6 + ["scheduled"]
    alarm.refresh_from_db()
    assert alarm.current_step == 5 and alarm.status == AlarmStatus.OPEN
    # Every notice reached the gateway exactly once.
    assert LocalSmsMessage.objects.count() == AlarmNotice.objects.count() == 7
    assert set(CALLS.values()) == {1} and len(CALLS) == 7
    assert kinds(alarm).count(AlarmEventKind.STEP_STARTED) == 6
    assert kinds(alarm).count(AlarmEventKind.NOTIFIED) == 7


def test_acknowledgement_between_steps_stops_later_steps(roster, elder, t0):
    alarm = raise_alarm(elder, t0)
    dispatcher.dispatch_due(now=t0)
    acked = services.acknowledge_alarm(
        alarm=alarm, via=AckVia.CONSOLE, user=roster[DutyKind.GRID].user, now=later(t0, 30)
    )
    assert acked.status == AlarmStatus.ACKNOWLEDGED and acked.acknowledgement_seconds == 30
    assert dispatcher.dispatch_due(now=later(t0, 3600)) == 0
    assert steps_sent(alarm) == [(0, "网格员")]
    assert AlarmStepRun.objects.get(alarm=alarm, step_index=1).state == StepRunState.STOPPED
    assert LocalSmsMessage.objects.count() == 1


def test_acknowledgement_while_a_step_is_claimed_stops_that_step(roster, elder, t0):
    alarm = raise_alarm(elder, t0)
    run = AlarmStepRun.objects.get(alarm=alarm, step_index=0)
    assert dispatcher._claim(run.pk, now=t0, me="d1")
    services.acknowledge_alarm(alarm=alarm, via=AckVia.CONSOLE, now=t0)
    assert dispatcher.run_step(run.pk, me="d1", now=t0) == []
    run.refresh_from_db()
    assert run.state == StepRunState.STOPPED
    assert not AlarmNotice.objects.exists() and not AlarmStepRun.objects.filter(step_index=1).exists()


def test_the_first_acknowledgement_counts(roster, elder, t0, worker_a):
    alarm = raise_alarm(elder, t0)
    services.acknowledge_alarm(alarm=alarm, via=AckVia.CONSOLE, user=worker_a, now=later(t0, 10))
    again = services.acknowledge_alarm(alarm=alarm, via=AckVia.LINK, now=later(t0, 20))
    assert again.acknowledged_via == AckVia.CONSOLE and again.acknowledged_at == later(t0, 10)
    assert kinds(alarm).count(AlarmEventKind.ACKNOWLEDGED) == 1


def test_a_step_with_nobody_on_duty_is_skipped_and_the_next_is_due_at_once(grid_a, elder, t0):
    f.policy(grid_a)
    f.shift(grid_a.parent.parent, DutyKind.STREET, name="街道值班")
    alarm = raise_alarm(elder, t0)
    assert dispatcher.dispatch_due(now=t0) == 4
    assert steps_sent(alarm) == [(3, "街道值班")]
    assert kinds(alarm) == [
        AlarmEventKind.TRIGGERED,
        AlarmEventKind.STEP_SKIPPED_NO_RESPONDER,
        AlarmEventKind.STEP_SKIPPED_NO_RESPONDER,
        AlarmEventKind.STEP_SKIPPED_NO_RESPONDER,
        AlarmEventKind.STEP_STARTED,
        AlarmEventKind.NOTIFIED,
    ]
    states = list(AlarmStepRun.objects.filter(alarm=alarm).values_list("state", flat=True))
    assert states == ["skipped", "skipped", "skipped", "done", "scheduled"]
    assert AlarmStepRun.objects.get(alarm=alarm, step_index=4).due_at == later(t0, 120)


def test_nobody_on_duty_anywhere_repeats_the_last_step_at_its_timeout_without_spinning(grid_a, elder, t0):
    f.policy(grid_a)
    alarm = raise_alarm(elder, t0)
    assert dispatcher.dispatch_due(now=t0) == 4
    assert dispatcher.dispatch_due(now=later(t0, 119)) == 0
    assert dispatcher.dispatch_due(now=later(t0, 120)) == 1
    assert not AlarmNotice.objects.exists()
    assert kinds(alarm).count(AlarmEventKind.STEP_SKIPPED_NO_RESPONDER) == 5


def test_without_any_policy_the_built_in_steps_apply(grid_a, elder, t0):
    f.shift(grid_a, DutyKind.GRID, name="网格员")
    alarm = raise_alarm(elder, t0)
    dispatcher.dispatch_due(now=t0)
    assert steps_sent(alarm) == [(0, "网格员")]
    assert AlarmStepRun.objects.get(alarm=alarm, step_index=1).kind == StepKind.COMMUNITY_DUTY_AND_FAMILY


def test_the_nearest_policy_up_the_tree_applies(grid_a, elder, t0):
    f.policy(grid_a.parent.parent.parent, [StepSpec(StepKind.STREET_DUTY, 30)])
    f.policy(grid_a.parent, [StepSpec(StepKind.COMMUNITY_DUTY_AND_FAMILY, 45)])
    alarm = raise_alarm(elder, t0)
    run = AlarmStepRun.objects.get(alarm=alarm)
    assert (run.kind, run.timeout_seconds) == (StepKind.COMMUNITY_DUTY_AND_FAMILY, 45)


def test_one_phone_on_two_lists_gets_one_sms_per_step(grid_a, elder, t0):
    f.policy(grid_a, [StepSpec(StepKind.COMMUNITY_DUTY_AND_FAMILY, 60)])
    f.shift(grid_a.parent, DutyKind.COMMUNITY, name="社区值班", phone="13900001111")
    services.save_responder(
        actor=None, area=grid_a, kind="family", name="儿子", phone="13900001111", resident=elder
    )
    alarm = raise_alarm(elder, t0)
    dispatcher.dispatch_due(now=t0)
    assert steps_sent(alarm) == [(0, "社区值班")]


def test_repeated_triggers_within_a_minute_join_the_open_alarm(roster, elder, t0):
    first = raise_alarm(elder, t0)
    second = services.trigger_alarm(source=TriggerSource.SMS, resident=elder, received_at=later(t0, 30))
    third = raise_alarm(elder, later(t0, 89))  # 59 s after the last trigger
    assert first.pk == second.pk == third.pk and third.was_joined
    first.refresh_from_db()
    assert first.trigger_count == 3 and first.last_triggered_at == later(t0, 89)
    assert kinds(first).count(AlarmEventKind.TRIGGER_JOINED) == 2
    assert AlarmStepRun.objects.filter(alarm=first).count() == 1
    fourth = raise_alarm(elder, later(t0, 89 + 61))
    assert fourth.pk != first.pk and not fourth.was_joined
    assert Alarm.objects.count() == 2


def test_a_trigger_after_the_alarm_was_closed_opens_a_new_one(roster, elder, t0, worker_a):
    first = raise_alarm(elder, t0)
    services.close_alarm(alarm=first, actor=worker_a, outcome=AlarmOutcome.FALSE_ALARM, now=later(t0, 10))
    second = raise_alarm(elder, later(t0, 20))
    assert second.pk != first.pk


def test_an_acknowledged_alarm_still_joins_triggers(roster, elder, t0):
    first = raise_alarm(elder, t0)
    services.acknowledge_alarm(alarm=first, via=AckVia.CONSOLE, now=later(t0, 5))
    assert raise_alarm(elder, later(t0, 30)).pk == first.pk


def test_cancel_inside_the_window_sends_nothing(roster, elder, t0):
    alarm = raise_alarm(elder, t0, cancel_window_seconds=5)
    assert alarm.status == AlarmStatus.PENDING and alarm.escalation_starts_at == later(t0, 5)
    services.cancel_alarm(alarm=alarm, actor=None, now=later(t0, 2))
    assert dispatcher.dispatch_due(now=later(t0, 600)) == 0
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.CANCELLED
    assert not AlarmNotice.objects.exists() and not Notification.objects.exists()
    assert AlarmStepRun.objects.get(alarm=alarm).state == StepRunState.STOPPED


def test_cancel_after_the_window_is_refused_and_escalation_goes_on(roster, elder, t0):
    alarm = raise_alarm(elder, t0, cancel_window_seconds=5)
    assert dispatcher.dispatch_due(now=later(t0, 4)) == 0
    with pytest.raises(DomainError) as refused:
        services.cancel_alarm(alarm=alarm, actor=None, now=later(t0, 5))
    assert refused.value.code == "alarm_not_cancellable"
    assert dispatcher.dispatch_due(now=later(t0, 5)) == 1
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.OPEN
    assert kinds(alarm)[:2] == [AlarmEventKind.TRIGGERED, AlarmEventKind.ESCALATION_STARTED]
    with pytest.raises(DomainError):
        services.cancel_alarm(alarm=alarm, actor=None, now=later(t0, 6))


def test_a_crash_between_commit_and_delivery_is_repaired_by_the_watchdog_once(roster, elder, t0, monkeypatch):
    alarm = raise_alarm(elder, t0)
    with monkeypatch.context() as crash:
        crash.setattr(dispatcher, "deliver", lambda ids: None)  # the process dies right after the commit
        dispatcher.dispatch_due(now=t0)
    assert Notification.objects.get().status == NotificationStatus.QUEUED
    assert not LocalSmsMessage.objects.exists()
    dispatcher.dispatch_due(now=later(t0, 10))  # the watchdog of a later pass
    dispatcher.dispatch_due(now=later(t0, 11))
    assert Notification.objects.get().status == NotificationStatus.SENT
    assert LocalSmsMessage.objects.count() == 1 and list(CALLS.values()) == [1]
    assert steps_sent(alarm) == [(0, "网格员")]


def test_a_sender_that_died_mid_call_is_retried_and_the_gateway_deduplicates(roster, elder, t0):
    alarm = raise_alarm(elder, t0)
    dispatcher.dispatch_due(now=t0)
    services.acknowledge_alarm(alarm=alarm, via=AckVia.CONSOLE, now=later(t0, 1))
    # The gateway took the message but the sender died before recording it.
    Notification.objects.update(status=NotificationStatus.SENDING, claimed_at=t0)
    dispatcher.dispatch_due(now=later(t0, 5))  # not stale yet
    assert Notification.objects.get().status == NotificationStatus.SENDING
    dispatcher.dispatch_due(now=later(t0, 30))
    assert Notification.objects.get().status == NotificationStatus.SENT
    assert LocalSmsMessage.objects.count() == 1  # two raw calls, one message
    assert list(CALLS.values()) == [2]


def test_a_claim_left_by_a_dead_dispatcher_is_taken_over_after_its_lease(roster, elder, t0):
    alarm = raise_alarm(elder, t0)
    run = AlarmStepRun.objects.get(alarm=alarm)
    assert dispatcher._claim(run.pk, now=t0, me="dead")
    assert not dispatcher._claim(run.pk, now=t0, me="other")
    assert dispatcher.dispatch_due(now=later(t0, 5)) == 0
    assert dispatcher.dispatch_due(now=later(t0, 11)) == 1
    assert dispatcher.run_step(run.pk, me="dead", now=later(t0, 12)) == []  # the dead one's late return
    assert steps_sent(alarm) == [(0, "网格员")]
    assert kinds(alarm).count(AlarmEventKind.STEP_STARTED) == 1


def test_running_a_step_twice_writes_it_once(roster, elder, t0):
    alarm = raise_alarm(elder, t0)
    run = AlarmStepRun.objects.get(alarm=alarm)
    assert dispatcher._claim(run.pk, now=t0, me="d1")
    assert len(dispatcher.run_step(run.pk, me="d1", now=t0)) == 1
    assert dispatcher.run_step(run.pk, me="d1", now=t0) == []
    assert AlarmNotice.objects.count() == 1 and AlarmStepRun.objects.filter(alarm=alarm).count() == 2


def test_close_records_the_outcome_and_acknowledges_an_unanswered_alarm(roster, elder, t0, worker_a):
    alarm = raise_alarm(elder, t0)
    closed = services.close_alarm(
        alarm=alarm, actor=worker_a, outcome=AlarmOutcome.HANDED_TO_120, note="已送医", now=later(t0, 40)
    )
    assert closed.status == AlarmStatus.CLOSED and closed.outcome == AlarmOutcome.HANDED_TO_120
    assert closed.acknowledged_at == later(t0, 40) and closed.acknowledged_by == worker_a
    assert kinds(alarm)[-2:] == [AlarmEventKind.ACKNOWLEDGED, AlarmEventKind.OUTCOME]
    with pytest.raises(DomainError):
        services.close_alarm(alarm=alarm, actor=worker_a, outcome=AlarmOutcome.FALSE_ALARM)
    assert dispatcher.dispatch_due(now=later(t0, 600)) == 0


def test_notes_are_appended_and_the_timeline_cannot_be_edited(roster, elder, t0, worker_a):
    alarm = raise_alarm(elder, t0)
    with pytest.raises(DomainError):
        services.add_note(alarm=alarm, actor=worker_a, text="  ")
    note = services.add_note(alarm=alarm, actor=worker_a, text="已电话联系家属")
    assert note.data == {"text": "已电话联系家属"} and note.actor == worker_a
    with pytest.raises(ValueError, match="append-only"):
        note.save()
    with pytest.raises(ValueError, match="append-only"):
        AlarmEvent.objects.filter(alarm=alarm).update(label="x")
    with pytest.raises(ValueError, match="append-only"):
        AlarmEvent.objects.filter(alarm=alarm).delete()


def test_an_unknown_caller_needs_an_area(grid_a, worker_a, t0):
    with pytest.raises(DomainError):
        services.trigger_alarm(source=TriggerSource.MANUAL, actor=worker_a, caller_name="路人")
    alarm = services.trigger_alarm(
        source=TriggerSource.MANUAL,
        actor=worker_a,
        area=grid_a,
        caller_name="路人",
        caller_phone="13912345678",
        location_text="公园东门",
        received_at=t0,
    )
    assert alarm.resident is None and alarm.area == grid_a and alarm.location_text == "公园东门"
    assert AlarmEvent.objects.get(alarm=alarm).label == services.user_label(worker_a) != ""


def test_the_sms_names_the_alarm_and_carries_a_link_but_no_resident_phone(roster, elder, t0):
    raise_alarm(elder, t0)
    dispatcher.dispatch_due(now=t0)
    body = Notification.objects.get().body
    assert "/alarms/ack/" in body and "李奶奶" in body
    assert elder.phone not in body

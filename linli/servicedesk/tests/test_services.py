"""Submitting, routing, uploads, ratings and rectification, reminders, escalation, proactive services."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.errors import DomainError
from linli.core.models import LocalSmsMessage, Notification
from linli.core.tests.factories import area_tree
from linli.registry.services import add_tag
from linli.registry.tests.factories import ResidentFactory, make_id_number
from linli.servicedesk import proactive, ratings, reminders
from linli.servicedesk.jobs import run_due_jobs
from linli.servicedesk.models import (
    Case,
    CaseEvent,
    CaseReminder,
    Material,
    ProactiveCandidate,
    Queue,
    Rectification,
    RoutingRule,
)
from linli.servicedesk.services import route_case, submit_case, transition_case
from linli.servicedesk.sla import LOCAL
from linli.servicedesk.tests.factories import SUBMITTED, item, report_case, resident_account, window_case

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


@pytest.fixture
def elder(grid_a):
    return ResidentFactory(
        household__building__area=grid_a,
        id_number=make_id_number(7, birth=dt.date(1940, 6, 1)),
        name="李奶奶",
    )


@pytest.fixture
def account(elder):
    return resident_account(elder)


def apply_online(account, elder, *, files=None, answers=None, now=SUBMITTED):
    bank_card = Material.objects.get(item__code="elderly_allowance", required=True)
    return submit_case(
        actor=account,
        item=item("elderly_allowance"),
        answers=answers or {"bank": "农业银行", "bank_account": "6228480000000000000"},
        channel="online",
        resident=elder,
        files=files if files is not None else [(bank_card, SimpleUploadedFile("card.png", PNG))],
        now=now,
    )


def test_online_application_is_numbered_routed_timed_and_texted(account, elder):
    case = apply_online(account, elder)
    assert case.number == f"20260304{case.pk:07d}"
    assert case.status == "submitted" and case.queue.code == "civil_affairs"
    assert case.area == elder.area and case.department == "civil_affairs"
    # 10 working days from Wed 4 Mar 2026: Wed 18 Mar at the close of the day.
    assert case.due_at.astimezone(LOCAL) == dt.datetime(2026, 3, 18, 18, 0, tzinfo=LOCAL)
    # Known facts are not stored again as answers; what was asked is.
    assert case.answers == {"bank": "农业银行", "bank_account": "6228480000000000000"}
    assert case.files.get().content_type == "image/png"
    sms = Notification.objects.get(purpose="case_submitted")
    assert case.number in sms.body and sms.recipient == elder.phone
    assert CaseEvent.objects.get(case=case).action == "submit"


def test_an_applicant_who_does_not_qualify_is_told_so(grid_a):
    young = ResidentFactory(
        household__building__area=grid_a, id_number=make_id_number(8, birth=dt.date(1990, 1, 1))
    )
    with pytest.raises(DomainError) as error:
        apply_online(resident_account(young), young)
    assert error.value.code == "not_eligible"


def test_a_resident_cannot_apply_for_someone_else(account, grid_a):
    other = ResidentFactory(
        household__building__area=grid_a, id_number=make_id_number(9, birth=dt.date(1940, 1, 1))
    )
    with pytest.raises(DomainError) as error:
        apply_online(account, other)
    assert error.value.code == "not_your_record"


def test_required_answers_and_materials_are_checked(account, elder):
    with pytest.raises(DomainError) as error:
        apply_online(account, elder, answers={"bank": "农业银行"})
    assert (error.value.code, error.value.field) == ("answer_required", "bank_account")
    with pytest.raises(DomainError) as error:
        apply_online(account, elder, files=[])
    assert error.value.code == "material_required"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("card.png", b"GIF89a" + b"\x00" * 20, "file_type"),
        ("card.pdf", PNG, "file_type"),  # a PNG named .pdf
        ("script.png", b"<script>alert(1)</script>", "file_type"),
        ("empty.pdf", b"", "file_empty"),
    ],
)
def test_uploads_are_checked_by_their_content(account, elder, name, content, code):
    bank_card = Material.objects.get(item__code="elderly_allowance", required=True)
    with pytest.raises(DomainError) as error:
        apply_online(account, elder, files=[(bank_card, SimpleUploadedFile(name, content))])
    assert error.value.code == code
    assert not Case.objects.exists()


def test_uploads_over_the_size_limit_are_refused(account, elder, settings):
    settings.LINLI_CASE_FILE_MAX_BYTES = 50
    bank_card = Material.objects.get(item__code="elderly_allowance", required=True)
    with pytest.raises(DomainError) as error:
        apply_online(account, elder, files=[(bank_card, SimpleUploadedFile("card.pdf", PDF))])
    assert error.value.code == "file_too_large"


def test_on_behalf_needs_consent_and_the_worker_s_area(elder, worker_a, worker_b):
    call = {
        "item": item("elderly_allowance"),
        "answers": {"bank": "农业银行", "bank_account": "622848"},
        "channel": "on_behalf",
        "resident": elder,
        "now": SUBMITTED,
    }
    with pytest.raises(DomainError) as error:
        submit_case(actor=worker_a, **call)
    assert error.value.code == "consent_required"
    with pytest.raises(DomainError) as error:
        submit_case(actor=worker_b, consent_method="signed", **call)
    assert error.value.code == "not_in_your_area"
    case = submit_case(actor=worker_a, consent_method="signed", consent_note="本人签字", **call)
    assert case.channel == "on_behalf" and case.submitted_by == worker_a and case.account is None
    assert CaseEvent.objects.get(case=case).data["consent"] == "signed"


def test_a_report_is_placed_by_its_coordinates(worker_a, grid_a):
    grid_a.latitude, grid_a.longitude = 39.90, 116.40
    grid_a.save()
    far = area_tree("110109002003001")
    far.latitude, far.longitude = 40.10, 116.80
    far.save()
    case = submit_case(
        actor=None,
        item=item("manhole_cover"),
        answers={"problem": "missing"},
        channel="open311",
        latitude=39.901,
        longitude=116.401,
        description="路口井盖没了",
        requester_phone="13900001111",
        now=SUBMITTED,
    )
    assert case.area == grid_a
    assert case.due_at - case.submitted_at == dt.timedelta(hours=8)
    assert case.requester_phone == "13900001111"


def test_routing_rules_match_item_area_and_keywords(worker_a, grid_a):
    noise = item("noise")
    assert (
        route_case(item=noise, area_code=grid_a.code, description="楼下工地夜间打桩").queue.code
        == "urban_management"
    )
    assert route_case(item=noise, area_code=grid_a.code, description="邻居装修").queue.code == "environment"
    street_team = Queue.objects.create(
        code="street_001_city", name="街道城管中队", department="urban_management"
    )
    RoutingRule.objects.create(priority=5, area_prefix=grid_a.code[:9], queue=street_team, handler=worker_a)
    routed = route_case(item=item("street_lamp"), area_code=grid_a.code, description="")
    assert (routed.queue, routed.handler) == (street_team, worker_a)
    assert route_case(item=item("street_lamp"), area_code="110109002003001", description="").queue.code == (
        "urban_management"
    )
    case = report_case(worker_a, grid_a)
    assert case.queue == street_team and case.handler == worker_a


def rated_case(worker, account, elder, level, comment="办得慢"):
    case = apply_online(account, elder)
    for action in ("accept", "start", "complete"):
        case = transition_case(actor=worker, case=case, action=action, now=SUBMITTED + dt.timedelta(days=1))
    return case, ratings.rate_case(
        actor=account, case=case, level=level, comment=comment, now=dt.datetime(2026, 2, 9, 2, tzinfo=dt.UTC)
    )


def test_a_bad_rating_opens_a_rectification_due_in_fifteen_working_days(worker_a, account, elder):
    case, rating = rated_case(worker_a, account, elder, 2)
    task = Rectification.objects.get(rating=rating)
    # Rated Mon 9 Feb 2026: 15 working days across the Spring Festival and its adjusted Saturdays.
    assert task.due_date == dt.date(2026, 3, 6)
    assert rating.handler == worker_a and rating.area_code == case.area_code


def test_a_good_rating_opens_no_task_and_a_case_is_rated_once(worker_a, account, elder):
    case, _rating = rated_case(worker_a, account, elder, 5, comment="")
    assert not Rectification.objects.exists()
    with pytest.raises(DomainError) as error:
        ratings.rate_case(actor=account, case=case, level=4)
    assert error.value.code == "already_rated"


def test_an_open_case_cannot_be_rated_and_a_bad_rating_needs_a_reason(worker_a, account, elder):
    case = apply_online(account, elder)
    with pytest.raises(DomainError) as error:
        ratings.rate_case(actor=account, case=case, level=5)
    assert error.value.code == "case_not_closed"
    for action in ("accept", "start", "complete"):
        case = transition_case(actor=worker_a, case=case, action=action)
    with pytest.raises(DomainError) as error:
        ratings.rate_case(actor=account, case=case, level=1, comment="")
    assert error.value.code == "comment_required"
    with pytest.raises(DomainError) as error:
        ratings.rate_case(actor=worker_a, case=case, level=5)
    assert error.value.code == "not_allowed"


def test_a_rectification_closes_only_after_a_follow_up_call(worker_a, account, elder):
    _case, rating = rated_case(worker_a, account, elder, 1)
    task = rating.rectification
    with pytest.raises(DomainError) as error:
        ratings.close_rectification(actor=worker_a, rectification=task, outcome="已补发")
    assert error.value.code == "call_required"
    ratings.record_follow_up_call(actor=worker_a, rectification=task, reached=True, summary="已致电说明原因")
    closed = ratings.close_rectification(actor=worker_a, rectification=task, outcome="已补发并致歉")
    assert closed.status == "done" and closed.closed_by == worker_a


def test_reminders_and_escalations_are_sent_once(worker_a, community_a, elder):
    director = staff_with_role(Role.COMMUNITY_DIRECTOR, community_a, phone="13700000001")
    worker_a.phone = "13700000002"
    worker_a.save()
    case = window_case(worker_a, elder)  # 3 working days: due Mon 9 Mar 2026, 18:00
    case = transition_case(actor=worker_a, case=case, action="accept", now=SUBMITTED)
    on_due_day = dt.datetime(2026, 3, 9, 9, 30, tzinfo=LOCAL)
    assert reminders.send_due_reminders(now=on_due_day - dt.timedelta(hours=1)) == 0
    assert reminders.send_due_reminders(now=on_due_day) == 1
    assert reminders.send_due_reminders(now=on_due_day + dt.timedelta(minutes=5)) == 0
    assert Notification.objects.filter(purpose="case_reminder").count() == 1
    late = dt.datetime(2026, 3, 9, 19, 0, tzinfo=LOCAL)
    assert reminders.escalate_overdue_cases(now=late) == 1
    assert reminders.escalate_overdue_cases(now=late + dt.timedelta(hours=1)) == 0
    escalation = Notification.objects.get(purpose="case_escalation")
    assert escalation.recipient == director.phone and case.number in escalation.body
    assert CaseReminder.objects.filter(case=case).count() == 2
    assert CaseEvent.objects.filter(case=case, action="escalate").count() == 1


def test_the_tick_runs_each_job_when_due_and_not_twice(worker_a, elder):
    now = dt.datetime(2026, 3, 9, 3, 0, tzinfo=LOCAL)
    first = run_due_jobs(now=now)
    # The desk's jobs and those other apps declare (care plans from 01:00, alarm records from 03:00, home
    # care's unconfirmed orders every 5 minutes).
    assert set(first) == {
        "sla_reminders",
        "overdue_escalation",
        "redeliver_notifications",
        "proactive_evaluation",
        "care_plans",
        "alarm_webhook_records",
        "homecare_unconfirmed",
    }
    assert run_due_jobs(now=now + dt.timedelta(minutes=1)) == {}
    again = run_due_jobs(now=now + dt.timedelta(minutes=6))
    assert set(again) == {"sla_reminders", "overdue_escalation", "homecare_unconfirmed"}
    tomorrow = run_due_jobs(now=now + dt.timedelta(days=1))
    assert {"proactive_evaluation", "care_plans", "alarm_webhook_records"} <= set(tomorrow)


@pytest.fixture
def proactive_world(grid_a, grid_b):
    eligible = ResidentFactory(
        household__building__area=grid_a,
        id_number=make_id_number(11, birth=dt.date(1941, 1, 1)),
        name="赵爷爷",
    )
    young = ResidentFactory(
        household__building__area=grid_a, id_number=make_id_number(12, birth=dt.date(1980, 1, 1))
    )
    elsewhere = ResidentFactory(
        household__building__area=grid_b,
        id_number=make_id_number(13, birth=dt.date(1930, 1, 1)),
        name="钱爷爷",
    )
    disabled = ResidentFactory(household__building__area=grid_a, id_number=make_id_number(14))
    add_tag(
        actor=None,
        resident=disabled,
        tag="disability",
        level=1,
        source="残联",
        valid_from=dt.date(2020, 1, 1),
    )
    return {"eligible": eligible, "young": young, "elsewhere": elsewhere, "disabled": disabled}


def test_the_daily_evaluation_lists_eligible_residents_without_a_case_once(proactive_world, worker_a):
    today = dt.date(2026, 3, 4)
    added = proactive.evaluate_proactive_items(today=today)
    listed = set(ProactiveCandidate.objects.values_list("item__code", "resident__name"))
    assert ("elderly_allowance", "赵爷爷") in listed
    assert ("elderly_allowance", "钱爷爷") in listed
    assert ("disability_subsidies", proactive_world["disabled"].name) in listed
    assert not any(name == proactive_world["young"].name for _code, name in listed)
    assert proactive.evaluate_proactive_items(today=today) == 0
    assert added == len(listed)


def test_a_resident_with_a_case_is_not_listed(proactive_world, worker_a):
    elder = proactive_world["eligible"]
    submit_case(
        actor=worker_a,
        item=item("elderly_allowance"),
        answers={"bank": "农业银行", "bank_account": "1"},
        channel="window",
        resident=elder,
    )
    proactive.evaluate_proactive_items(today=dt.date(2026, 3, 4))
    assert not ProactiveCandidate.objects.filter(item__code="elderly_allowance", resident=elder).exists()


def test_bulk_confirmation_creates_accepted_cases_and_tells_the_residents(proactive_world, worker_a):
    proactive.evaluate_proactive_items(today=dt.date(2026, 3, 4))
    ids = list(ProactiveCandidate.objects.filter(item__code="elderly_allowance").values_list("pk", flat=True))
    cases = proactive.confirm_proactive_candidates(actor=worker_a, candidate_ids=ids)
    # Only the candidate inside worker A's community became a case.
    assert [c.resident for c in cases] == [proactive_world["eligible"]]
    assert cases[0].status == "accepted" and cases[0].consent_method == "proactive"
    assert Notification.objects.filter(purpose="case_proactive").count() == 1
    assert proactive.confirm_proactive_candidates(actor=worker_a, candidate_ids=ids) == []
    outside = ProactiveCandidate.objects.get(
        resident=proactive_world["elsewhere"], item__code="elderly_allowance"
    )
    assert outside.status == "pending"


def test_sms_goes_through_the_outbox_only(account, elder, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        apply_online(account, elder)
    assert LocalSmsMessage.objects.count() in (0, 1)  # delivered by the task backend if it runs inline
    assert Notification.objects.filter(purpose="case_submitted").exists()

"""The pages: a resident applies with pre-filled facts, follows and rates; a worker runs the queue."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import login_staff
from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.models import AuditEvent
from linli.registry.tests.factories import ResidentFactory, make_id_number
from linli.servicedesk import proactive, ratings
from linli.servicedesk.models import Case, Material, ProactiveCandidate, Rectification
from linli.servicedesk.services import transition_case
from linli.servicedesk.tests.factories import report_case, resident_account, window_case

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def elder(grid_a):
    return ResidentFactory(
        household__building__area=grid_a,
        id_number=make_id_number(21, birth=dt.date(1938, 2, 1)),
        name="周奶奶",
    )


@pytest.fixture
def elder_client(client, elder):
    client.force_login(resident_account(elder))
    return client


def test_the_catalogue_is_public_and_lists_the_seeded_items(db, client):
    page = client.get(reverse("servicedesk:catalogue"))
    assert page.status_code == 200
    body = page.content.decode()
    for name in ("高龄津贴申领", "居住证明开具", "最低生活保障申请", "路灯损坏", "井盖缺失", "占道经营"):
        assert name in body
    assert client.get(reverse("servicedesk:item", args=["elderly_allowance"])).status_code == 200
    assert client.get(reverse("servicedesk:item", args=["no_such_item"])).status_code == 404


def test_the_form_shows_known_facts_and_asks_only_the_rest(elder_client, elder):
    page = elder_client.get(reverse("servicedesk:apply", args=["elderly_allowance"]))
    assert page.status_code == 200
    form = page.context["form"]
    assert "f_name" not in form.fields and "f_id_number" not in form.fields and "f_phone" not in form.fields
    assert {"f_bank", "f_bank_account"} <= set(form.fields)
    known = dict(page.context["known"])
    assert known["姓名"] == "周奶奶"
    assert elder.id_number not in page.content.decode()  # shown masked
    assert "*" in known["身份证号码"]


def test_a_resident_applies_follows_and_rates(elder_client, elder, worker_a):
    bank_card = Material.objects.get(item__code="elderly_allowance", required=True)
    response = elder_client.post(
        reverse("servicedesk:apply", args=["elderly_allowance"]),
        {
            "f_bank": "农业银行",
            "f_bank_account": "6228480000000000000",
            f"m_{bank_card.pk}": SimpleUploadedFile("card.png", PNG, content_type="image/png"),
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "servicedesk:my_case", args=[case.number]
    )
    page = elder_client.get(response["Location"])
    assert page.status_code == 200 and case.number in page.content.decode()
    assert [c.pk for c in elder_client.get(reverse("servicedesk:my_cases")).context["cases"]] == [case.pk]
    file_url = reverse("servicedesk:file", args=[case.files.get().pk])
    download = elder_client.get(file_url)
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    for action in ("accept", "start", "complete"):
        transition_case(actor=worker_a, case=case, action=action)
    assert (
        elder_client.get(reverse("servicedesk:my_case", args=[case.number])).context["rating_form"]
        is not None
    )
    elder_client.post(reverse("servicedesk:rate", args=[case.number]), {"level": "2", "comment": "等太久"})
    assert Rectification.objects.get().case == case


def test_a_resident_without_a_record_is_sent_to_the_desk(db, client):
    from linli.accounts.models import User

    client.force_login(User.objects.create(username="nobody", kind="resident", phone_index="x"))
    page = client.get(reverse("servicedesk:apply", args=["elderly_allowance"]))
    assert page.status_code == 200
    assert page.templates[0].name == "servicedesk/apply_unknown.html"


def test_a_resident_who_does_not_qualify_sees_why(client, grid_a):
    young = ResidentFactory(
        household__building__area=grid_a, id_number=make_id_number(22, birth=dt.date(1995, 1, 1))
    )
    client.force_login(resident_account(young))
    page = client.get(reverse("servicedesk:apply", args=["elderly_allowance"]))
    assert "not-eligible" in page.content.decode()


def test_the_worker_queue_is_sorted_by_due_time_with_a_fixed_number_of_queries(
    client, worker_a, grid_a, django_assert_max_num_queries
):
    base = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)
    residents = [ResidentFactory(household__building__area=grid_a) for _ in range(3)]
    for i, resident in enumerate(residents):
        window_case(worker_a, resident, now=base + dt.timedelta(days=i))
    for i in range(8):
        report_case(worker_a, grid_a, now=base + dt.timedelta(hours=i))
    login_staff(client, worker_a)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("servicedesk:desk"))
    due = [c.due_at for c in page.context["cases"]]
    assert len(due) == 11 and due == sorted(due)


def test_the_queue_rows_escape_every_value_and_mark_the_overdue(client, worker_a, grid_a):
    from linli.servicedesk.models import ServiceItem

    ServiceItem.objects.filter(code="street_lamp").update(name="<i>路灯</i>")
    worker_a.first_name = "<b>王</b>"
    worker_a.save(update_fields=["first_name"])
    late = report_case(worker_a, grid_a, now=dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC))
    Case.objects.filter(pk=late.pk).update(handler=worker_a)
    on_time = report_case(worker_a, grid_a, now=timezone.now())
    login_staff(client, worker_a)
    html = client.get(reverse("servicedesk:desk")).content.decode()
    assert "<i>路灯</i>" not in html and "&lt;i&gt;路灯&lt;/i&gt;" in html
    assert "<b>王</b>" not in html and "&lt;b&gt;王&lt;/b&gt;" in html
    rows = [line for line in html.splitlines() if 'data-testid="queue-row"' in line]
    assert len(rows) == 2
    assert 'class="sd-overdue"' in rows[0] and late.number in rows[0]
    assert 'class="sd-overdue"' not in rows[1] and on_time.number in rows[1]
    assert f'href="/services/desk/cases/{late.pk}/"' in rows[0]


def test_the_case_page_offers_the_table_s_actions_as_buttons(client, worker_a, elder):
    case = window_case(worker_a, elder)
    login_staff(client, worker_a)
    page = client.get(reverse("servicedesk:desk_case", args=[case.pk]))
    assert [b[0] for b in page.context["buttons"]] == ["accept", "request_info", "transfer", "reject"]
    client.post(reverse("servicedesk:desk_act", args=[case.pk]), {"action": "accept"})
    client.post(reverse("servicedesk:desk_act", args=[case.pk]), {"action": "start"})
    client.post(reverse("servicedesk:desk_act", args=[case.pk]), {"action": "complete"})
    case.refresh_from_db()
    assert case.status == "done" and case.handler == worker_a
    page = client.get(reverse("servicedesk:desk_case", args=[case.pk]))
    assert page.context["buttons"] == []  # reopening is for the director


def test_a_director_reassigns_and_a_worker_takes_a_case(client, worker_a, community_a, elder):
    director = staff_with_role(Role.COMMUNITY_DIRECTOR, community_a)
    colleague = staff_with_role(Role.GRID_WORKER, elder.area)
    case = window_case(worker_a, elder)
    login_staff(client, director)
    page = client.get(reverse("servicedesk:desk_case", args=[case.pk]))
    assert {worker_a, colleague, director} <= set(page.context["handlers"])
    client.post(reverse("servicedesk:desk_assign", args=[case.pk]), {"handler": colleague.pk})
    case.refresh_from_db()
    assert case.handler == colleague
    login_staff(client, worker_a)
    client.post(reverse("servicedesk:desk_assign", args=[case.pk]), {"handler": colleague.pk})
    case.refresh_from_db()
    assert case.handler == colleague  # a worker may not give a case to someone else
    client.post(reverse("servicedesk:desk_assign", args=[case.pk]), {"handler": worker_a.pk})
    case.refresh_from_db()
    assert case.handler == worker_a


def test_on_behalf_application_records_the_consent(client, worker_a, elder):
    login_staff(client, worker_a)
    start = client.get(reverse("servicedesk:on_behalf") + "?q=周奶奶")
    assert [r.pk for r in start.context["residents"]] == [elder.pk]
    url = reverse("servicedesk:on_behalf_apply", args=[elder.pk, "residence_certificate"])
    refused = client.post(url, {"f_purpose": "school"})
    assert refused.status_code == 200 and not Case.objects.exists()
    done = client.post(
        url, {"f_purpose": "school", "consent_method": "signed", "consent_note": "签字表已存档"}
    )
    case = Case.objects.get()
    assert done.status_code == 302 and case.channel == "on_behalf" and case.consent_method == "signed"
    page = client.get(reverse("servicedesk:desk_case", args=[case.pk])).content.decode()
    assert "已签署同意书" in page and "signed" not in page


def test_satisfaction_by_item_handler_and_community(client, community_a, worker_a, elder):
    director = staff_with_role(Role.COMMUNITY_DIRECTOR, community_a)
    account = resident_account(elder)
    for level in (5, 2):
        case = window_case(worker_a, elder)
        for action in ("accept", "start", "complete"):
            transition_case(actor=worker_a, case=case, action=action)
        ratings.rate_case(actor=account, case=case, level=level, comment="x")
    login_staff(client, director)
    for by in ("item", "handler", "community"):
        rows = client.get(reverse("servicedesk:satisfaction") + f"?by={by}").context["rows"]
        assert [(r.ratings, r.average, r.bad) for r in rows] == [(2, 3.5, 1)], by


def test_rectification_pages_record_the_call_then_close(client, worker_a, elder):
    case = window_case(worker_a, elder)
    for action in ("accept", "start", "complete"):
        transition_case(actor=worker_a, case=case, action=action)
    rating = ratings.rate_case(actor=resident_account(elder), case=case, level=1, comment="态度差")
    task = rating.rectification
    login_staff(client, worker_a)
    assert [t.pk for t in client.get(reverse("servicedesk:rectifications")).context["tasks"]] == [task.pk]
    url = reverse("servicedesk:rectification", args=[task.pk])
    early = client.post(url, {"step": "close", "outcome": "已整改"})
    assert early.status_code == 200
    client.post(url, {"step": "call", "reached": "on", "summary": "已回访"})
    client.post(url, {"step": "close", "outcome": "已整改"})
    task.refresh_from_db()
    assert task.status == "done" and task.calls.count() == 1


def test_proactive_candidates_are_confirmed_in_bulk(client, worker_a, elder):
    proactive.evaluate_proactive_items(today=dt.date(2026, 3, 4))
    candidate = ProactiveCandidate.objects.get(item__code="elderly_allowance", resident=elder)
    login_staff(client, worker_a)
    page = client.get(reverse("servicedesk:proactive"))
    assert candidate in page.context["candidates"]
    client.post(reverse("servicedesk:proactive"), {"candidate": [candidate.pk], "decision": "confirm"})
    candidate.refresh_from_db()
    assert candidate.status == "confirmed" and candidate.case is not None


def test_staff_downloads_are_audited_and_scoped(client, worker_a, worker_b, elder):
    case = window_case(worker_a, elder)
    from linli.servicedesk.models import CaseFile

    stored = CaseFile.objects.create(
        case=case,
        file=SimpleUploadedFile("x.png", PNG),
        original_name="x.png",
        content_type="image/png",
        size=len(PNG),
        uploaded_at=case.submitted_at,
    )
    url = reverse("servicedesk:file", args=[stored.pk])
    assert login_staff(client, worker_b).get(url).status_code == 404
    assert login_staff(client, worker_a).get(url).status_code == 200
    assert AuditEvent.objects.filter(action="case.file_download").count() == 1


def test_elder_mode_renders_large_type_on_the_apply_page(elder_client, elder):
    from linli.accounts.models import User

    User.objects.filter(kind="resident").update(elder_mode=True)
    page = elder_client.get(reverse("servicedesk:apply", args=["elderly_allowance"]))
    assert 'class="elder"' in page.content.decode()

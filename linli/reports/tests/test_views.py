import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.reports.models import LedgerExport, LedgerTemplate
from linli.reports.tests.factories import household_in, person, tag


@pytest.fixture
def disabled(grid_a, grid_a2):
    """Six people with a disability in community A: four in grid A, two in grid A2."""
    people = []
    for grid, count in ((grid_a, 4), (grid_a2, 2)):
        home = household_in(grid)
        for i in range(count):
            resident = person(home, f"{grid.code[-1]}号网格{i}", birth=dt.date(1950, 1, 1 + i), head=i == 0)
            tag(resident, "disability", level=1 + i % 4)
            people.append(resident)
    return people


@pytest.fixture
def client_a(staff_client, worker_a):
    return staff_client(worker_a)


@pytest.fixture
def officer_client(staff_client, grid_a):
    return staff_client(staff_with_role(Role.DISTRICT_OFFICER, grid_a.parent.parent.parent))


LEDGER = "people-with-disabilities"


def test_the_list_shows_active_templates(client_a, django_assert_max_num_queries):
    LedgerTemplate.objects.filter(code="household-roster").update(active=False)
    with django_assert_max_num_queries(6):
        response = client_a.get(reverse("reports:list"))
    codes = [t.code for t in response.context["templates"]]
    assert LEDGER in codes and "household-roster" not in codes
    assert "残疾人台账" in response.content.decode()


def test_managers_also_see_inactive_templates(officer_client):
    LedgerTemplate.objects.filter(code="household-roster").update(active=False)
    response = officer_client.get(reverse("reports:list"))
    assert "household-roster" in [t.code for t in response.context["templates"]]


def test_a_ledger_page_previews_rows_and_pages_with_a_fixed_number_of_queries(
    client_a, disabled, community_a, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr("linli.reports.selectors.PREVIEW_ROWS", 4)
    url = reverse("reports:ledger", args=[LEDGER])
    # Session, user, device, scope, template, area; count, area names, rows (one batch); the area picker.
    with django_assert_max_num_queries(12):
        response = client_a.get(url, {"area": community_a.code})
    page = response.context["page"]
    assert (page.total, page.pages, page.page) == (6, 2, 1)
    body = response.content.decode()
    assert 'data-testid="next"' in body
    assert "1号网格0" in body and "2号网格1" not in body
    second = client_a.get(url, {"area": community_a.code, "page": 2}, headers={"HX-Request": "true"})
    assert second.templates[0].name == "reports/_rows.html"
    assert "2号网格1" in second.content.decode() and "1号网格0" not in second.content.decode()


def test_a_grid_ledger_holds_that_grid_only(client_a, disabled, grid_a2):
    response = client_a.get(reverse("reports:ledger", args=[LEDGER]), {"area": grid_a2.code})
    assert response.context["page"].total == 2


def test_an_unknown_or_inactive_ledger_is_404(client_a, community_a):
    LedgerTemplate.objects.filter(code="household-roster").update(active=False)
    for code in ("no-such-ledger", "household-roster"):
        assert client_a.get(reverse("reports:ledger", args=[code])).status_code == 404


def test_the_export_downloads_an_xlsx_named_after_the_ledger(client_a, disabled, community_a):
    response = client_a.get(reverse("reports:export", args=[LEDGER]), {"area": community_a.code})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = workbook.get_sheet_by_name("残疾人台账").to_python()
    title = str(rows[0][0])
    assert "残疾人台账" in title and community_a.name in title
    names = [row[1] for row in rows[2:] if row[1]]
    assert len(names) == 6
    assert LedgerExport.objects.get().row_count == 6


def test_coverage_counts_rows_and_shows_the_last_export(
    client_a, disabled, community_a, worker_a, django_assert_max_num_queries
):
    client_a.get(reverse("reports:export", args=[LEDGER]), {"area": community_a.code})
    templates = LedgerTemplate.objects.filter(active=True).count()
    # One count per template; the rest does not grow with templates, communities or exports.
    with django_assert_max_num_queries(templates + 8):
        response = client_a.get(reverse("reports:coverage"))
    [row] = response.context["coverage"].rows
    assert row.area == community_a
    cells = {cell.template.code: cell for cell in row.cells}
    assert cells[LEDGER].rows == 6 and cells[LEDGER].last_export.exported_by == worker_a
    assert cells["elderly-80-plus"].rows == 0 and not cells["elderly-80-plus"].produced
    # The disability ledger, and the two rosters, which list everybody.
    assert row.produced == 3


def test_an_export_for_the_street_counts_for_its_communities(officer_client, disabled, community_a):
    street = community_a.parent
    officer_client.get(reverse("reports:export", args=[LEDGER]), {"area": street.code})
    response = officer_client.get(reverse("reports:coverage"))
    row = next(r for r in response.context["coverage"].rows if r.area == community_a)
    cell = next(c for c in row.cells if c.template.code == LEDGER)
    assert cell.last_export is not None and cell.last_export.area == street


def editor_post(**overrides):
    data = {
        "code": "disabled-grade-1",
        "name": "一级残疾人台账",
        "department": "残联",
        "description": "",
        "min_age": "",
        "max_age": "",
        "residence_status": ["living_here", "away"],
        "tags_all": ["disability"],
        "disability_grades": ["1"],
        "group_by": "grid",
        "order_1": "name",
        "columns-TOTAL_FORMS": "3",
        "columns-INITIAL_FORMS": "0",
        "columns-0-key": "name",
        "columns-0-ORDER": "2",
        "columns-1-key": "row_number",
        "columns-1-label": "编号",
        "columns-1-ORDER": "1",
        "columns-2-key": "",
        "columns-2-ORDER": "",
    }
    data.update(overrides)
    return data


def test_a_manager_creates_a_template_in_the_editor(officer_client, disabled, community_a):
    response = officer_client.post(reverse("reports:template_new"), editor_post())
    assert response.status_code == 302
    template = LedgerTemplate.objects.get(code="disabled-grade-1")
    definition = template.parsed
    assert [(c.key, c.label) for c in definition.columns] == [("row_number", "编号"), ("name", "")]
    assert definition.filters.disability_grades == [1] and str(definition.group_by) == "grid"
    page = officer_client.get(
        reverse("reports:ledger", args=["disabled-grade-1"]), {"area": community_a.code}
    )
    assert page.context["page"].total == 2  # grade 1: the first person of each household


def test_editor_errors_show_beside_the_fields(officer_client):
    response = officer_client.post(reverse("reports:template_new"), editor_post(min_age="90", max_age="80"))
    assert response.status_code == 200
    # Messages come in the page's language, Chinese by default.
    with translation.override("zh-hans"):
        ages_reversed, no_column = (
            _("The minimum age is above the maximum age."),
            _("Choose at least one column."),
        )
    assert response.context["form"].errors["min_age"] == [ages_reversed]
    taken = officer_client.post(reverse("reports:template_new"), editor_post(code="elderly-80-plus"))
    assert "code" in taken.context["form"].errors
    no_columns = officer_client.post(
        reverse("reports:template_new"), editor_post(**{"columns-0-key": "", "columns-1-key": ""})
    )
    assert no_columns.context["column_errors"] == [no_column]
    assert not LedgerTemplate.objects.filter(code="disabled-grade-1").exists()


def test_the_editor_opens_a_template_with_its_definition_and_saves_changes(officer_client):
    url = reverse("reports:template_edit", args=["elderly-80-plus"])
    page = officer_client.get(url)
    assert page.context["form"].initial["min_age"] == 80
    keys = [f.initial.get("key") for f in page.context["formset"].forms if f.initial]
    assert keys[:3] == ["row_number", "name", "sex"]
    data = editor_post(name="高龄老人台账", min_age="90", active="on")
    del data["code"]
    assert officer_client.post(url, data).status_code == 302
    template = LedgerTemplate.objects.get(code="elderly-80-plus")
    assert template.name == "高龄老人台账" and template.parsed.filters.min_age == 90 and template.active


def test_disability_grade_choices_follow_the_language_of_each_request():
    from django.utils import translation

    from linli.reports import forms as ledger_forms

    forms_with_grades = [
        form
        for form in vars(ledger_forms).values()
        if isinstance(form, type) and "disability_grades" in getattr(form, "base_fields", {})
    ]
    field = forms_with_grades[0].base_fields["disability_grades"]  # type: ignore[attr-defined]
    with translation.override("en"):
        assert str(field.choices[0][1]) == "Grade 1"
    with translation.override("zh-hans"):
        assert str(field.choices[0][1]) == "1级"

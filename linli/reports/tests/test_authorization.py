"""Ledger routes across every role, inside the role's area and in the neighbouring area at its level.

Uses the matrix's ``world`` fixture (tests/matrix.py): one resident with a disability tag (grade 2) in each
grid, so the built-in disability ledger lists exactly the residents of the grids in an area.
"""

import io

from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from linli.accounts.roles import Capability, Role
from linli.core.models import AuditEvent
from linli.reports.models import LedgerExport, LedgerTemplate
from tests.matrix import INSIDE_GRID, OUTSIDE_GRID, ROLE_AREA_LENGTH, World, allowed

LEDGER = "people-with-disabilities"
VIEW, EXPORT, MANAGE = (
    Capability.VIEW_LEDGERS,
    Capability.EXPORT_LEDGERS,
    Capability.MANAGE_LEDGER_TEMPLATES,
)


def inside_area(role: Role) -> str:
    return INSIDE_GRID[: ROLE_AREA_LENGTH[role]]


def outside_area(role: Role) -> str:
    return OUTSIDE_GRID[role][: ROLE_AREA_LENGTH[role]]


def api_get(world: World, role: Role, url: str):
    return world.clients[role].get(url, headers={"Authorization": f"Bearer {world.tokens[role]}"})


def sheet_text(body: bytes) -> str:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(body))
    cells = [
        cell
        for name in workbook.sheet_names
        for row in workbook.get_sheet_by_name(name).to_python()
        for cell in row
    ]
    return " ".join(str(cell) for cell in cells)


def test_ledger_list_is_for_roles_that_view_ledgers(world):
    for role in Role:
        response = world.clients[role].get(reverse("reports:list"))
        if not allowed(role, VIEW):
            assert response.status_code == 404, role.value
            continue
        assert response.status_code == 200, role.value
        codes = {t.code for t in response.context["templates"]}
        assert LEDGER in codes, role.value
    assert Client().get(reverse("reports:list")).status_code == 302


def test_ledger_page_answers_inside_and_404_outside(world):
    url = reverse("reports:ledger", args=[LEDGER])
    for role in Role:
        inside, outside = world.inside(), world.outside(role)
        client = world.clients[role]
        for code in (outside_area(role), inside_area(role)[:-3] if len(inside_area(role)) > 6 else "110105"):
            assert client.get(url, {"area": code}).status_code == 404, (role.value, code)
        response = client.get(url, {"area": inside_area(role)})
        if not allowed(role, VIEW):
            assert response.status_code == 404, role.value
            continue
        assert response.status_code == 200, role.value
        body = response.content.decode()
        assert inside.resident.name in body and outside.resident.name not in body, role.value
        # Without an area, the page opens on the user's own.
        default = client.get(url)
        assert default.status_code == 200 and default.context["area"].code == inside_area(role), role.value
    assert Client().get(url, {"area": INSIDE_GRID}).status_code == 302


def test_export_inside_holds_inside_residents_only_and_outside_is_404(world):
    url = reverse("reports:export", args=[LEDGER])
    for role in Role:
        inside, outside = world.inside(), world.outside(role)
        client = world.clients[role]
        assert client.get(url, {"area": outside_area(role)}).status_code == 404, role.value
        before = LedgerExport.objects.count()
        response = client.get(url, {"area": inside_area(role)})
        if not allowed(role, EXPORT):
            assert response.status_code == 404, role.value
            assert LedgerExport.objects.count() == before
            continue
        assert response.status_code == 200, role.value
        text = sheet_text(b"".join(response.streaming_content))
        assert inside.resident.name in text and outside.resident.name not in text, role.value
        assert inside.resident.id_number not in text, role.value
        assert LedgerExport.objects.count() == before + 1
    assert Client().get(url, {"area": INSIDE_GRID}).status_code == 302


def test_coverage_lists_only_communities_in_scope(world):
    for role in Role:
        response = world.clients[role].get(reverse("reports:coverage"))
        if not allowed(role, VIEW):
            assert response.status_code == 404, role.value
            continue
        assert response.status_code == 200, role.value
        rows = response.context["coverage"].rows
        codes = [row.area.code for row in rows]
        assert codes and all(code.startswith(inside_area(role)) for code in codes), role.value
        assert not any(code.startswith(outside_area(role)) for code in codes), role.value
        own = next(row for row in rows if INSIDE_GRID.startswith(row.area.code))
        cell = next(c for c in own.cells if c.template.code == LEDGER)
        assert cell.rows == sum(1 for code in world.places if code.startswith(own.area.code)), role.value


def test_only_template_managers_create_and_edit_templates(world):
    for role in Role:
        client = world.clients[role]
        new = client.get(reverse("reports:template_new"))
        edit = client.get(reverse("reports:template_edit", args=[LEDGER]))
        posted = client.post(
            reverse("reports:template_new"),
            {
                "code": f"matrix-{role.value.replace('_', '-')}",
                "name": "测试台账",
                "group_by": "none",
                "residence_status": ["living_here"],
                "columns-TOTAL_FORMS": "1",
                "columns-INITIAL_FORMS": "0",
                "columns-0-key": "name",
                "columns-0-ORDER": "1",
            },
        )
        created = LedgerTemplate.objects.filter(code=f"matrix-{role.value.replace('_', '-')}").exists()
        if not allowed(role, MANAGE):
            assert (new.status_code, edit.status_code, posted.status_code) == (404, 404, 404), role.value
            assert not created
            continue
        assert (new.status_code, edit.status_code, posted.status_code) == (200, 200, 302), role.value
        assert created
    assert Client().get(reverse("reports:template_new")).status_code == 302


def test_api_lists_templates_for_roles_that_view_ledgers(world):
    for role in Role:
        response = api_get(world, role, "/api/v1/ledgers")
        if not allowed(role, VIEW):
            assert response.status_code == 404, role.value
            continue
        assert response.status_code == 200, role.value
        assert LEDGER in [t["code"] for t in response.json()]
    assert Client().get("/api/v1/ledgers").status_code == 401


def test_api_rows_inside_and_404_outside(world):
    url = f"/api/v1/ledgers/{LEDGER}/rows"
    for role in Role:
        inside, outside = world.inside(), world.outside(role)
        assert api_get(world, role, f"{url}?area={outside_area(role)}").status_code == 404, role.value
        response = api_get(world, role, f"{url}?area={inside_area(role)}")
        if not allowed(role, VIEW):
            assert response.status_code == 404, role.value
            continue
        assert response.status_code == 200, role.value
        names = [row["name"] for row in response.json()["rows"]]
        assert inside.resident.name in names and outside.resident.name not in names, role.value
    assert Client().get(f"{url}?area={INSIDE_GRID}").status_code == 401


def test_community_worker_of_a_gets_nothing_of_b_from_any_ledger_route(world):
    worker = Role.COMMUNITY_WORKER
    b = world.places["110109001002001"]
    client = world.clients[worker]
    community_b = b.grid.parent.code
    audits = AuditEvent.objects.filter(action="ledger.exported").count()
    for url in (
        reverse("reports:ledger", args=[LEDGER]),
        reverse("reports:export", args=[LEDGER]),
    ):
        for code in (community_b, b.grid.code, community_b[:9], "110109"):
            assert client.get(url, {"area": code}).status_code == 404, (url, code)
    for code in (community_b, b.grid.code):
        assert api_get(world, worker, f"/api/v1/ledgers/{LEDGER}/rows?area={code}").status_code == 404
    assert AuditEvent.objects.filter(action="ledger.exported").count() == audits
    coverage = client.get(reverse("reports:coverage")).content.decode()
    assert community_b not in coverage

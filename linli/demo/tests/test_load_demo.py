import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from linli.accounts.models import Membership, User
from linli.core.idnumbers import parse_id_number
from linli.core.models import Area, AreaKind, AreaLevel
from linli.demo.accounts import COMMUNITY_CODE, DEMO_ACCOUNTS, DEMO_PASSWORD
from linli.demo.generator import generate
from linli.demo.people import REFERENCE_DATE, age_on
from linli.registry.models import Household, Resident, TagAssignment
from linli.servicedesk.models import ServiceItem

pytestmark = pytest.mark.django_db

SMALL = 1500


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The demo accounts' passwords are hashed with the production hasher otherwise, a second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class _Undo(Exception):
    pass


def _people_of_a_run(seed: int) -> list[tuple[str, dt.date | None, str]]:
    """Generate on an empty database, read the people back, and undo the run."""
    people: list[tuple[str, dt.date | None, str]] = []
    try:
        with transaction.atomic():
            generate(residents=SMALL, seed=seed, progress=lambda _line: None)
            people = sorted(Resident.objects.values_list("name", "birth_date", "id_number"))
            raise _Undo
    except _Undo:
        pass
    return people


def test_a_small_district_has_a_plausible_age_structure():
    # Given an empty database
    # When a small demo district is loaded
    summary = generate(residents=SMALL, seed=7, progress=lambda _line: None)

    # Then about the asked number of residents live there, about a fifth of them aged 60 and over
    assert summary is not None
    assert SMALL * 0.95 <= summary.residents <= SMALL * 1.1
    births = Resident.objects.values_list("birth_date", flat=True)
    ages = [age_on(birth, REFERENCE_DATE) for birth in births if birth is not None]
    elderly = sum(age >= 60 for age in ages) / len(ages)
    children = sum(age < 18 for age in ages) / len(ages)
    assert 0.15 <= elderly <= 0.25
    assert 0.11 <= children <= 0.22
    assert 2.2 <= len(ages) / Household.objects.count() <= 3.0


def test_the_district_has_streets_and_towns_communities_and_villages():
    generate(residents=SMALL, seed=7, progress=lambda _line: None)

    kinds = set(Area.objects.values_list("kind", flat=True))
    assert {AreaKind.STREET, AreaKind.TOWN, AreaKind.URBAN_COMMUNITY, AreaKind.VILLAGE} <= kinds
    assert Area.objects.get(code="110109").name == "门头沟区"
    assert Area.objects.get(code="110109001").name == "大峪街道"
    # Every grid extends its community's code with three digits.
    for code, parent_code in Area.objects.filter(level=AreaLevel.GRID).values_list("code", "parent__code"):
        assert len(code) == 15
        assert code.startswith(parent_code)


def test_every_resident_has_a_valid_id_number_and_lives_in_a_grid():
    generate(residents=SMALL, seed=7, progress=lambda _line: None)

    rows = list(Resident.objects.values_list("id_number", "birth_date", "sex", "area__level"))
    assert rows
    for id_number, birth_date, sex, level in rows:
        parsed = parse_id_number(id_number)
        assert (parsed.birth_date, parsed.sex) == (birth_date, sex)
        assert level == AreaLevel.GRID
    assert not Household.objects.filter(head__isnull=True).exists()


def test_tags_follow_the_households_and_carry_a_source():
    generate(residents=SMALL, seed=7, progress=lambda _line: None)

    tags = set(TagAssignment.objects.values_list("tag", flat=True))
    assert {"elderly_living_alone", "empty_nest", "disability"} <= tags
    for assignment in TagAssignment.objects.filter(tag="elderly_living_alone"):
        assert assignment.source
        assert Resident.objects.filter(household__members=assignment.resident).count() == 1
    for level in TagAssignment.objects.filter(tag="disability").values_list("level", flat=True):
        assert level in {1, 2, 3, 4}


def test_the_same_seed_gives_the_same_people():
    first = _people_of_a_run(seed=11)
    second = _people_of_a_run(seed=11)

    assert first
    assert first == second
    assert _people_of_a_run(seed=12) != first


def test_one_account_per_role_with_the_demo_password():
    generate(residents=SMALL, seed=7, progress=lambda _line: None)

    for account in DEMO_ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.is_demo
        assert user.check_password(DEMO_PASSWORD)
        assert Membership.objects.filter(user=user, role=account.role, area__code=account.area_code).exists()
    # The department officer handles the civil-affairs items of the service desk's catalogue.
    officer = Membership.objects.get(user__username="department_officer")
    assert officer.department == "civil_affairs"
    assert ServiceItem.objects.filter(department=officer.department).exists()


def test_loading_twice_creates_nothing_the_second_time():
    # Given a loaded demo district
    first = StringIO()
    call_command("load_demo", residents=SMALL, seed=7, stdout=first)
    counts = (Area.objects.count(), Resident.objects.count(), User.objects.count())

    # When the command runs again
    second = StringIO()
    call_command("load_demo", residents=SMALL, seed=7, stdout=second)

    # Then nothing is added, and the accounts and some residents' phones are printed again
    assert (Area.objects.count(), Resident.objects.count(), User.objects.count()) == counts
    output = second.getvalue()
    assert "community_worker" in output
    assert DEMO_PASSWORD in output
    first_head = (
        Resident.objects.filter(area__code__startswith=COMMUNITY_CODE, relation_to_head="head")
        .exclude(phone_index="")
        .earliest("pk")
    )
    assert first_head.phone in output


def test_a_missing_division_folder_is_reported(monkeypatch, tmp_path):
    # Given LINLI_DIVISION_DATA pointing at a folder without the division files
    monkeypatch.setenv("LINLI_DIVISION_DATA", str(tmp_path))

    # When the demo is loaded
    with pytest.raises(CommandError) as raised:
        call_command("load_demo", residents=SMALL, stdout=StringIO())

    # Then the command says where it looked, and nothing was written
    assert str(tmp_path) in str(raised.value)
    assert not Area.objects.exists()

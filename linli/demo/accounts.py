"""The demo's staff accounts, one per role, and the residents a visitor can log in as."""

from dataclasses import dataclass

from linli.accounts.models import User
from linli.accounts.roles import Role
from linli.accounts.services import create_staff_user
from linli.core.models import Area
from linli.demo import divisions
from linli.demo.places import DISTRICT_CODE, community_kind, grid_name, short_name
from linli.registry.choices import Relation
from linli.registry.models import Resident

# Printed on every run: these accounts exist only in demo databases, where TOTP may be skipped.
DEMO_PASSWORD = "linli-demo-2026"  # noqa: S105 - a published demo password, not a secret
STREET_CODE = "110109001"  # 大峪街道
COMMUNITY_CODE = "110109001001"  # 德露苑社区
GRID_CODE = "110109001001001"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: Role
    area_code: str
    department: str = ""  # the service desk's department code of the items this officer handles
    department_name: str = ""


DEMO_ACCOUNTS = (
    DemoAccount("grid_worker", "王晓梅", Role.GRID_WORKER, GRID_CODE),
    DemoAccount("community_worker", "李建华", Role.COMMUNITY_WORKER, COMMUNITY_CODE),
    DemoAccount("community_director", "张秀兰", Role.COMMUNITY_DIRECTOR, COMMUNITY_CODE),
    DemoAccount("street_officer", "刘志强", Role.STREET_OFFICER, STREET_CODE),
    DemoAccount("district_officer", "赵文博", Role.DISTRICT_OFFICER, DISTRICT_CODE),
    DemoAccount(
        "department_officer",
        "陈静",
        Role.DEPARTMENT_OFFICER,
        DISTRICT_CODE,
        department="civil_affairs",
        department_name="区民政局",
    ),
    DemoAccount("administrator", "孙海涛", Role.ADMINISTRATOR, DISTRICT_CODE),
)


@dataclass(frozen=True)
class AccountRow:
    username: str
    role: str
    area: str
    password: str


@dataclass(frozen=True)
class ResidentLogin:
    name: str
    phone: str
    address: str


def create_demo_accounts() -> list[User]:
    """One staff account per role in the demo district's areas; existing usernames are left alone."""
    users = []
    for account in DEMO_ACCOUNTS:
        if User.objects.filter(username=account.username).exists():
            continue
        area = Area.objects.get(code=account.area_code)
        users.append(
            create_staff_user(
                username=account.username,
                password=DEMO_PASSWORD,
                full_name=account.full_name,
                memberships=[(area, account.role)],
                is_demo=True,
                department=account.department,
            )
        )
    return users


def _planned_area_names() -> dict[str, str]:
    """Names of the accounts' areas before the district is loaded, from the division files."""
    names = {DISTRICT_CODE: divisions.district(DISTRICT_CODE).name}
    for street in divisions.streets_of(DISTRICT_CODE):
        names[street.code] = street.name
    for community in divisions.communities_of({STREET_CODE}):
        names[community.code] = short_name(community.name, community_kind(community.code))
    names[GRID_CODE] = grid_name(names[COMMUNITY_CODE], 1)
    return names


def account_rows() -> list[AccountRow]:
    codes = [account.area_code for account in DEMO_ACCOUNTS]
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    if len(names) < len(set(codes)):
        names = _planned_area_names() | names
    rows = []
    for account in DEMO_ACCOUNTS:
        area = names.get(account.area_code, account.area_code)
        if account.department_name:
            area = f"{area} {account.department_name}"
        rows.append(AccountRow(account.username, str(account.role.label), area, DEMO_PASSWORD))
    return rows


def resident_logins(limit: int = 5) -> list[ResidentLogin]:
    """Heads of household in the community worker's community who have a phone, for the phone login."""
    residents = (
        Resident.objects.filter(area__code__startswith=COMMUNITY_CODE, relation_to_head=Relation.HEAD)
        .exclude(phone_index="")
        .select_related("household__building")
        .order_by("pk")[:limit]
    )
    logins = []
    for resident in residents:
        household = resident.household
        address = f"{household.building.address} {household.room}".strip() if household else ""
        logins.append(ResidentLogin(name=resident.name, phone=resident.phone, address=address))
    return logins

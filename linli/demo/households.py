"""Households of plausible composition, and the tags that follow from who lives with whom.

Shares are tuned so that the demo district looks like an ageing Beijing outer district: about 19% of
residents aged 60 and over (4% aged 80 and over), 15–17% children, 2.6 people per household.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from linli.demo.people import (
    BEIJING_DISTRICTS,
    ETHNICITY_PICK,
    MIGRANT_PROVINCES,
    REFERENCE_DATE,
    Person,
    Registry,
    Weighted,
    birth_date_for_age,
    given_name,
    surname,
)
from linli.demo.places import DISTRICT_CODE

MALE, FEMALE = "male", "female"

# Household kinds by share (per mille); villages are older and send their young adults to work in town.
URBAN_KINDS = Weighted(
    (
        ("elderly_alone", 53),
        ("elderly_couple", 74),
        ("elderly_with_child", 48),
        ("single", 120),
        ("couple", 140),
        ("couple_with_children", 235),
        ("couple_with_adult_child", 150),
        ("three_generations", 133),
        ("single_parent", 30),
    )
)
VILLAGE_KINDS = Weighted(
    (
        ("elderly_alone", 95),
        ("elderly_couple", 135),
        ("elderly_with_child", 95),
        ("single", 90),
        ("couple", 95),
        ("couple_with_children", 200),
        ("couple_with_adult_child", 90),
        ("three_generations", 150),
        ("grandparents_with_grandchildren", 30),
        ("single_parent", 20),
    )
)
# Migrants are mostly of working age; some bring a grandparent to look after the children.
MIGRANT_KINDS = Weighted(
    (
        ("single", 340),
        ("couple", 250),
        ("couple_with_children", 320),
        ("three_generations", 90),
    )
)
MIGRANT_PROVINCE_PICK = Weighted(MIGRANT_PROVINCES)


@dataclass
class PlannedHousehold:
    kind: str
    rural: bool
    migrant: bool
    members: list[Person] = field(default_factory=list)

    @property
    def head(self) -> Person:
        return next(m for m in self.members if m.relation == "head")


def elderly_age(rng: random.Random, low: int = 60) -> int:
    """An age of 60 or over; about a fifth of the elderly are 80 or over."""
    band = rng.choices((60, 70, 80, 90), weights=(40, 27, 28, 5))[0]
    return max(low, band + rng.randrange(10))


def adult_age(rng: random.Random, low: int, high: int) -> int:
    return rng.randint(low, high)


class HouseholdMaker:
    """Builds one household at a time from the shared random stream and the ID and phone registry."""

    def __init__(
        self, rng: random.Random, registry: Registry, migrant_counties: dict[str, list[str]]
    ) -> None:
        self.rng = rng
        self.registry = registry
        self.migrant_counties = migrant_counties

    # --- people -------------------------------------------------------------------------------------------
    def _person(
        self, *, family: str, sex: str, age: int, relation: str, region: str, ethnicity: str, hukou: str
    ) -> Person:
        birth = birth_date_for_age(self.rng, age)
        return Person(
            name=family + given_name(self.rng, sex, birth.year),
            sex=sex,
            birth_date=birth,
            region=region,
            relation=relation,
            hukou=hukou,
            ethnicity=ethnicity,
        )

    def _home_region(self, migrant: bool, origin: str) -> str:
        if migrant:
            return origin
        # Registered residents were mostly born here; some married in from elsewhere in Beijing or Hebei.
        roll = self.rng.random()
        if roll < 0.86:
            return DISTRICT_CODE
        if roll < 0.95:
            return self.rng.choice(BEIJING_DISTRICTS)
        return self._migrant_origin()

    def _migrant_origin(self) -> str:
        province = MIGRANT_PROVINCE_PICK.pick(self.rng)
        return self.rng.choice(self.migrant_counties[province])

    # --- households ---------------------------------------------------------------------------------------
    def make(self, *, rural: bool, migrant: bool, village_surnames: tuple[str, ...] = ()) -> PlannedHousehold:
        rng = self.rng
        kinds = MIGRANT_KINDS if migrant else (VILLAGE_KINDS if rural else URBAN_KINDS)
        kind = kinds.pick(rng)
        household = PlannedHousehold(kind=kind, rural=rural, migrant=migrant)
        origin = self._migrant_origin() if migrant else DISTRICT_CODE
        hukou = "non_registered" if migrant else "registered"
        ethnicity = ETHNICITY_PICK.pick(rng)

        def family_name() -> str:
            # A village has a few old clans; the rest of its families carry surnames from everywhere.
            if village_surnames and rng.random() < 0.45:
                return rng.choice(village_surnames)
            return surname(rng, ethnicity)

        def add(family: str, sex: str, age: int, relation: str, *, born_here: bool = False) -> Person:
            region = (
                (origin if migrant else DISTRICT_CODE) if born_here else self._home_region(migrant, origin)
            )
            person_ethnicity = ethnicity if born_here or rng.random() < 0.85 else ETHNICITY_PICK.pick(rng)
            person = self._person(
                family=family,
                sex=sex,
                age=age,
                relation=relation,
                region=region,
                ethnicity=person_ethnicity,
                hukou=hukou,
            )
            household.members.append(person)
            return person

        def couple(age: int, relation_husband: str, relation_wife: str, family: str) -> None:
            add(family, MALE, age, relation_husband)
            add(surname(rng, ethnicity), FEMALE, max(18, age - rng.randint(-2, 5)), relation_wife)

        def children(count: int, parent_age: int, relation: str, family: str, *, max_age: int = 17) -> None:
            for _ in range(count):
                age = min(max_age, parent_age - rng.randint(23, 38))
                if age >= 0:
                    add(family, rng.choice((MALE, FEMALE)), age, relation, born_here=True)

        family = family_name()
        # About a quarter of heads of couples are the wife.
        wife_heads = rng.random() < 0.25
        husband_relation, wife_relation = ("spouse", "head") if wife_heads else ("head", "spouse")
        if kind == "elderly_alone":
            add(family, rng.choice((MALE, FEMALE, FEMALE)), elderly_age(rng), "head")
        elif kind == "elderly_couple":
            couple(elderly_age(rng, 62), husband_relation, wife_relation, family)
        elif kind == "elderly_with_child":
            age = elderly_age(rng, 65)
            if rng.random() < 0.6:
                couple(age, husband_relation, wife_relation, family)
            else:
                add(family, rng.choice((MALE, FEMALE, FEMALE)), age, "head")
            child_age = max(30, age - rng.randint(24, 34))
            add(family, rng.choice((MALE, FEMALE)), child_age, "child", born_here=True)
            if rng.random() < 0.35:
                add(surname(rng, ethnicity), rng.choice((MALE, FEMALE)), child_age, "child_in_law")
                children(rng.choice((0, 1, 1)), child_age, "grandchild", family, max_age=25)
        elif kind == "single":
            add(family, rng.choice((MALE, MALE, FEMALE)), adult_age(rng, 20, 59), "head")
        elif kind == "couple":
            couple(adult_age(rng, 23, 58), husband_relation, wife_relation, family)
        elif kind == "couple_with_children":
            age = adult_age(rng, 26, 48)
            couple(age, husband_relation, wife_relation, family)
            children(rng.choices((1, 2, 3), weights=(76, 22, 2))[0], age, "child", family)
        elif kind == "couple_with_adult_child":
            age = adult_age(rng, 46, 63)
            couple(age, husband_relation, wife_relation, family)
            children(1, age, "child", family, max_age=35)
        elif kind == "three_generations":
            age = adult_age(rng, 30, 48)
            couple(age, "head", "spouse", family)
            children(rng.choices((1, 2), weights=(78, 22))[0], age, "child", family)
            parent_age = max(58, age + rng.randint(24, 32))
            if rng.random() < 0.55:
                add(family, MALE, parent_age, "parent")
                add(surname(rng, ethnicity), FEMALE, parent_age - rng.randint(0, 4), "parent")
            else:
                add(family, rng.choice((MALE, FEMALE, FEMALE)), parent_age, "parent")
        elif kind == "grandparents_with_grandchildren":
            age = elderly_age(rng, 60)
            couple(min(age, 75), "head", "spouse", family)
            children(rng.choice((1, 1, 2)), min(age, 75) - 25, "grandchild", family, max_age=15)
        else:  # single_parent
            age = adult_age(rng, 28, 52)
            add(family, rng.choice((FEMALE, FEMALE, MALE)), age, "head")
            children(1, age, "child", family, max_age=22)
        if rural and not migrant:
            self._work_away(household)
        return household

    def _work_away(self, household: PlannedHousehold) -> None:
        """In villages some working-age adults are away in town; who stays behind gets tagged later."""
        rng = self.rng
        working = [
            m for m in household.members if 20 <= m.age <= 50 and m.relation in {"head", "spouse", "child"}
        ]
        has_young = any(m.age < 16 for m in household.members)
        has_old = any(m.age >= 60 for m in household.members)
        if household.kind == "three_generations" and has_young and has_old and rng.random() < 0.22:
            for member in working:
                member.residence = "away"
        elif household.kind in {"couple_with_children", "three_generations"} and rng.random() < 0.12:
            for member in working:
                if member.sex == MALE:
                    member.residence = "away"
        elif household.kind == "elderly_with_child" and rng.random() < 0.3:
            for member in household.members:
                if member.age < 60:
                    member.residence = "away"

    # --- numbers ------------------------------------------------------------------------------------------
    def number(self, household: PlannedHousehold) -> None:
        """Give each member an ID number and, if they are likely to have one, a mobile phone."""
        rng = self.rng
        for member in household.members:
            member.id_number = self.registry.id_number(member.region, member.birth_date, member.sex)
            age = member.age
            if age < 14:
                chance = 0.0
            elif age < 18:
                chance = 0.7
            elif age < 70:
                chance = 0.98
            elif age < 80:
                chance = 0.85
            else:
                chance = 0.55
            if rng.random() < chance:
                member.phone = self.registry.phone()


# --- tags -----------------------------------------------------------------------------------------------
TAG_SOURCES = {
    "elderly_living_alone": "入户走访",
    "empty_nest": "入户走访",
    "left_behind_child": "村委会摸排",
    "left_behind_elderly": "村委会摸排",
    "left_behind_woman": "村委会摸排",
    "disability": "区残联残疾人证信息",
    "minimum_allowance": "区民政局低保名单",
    "extreme_poverty": "区民政局特困供养名单",
    "low_income": "区民政局低收入家庭名单",
    "employment_difficulty": "区人力社保局就业困难人员认定",
    "veteran": "区退役军人事务局优抚对象名单",
    "serious_illness": "区医保局大病救助名单",
}


def tag_household(rng: random.Random, household: PlannedHousehold) -> None:
    """Tags that follow from the household's composition, plus the department lists' shares."""
    members = household.members
    living_here = [m for m in members if m.residence == "living_here"]
    elderly_here = [m for m in living_here if m.age >= 60]
    if household.kind == "elderly_alone":
        members[0].tags.append(("elderly_living_alone", None))
    elif elderly_here and len(elderly_here) == len(living_here):
        # Everyone at home is 60 or over: an empty nest, or left behind where the children work away.
        away_children = any(m.residence == "away" for m in members)
        for member in elderly_here:
            member.tags.append(("left_behind_elderly" if away_children else "empty_nest", None))
    if household.rural:
        away = [m for m in members if m.residence == "away"]
        parents_away = away and not any(
            m.age < 60 and m.residence == "living_here" and m.age >= 20 for m in members
        )
        for member in living_here:
            if member.age < 16 and parents_away:
                member.tags.append(("left_behind_child", None))
            elif member.age >= 60 and parents_away and ("left_behind_elderly", None) not in member.tags:
                member.tags.append(("left_behind_elderly", None))
            elif (
                member.sex == FEMALE
                and member.relation in {"head", "spouse"}
                and 20 <= member.age < 60
                and any(m.sex == MALE and m.relation in {"head", "spouse"} for m in away)
            ):
                member.tags.append(("left_behind_woman", None))

    # Department lists: the chance grows with age where it does in the statistics.
    for member in members:
        age = member.age
        disability_chance = 0.013 if age < 18 else 0.045 if age < 60 else 0.12 if age < 80 else 0.21
        if rng.random() < disability_chance:
            grade = rng.choices((1, 2, 3, 4), weights=(12, 22, 30, 36))[0]
            member.tags.append(("disability", grade))
        if 16 <= age < 60 and rng.random() < 0.011:
            member.tags.append(("employment_difficulty", None))
        if member.sex == MALE and age >= 30 and rng.random() < 0.02:
            member.tags.append(("veteran", None))
        if rng.random() < 0.004:
            member.tags.append(("serious_illness", None))
    # Minimum allowance and low income are granted to a whole household; extreme poverty to a person
    # with no one to support them.
    has_disability = any(tag == "disability" for m in members for tag, _level in m.tags)
    roll = rng.random()
    alone = len(members) == 1
    if alone and roll < (0.12 if has_disability else 0.015):
        members[0].tags.append(("extreme_poverty", None))
    elif roll < (0.05 if has_disability else 0.017):
        for member in members:
            member.tags.append(("minimum_allowance", None))
    elif roll < (0.08 if has_disability else 0.027):
        for member in members:
            member.tags.append(("low_income", None))


# A tag cannot start before the person reached the age it presumes.
TAG_MINIMUM_AGE = {
    "elderly_living_alone": 60,
    "empty_nest": 60,
    "left_behind_elderly": 60,
    "left_behind_woman": 20,
    "employment_difficulty": 16,
    "veteran": 20,
}


def tag_valid_from(rng: random.Random, person: Person, tag: str) -> dt.date:
    """When a tag started: within the last six years, and not before the fact could be true."""
    birth = person.birth_date
    year = birth.year + TAG_MINIMUM_AGE.get(tag, 0)
    try:
        earliest = birth.replace(year=year)
    except ValueError:  # born on 29 February, and that year has none
        earliest = dt.date(year, 3, 1)
    start = REFERENCE_DATE - dt.timedelta(days=rng.randrange(30, 6 * 365))
    return max(start, earliest)

"""Four department lists of one district's residents, as departments really send them.

    .venv/bin/python bench/datasets/chinese_departments.py OUT_DIR [--rows 200000] [--seed 2026]

People are made by the demo district's household maker (real communities and villages of 门头沟区, ID
numbers with correct GB 11643 check characters, phones, households sharing phone and address, twins) and
then listed by four departments, each in its own format:

* 民政 civil affairs — xlsx, a title row above the header, birth dates as Excel dates or 1949年12月31日;
* 残联 disabled persons' federation — GBK CSV with a title row, dates as 1949年12月31日 or 19491231;
* 卫健 health — UTF-8 CSV (with BOM), dates as 1949-12-31 or 1949/12/31, grid codes;
* 人社 human resources — xlsx, dates as 1949.12.31 text.

About 30% of people are on more than one list. Values carry the errors of real lists: missing ID numbers
(~15%), mistyped ones (a digit wrong or two swapped: the check character fails), 15-digit numbers of
older people, traditional characters, homophone slips, spaces in names, minority names with ·, full-width
digits, changed phones, a parent's phone for a child, several ways of writing one address. A truth file
tells which person each data row is: ``truth.csv`` with ``file,row,person_id`` (row counts data rows from
1, below the header). One seed gives the same files.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django
from django.conf import settings

DEFAULT_ROWS = 200_000
DEFAULT_SEED = 2026
# How many lists one person is on: 1 for about 70% of people.
LIST_COUNT_WEIGHTS = ((1, 70), (2, 21), (3, 7), (4, 2))


def _words(text: str) -> list[str]:
    return text.split()


# Slips of a pinyin keyboard in given names. Some pairs are not among the linkage engine's homophone
# groups, so not every slip can be undone by folding.
HOMOPHONE_SLIPS = _words("""
    伟玮 伟炜 丽莉 丽俐 静婧 静靖 军君 军钧 华桦 红虹 明铭 玲琳 英莹 英瑛 芳方 娟鹃 梅玫 燕艳 婷亭
    杰洁 斌彬 涛韬 峰锋 强蔷 欣馨 欣鑫 怡宜 萱轩 涵晗 琪琦 浩昊 浩皓 宇雨 宇语 子梓 晨辰 佳嘉 文雯
    平萍 兰岚 瑞睿 泽择 彤桐 建健 建剑 国果 志智 志治 春纯 海还 鹏朋 龙隆 凤奉 秀绣 霞侠 东冬
    庆青 生升 林霖 桂贵 玉钰 凯恺 博搏 晓小 雪学 敏民 莹滢 思斯 一依
""")
# Traditional forms that older records and other regions' systems use.
TRADITIONAL: dict[str, str] = {
    pair[0]: pair[1]
    for pair in _words("""
        陈陳 张張 刘劉 杨楊 赵趙 吴吳 孙孫 马馬 罗羅 郑鄭 谢謝 许許 韩韓 冯馮 邓鄧 叶葉 苏蘇 吕呂
        卢盧 钟鍾 谭譚 陆陸 贾賈 闫閆 龙龍 贺賀 顾顧 万萬 钱錢 严嚴 齐齊 乔喬 庞龐 关關 兰蘭 宁寧
        国國 军軍 伟偉 丽麗 红紅 凤鳳 荣榮 颖穎 洁潔 东東 刚剛 涛濤 杰傑 辉輝 鹏鵬 远遠 晓曉 长長
        庆慶 胜勝 跃躍 进進 宝寶 贵貴 树樹 顺順 广廣 静靜 莹瑩 梦夢 悦悅 诗詩 语語 轩軒 铭銘 泽澤
    """)
}
UYGHUR_GIVEN = {
    "male": _words("买买提 艾力 阿不都 吐尔逊 艾克拜尔 依明 努尔 热合曼 阿里木 亚森"),
    "female": _words("阿依古丽 古丽娜尔 热依拉 帕提古丽 迪丽努尔 古丽 米娜 萨阿代提 努尔古丽 阿依努尔"),
}
UYGHUR_FATHERS = _words("买买提 艾力 吐尔逊 依明 热合曼 阿不都 亚森 卡德尔 司马义 玉素甫")
NAME_DOTS = ("·", "·", "•", ".", "．", "")
LANDLINE_PREFIX = "010-6"
CREATED = dt.datetime(2026, 6, 30, 9, 0, tzinfo=dt.UTC)
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Resident:
    person_id: str
    name: str
    sex: str
    birth: dt.date
    id_number: str
    phone: str
    alt_phone: str
    guardian_phone: str
    street: str
    community: str
    grid: str
    place: tuple[str, ...]  # estate or village, then the numbers
    rural: bool
    legacy_holder: bool
    disability: int | None
    allowance: bool
    household: int
    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GeneratedSet:
    files: list[Path]
    truth: Path
    people: int
    rows: int


@dataclass(frozen=True)
class Department:
    key: str
    file_name: str
    title: str | None
    columns: tuple[str, ...]


DEPARTMENTS = (
    Department(
        "civil",
        "民政_困难群众花名册.xlsx",
        "门头沟区民政局困难群众救助对象花名册（2026年6月）",
        (
            "序号",
            "姓名",
            "性别",
            "公民身份号码",
            "出生日期",
            "联系电话",
            "现住址",
            "所属街道",
            "所属社区",
            "是否低保",
            "救助类别",
        ),
    ),
    Department(
        "disability",
        "残联_持证残疾人名单.csv",
        "门头沟区残疾人联合会持证残疾人名单",
        (
            "姓名",
            "性别",
            "身份证号",
            "出生年月日",
            "手机号码",
            "家庭住址",
            "社区",
            "残疾类别",
            "残疾等级",
            "残疾证号",
        ),
    ),
    Department(
        "health",
        "卫健_家庭医生签约居民.csv",
        None,
        (
            "姓名",
            "性别",
            "证件号码",
            "出生日期",
            "联系方式",
            "居住地址",
            "所属社区",
            "网格编码",
            "签约家庭医生",
            "慢病类型",
        ),
    ),
    Department(
        "hr",
        "人社_就业登记人员.xlsx",
        None,
        ("姓名", "社会保障号码", "性别", "出生日期", "手机", "通讯地址", "所属社区", "就业状态", "参保类型"),
    ),
)
DEPARTMENT_KEYS = [d.key for d in DEPARTMENTS]


def _setup_django() -> None:
    if not settings.configured:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()


# --- people --------------------------------------------------------------------------------------------


class Population:
    """Households of the demo district, with addresses, grids and the lists each person is on."""

    def __init__(self, rng: random.Random) -> None:
        _setup_django()
        from linli.demo import divisions
        from linli.demo.households import HouseholdMaker
        from linli.demo.people import MIGRANT_PROVINCES, Registry
        from linli.demo.places import DISTRICT_CODE, community_kind, short_name

        self.rng = rng
        self.registry = Registry(rng)
        counties = divisions.counties_of({province for province, _share in MIGRANT_PROVINCES})
        self.maker = HouseholdMaker(rng, self.registry, counties)
        streets = divisions.streets_of(DISTRICT_CODE)
        self.street_names = {s.code: s.name for s in streets}
        self.communities = []
        for community in divisions.communities_of({s.code for s in streets}):
            kind = community_kind(community.code)
            self.communities.append(
                (community, short_name(community.name, kind), kind.value == "village", rng.randint(2, 8))
            )
        self.weights = [0.4 if rural else 1.0 for _c, _n, rural, _g in self.communities]
        self.household_count = 0

    def _twin(self, household: Any) -> None:
        from linli.demo.people import NAME_CHARACTERS, Person

        children = [m for m in household.members if m.relation in {"child", "grandchild"} and m.age < 30]
        if not children:
            return
        sibling = self.rng.choice(children)
        sex = sibling.sex if self.rng.random() < 0.5 else self.rng.choice(("male", "female"))
        surname, given = sibling.name[:1], sibling.name[1:]
        if len(given) == 2 and self.rng.random() < 0.5:
            # Twins often share the first character of the given name: 子轩 and 子涵.
            twin_given = given[0] + self.rng.choice(NAME_CHARACTERS[sex][1])
        else:
            twin_given = self.rng.choice(NAME_CHARACTERS[sex][0]) + self.rng.choice(NAME_CHARACTERS[sex][1])
        if twin_given == given:
            return
        household.members.append(
            Person(
                name=surname + twin_given,
                sex=sex,
                birth_date=sibling.birth_date,
                region=sibling.region,
                relation=sibling.relation,
                hukou=sibling.hukou,
            )
        )

    def _uyghur(self, household: Any) -> None:
        father = self.rng.choice(UYGHUR_FATHERS)
        for member in household.members:
            member.region = "650102"
            parent_name = (
                father if member.relation in {"child", "grandchild"} else self.rng.choice(UYGHUR_FATHERS)
            )
            member.name = f"{self.rng.choice(UYGHUR_GIVEN[member.sex])}·{parent_name}"

    def households(self) -> Any:
        """Endless households: (planned household, community, street name, grid code, place)."""
        from linli.demo.households import tag_household

        rng = self.rng
        while True:
            community, name, rural, grids = rng.choices(self.communities, weights=self.weights)[0]
            migrant = rng.random() < (0.03 if rural else 0.19)
            household = self.maker.make(rural=rural, migrant=migrant)
            if rng.random() < 0.03:
                self._twin(household)
            if migrant and rng.random() < 0.03:
                self._uyghur(household)
            self.maker.number(household)
            tag_household(rng, household)
            self.household_count += 1
            grid = f"{community.code}{rng.randint(1, grids):03d}"
            yield (
                household,
                name,
                self.street_names[community.parent_code],
                grid,
                draw_place(rng, name, rural),
                rural,
            )


def draw_place(rng: random.Random, community_name: str, rural: bool) -> tuple[str, ...]:
    """A house plot in a village, or a flat in an estate named after its community."""
    if rural:
        return (community_name, str(rng.randint(1, 400)))
    estate = community_name.removesuffix("社区")
    floors = rng.choice((6, 6, 11, 18))
    return (
        estate,
        str(rng.randint(1, 30)),
        str(rng.randint(1, 3)),
        f"{rng.randint(1, floors)}{rng.randint(1, 3):02d}",
    )


def _choose_files(rng: random.Random, person: Resident, age: int, count: int) -> list[str]:
    weights = {
        "civil": (3.0 if age >= 60 else 1.0) * (4.0 if person.allowance else 1.0),
        "disability": 8.0 if person.disability else 0.15,
        "health": 3.0,
        "hr": 2.5 if 16 <= age < 65 else 0.1,
    }
    chosen: list[str] = []
    keys = list(DEPARTMENT_KEYS)
    for _ in range(count):
        pick = rng.choices(keys, weights=[weights[k] for k in keys])[0]
        chosen.append(pick)
        keys.remove(pick)
    return chosen


def make_people(rng: random.Random, rows: int) -> list[Resident]:
    """People and the lists they are on, until the lists hold ``rows`` rows."""
    from linli.demo.people import REFERENCE_DATE, age_on

    population = Population(rng)
    people: list[Resident] = []
    total = 0
    counts = [c for c, _w in LIST_COUNT_WEIGHTS]
    count_weights = [w for _c, w in LIST_COUNT_WEIGHTS]
    for household, community, street, grid, place, rural in population.households():
        adults_phones = [m.phone for m in household.members if m.phone and m.age >= 18]
        for member in household.members:
            age = age_on(member.birth_date, REFERENCE_DATE)
            disability = next((level for tag, level in member.tags if tag == "disability"), None)
            resident = Resident(
                person_id=f"P{len(people) + 1:06d}",
                name=member.name,
                sex=member.sex,
                birth=member.birth_date,
                id_number=member.id_number,
                phone=member.phone,
                alt_phone=population.registry.phone() if member.phone and rng.random() < 0.25 else "",
                guardian_phone=rng.choice(adults_phones) if adults_phones else "",
                street=street,
                community=community,
                grid=grid,
                place=place,
                rural=rural,
                legacy_holder=member.birth_date.year < 1984 and rng.random() < 0.3,
                disability=disability,
                allowance=any(
                    tag in {"minimum_allowance", "low_income", "extreme_poverty"} for tag, _l in member.tags
                ),
                household=population.household_count,
            )
            count = rng.choices(counts, weights=count_weights)[0]
            resident.files = _choose_files(rng, resident, age, count)
            # A few people are listed twice by one department.
            if rng.random() < 0.01:
                resident.files.append(resident.files[0])
            room = rows - total
            if room <= 0:
                return people
            resident.files = resident.files[:room]
            total += len(resident.files)
            people.append(resident)
        if total >= rows:
            break
    return people


# --- how each department writes a value --------------------------------------------------------------


class Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def id_number(self, person: Resident, department: str) -> str:
        rng = self.rng
        number = person.id_number
        roll = rng.random()
        if roll < 0.15:
            return ""
        if person.legacy_holder and department in {"civil", "disability"} and rng.random() < 0.5:
            return number[:6] + number[8:17]
        if roll < 0.17:  # one digit wrong
            i = rng.randrange(17)
            number = number[:i] + rng.choice([d for d in "0123456789" if d != number[i]]) + number[i + 1 :]
        elif roll < 0.18:  # two neighbours swapped
            options = [i for i in range(16) if number[i] != number[i + 1]]
            i = rng.choice(options)
            number = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
        elif roll < 0.185:  # wrong check character
            number = number[:17] + rng.choice([c for c in "0123456789X" if c != number[17]])
        roll = rng.random()
        if roll < 0.02:
            number = number.lower()
        elif roll < 0.04:
            number = f"{number[:6]} {number[6:14]} {number[14:]}"
        elif roll < 0.05:
            number = number.translate(FULL_WIDTH_DIGITS)
        return number

    def name(self, person: Resident) -> str:
        rng = self.rng
        name = person.name
        if "·" in name:
            return name.replace("·", rng.choice(NAME_DOTS))
        roll = rng.random()
        if roll < 0.025:
            positions = [i for i, c in enumerate(name) if c in TRADITIONAL]
            if positions:
                i = rng.choice(positions)
                name = name[:i] + TRADITIONAL[name[i]] + name[i + 1 :]
        elif roll < 0.04:
            slips = [(i, pair) for i, c in enumerate(name) if i > 0 for pair in HOMOPHONE_SLIPS if c in pair]
            if slips:
                i, pair = rng.choice(slips)
                name = name[:i] + (pair[1] if name[i] == pair[0] else pair[0]) + name[i + 1 :]
        elif roll < 0.06 and len(name) >= 2:
            name = name[0] + rng.choice((" ", "\u3000", "  ")) + name[1:]
        elif roll < 0.065:
            name = f" {name} "
        return name

    def birth(self, person: Resident, department: str) -> Any:
        rng = self.rng
        birth = person.birth
        roll = rng.random()
        if roll < 0.04:
            return ""
        if roll < 0.045:  # a slip in the last digit of the day
            for _ in range(5):
                day = birth.day - birth.day % 10 + rng.randrange(10)
                try:
                    candidate = birth.replace(day=day)
                except ValueError:
                    continue
                if candidate != birth:
                    birth = candidate
                    break
        style = rng.random()
        if department == "civil":
            return birth if style < 0.7 else f"{birth.year}年{birth.month}月{birth.day}日"
        if department == "disability":
            return f"{birth.year}年{birth.month:02d}月{birth.day:02d}日" if style < 0.6 else f"{birth:%Y%m%d}"
        if department == "health":
            return f"{birth:%Y-%m-%d}" if style < 0.8 else f"{birth:%Y/%m/%d}"
        return f"{birth:%Y.%m.%d}" if style < 0.8 else birth

    def sex(self, person: Resident, department: str) -> str:
        if self.rng.random() < 0.03:
            return ""
        word = "男" if person.sex == "male" else "女"
        return word + "性" if department == "hr" and self.rng.random() < 0.3 else word

    def phone(self, person: Resident) -> str:
        rng = self.rng
        number = person.phone
        if person.alt_phone and rng.random() < 0.5:
            number = person.alt_phone
        if not number:
            # Children and some old people: the list gives a parent's or child's number.
            number = person.guardian_phone if rng.random() < 0.6 else ""
        roll = rng.random()
        if not number or roll < 0.08:
            return ""
        if roll < 0.10:
            return f"{LANDLINE_PREFIX}{rng.randrange(10**6):06d}"
        if roll < 0.13:
            return f"{number[:3]} {number[3:7]} {number[7:]}"
        if roll < 0.15:
            return f"+86 {number}"
        if roll < 0.16:
            return f"86-{number}"
        return number

    def address(self, person: Resident) -> str:
        rng = self.rng
        place = person.place
        if rng.random() < 0.03:  # moved, and this list still has the old address
            place = draw_place(rng, person.community, person.rural)
        prefix = rng.choice(("北京市门头沟区" + person.street, "门头沟区", "", "", "北京市门头沟区"))
        if person.rural:
            village, number = place
            text = prefix + village + number + rng.choice(("号", "号", "号院"))
        else:
            estate, building, unit, flat = place
            text = prefix + rng.choice(
                (
                    f"{estate}{building}号楼{unit}单元{flat}",
                    f"{estate}{building}号楼{unit}单元{flat}室",
                    f"{estate}{building}栋{unit}单元{flat}",
                    f"{estate}{building}-{unit}-{flat}",
                )
            )
        if rng.random() < 0.02:
            text = text.translate(FULL_WIDTH_DIGITS)
        return text


def _extras(rng: random.Random, person: Resident, department: str) -> list[Any]:
    community = person.community + ("居委会" if rng.random() < 0.1 and not person.rural else "")
    if department == "civil":
        return [
            person.street,
            community,
            "是" if person.allowance else "否",
            rng.choice(("低保", "低收入", "特困供养", "临时救助", "")),
        ]
    if department == "disability":
        grade = person.disability or rng.randint(1, 4)
        return [
            community,
            rng.choice(("视力", "听力", "言语", "肢体", "智力", "精神", "多重")),
            "一二三四"[grade - 1] + "级",
            f"{person.id_number}{rng.randint(1, 7)}{grade}",
        ]
    if department == "health":
        return [
            community,
            person.grid,
            rng.choice(("王医生", "李医生", "张医生", "刘医生", "赵医生")),
            rng.choice(("高血压", "糖尿病", "高血压、糖尿病", "", "", "")),
        ]
    return [
        community,
        rng.choice(("已就业", "失业", "灵活就业", "退休")),
        rng.choice(("城镇职工", "城乡居民")),
    ]


# --- files ----------------------------------------------------------------------------------------------


def _write_xlsx(path: Path, department: Department, rows: list[list[Any]]) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    # A fixed creation time, so that one seed gives byte-identical files.
    workbook.set_properties({"created": CREATED})
    sheet = workbook.add_worksheet("Sheet1")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    line = 0
    if department.title:
        sheet.write_string(line, 0, department.title)
        line += 1
    for col, label in enumerate(department.columns):
        sheet.write_string(line, col, label)
    line += 1
    for row in rows:
        for col, value in enumerate(row):
            if isinstance(value, dt.date):
                # An Excel date is a day count: naive on purpose.
                midnight = dt.datetime.combine(value, dt.time())
                sheet.write_datetime(line, col, midnight, date_format)
            elif isinstance(value, int):
                sheet.write_number(line, col, value)
            elif value != "":
                sheet.write_string(line, col, str(value))
        line += 1
    workbook.close()


def _write_csv(path: Path, department: Department, rows: list[list[Any]], encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        if department.title:
            writer.writerow([department.title] + [""] * (len(department.columns) - 1))
        writer.writerow(department.columns)
        for row in rows:
            values = [v.isoformat() if isinstance(v, dt.date) else v for v in row]
            if encoding == "gbk":
                # GBK has the middle dot · but not the bullet • that some people type for it.
                values = [v.replace("•", "·") if isinstance(v, str) else v for v in values]
            writer.writerow(values)


def generate(out_dir: Path, *, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> GeneratedSet:
    """Write the four department files and ``truth.csv`` into ``out_dir``."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    people = make_people(rng, rows)
    writer = Writer(rng)
    lines: dict[str, list[tuple[str, list[Any]]]] = {key: [] for key in DEPARTMENT_KEYS}
    for person in people:
        for department in person.files:
            values = [
                writer.name(person),
                writer.sex(person, department),
                writer.id_number(person, department),
                writer.birth(person, department),
                writer.phone(person),
                writer.address(person),
            ]
            name, sex, id_number, birth, phone, address = values
            extras = _extras(rng, person, department)
            if department == "civil":
                row = [0, name, sex, id_number, birth, phone, address, *extras]
            elif department == "hr":
                row = [name, id_number, sex, birth, phone, address, *extras]
            else:
                row = [name, sex, id_number, birth, phone, address, *extras]
            lines[department].append((person.person_id, row))

    files: list[Path] = []
    truth_path = out_dir / "truth.csv"
    with truth_path.open("w", encoding="utf-8", newline="") as truth_handle:
        truth = csv.writer(truth_handle)
        truth.writerow(["file", "row", "person_id"])
        for listing in DEPARTMENTS:
            entries = lines[listing.key]
            rng.shuffle(entries)
            table: list[list[Any]] = []
            for number, (person_id, row) in enumerate(entries, start=1):
                if listing.key == "civil":
                    row[0] = number
                table.append(row)
                truth.writerow([listing.file_name, number, person_id])
            path = out_dir / listing.file_name
            if listing.key in {"civil", "hr"}:
                _write_xlsx(path, listing, table)
            else:
                _write_csv(path, listing, table, "gbk" if listing.key == "disability" else "utf-8-sig")
            files.append(path)
    return GeneratedSet(
        files=files, truth=truth_path, people=len(people), rows=sum(len(v) for v in lines.values())
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = generate(args.out_dir, rows=args.rows, seed=args.seed)
    print(f"{result.rows} rows of {result.people} people in {time.perf_counter() - started:.1f} s")
    for path in result.files:
        print(f"  {path}")
    print(f"  {result.truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

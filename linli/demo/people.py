"""Made-up but plausible people: Chinese names, ID numbers, mobile numbers and ages.

Everything here draws from a ``random.Random`` passed in, so one seed gives one population.
"""

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

from linli.core.idnumbers import check_character

# Ages and birth dates are counted from this day, not from the day the command runs, so that every run
# of one seed gives the same people.
REFERENCE_DATE = dt.date(2026, 7, 1)


def _words(text: str) -> list[str]:
    return text.split()


def _shares(text: str) -> tuple[tuple[str, float], ...]:
    """Parse "name:share name:share ..." into pairs."""
    pairs = (item.split(":") for item in text.split())
    return tuple((name, float(share)) for name, share in pairs)


# Surnames with their approximate share (per mille) in northern China; the long tail is one pool.
SURNAMES = _shares("""
    王:78 李:75 张:72 刘:58 赵:30 杨:29 陈:28 孙:20 高:16 马:16 郭:15 田:13 韩:12 周:12 吴:11
    徐:11 于:10 石:10 宋:10 董:10 朱:9 胡:9 何:8 许:8 谭:8 崔:8 冯:8 曹:8 贾:7 吕:7 任:7 魏:7 姜:7
    郑:7 梁:6 谢:6 白:6 侯:6 武:6 常:5 齐:5 史:5 安:5 康:5 邢:5 尹:5 苏:5 郝:5 闫:5 罗:5 卢:4 黄:4
    林:4 范:4 段:4 袁:4 杜:4 程:4 丁:4 沈:4 唐:4 薛:4 秦:4 彭:3 付:3 牛:3 孟:3 乔:3 庞:3 葛:3 耿:3
    关:3 金:3 邓:3 蒋:3 潘:3 曾:2 叶:2 肖:2 姚:2 陆:2 汪:2 钱:2 贺:2 顾:2 毛:2 邵:2 樊:2 翟:2 申:2
    焦:2 岳:2 殷:2 尚:2 靳:2 路:2 纪:1 霍:1 苗:1 谷:1 左:1 甄:1 佟:1 欧阳:0.3 司马:0.1 上官:0.1
""")
# Surnames more common among Manchu and Hui families in Beijing.
ETHNIC_SURNAMES: dict[str, tuple[str, ...]] = {
    "11": ("关", "金", "佟", "赵", "那", "富", "肇", "王"),
    "03": ("马", "白", "刘", "金", "李", "哈", "杨", "丁", "沙"),
    "02": ("包", "白", "吴", "王", "宝", "巴", "李"),
}

# Given names follow fashions; a person's year of birth picks the pool.
GIVEN_NAMES: dict[str, dict[str, list[str]]] = {
    "1950": {
        "male": _words("""
            建国 国庆 建华 振华 国强 志强 德明 树林 宝山 玉田 文华 永和 长春
            福生 庆林 德胜 凤山 玉林 宝林 广田 增福 秀山 德顺 军 华 明 林 海
            山 福 贵 成 志 忠 和平 跃进 胜利 援朝
        """),
        "female": _words("""
            秀英 桂英 淑珍 玉兰 秀兰 凤英 桂兰 淑华 素芬 玉珍 秀珍 桂芳 淑兰
            凤兰 玉梅 秀芳 桂珍 淑英 玉英 凤芝 桂荣 淑琴 秀云 玉芬 兰 英 珍
            芬 荣 琴 秀荣 素珍 玉华 桂香 翠英 瑞兰
        """),
    },
    "1965": {
        "male": _words("""
            建军 卫东 红军 志刚 建平 海涛 立新 卫国 国栋 志勇 建新 永刚 勇 刚
            伟 斌 军 涛 鹏 辉 建民 向阳 东升 建业 红兵 建设 庆丰 振宇 金龙
            宏伟 国华 利民 春生 卫红 永胜 学军
        """),
        "female": _words("""
            丽华 红梅 淑芬 桂芝 秀云 丽娟 红霞 艳 敏 霞 静 燕 玲 丽 芳 娟
            红 梅 春燕 海燕 卫红 丽萍 秀梅 彩霞 红艳 艳华 建华 亚军 凤霞 晓红
            玉红 雪梅 美玲 立新 小平 丽君
        """),
    },
    "1985": {
        "male": _words("""
            伟 磊 强 鹏 杰 超 浩 涛 明 亮 健 飞 晓东 志远 文博 海洋 俊杰
            建伟 宇 帅 龙 凯 斌 阳 旭 冬冬 晨 楠 博 志鹏 晓明 振华 子龙
            天宇 思远 嘉伟
        """),
        "female": _words("""
            静 丽 敏 婷 雪 娜 琳 倩 晶 颖 晓燕 丹丹 婷婷 佳 欣 璐 露 慧
            萌 雯 晓丽 丹 莹 爽 蕾 洁 思雨 梦 佳琪 晓宇 文静 美琪 雪莹 晨曦
            欣然 亚楠
        """),
    },
    "2005": {
        "male": _words("""
            子轩 浩然 宇轩 梓豪 一鸣 俊熙 子墨 浩宇 皓轩 宇航 博文 奕辰 沐宸
            天佑 铭泽 梓睿 宸 泽 睿 航 嘉懿 煜祺 智宸 正豪 昊然 明杰 立诚
            立轩 立辉 峻熙 弘文 熠彤 鸿煊 烨霖 哲瀚 鑫鹏
        """),
        "female": _words("""
            子涵 欣怡 梓涵 雨桐 可馨 诗涵 梓萱 一诺 语嫣 思彤 紫萱 雨涵 欣妍
            若汐 梦琪 佳怡 悦 彤 琪 萱 诗琪 梓琪 雨欣 佳琪 思琪 若曦 芷若
            沐晴 语桐 安琪 嘉怡 子萱 梦瑶 静怡 一涵 欣悦
        """),
    },
}

# Characters that make up two-character given names, for variety beyond the fashionable names above.
NAME_CHARACTERS: dict[str, tuple[list[str], list[str]]] = {
    "male": (
        _words("志 建 国 文 德 永 明 海 俊 宏 振 家 晓 立 子 浩 宇 嘉 博 天 金 长 连 守"),
        _words("华 明 强 军 平 东 林 峰 刚 涛 伟 杰 斌 辉 鹏 勇 龙 成 宁 远 山 生 波 旺"),
    ),
    "female": (
        _words("秀 淑 玉 桂 丽 美 晓 雅 欣 思 佳 雨 婉 春 海 文 静 梦 若 诗 红 艳 亚 金"),
        _words("英 兰 芳 珍 华 琴 霞 燕 娟 梅 婷 丽 莉 慧 颖 洁 怡 萱 涵 琳 云 萍 娜 凤"),
    ),
}

# Mobile number segments in use (all pass phonenumbers' CN metadata).
MOBILE_PREFIXES = tuple(
    _words("139 138 137 136 135 150 151 152 158 159 186 187 188 133 153 180 189 130 131 132 155 156 185")
)

# Where residents without local hukou come from: provinces by rough share of Beijing's migrants.
MIGRANT_PROVINCES: tuple[tuple[str, float], ...] = (
    ("13", 30),
    ("41", 15),
    ("37", 10),
    ("14", 8),
    ("15", 6),
    ("23", 6),
    ("34", 6),
    ("51", 5),
    ("42", 4),
    ("21", 4),
    ("22", 3),
    ("61", 3),
)
# Beijing districts that registered residents or their spouses were sometimes born in.
BEIJING_DISTRICTS = ("110101", "110102", "110105", "110106", "110107", "110108", "110111", "110114")

# Ethnic groups (GB/T 3304 code, share in per mille) of the demo population.
ETHNIC_SHARES: tuple[tuple[str, float], ...] = (
    ("01", 955),
    ("11", 24),
    ("03", 14),
    ("02", 4),
    ("10", 1),
    ("08", 1),
    ("15", 1),
)


@dataclass
class Person:
    name: str
    sex: str
    birth_date: dt.date
    region: str  # address code of the ID number
    relation: str
    hukou: str = "registered"
    ethnicity: str = "01"
    residence: str = "living_here"
    id_number: str = ""
    phone: str = ""
    tags: list[tuple[str, int | None]] = field(default_factory=list)

    @property
    def age(self) -> int:
        return age_on(self.birth_date, REFERENCE_DATE)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class Weighted:
    """A weighted choice among fixed values, with the cumulative weights computed once."""

    def __init__(self, pairs: tuple[tuple[str, float], ...]) -> None:
        self.values = [value for value, _weight in pairs]
        self.cumulative = list(itertools.accumulate(weight for _value, weight in pairs))

    def pick(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


SURNAME_PICK = Weighted(SURNAMES)
ETHNICITY_PICK = Weighted(ETHNIC_SHARES)


def birth_date_for_age(rng: random.Random, age: int) -> dt.date:
    """A birth date on which a person is exactly ``age`` on the reference date."""
    latest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age)
    return latest - dt.timedelta(days=rng.randrange(365))


def given_name(rng: random.Random, sex: str, birth_year: int) -> str:
    if birth_year < 1958:
        pool = "1950"
    elif birth_year < 1978:
        pool = "1965"
    elif birth_year < 2000:
        pool = "1985"
    else:
        pool = "2005"
    if rng.random() < 0.5:
        return rng.choice(GIVEN_NAMES[pool][sex])
    first, second = NAME_CHARACTERS[sex]
    return rng.choice(first) + rng.choice(second)


def surname(rng: random.Random, ethnicity: str = "01") -> str:
    special = ETHNIC_SURNAMES.get(ethnicity)
    if special and rng.random() < 0.6:
        return rng.choice(special)
    return SURNAME_PICK.pick(rng)


class Registry:
    """Hands out ID numbers and phones that are unique within the demo district."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()

    def id_number(self, region: str, birth: dt.date, sex: str) -> str:
        # GB 11643-1999: the sequence's last digit is odd for men and even for women.
        while True:
            sequence = self.rng.randrange(1, 500) * 2 - (1 if sex == "male" else 0)
            first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
            if first17 not in self.used_ids:
                self.used_ids.add(first17)
                return first17 + check_character(first17)

    def phone(self) -> str:
        while True:
            number = f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

"""Normalised keys that rules, blocking and the model compare: folded names, ID status, address signatures.

Input values are expected to be normalised already (trimmed, ISO dates, 11-digit mobiles); the keys here
only remove the variation that normalising one value cannot: traditional and simplified forms of a name,
common homophone slips of a pinyin keyboard, and the many ways one address is written.
"""

import re

import polars as pl

from linli.core.idnumbers import CHECK_CHARACTERS, WEIGHTS
from linli.intake.linkage.schema import LinkSchema


def _words(text: str) -> list[str]:
    return text.split()


# Simplified and traditional forms of characters common in names (surnames and given names). Department
# systems of other regions and older records write the traditional form.
TRADITIONAL_PAIRS = (
    "陈陳 张張 刘劉 杨楊 赵趙 吴吳 孙孫 马馬 罗羅 郑鄭 谢謝 许許 韩韓 冯馮 邓鄧 叶葉 苏蘇 吕呂 卢盧 钟鍾 "
    "谭譚 陆陸 贾賈 韦韋 邹鄒 闫閆 龙龍 贺賀 顾顧 龚龔 万萬 钱錢 严嚴 汤湯 温溫 齐齊 乔喬 庞龐 颜顏 "
    "庄莊 聂聶 鲁魯 欧歐 关關 兰蘭 宁寧 纪紀 毕畢 单單 骆駱 蓝藍 鲍鮑 华華 饶饒 阳陽 时時 农農 缪繆 "
    "简簡 车車 项項 连連 芦蘆 麦麥 娄婁 窦竇 党黨 宫宮 费費 卫衛 师師 栾欒 荣榮 丛叢 巩鞏 迟遲 邝鄺 "
    "谈談 荆荊 乐樂 储儲 劳勞 蔺藺 楼樓 满滿 闻聞 厉厲 阚闞 权權 强強 帅帥 盖蓋 练練 丰豐 计計 晋晉 "
    "门門 云雲 来來 阙闕 况況 鲜鮮 诸諸 战戰 银銀 宾賓 阴陰 尧堯 "
    "国國 军軍 伟偉 丽麗 红紅 凤鳳 荣榮 颖穎 洁潔 东東 刚剛 涛濤 杰傑 辉輝 鹏鵬 远遠 晓曉 长長 庆慶 "
    "胜勝 跃躍 进進 宝寶 贵貴 树樹 顺順 广廣 静靜 莹瑩 梦夢 悦悅 诗詩 语語 轩軒 铭銘 泽澤 诚誠 鸿鴻 "
    "烨燁 瑶瑤 诺諾 亚亞 艳艷 艺藝 兴興 凯凱 义義 礼禮 达達 丰豐 岚嵐 欢歡 乐樂 伦倫 馆館 凤鳳 书書 "
    "宁寧 惠惠 贤賢 钧鈞 锋鋒 钢鋼 铁鐵 银銀 锦錦 丽麗 婵嬋 娇嬌 玛瑪 萨薩 热熱 买買 尔爾 "
)
TRADITIONAL_TO_SIMPLIFIED = {pair[1]: pair[0] for pair in TRADITIONAL_PAIRS.split() if pair[0] != pair[1]}

# Characters a pinyin keyboard offers for the same syllable and that are common in given names. A slip
# between them is the most frequent misspelling of a Chinese name; the first of each group stands for all.
HOMOPHONE_GROUPS = (
    "伟玮炜苇纬",
    "丽莉俐力立利",
    "静婧靖敬",
    "军君钧均俊",
    "华化桦",
    "红虹宏鸿洪",
    "明铭鸣",
    "玲琳林霖淋",
    "英莹瑛颖影",
    "芳方",
    "娟鹃",
    "梅媚玫",
    "燕艳雁彦",
    "婷亭庭",
    "杰洁捷",
    "斌彬滨宾",
    "涛韬滔",
    "鹏朋",
    "峰锋丰枫",
    "强蔷",
    "磊蕾",
    "欣馨心新鑫昕",
    "怡宜仪依",
    "萱轩宣",
    "涵晗含寒",
    "琪琦淇奇祺",
    "浩昊皓豪",
    "宇雨语羽玉毓煜",
    "子梓紫",
    "晨辰宸臣",
    "佳嘉家",
    "思斯",
    "文雯",
    "平萍苹",
    "凤奉",
    "兰岚",
    "秀绣",
    "霞侠",
    "瑞睿锐",
    "泽择",
    "彤桐",
)
HOMOPHONE_FOLD = {char: group[0] for group in HOMOPHONE_GROUPS for char in group[1:]}

COMPOUND_SURNAMES = frozenset(
    _words("""
    欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 夏侯 司徒 长孙 宇文 轩辕 端木 独孤 南宫 西门
    呼延 万俟 闻人 申屠 澹台 公冶 太史 钟离
    """)
)
# Separators inside minority names (阿依古丽·买买提) that people type in many ways or leave out.
NAME_SEPARATOR_PATTERN = r"[\s·•・‧∙⋅.\-_]"
# Administrative prefixes of an address: province or municipality, district or county, street or town.
ADDRESS_ADMIN_PREFIX = re.compile(
    r"^(?:[^\d]{2,7}?(?:省|自治区))?(?:[^\d]{2,6}?市)?(?:[^\d]{1,5}?(?:区|县))?(?:[^\d]{1,6}?(?:街道|镇|乡))?"
)


def _text(frame: pl.DataFrame, column: str) -> pl.Expr:
    if column not in frame.columns:
        return pl.lit("", dtype=pl.String)
    return pl.col(column).cast(pl.String).fill_null("").str.strip_chars()


def _folded(frame: pl.DataFrame, column: str) -> pl.Expr:
    return _text(frame, column).str.normalize("NFKC").str.strip_chars()


def _null_if_empty(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr == "").then(None).otherwise(expr)


def _check_character(first17: str) -> pl.Expr:
    """GB 11643 check character of the 17 digits in column ``first17`` (``check_character`` for one)."""
    total = pl.sum_horizontal(
        pl.col(first17).str.slice(i, 1).cast(pl.Int64, strict=False) * weight
        for i, weight in enumerate(WEIGHTS)
    )
    return (total % 11).replace_strict(dict(enumerate(CHECK_CHARACTERS)), return_dtype=pl.String)


def _id_columns(frame: pl.DataFrame, schema: LinkSchema) -> pl.DataFrame:
    """``id_key`` and ``id_status`` (``""`` when there is no number), computed column-wise."""
    table = frame.select(
        _folded(frame, "id_number").str.replace_all(r"\s", "").str.to_uppercase().alias("text")
    )
    if not schema.id_checked:
        status = pl.when(pl.col("text") == "").then(pl.lit("")).otherwise(pl.lit("unverified"))
        return table.select(pl.col("text").alias("id_key"), status.alias("id_status"))
    table = table.with_columns(
        pl.col("text").str.contains(r"^[0-9]{15}$").alias("legacy"),
        pl.col("text").str.contains(r"^[0-9]{17}[0-9X]$").alias("well_formed"),
        (pl.col("text").str.slice(0, 6) + "19" + pl.col("text").str.slice(6)).alias("legacy17"),
        pl.col("text").str.slice(0, 17).alias("first17"),
    )
    table = table.with_columns(
        pl.when(pl.col("legacy"))
        .then(pl.col("legacy17") + _check_character("legacy17"))
        .otherwise(pl.col("text"))
        .alias("id_key"),
        (pl.col("well_formed") & (_check_character("first17") == pl.col("text").str.slice(17, 1))).alias(
            "checks"
        ),
    )
    if "id_valid" in frame.columns:
        # The reader's verdict wins for 18-character numbers; it checked them already.
        given = frame["id_valid"].cast(pl.Boolean).fill_null(False)
        table = table.with_columns(pl.Series("checks", given) & pl.col("well_formed"))
    status = (
        pl.when(pl.col("text") == "")
        .then(pl.lit(""))
        .when(pl.col("legacy"))
        .then(pl.lit("unverified"))
        .when(pl.col("checks"))
        .then(pl.lit("valid"))
        .otherwise(pl.lit("invalid"))
    )
    return table.select("id_key", status.alias("id_status"))


def _raw(role: str) -> pl.Expr:
    return pl.col(f"__raw_{role}")


def _raw_folded(role: str) -> pl.Expr:
    return _raw(role).str.normalize("NFKC").str.strip_chars()


def _name_key(role: str) -> pl.Expr:
    return (
        _raw_folded(role)
        .str.to_lowercase()
        .str.replace_all(NAME_SEPARATOR_PATTERN, "")
        .str.replace_many(TRADITIONAL_TO_SIMPLIFIED)
    )


def prepare(frame: pl.DataFrame, schema: LinkSchema) -> pl.DataFrame:
    """The table the engine links: ``unique_id`` and the normalised keys of the schema's roles.

    Missing values are nulls (Splink's null level). For resident records, a birth date or sex left empty
    is taken from a valid (or 15-digit) ID number, which carries both. Each step is materialised before the
    next reads it, so no text is parsed twice.
    """
    out = frame.select(
        pl.col("uid").cast(pl.String).alias("unique_id"),
        *(_text(frame, role).alias(f"__raw_{role}") for role in schema.roles),
    )
    checked_id = schema.id_checked and schema.has("id_number")
    if schema.has("id_number"):
        out = out.hstack(_id_columns(frame, schema))
        out = out.with_columns(
            pl.when(pl.col("id_status") == "valid").then(pl.col("id_key")).otherwise(None).alias("anchor"),
            pl.col("id_status").is_in(["valid", "unverified"]).alias("__from_id"),
        )
    else:
        out = out.with_columns(
            pl.lit(None, dtype=pl.String).alias("anchor"), pl.lit(False).alias("__from_id")
        )

    if schema.has("name"):
        out = out.with_columns(_name_key("name").alias("name_key"))
        key = pl.col("name_key")
        out = out.with_columns(
            (key.str.slice(0, 2).is_in(list(COMPOUND_SURNAMES)) & (key.str.len_chars() >= 3)).alias(
                "__compound"
            )
        )
        compound = pl.col("__compound")
        out = out.with_columns(
            pl.when(compound).then(key.str.slice(0, 2)).otherwise(key.str.slice(0, 1)).alias("surname"),
            pl.when(compound).then(key.str.slice(2)).otherwise(key.str.slice(1)).alias("__given"),
        )
        out = out.with_columns(
            (pl.col("surname") + pl.col("__given").str.replace_many(HOMOPHONE_FOLD)).alias("name_fold")
        )
    for role in ("given_name", "surname"):
        if schema.has(role):
            out = out.with_columns(_name_key(role).alias(role))

    if schema.has("birth_date"):
        out = out.with_columns(_raw("birth_date").alias("birth_date"))
        if checked_id:
            id_key = pl.col("id_key")
            from_number = (
                id_key.str.slice(6, 4) + "-" + id_key.str.slice(10, 2) + "-" + id_key.str.slice(12, 2)
            )
            out = out.with_columns(
                pl.when((pl.col("birth_date") == "") & pl.col("__from_id"))
                .then(from_number)
                .otherwise(pl.col("birth_date"))
                .alias("birth_date")
            )
        birth = pl.col("birth_date")
        out = out.with_columns(
            pl.when(birth.str.len_chars() >= 4)
            .then(birth.str.slice(0, 4))
            .otherwise(pl.lit(""))
            .alias("birth_year")
        )

    if schema.has("sex"):
        out = out.with_columns(_raw("sex").str.to_lowercase().alias("sex"))
        if checked_id:
            odd = pl.col("id_key").str.slice(16, 1).cast(pl.Int64, strict=False) % 2 == 1
            out = out.with_columns(
                pl.when((pl.col("sex") == "") & pl.col("__from_id"))
                .then(pl.when(odd).then(pl.lit("male")).otherwise(pl.lit("female")))
                .otherwise(pl.col("sex"))
                .alias("sex")
            )

    if schema.has("phone"):
        out = out.with_columns(_raw_folded("phone").str.replace_all(r"\D", "").alias("phone"))

    if schema.has("address"):
        out = out.with_columns(_raw_folded("address").alias("__address"))
        folded = pl.col("__address")
        out = out.with_columns(folded.str.replace_all(r"[^\p{L}\p{N}]", "").alias("__compact"))
        out = out.with_columns(
            pl.col("__compact").str.replace(ADDRESS_ADMIN_PREFIX.pattern, "").alias("address_key"),
            # Numbers are read before punctuation goes: "17-3-503" is three numbers, not 173503.
            folded.str.extract_all(r"\d+")
            .list.eval(pl.element().str.strip_chars_start("0").replace("", "0"))
            .list.join("-")
            .fill_null("")
            .alias("address_nums"),
            folded.str.extract(r"^(\D*)\d", 1)
            .fill_null("")
            .str.replace_all(r"[^\p{Han}]", "")
            .str.slice(-2)
            .alias("address_head"),
        )
        out = out.with_columns(
            pl.when(pl.col("address_key") == "")
            .then(pl.col("__compact"))
            .otherwise(pl.col("address_key"))
            .alias("address_key"),
            pl.when(pl.col("address_nums") == "")
            .then(pl.lit(""))
            .otherwise(pl.col("address_head"))
            .alias("address_head"),
        )

    for role in ("street_number", "address_1", "address_2", "suburb", "postcode", "state"):
        if schema.has(role):
            out = out.with_columns(_raw_folded(role).str.to_lowercase().alias(role))

    keep = [c for c in out.columns if not c.startswith("__")]
    return out.select(
        pl.col("unique_id"),
        pl.col("anchor"),
        *(
            pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
            for c in keep
            if c not in {"unique_id", "anchor"}
        ),
    )

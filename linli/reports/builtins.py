"""The ledgers Linli ships with: the ones departments most often ask every community to keep.

Names and descriptions are data, in the language of the departments that ask for them. Column headings are
left empty so that each shows the column's own label in the reader's language.
"""

from typing import Any

# The person's address comes from their household (building address and room) when they have one.
PERSON_AREA = ["address", "community", "grid"]


def _columns(*keys: str) -> list[dict[str, str]]:
    return [{"key": key, "label": ""} for key in keys]


BUILTIN_TEMPLATES: list[dict[str, Any]] = [
    {
        "code": "elderly-80-plus",
        "name": "80岁以上高龄老人台账",
        "department": "民政局",
        "description": "年满80周岁的常住及暂时外出老人，用于高龄津贴发放和走访。年龄按导出当日计算周岁。",
        "definition": {
            "columns": _columns(
                "row_number",
                "name",
                "sex",
                "birth_date",
                "age",
                "id_number",
                "phone",
                "hukou_status",
                "residence_status",
                *PERSON_AREA,
            ),
            "filters": {"min_age": 80},
            "group_by": "community",
            "order_by": ["area", "oldest_first"],
        },
    },
    {
        "code": "elderly-living-alone",
        "name": "独居老人台账",
        "department": "民政局",
        "description": "带有“独居老人”标签的老人，用于定期探访和紧急联系。",
        "definition": {
            "columns": _columns(
                "row_number",
                "name",
                "sex",
                "age",
                "id_number",
                "phone",
                "tag_source:elderly_living_alone",
                "tag_since:elderly_living_alone",
                *PERSON_AREA,
            ),
            "filters": {"tags_all": ["elderly_living_alone"]},
            "group_by": "community",
            "order_by": ["area", "oldest_first"],
        },
    },
    {
        "code": "left-behind-children",
        "name": "留守儿童台账",
        "department": "民政局",
        # 国发〔2016〕13号: a left-behind child is under 16.
        "description": "带有“留守儿童”标签、不满十六周岁的未成年人（国发〔2016〕13号），附户主与家庭人口。",
        "definition": {
            "columns": _columns(
                "row_number",
                "name",
                "sex",
                "birth_date",
                "age",
                "id_number",
                "head_name",
                "relation_to_head",
                "household_size",
                "tag_source:left_behind_child",
                *PERSON_AREA,
            ),
            "filters": {"tags_all": ["left_behind_child"], "max_age": 15},
            "group_by": "community",
            "order_by": ["area", "youngest_first"],
        },
    },
    {
        "code": "people-with-disabilities",
        "name": "残疾人台账",
        "department": "残联",
        "description": "持残疾人证的居民；残疾等级取“残疾”标签的等级（一级最重，四级最轻）。",
        "definition": {
            "columns": _columns(
                "row_number",
                "name",
                "sex",
                "birth_date",
                "age",
                "id_number",
                "phone",
                "disability_grade",
                "tag_source:disability",
                "tag_since:disability",
                *PERSON_AREA,
            ),
            "filters": {"tags_all": ["disability"]},
            "group_by": "community",
            "order_by": ["area", "name"],
        },
    },
    {
        # Minimum allowance (低保) is granted to a household, so the ledger has one row per household: its
        # head, the household's size and how many members hold the allowance tag.
        "code": "minimum-allowance-households",
        "name": "低保户台账",
        "department": "民政局",
        "description": "有成员享受最低生活保障的家庭，每户一行（户主），列出家庭人口和享受低保的人数。",
        "definition": {
            "columns": _columns(
                "row_number",
                "household_number",
                "head_name",
                "id_number",
                "phone",
                "household_size",
                "household_tag_members:minimum_allowance",
                *PERSON_AREA,
            ),
            "filters": {"heads_only": True, "household_tags_any": ["minimum_allowance"]},
            "group_by": "community",
            "order_by": ["area", "household"],
        },
    },
    {
        "code": "employment-difficulty",
        "name": "就业困难人员台账",
        "department": "人社局",
        "description": "经认定的就业困难人员，用于就业援助和公益性岗位安置。",
        "definition": {
            "columns": _columns(
                "row_number",
                "name",
                "sex",
                "age",
                "id_number",
                "phone",
                "hukou_status",
                "tag_source:employment_difficulty",
                "tag_since:employment_difficulty",
                *PERSON_AREA,
            ),
            "filters": {"tags_all": ["employment_difficulty"]},
            "group_by": "community",
            "order_by": ["area", "name"],
        },
    },
    {
        "code": "household-roster",
        "name": "家庭户花名册",
        "department": "街道办事处",
        "description": "按户排列的全部常住人口（含暂时外出），户主在前，每户前有户号、户主和地址。",
        "definition": {
            "columns": _columns(
                "row_number",
                "relation_to_head",
                "name",
                "sex",
                "ethnicity",
                "birth_date",
                "age",
                "id_number",
                "phone",
                "hukou_status",
                "residence_status",
            ),
            "group_by": "household",
            "order_by": ["household"],
        },
    },
    {
        "code": "registered-population-roster",
        "name": "户籍人口花名册",
        "department": "公安局",
        "description": "户籍在本地的人口，按户排列，户主在前。",
        "definition": {
            "columns": _columns(
                "row_number",
                "relation_to_head",
                "name",
                "sex",
                "ethnicity",
                "birth_date",
                "id_number",
                "residence_status",
                "address",
            ),
            "filters": {"hukou_status": "registered"},
            "group_by": "household",
            "order_by": ["household"],
        },
    },
]


def install_builtin_templates(template_model: Any) -> int:
    """Create the built-in templates that do not exist yet (by code); returns how many were created.

    Templates already there are left as they are: a manager may have edited them. ``template_model`` is the
    model class, so that a data migration can pass its historical model.
    """
    existing = set(template_model.objects.values_list("code", flat=True))
    missing = [spec for spec in BUILTIN_TEMPLATES if spec["code"] not in existing]
    template_model.objects.bulk_create(
        [template_model(is_builtin=True, active=True, **spec) for spec in missing]
    )
    return len(missing)

"""Fixed vocabularies of the registry."""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class HukouStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered (hukou here)")
    NON_REGISTERED = "non_registered", _("Non-registered (migrant)")


class ResidenceStatus(models.TextChoices):
    LIVING_HERE = "living_here", _("Living here")
    AWAY = "away", _("Away for now")
    MOVED_OUT = "moved_out", _("Moved out")
    DECEASED = "deceased", _("Deceased")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
    OTHER = "other", _("Other")


class Tag(models.TextChoices):
    ELDERLY_LIVING_ALONE = "elderly_living_alone", _("Elderly living alone")
    EMPTY_NEST = "empty_nest", _("Empty-nest elderly")
    LEFT_BEHIND_CHILD = "left_behind_child", _("Left-behind child")
    LEFT_BEHIND_ELDERLY = "left_behind_elderly", _("Left-behind elderly")
    LEFT_BEHIND_WOMAN = "left_behind_woman", _("Left-behind woman")
    DISABILITY = "disability", _("Person with disability")
    MINIMUM_ALLOWANCE = "minimum_allowance", _("Minimum living allowance")
    EXTREME_POVERTY = "extreme_poverty", _("Extreme poverty support")
    LOW_INCOME = "low_income", _("Low-income household")
    EMPLOYMENT_DIFFICULTY = "employment_difficulty", _("Employment difficulty")
    UNATTENDED_CHILD = "unattended_child", _("De facto unattended child")
    VETERAN = "veteran", _("Veteran or entitled group")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")


# Tags that carry a level: disability certificates grade 1 (most severe) to 4.
TAG_LEVELS: dict[str, range] = {Tag.DISABILITY: range(1, 5)}

# GB/T 3304-1991 codes of China's 56 ethnic groups.
ETHNICITIES: list[tuple[str, str | Promise]] = [
    ("01", _("Han")),
    ("02", _("Mongol")),
    ("03", _("Hui")),
    ("04", _("Tibetan")),
    ("05", _("Uyghur")),
    ("06", _("Miao")),
    ("07", _("Yi")),
    ("08", _("Zhuang")),
    ("09", _("Bouyei")),
    ("10", _("Korean")),
    ("11", _("Manchu")),
    ("12", _("Dong")),
    ("13", _("Yao")),
    ("14", _("Bai")),
    ("15", _("Tujia")),
    ("16", _("Hani")),
    ("17", _("Kazakh")),
    ("18", _("Dai")),
    ("19", _("Li")),
    ("20", _("Lisu")),
    ("21", _("Va")),
    ("22", _("She")),
    ("23", _("Gaoshan")),
    ("24", _("Lahu")),
    ("25", _("Sui")),
    ("26", _("Dongxiang")),
    ("27", _("Nakhi")),
    ("28", _("Jingpo")),
    ("29", _("Kyrgyz")),
    ("30", _("Tu")),
    ("31", _("Daur")),
    ("32", _("Mulao")),
    ("33", _("Qiang")),
    ("34", _("Blang")),
    ("35", _("Salar")),
    ("36", _("Maonan")),
    ("37", _("Gelao")),
    ("38", _("Xibe")),
    ("39", _("Achang")),
    ("40", _("Pumi")),
    ("41", _("Tajik")),
    ("42", _("Nu")),
    ("43", _("Uzbek")),
    ("44", _("Russian")),
    ("45", _("Evenki")),
    ("46", _("De'ang")),
    ("47", _("Bonan")),
    ("48", _("Yugur")),
    ("49", _("Gin")),
    ("50", _("Tatar")),
    ("51", _("Derung")),
    ("52", _("Oroqen")),
    ("53", _("Hezhen")),
    ("54", _("Monba")),
    ("55", _("Lhoba")),
    ("56", _("Jino")),
]

"""Which real places make up the demo district, and how their kinds and short names follow from the codes."""

from linli.core.models import AreaKind
from linli.demo.layout import chinese_number

DISTRICT_CODE = "110109"  # 门头沟区
# Two urban streets and two rural towns of 门头沟区, with approximate centres (WGS 84).
DISTRICT_CENTRE = (39.940, 116.102)
STREET_CENTRES: dict[str, tuple[float, float]] = {
    "110109001": (39.940, 116.102),  # 大峪街道
    "110109003": (39.925, 116.075),  # 东辛房街道
    "110109101": (39.903, 116.035),  # 潭柘寺镇
    "110109104": (39.985, 116.110),  # 军庄镇
}
# 石门营新区 houses families moved out of the mining-subsidence villages in the mountains.
RELOCATION_COMMUNITIES = frozenset({"110109003024"})


def street_kind(code: str) -> AreaKind:
    """NBS urban-rural code rule: 001–099 are streets (街道), 100 and above towns and townships."""
    return AreaKind.STREET if int(code[6:9]) < 100 else AreaKind.TOWN


def community_kind(code: str) -> AreaKind:
    """NBS code rule: 001–199 are residents' committees (居委会), 200–399 villagers' committees (村委会)."""
    if code in RELOCATION_COMMUNITIES:
        return AreaKind.RELOCATION_COMMUNITY
    return AreaKind.URBAN_COMMUNITY if int(code[9:12]) < 200 else AreaKind.VILLAGE


def short_name(name: str, kind: AreaKind) -> str:
    """德露苑社区居委会 → 德露苑社区; 上岸村委会 → 上岸村; 北村村委会 → 北村."""
    base = name.removesuffix("居委会").removesuffix("村委会")
    if kind == AreaKind.VILLAGE and not base.endswith("村"):
        base += "村"
    return base


def grid_name(community_name: str, number: int) -> str:
    return f"{community_name}第{chinese_number(number)}网格"

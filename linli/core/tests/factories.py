import factory

from linli.core.models import Area, AreaKind, AreaLevel


class AreaFactory(factory.django.DjangoModelFactory[Area]):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    code = "110109"
    name = factory.Sequence(lambda n: f"区域{n}")
    level = AreaLevel.DISTRICT
    kind = AreaKind.DISTRICT
    parent = None


def area_tree(code: str, name: str = "") -> Area:
    """The area with ``code`` and all its ancestors (district 6, street 9, community 12, grid 15 digits)."""
    levels = [
        (6, AreaLevel.DISTRICT, AreaKind.DISTRICT),
        (9, AreaLevel.STREET, AreaKind.STREET),
        (12, AreaLevel.COMMUNITY, AreaKind.URBAN_COMMUNITY),
        (15, AreaLevel.GRID, AreaKind.GRID),
    ]
    parent = None
    area = None
    for length, level, kind in levels:
        if len(code) < length:
            break
        area = AreaFactory(
            code=code[:length],
            level=level,
            kind=kind,
            parent=parent,
            name=name if length == len(code) and name else f"{level.label}{code[:length]}",
        )
        parent = area
    assert area is not None
    return area

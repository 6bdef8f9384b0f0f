"""What a set of records holds (its roles) and how the engine links it: rules, blocking and the model.

A *role* is the meaning of a column (``name``, ``birth_date``, ``id_number``...). The engine derives
normalised key columns from the roles (``keys.py``); rules, blocking and the Splink comparisons work on those
keys, never on the raw text.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

# Every role the engine understands. ``name`` is a full name written as one string (Chinese names);
# ``given_name``/``surname`` are the two halves of a Western name (FEBRL and similar data).
ROLES = (
    "id_number",
    "name",
    "given_name",
    "surname",
    "birth_date",
    "sex",
    "phone",
    "address",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
)
RESIDENT_ROLES = ("id_number", "name", "birth_date", "sex", "phone", "address")


@dataclass(frozen=True)
class Rule:
    """Records that agree on every key (none empty) are one entity, unless their valid IDs differ."""

    name: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class LinkSchema:
    """How records of one kind are linked.

    ``id_checked``: ID numbers carry a GB 11643 check character, so a number that fails it is a typo (a
    candidate, never a match) and two different valid numbers are two different people.
    ``rules``: deterministic rules on normalised keys, tried in order after the exact-ID rule.
    ``blocking``: key sets that propose pairs for the probabilistic model.
    ``training_blocks``: key sets of the EM sessions when a model is trained; neither phone nor address is
    ever one of them, or the model learns "same household" as "same person".
    ``match_guard``: given the comparison level of each field of a pair the model would link (Splink's
    gamma: -1 missing, 0 different, higher is closer), None to let the model decide, ``"apart"`` to drop
    the pair, or the ``decided_by`` of a candidate.
    """

    name: str
    roles: tuple[str, ...]
    id_checked: bool
    rules: tuple[Rule, ...]
    blocking: tuple[tuple[str, ...], ...]
    training_blocks: tuple[tuple[str, ...], ...]
    match_guard: Callable[[Mapping[str, int]], str | None] | None = None

    def has(self, *roles: str) -> bool:
        return all(role in self.roles for role in roles)


def resident_guard(levels: Mapping[str, int]) -> str | None:
    """When the model may link two resident records on its own, and when a person must look.

    Phone and address are shared by a household, so agreeing on them with the same birth date is what
    twins do: a name that differs outright (李明, 李亮) keeps the pair apart (``"apart"``: not even a
    candidate), and so does a birth date that differs unless the name agrees (then a person looks: old
    people's lunar birthdays). A name one character apart is as likely a twin as a slip: a candidate,
    unless the ID numbers are near too. Birth dates and ID numbers must not contradict. A birth date
    missing on one side needs phone or address to agree instead; so does an ID number that is only near
    (one character apart, or failing its check), which a person confirms otherwise (``"id_near"``).
    """
    name, birth = levels.get("name", -1), levels.get("birth_date", -1)
    id_level = levels.get("id_number", -1)
    confirmed = levels.get("phone", -1) >= 2 or levels.get("address", -1) >= 2
    if name == 0 or (birth == 0 and name < 2):
        return "apart"
    # A slip in the name and a slip in the ID number together are one person: twins' numbers are both valid.
    name_ok = name >= 2 or (name == 1 and id_level >= 2)
    if not name_ok or birth == 0 or id_level in (0, 1):
        return "splink"
    if birth < 1 and not confirmed:
        return "splink"
    if id_level == 2 and not confirmed:
        return "id_near"
    return None


RESIDENT_SCHEMA = LinkSchema(
    name="resident",
    roles=RESIDENT_ROLES,
    id_checked=True,
    rules=(
        Rule("name_birth_phone", ("name_key", "birth_date", "phone")),
        Rule("name_birth_address", ("name_key", "birth_date", "address_nums", "address_head")),
        Rule("variant_name_birth_phone", ("name_fold", "birth_date", "phone")),
        Rule("variant_name_birth_address", ("name_fold", "birth_date", "address_nums", "address_head")),
        Rule("name_birth_sex_phone_year", ("name_key", "sex", "phone", "birth_year")),
    ),
    blocking=(
        ("name_fold", "birth_year"),
        ("surname", "birth_date"),
        ("name_fold", "phone"),
        ("birth_date", "phone"),
        ("birth_date", "address_nums"),
        ("name_fold", "address_nums"),
    ),
    training_blocks=(("name_fold",), ("birth_date", "sex")),
    match_guard=resident_guard,
)


def generic_schema(roles: list[str] | tuple[str, ...]) -> LinkSchema:
    """A schema for other data (FEBRL, department lists in Latin script): ID numbers without a check
    character, names compared by string similarity, blocking on the roles present."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(unknown)}")
    present = tuple(role for role in ROLES if role in roles)

    def available(*keys: str) -> bool:
        return all(_key_role(key) in present for key in keys)

    rule_candidates = (
        Rule("name_birth", ("given_name", "surname", "birth_date")),
        Rule("name_birth", ("name_key", "birth_date")),
    )
    blocking_candidates: tuple[tuple[str, ...], ...] = (
        ("given_name", "surname"),
        ("name_key",),
        ("birth_date",),
        ("id_key",),
        ("phone",),
        ("surname", "postcode"),
        ("given_name", "postcode"),
        ("street_number", "postcode"),
        ("surname", "birth_year"),
        ("given_name", "birth_year"),
        ("address_1", "suburb"),
        ("street_number", "address_1"),
    )
    training_candidates: tuple[tuple[str, ...], ...] = (
        ("birth_date",),
        ("given_name", "surname"),
        ("name_key",),
        ("postcode", "street_number"),
    )
    training = tuple(keys for keys in training_candidates if available(*keys))[:3]
    return LinkSchema(
        name="generic",
        roles=present,
        id_checked=False,
        rules=tuple(rule for rule in rule_candidates if available(*rule.keys)),
        blocking=tuple(keys for keys in blocking_candidates if available(*keys)),
        training_blocks=training,
    )


# Which role each derived key comes from.
_KEY_ROLES = {
    "id_key": "id_number",
    "name_key": "name",
    "name_fold": "name",
    "birth_year": "birth_date",
    "address_nums": "address",
    "address_head": "address",
}


def _key_role(key: str) -> str:
    return _KEY_ROLES.get(key, key)


def schema_by_name(name: str, roles: list[str] | tuple[str, ...]) -> LinkSchema:
    if name == "resident":
        extra = sorted(set(roles) - set(RESIDENT_ROLES))
        if extra:
            raise ValueError(f"roles not in the resident schema: {', '.join(extra)}")
        return RESIDENT_SCHEMA
    if name == "generic":
        return generic_schema(roles)
    raise ValueError(f"unknown schema: {name}")

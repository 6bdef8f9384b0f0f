"""The Simplified Chinese catalogue is complete, compiled, and in step with the code.

After adding or changing user-facing text, refresh the catalogue from the project root:

    python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=static \
        --ignore=bench --ignore=tests --no-location --no-obsolete
    # translate every new or fuzzy entry in linli/locale/zh_Hans/LC_MESSAGES/django.po, then:
    python manage.py compilemessages --ignore=.venv

and commit both django.po and django.mo.
"""

import re
import shutil
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from linli.core.errors import DomainError
from linli.core.idnumbers import parse_id_number

BASE_DIR = Path(settings.BASE_DIR)
MESSAGES_DIR = BASE_DIR / "linli" / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = MESSAGES_DIR / "django.po"
MO_PATH = MESSAGES_DIR / "django.mo"

# The --ignore options of the makemessages command above, and the files makemessages reads by default.
IGNORED = [".venv", "var", "static", "bench", "tests"]
EXTENSIONS = (".py", ".html", ".txt")
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge")

UPDATE_HINT = "refresh and translate the catalogue (see the docstring of this test module)"

# printf-style placeholders as Python's % operator reads them: %s, %d, %(name)s, %(seconds).1f ...
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")
CJK = re.compile(r"[\u3400-\u9fff]")
HALF_WIDTH_PUNCTUATION = re.compile(r"[,;:?!()]|(?<=[\u3400-\u9fff])\.")


def _key(entry):
    return (entry.msgctxt, entry.msgid)


def _label(key):
    context, msgid = key
    return f"{msgid!r} (context {context!r})" if context else repr(msgid)


def _translations(entry):
    """Each translated form of an entry: the msgstr, or every plural form."""
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def _placeholders(text):
    return [p for p in PLACEHOLDER.findall(text) if p != "%%"]


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(PO_PATH))


def test_every_entry_is_translated_and_none_is_fuzzy_or_obsolete(catalogue):
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    obsolete = [e.msgid for e in catalogue.obsolete_entries()]

    assert not untranslated, f"untranslated entries in {PO_PATH.name}: {untranslated}"
    assert not fuzzy, f"fuzzy entries (check, correct, then drop the fuzzy flag): {fuzzy}"
    assert not obsolete, f"obsolete entries (makemessages --no-obsolete drops them): {obsolete}"


def test_every_placeholder_of_the_source_is_kept_in_the_translation(catalogue):
    broken = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        source = _placeholders(entry.msgid_plural or entry.msgid)
        for text in _translations(entry):
            found = _placeholders(text)
            named = all(p.startswith("%(") for p in source)
            # Named placeholders may move; positional ones (%s, %d) must keep their order.
            same = Counter(found) == Counter(source) if named else found == source
            if not same:
                broken.append(f"{entry.msgid!r}: {source} became {found} in {text!r}")
    assert not broken, "\n".join(broken)


def test_chinese_text_uses_full_width_punctuation(catalogue):
    offending = []
    for entry in catalogue:
        for text in _translations(entry):
            bare = PLACEHOLDER.sub("", text)
            if CJK.search(bare) and HALF_WIDTH_PUNCTUATION.search(bare):
                offending.append(f"{entry.msgid!r}: {text!r}")
    assert not offending, "use ，；：？！（）。 in Chinese text:\n" + "\n".join(offending)


def test_the_compiled_catalogue_matches_the_po_file(catalogue):
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run compilemessages"
    expected = {
        _key(e): _translations(e)
        for e in catalogue
        if e.translated() and not e.obsolete and "fuzzy" not in e.flags
    }
    compiled = {_key(e): _translations(e) for e in polib.mofile(str(MO_PATH)) if e.msgid}

    assert compiled == expected, f"{MO_PATH.name} is out of date: run compilemessages"


def _copy_sources(destination):
    """The files makemessages reads, without the ignored directories and without the catalogue itself."""

    def skip(directory, names):
        skipped = []
        for name in names:
            if Path(directory, name).is_dir():
                unread = name in IGNORED or name in {"__pycache__", "locale"}
            else:
                unread = not name.endswith(EXTENSIONS)
            if unread or name.startswith("."):
                skipped.append(name)
        return skipped

    shutil.copytree(BASE_DIR, destination, ignore=skip)


def test_every_message_in_the_code_has_a_translation(catalogue, tmp_path, monkeypatch):
    missing_tools = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing_tools:
        pytest.skip(f"GNU gettext is not installed (missing {', '.join(missing_tools)}): cannot extract")
    # Extract from a copy, so that nothing is written next to the real catalogue.
    sources = tmp_path / "src"
    _copy_sources(sources)
    locale_dir = sources / "linli" / "locale"
    monkeypatch.chdir(sources)
    with override_settings(LOCALE_PATHS=[locale_dir]):
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            ignore_patterns=IGNORED,
            no_location=True,
            keep_pot=True,
            verbosity=0,
        )
    in_code = {_key(e) for e in polib.pofile(str(locale_dir / "django.pot"))}
    translated = {_key(e) for e in catalogue if e.translated() and not e.obsolete and "fuzzy" not in e.flags}
    in_catalogue = {_key(e) for e in catalogue if not e.obsolete}

    missing = sorted(in_code - translated, key=str)
    stale = sorted(in_catalogue - in_code, key=str)
    assert not missing, f"no Chinese translation for: {', '.join(map(_label, missing))}; {UPDATE_HINT}"
    assert not stale, f"no longer in the code: {', '.join(map(_label, stale))}; {UPDATE_HINT}"


def _bad_check_character_message(language):
    with translation.override(language), pytest.raises(DomainError) as caught:
        parse_id_number("36042619910102009X")
    assert caught.value.code == "id_bad_check"
    with translation.override(language):  # the message is lazy: it is translated when read
        return str(caught.value.message)


def test_an_id_number_message_follows_the_language():
    assert "校验" in _bad_check_character_message("zh-hans")
    assert _bad_check_character_message("en") == (
        "The check character of this ID number is wrong; please check each digit."
    )

"""The interface's translations: complete in every shipped language, compiled, and formatted for the locale."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from catalogue.web import i18n

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "catalogue" / "locales"
#: the keywords the README's `pybabel extract` passes, besides Babel's defaults (_, gettext, ngettext)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "Message": None, "add": (3,)}
REQUIRED = ("fr", "nl", "de")


def interface_strings() -> set[str | tuple[str, str]]:
    """Every string of the interface, extracted afresh from the templates and the Python that labels pages."""
    with open(LOCALES / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: set[str | tuple[str, str]] = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map, KEYWORDS):
        found.add(tuple(message) if isinstance(message, list | tuple) else message)  # type: ignore[arg-type]
    return found


@pytest.fixture(scope="module")
def strings() -> set[str | tuple[str, str]]:
    if not (ROOT / "templates").is_dir():
        pytest.skip("templates/ is not next to the tests (an installed wheel): nothing to extract")
    return interface_strings()


@pytest.mark.parametrize("lang", REQUIRED)
def test_every_interface_string_is_translated(strings, lang: str) -> None:
    assert len(strings) > 200
    with open(LOCALES / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=lang)
    missing = []
    for message in strings:
        entry = catalog.get(message)
        translated = entry is not None and (
            all(entry.string) if isinstance(entry.string, tuple | list) else bool(entry.string)
        )
        if not translated:
            missing.append(message)
    assert not missing, (
        f"{lang}: no translation for {sorted(map(str, missing))[:20]} (see catalogue/locales/README.md)"
    )


@pytest.mark.parametrize("lang", REQUIRED)
def test_the_compiled_catalogue_matches_its_source(lang: str) -> None:
    folder = LOCALES / lang / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po:
        source = read_po(po, locale=lang)
    fresh = io.BytesIO()
    write_mo(fresh, source)
    fresh.seek(0)
    with open(folder / "messages.mo", "rb") as mo:
        shipped = read_mo(mo)
    assert _entries(shipped) == _entries(read_mo(fresh)), f"run pybabel compile for {lang}"


def _entries(catalog) -> dict[object, object]:
    def frozen(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {frozen(m.id): frozen(m.string) for m in catalog if m.id}


def test_placeholders_survive_translation() -> None:
    """A translation that drops or renames a %(name)s would raise (or lie) when the page renders."""
    import re

    placeholder = re.compile(r"%\([a-z_]+\)[sdr]")
    for lang in REQUIRED:
        with open(LOCALES / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
            catalog = read_po(po, locale=lang)
        for entry in catalog:
            if not entry.id:
                continue
            ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            wanted = set(placeholder.findall(ids[-1])) - {"%(num)d"}
            for text in strings:
                assert wanted <= set(placeholder.findall(text)), (lang, entry.id, text)


def test_every_shipped_language_is_an_interface_language() -> None:
    assert set(i18n.interface_languages()) >= {"en", *REQUIRED}


@pytest.mark.parametrize(
    ("lang", "size", "day"),
    [("en", "3.9 GB", "May 1, 2024"), ("fr", "3,9 Go", "1 mai 2024"), ("de", "3,9 GB", "01.05.2024")],
)
def test_numbers_sizes_and_dates_follow_the_locale(lang: str, size: str, day: str) -> None:
    with i18n.speaking(lang):
        assert i18n.byte_size(3870498500).replace("\xa0", " ").replace("\u202f", " ") == size
        assert i18n.date("2024-05-01T10:00:00") == day
        assert i18n.number(1234567) in ("1,234,567", "1 234 567", "1.234.567", "1\u202f234\u202f567")
        assert i18n.byte_size("not a number") == "not a number"
        assert i18n.date("sometime") == "sometime"


def test_messages_read_in_english_and_translate_on_pages() -> None:
    message = i18n.Message("There is no node called %(name)r.", name="zz")
    assert message == "There is no node called 'zz'." and isinstance(message, str)
    with i18n.speaking("de"):
        assert i18n.translate(message) == "Es gibt keinen Knoten namens 'zz'."
    with i18n.speaking("en"):
        assert i18n.translate(message) == message


def test_a_date_time_says_utc() -> None:
    with i18n.speaking("nl"):
        assert i18n.date_time(dt.datetime(2024, 5, 1, 12, 3, tzinfo=dt.UTC)).endswith("UTC")

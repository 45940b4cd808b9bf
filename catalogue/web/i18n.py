"""The interface in the visitor's language: which language, its translations, its number and date formats.

The language is chosen by ``?lang=``, then by the ``lang`` cookie that the
language switch (``/language``) sets, then by ``Accept-Language``. Two
languages come out of that choice: the one record texts are picked in (any
language a node may write in) and the one the interface speaks, the first
of the visitor's preferences that has a gettext catalogue under
``catalogue/locales/`` (English otherwise). Adding an interface language is
adding a catalogue there.

Templates call ``_()`` / ``{% trans %}`` as usual; the translations they use
are the current request's, held in a context variable while a page renders,
so macros imported without context translate too. Python-side labels shown
on pages (facet names, sort options, error messages) are marked with
:func:`N_` or built as :class:`Message`, and translated where rendered.
"""

from __future__ import annotations

import datetime as dt
import gettext as gettext_module
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.support import Translations
from babel.units import format_unit
from fastapi import Request
from jinja2 import Environment

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
#: a language code as ``?lang=``, the cookie and Accept-Language give it (its primary subtag)
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
DEFAULT = "en"
COOKIE = "lang"
#: the languages the switch offers for record texts, with their own names
CHOICES = (
    ("en", "English"),
    ("nl", "Nederlands"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("fi", "Suomi"),
    ("sv", "Svenska"),
    ("es", "Español"),
    ("pt", "Português"),
)


def N_(message: str) -> str:  # noqa: N802 (gettext's name for "mark, translate later")
    """Marks a string for extraction; it is translated where it is shown."""
    return message


class Message(str):
    """An error message in English (APIs and logs read it as a plain string) that pages translate.

    ``msgid`` is the English pattern with ``%(name)s`` placeholders, ``params`` its values.
    """

    msgid: str
    params: dict[str, object]

    def __new__(cls, msgid: str, **params: object) -> Message:
        made = super().__new__(cls, msgid % params if params else msgid)
        made.msgid, made.params = msgid, params
        return made


@cache
def interface_languages() -> tuple[str, ...]:
    """English and every language with a compiled catalogue."""
    found = sorted(p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return (DEFAULT, *(code for code in found if code != DEFAULT))


@cache
def translations(lang: str) -> gettext_module.NullTranslations:
    if lang == DEFAULT or lang not in interface_languages():
        return gettext_module.NullTranslations()
    return Translations.load(str(LOCALES_DIR), [lang], DOMAIN)


def preferences(request: Request) -> list[str]:
    """The visitor's languages, best first: ``?lang=``, the cookie, then Accept-Language by weight."""
    chosen = [
        value
        for raw in (request.query_params.get("lang"), request.cookies.get(COOKIE))
        if LANGUAGE.match(value := (raw or "").lower())
    ]
    return chosen + accepted_languages(request.headers.get("accept-language", ""))


def accepted_languages(header: str) -> list[str]:
    """The primary subtags of an Accept-Language header, by weight, those weighted 0 left out."""
    ranked = []
    for part in header.split(","):
        tag, _, q = part.strip().partition(";q=")
        base = tag.split("-")[0].lower()
        if LANGUAGE.match(base):
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            if weight > 0:
                ranked.append((weight, base))
    ranked.sort(key=lambda pair: -pair[0])
    return [base for _, base in ranked]


def content_language(request: Request) -> str:
    """The language record texts are picked in."""
    return next(iter(preferences(request)), DEFAULT)


def interface_language(request: Request) -> str:
    """The first preferred language the interface speaks."""
    available = interface_languages()
    return next((lang for lang in preferences(request) if lang in available), DEFAULT)


# -- translating while a page renders --------------------------------------------------

_current: ContextVar[str] = ContextVar("interface_language", default=DEFAULT)


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Renders within this block translate into ``lang``."""
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def translate(message: object) -> str:
    """A message shown on a page, in the current language: a :class:`Message` with its values, else as is."""
    if isinstance(message, Message):
        return gettext(message.msgid) % message.params if message.params else gettext(message.msgid)
    return gettext(str(message)) if isinstance(message, str) else str(message)


def install(environment: Environment) -> None:
    """The i18n extension, the current request's translations and the locale's formats."""
    environment.add_extension("jinja2.ext.i18n")
    # Jinja wraps them new-style: escaped under autoescape, ``%(name)s`` filled from keywords
    environment.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.filters.update(number=number, bytes=byte_size, date=date, datetime=date_time)
    environment.filters["translate"] = translate


# -- numbers, sizes and dates in the interface language's formats ----------------------


def _locale() -> Locale:
    return Locale.parse(_current.get())


def number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(value, format=pattern, locale=_locale()))


UNITS = ("byte", "kilobyte", "megabyte", "gigabyte", "terabyte", "petabyte")


def byte_size(value: int | float | str | None) -> str:
    """A size in bytes with a decimal (SI) unit, as the locale writes it: ``3,9 Go``, ``3.9 GB``."""
    try:
        amount = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value or "")
    step = 0
    while amount >= 1000 and step < len(UNITS) - 1:
        amount, step = amount / 1000, step + 1
    return str(
        format_unit(amount, f"digital-{UNITS[step]}", length="short", format="#,##0.#", locale=_locale())
    )


def date(value: dt.date | str | None) -> str:
    """A date (or the date part of an ISO string) in the locale's medium format."""
    if not value:
        return ""
    if not isinstance(value, str):
        return str(format_date(value, format="medium", locale=_locale()))
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return value
    return str(format_date(day, format="medium", locale=_locale()))


def date_time(value: dt.datetime) -> str:
    """A moment in the locale's format, in UTC, saying so."""
    return str(format_datetime(value, format="medium", tzinfo=dt.UTC, locale=_locale())) + " UTC"


# -- Vary on every page that speaks the visitor's language -----------------------------


def with_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``Accept-Language`` and ``Cookie`` added to ``Vary`` on an HTML answer (they choose its language).

    A header edit for :class:`~catalogue.web.safety.ResponseHeaders`.
    """
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    if not content_type.startswith(b"text/html"):
        return headers
    named = [v.decode() for k, v in headers if k.lower() == b"vary"]
    fields = [f.strip() for value in named for f in value.split(",") if f.strip()]
    for field in ("Accept-Language", "Cookie"):
        if field.lower() not in {f.lower() for f in fields}:
            fields.append(field)
    return [(k, v) for k, v in headers if k.lower() != b"vary"] + [(b"vary", ", ".join(fields).encode())]

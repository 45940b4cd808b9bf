"""Finds English interface strings left on a page served in another language (shared by web and browser tests).

A text node (or a label-like attribute) that equals an English string of the
interface whose translation differs is a leak. Text inside an element that
says it is in another language (``lang="en"`` on a SPARQL query, a record's
title) is the record's own, not the interface's, and is left out, as are
code, scripts and styles.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parent.parent / "catalogue" / "locales"
SKIPPED = {"script", "style", "code", "pre", "textarea", "noscript"}
ATTRIBUTES = ("aria-label", "placeholder", "title", "alt", "value")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@cache
def english(lang: str) -> frozenset[str]:
    """The English strings whose ``lang`` translation differs, with markup and placeholders cut away."""
    with open(LOCALES / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=lang)
    found, translated = set(), set()
    for entry in catalog:
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        translated |= {part for text in strings for part in _parts(text)}
        for text in ids:
            if text and text not in strings:
                found |= {part for part in _parts(text) if len(part) > 3 and re.search(r"[a-z]{3}", part)}
    return frozenset(found - translated)  # "Filter" is English and German: German there


def _parts(text: str) -> list[str]:
    return [part.strip(" .,:;()…") for part in re.split(r"<[^>]+>|%\([a-z_]+\)[sdr]", text)]


class _Texts(HTMLParser):
    def __init__(self, page_lang: str) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []  # (tag, whether its text is the interface's)
        self.page_lang = page_lang
        self.texts: list[str] = []

    def _ours(self) -> bool:
        return not self.stack or self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = values.get("lang")
        ours = self._ours() and tag not in SKIPPED and (lang is None or lang == self.page_lang)
        if ours or tag == "html":
            self.texts += [
                str(values[a])
                for a in ATTRIBUTES
                if values.get(a)
                and a != "value"
                or (a == "value" and tag == "input" and values.get("type") in ("submit", "button"))
            ]
        if tag not in VOID:
            self.stack.append((tag, ours or tag == "html"))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._ours() and data.strip():
            self.texts.append(data)


def leaks(html: str, lang: str) -> list[str]:
    """English interface strings on a page served in ``lang``."""
    parser = _Texts(lang)
    parser.feed(html)
    words = english(lang)
    out = []
    for text in parser.texts:
        cleaned = " ".join(text.split()).strip(" .,:;()…·–›")
        if cleaned in words:
            out.append(cleaned)
    return out

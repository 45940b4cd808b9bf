"""Countries as the EU authority table names them, from the codes people and nodes write.

The ``country`` facet holds EU country IRIs (``…/authority/country/BEL``):
they are what ``dct:spatial`` uses and the shipped vocabularies label in
every language. A node's configured country (``BE``) and a filter value
(``BE``, ``BEL``, ``EL``, or the IRI) are turned into one with ISO 3166 data
from ``pycountry``.
"""

from __future__ import annotations

import re

import pycountry

from catalogue.namespaces import EU_AUTHORITY

COUNTRY = EU_AUTHORITY + "country/"
#: the EU's own two-letter codes that ISO 3166 spells otherwise
EU_CODES = {"EL": "GR", "UK": "GB"}


def country_iri(value: str) -> str:
    """An EU country authority IRI from an ISO 3166 alpha-2 or alpha-3 code, or the IRI itself."""
    text = value.strip()
    if text.startswith(COUNTRY) and re.fullmatch(r"[A-Z0-9_]{2,8}", text[len(COUNTRY) :]):
        return text
    found = None
    if re.fullmatch(r"[A-Za-z]{2,3}", text):
        code = EU_CODES.get(text.upper(), text.upper())
        found = (
            pycountry.countries.get(alpha_2=code) if len(code) == 2 else pycountry.countries.get(alpha_3=code)
        )
    if found is None:
        raise ValueError(f"{text[:40]!r} is not an ISO 3166 country code (BE, BEL) nor an EU country IRI")
    return COUNTRY + found.alpha_3

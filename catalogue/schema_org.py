"""schema.org ``Dataset`` descriptions for search engines, from a :class:`DatasetView`.

Pages embed them as ``<script type="application/ld+json">``; :func:`script_json`
makes the JSON safe to put there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from catalogue.views import Agent, DatasetView, LangText, pick_language

CONTEXT = "https://schema.org"
IANA_MEDIA_TYPES = "iana.org/assignments/media-types/"
ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
#: EU access-right concept -> schema.org isAccessibleForFree (restricted and non-public data are not free to read)
FREE = {"PUBLIC": True, "RESTRICTED": False, "NON_PUBLIC": False}


def dataset_jsonld(
    view: DatasetView,
    *,
    url: str,
    catalogue_name: str,
    catalogue_url: str,
    lang: str = "en",
    label: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """A schema.org Dataset: texts in ``lang`` (else English, else any), IRIs kept as given.

    ``name`` and ``description`` come in one language, stated as ``inLanguage``
    (see :func:`text_language`); ``isAccessibleForFree`` follows the EU access
    right (public: true; restricted, non-public: false; otherwise left out).

    ``url`` is the dataset's page here; ``label`` names linked concepts (places, formats).
    """

    def text(value: LangText) -> str | None:
        return pick_language(value, lang)

    def name_of(iri: str) -> str:
        return (label(iri) if label else "") or iri

    data: dict[str, Any] = {"@context": CONTEXT, "@type": "Dataset", "@id": view.uri}
    chosen = text_language(view.title, view.description, lang)
    if chosen is not None:
        data["name"] = view.title[chosen][0]
        _put(data, "description", next(iter(view.description.get(chosen, [])), None))
        _put(data, "inLanguage", chosen)
    else:
        data["name"] = text(view.title) or view.uri
        _put(data, "description", text(view.description))
    data["url"] = url
    data["identifier"] = view.identifier or [view.uri]
    keywords = _in_language(view.keywords, lang)
    _put(data, "keywords", keywords)
    _put(data, "creator", [_organization(a, lang) for a in view.creators])
    if view.publisher is not None:
        data["publisher"] = _organization(view.publisher, lang)
    _put(data, "license", _one_or_list(view.licenses))
    _put(data, "temporalCoverage", _one_or_list([_interval(p.start, p.end) for p in view.temporal]))
    _put(data, "spatialCoverage", [{"@type": "Place", "name": name_of(s), "sameAs": s} for s in view.spatial])
    downloads = []
    for d in view.distributions:
        if not d.download_urls:
            continue
        download: dict[str, Any] = {"@type": "DataDownload", "contentUrl": d.download_urls[0]}
        _put(download, "name", text(d.title))
        _put(download, "encodingFormat", _encoding(d.media_type) or (name_of(d.format) if d.format else None))
        _put(download, "license", d.license)
        downloads.append(download)
    _put(data, "distribution", downloads)
    data["includedInDataCatalog"] = {"@type": "DataCatalog", "name": catalogue_name, "url": catalogue_url}
    _put(data, "datePublished", view.issued)
    _put(data, "dateModified", view.modified)
    _put(data, "version", view.version)
    _put(data, "sameAs", _one_or_list(view.landing_pages))
    free = FREE.get((view.access_rights or "").removeprefix(ACCESS_RIGHT)) if view.access_rights else None
    if free is not None:
        data["isAccessibleForFree"] = free
    return data


def text_language(title: LangText, description: LangText, lang: str) -> str | None:
    """One tagged language for the name and the description together, so they never disagree.

    The visitor's, else English, else any language that has both; else the
    visitor's or English title alone. None when no tagged title fits (then
    each text is picked on its own and no ``inLanguage`` is claimed).
    """
    tagged = [tag for tag in title if tag and title[tag]]
    order = [lang, "en", *sorted(tagged)]
    for candidate in order:
        if candidate in tagged and description.get(candidate):
            return candidate
    return next((candidate for candidate in (lang, "en") if candidate in tagged), None)


def script_json(data: Any) -> str:
    """JSON that cannot end its ``<script>`` element or open an HTML comment.

    ``<``, ``>`` and ``&`` become ``\\u003c`` …, and the line separators that
    older JavaScript engines read as line ends are escaped too; the JSON is the same.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def _put(data: dict[str, Any], key: str, value: Any) -> None:
    if value:
        data[key] = value


def _one_or_list(given: list[str | None] | list[str]) -> str | list[str] | None:
    values = [v for v in given if v]
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def _in_language(text: LangText, lang: str) -> list[str]:
    for candidate in (lang, "en", ""):
        if text.get(candidate):
            return text[candidate]
    return next((values for values in text.values() if values), [])


def _organization(agent: Agent, lang: str) -> dict[str, Any]:
    organization: dict[str, Any] = {"@type": "Organization"}
    if agent.iri:
        organization["@id"] = agent.iri
    organization["name"] = pick_language(agent.name, lang) or agent.iri or ""
    _put(organization, "url", agent.homepage)
    _put(organization, "email", agent.email)
    return organization


def _interval(start: str | None, end: str | None) -> str | None:
    """ISO 8601 interval, ``..`` for an open end (as schema.org's temporalCoverage allows)."""
    if not start and not end:
        return None
    return f"{start or '..'}/{end or '..'}"


def _encoding(media_type: str | None) -> str | None:
    if not media_type:
        return None
    if IANA_MEDIA_TYPES in media_type:
        return media_type.rsplit(IANA_MEDIA_TYPES, 1)[-1]
    return media_type

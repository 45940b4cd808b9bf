"""A search as SPARQL: the query shown beside every search, and the ``where=`` restriction.

**Every search as SPARQL.** :func:`search_as_sparql` writes the SPARQL query
over the public dataset of ``/sparql`` that asks what a search asks: its
filters as triple patterns (the values of one facet in a ``VALUES`` block,
OR-ed; facets AND-ed), its words as substring matches on titles, descriptions
and keywords, its ``quality_min`` on the quality measurements, its ranges (counts, ages,
dates), its order and its page. It is an equivalent a person can read and change, not a copy of the
index: the index also stems words, crosses languages and ranks. Whatever the
visitor typed enters the query only as a term serialised by pyoxigraph (a
literal with its quotes and escapes, an IRI pyoxigraph accepted), never as text.

**``where=``.** A SPARQL group graph pattern over ``?dataset``, e.g.
``{ ?dataset dct:publisher <https://…> }``, restricts a search. It is checked
here first (:func:`check_where`: one balanced ``{ … }`` that uses
``?dataset``, nothing after its closing brace, bounded in length and depth:
what keeps it inside the sub-query it is put in), then run by :func:`restrict` through
:class:`~catalogue.sparql.service.SparqlService` — the ``/sparql`` endpoint's worker
processes, read-only guard, row limit and deadline — as a sub-query joined with
the provenance graph, so what comes back are ids of visible records. Updates
and SERVICE are the guard's to refuse, as for any query: inside a pattern an
update keyword is a syntax error, and rdflib's parser finds a SERVICE wherever
it stands (a keyword search on the text would only say it again). The
restriction is computed whole, up to :data:`MAX_RESTRICTION` records, and
handed to the index as an id filter: totals, facets and pages stay exact. A
pattern matching more is refused (:class:`PatternError`, 400) rather than cut,
which would make counts wrong without saying so.
"""

from __future__ import annotations

import re
import time
from datetime import datetime

import pyoxigraph as ox

from catalogue.index import Range, SearchQuery
from catalogue.namespaces import CAT, DCAT, DCT, FOAF, HEALTHDCATAP, PROV, RDF, RDFS, SKOS, XSD
from catalogue.sparql.service import QuerySyntaxError, SparqlService
from catalogue.sparql.syntax import skeleton
from catalogue.store import VISIBLE
from catalogue.store.dqv import DQV

#: prefixes the queries we write use, and that a ``where=`` pattern may use without declaring them
PREFIXES = {
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "dcat": DCAT,
    "dct": DCT,
    "foaf": FOAF,
    "prov": PROV,
    "skos": SKOS,
    "healthdcatap": HEALTHDCATAP,
    "dqv": DQV,
    "cat": CAT,
}
PROLOGUE = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
#: the line of the restriction query on which the ``where=`` pattern starts (column 1)
PATTERN_LINE = PROLOGUE.count("\n") + 3

#: the longest ``where=`` pattern (characters) and its deepest nesting of braces
MAX_WHERE = 8_000
MAX_DEPTH = 24
#: the most records a ``where=`` restriction may match
MAX_RESTRICTION = 10_000
#: words of a search's text turned into SPARQL
MAX_WORDS = 10

#: per facet: the pattern linking ?dataset to ?value (the facet's accepted values are bound to ?value)
FACET_PATTERNS = {
    "source": "GRAPH {provenance} {{ ?{v}_record foaf:primaryTopic ?dataset ; cat:source ?{v} }}",
    "country": "?dataset dct:spatial ?{v} .",
    "publisher": "?dataset dct:publisher ?{v} .",
    "health_category": "?dataset healthdcatap:healthCategory ?{v} .",
    "health_theme": "?dataset healthdcatap:healthTheme ?{v} .",
    "type": "?dataset dct:type ?{v} .",
    "coding_system": "?dataset healthdcatap:hasCodingSystem ?{v} .",
    "code": "?dataset healthdcatap:hasCodeValues ?{v}_concept . "
    "OPTIONAL {{ ?{v}_concept dct:identifier|skos:notation ?{v}_id }} "
    'FILTER(CONTAINS(UCASE(STR(?{v}_concept)), UCASE(?{v})) || CONTAINS(UCASE(COALESCE(STR(?{v}_id), "")), UCASE(?{v})))',
    "theme": "?dataset dcat:theme ?{v} .",
    "keyword": "?dataset dcat:keyword ?{v}_text . FILTER(LCASE(STR(?{v}_text)) = LCASE(?{v}))",
    "format": "?dataset dcat:distribution/(dct:format|dcat:mediaType) ?{v} .",
    "license": "?dataset (dcat:distribution/dct:license)|dct:license ?{v} .",
    "access_rights": "?dataset dct:accessRights ?{v} .",
    "language": "?dataset dct:language ?{v} .",
}
#: facets whose values are literals (the others are IRIs)
LITERAL_FACETS = {"source", "keyword", "code"}
#: range filters on whole numbers: the property, or for ages the (lowest, highest) pair whose span must overlap
COUNT_RANGES = {"individuals": "numberOfUniqueIndividuals", "records": "numberOfRecords"}
#: range filters on dates: the pattern binding ?{v}_from / ?{v}_to (ISO text: compared as text, day by day)
DATE_RANGES = {
    "modified": "?dataset dct:modified ?{v}_from . BIND(?{v}_from AS ?{v}_to)",
    "temporal": "?dataset dct:temporal ?{v}_period . "
    "OPTIONAL {{ ?{v}_period dcat:startDate|<http://schema.org/startDate> ?{v}_from }} "
    "OPTIONAL {{ ?{v}_period dcat:endDate|<http://schema.org/endDate> ?{v}_to }}",
}


class PatternError(ValueError):
    """A ``where=`` pattern that is refused; the message names the problem."""


def term(value: str, literal: bool = False) -> str:
    """A value as a SPARQL term: an IRI if asked for and pyoxigraph accepts it as one, else a literal."""
    if not literal:
        try:
            return str(ox.NamedNode(value))
        except ValueError:
            pass
    return str(ox.Literal(value))


def search_as_sparql(query: SearchQuery, provenance: str, where: str | None = None) -> str:
    """The SPARQL query equivalent to a search (``where`` already checked by :func:`check_where`)."""
    graph = str(ox.NamedNode(provenance))
    lines = ["?dataset a dcat:Dataset ."]
    for number, (facet, values) in enumerate(sorted(query.filters.items())):
        pattern = FACET_PATTERNS.get(facet)
        if pattern is None or not values:
            continue
        var = f"f{number}"
        if facet == "code":  # matched by its local part (icd10:C50 → C50) in the node's identifiers
            values = [value.split(":", 1)[-1] if "://" not in value else value for value in values]
        terms = " ".join(term(value, facet in LITERAL_FACETS) for value in dict.fromkeys(values))
        lines.append(f"VALUES ?{var} {{ {terms} }}")
        lines.append(pattern.format(v=var, provenance=graph))
    for number, wanted in enumerate(query.ranges):
        lines += _range(wanted, f"r{number}")
    words = query.text.split()[:MAX_WORDS]
    if words:
        lines.append(
            "# each word as part of a title, description or keyword (the index also stems and translates)"
        )
    for word in words:
        lines.append(
            "FILTER EXISTS { ?dataset dct:title|dct:description|dcat:keyword ?text "
            f"FILTER(CONTAINS(LCASE(STR(?text)), LCASE({term(word, literal=True)}))) }}"
        )
    if query.quality_min is not None:
        lines.append(
            f"GRAPH {graph} {{ ?measurement dqv:computedOn ?dataset ; "
            "dqv:isMeasurementOf cat:qualityScore ; dqv:value ?quality }"
        )
        lines.append(f"FILTER(?quality >= {int(query.quality_min)})")
    if where is not None:
        lines.append(where)
    select, order = _order(query, lines, graph)
    body = "\n  ".join(lines)
    paging = f"LIMIT {int(query.size)}" + (
        f" OFFSET {(int(query.page) - 1) * int(query.size)}" if query.page > 1 else ""
    )
    return f"{PROLOGUE}SELECT {select} WHERE {{\n  {body}\n}}\n{order}{paging}\n"


def _range(wanted: Range, var: str) -> list[str]:
    """Patterns for one range filter (both ends inclusive; a span overlaps the asked range)."""
    low, high = wanted.low, wanted.high
    if wanted.name in COUNT_RANGES:
        tests = [
            f"?{var} >= {int(low)}" if isinstance(low, int) else "",
            f"?{var} <= {int(high)}" if isinstance(high, int) else "",
        ]
        pattern = f"?dataset healthdcatap:{COUNT_RANGES[wanted.name]} ?{var}_text . BIND(xsd:integer(STR(?{var}_text)) AS ?{var})"
        return [pattern, f"FILTER({' && '.join(t for t in tests if t) or 'true'})"]
    if wanted.name == "age":
        tests = [
            f"?{var}_max >= {int(low)}" if isinstance(low, int) else "",
            f"?{var}_min <= {int(high)}" if isinstance(high, int) else "",
        ]
        pattern = (
            f"?dataset healthdcatap:minTypicalAge ?{var}_low ; healthdcatap:maxTypicalAge ?{var}_high . "
            f"BIND(xsd:integer(STR(?{var}_low)) AS ?{var}_min) BIND(xsd:integer(STR(?{var}_high)) AS ?{var}_max)"
        )
        return [pattern, f"FILTER({' && '.join(t for t in tests if t) or 'true'})"]
    tests = []
    if isinstance(low, datetime):
        tests.append(
            f"(!BOUND(?{var}_to) || SUBSTR(STR(?{var}_to), 1, 10) >= {term(low.date().isoformat(), True)})"
        )
    if isinstance(high, datetime):
        tests.append(
            f"(!BOUND(?{var}_from) || SUBSTR(STR(?{var}_from), 1, 10) <= {term(high.date().isoformat(), True)})"
        )
    return [DATE_RANGES[wanted.name].format(v=var), f"FILTER({' && '.join(tests) or 'true'})"]


def _order(query: SearchQuery, lines: list[str], graph: str) -> tuple[str, str]:
    """(the projection, the solution modifiers before LIMIT) for the search's sort; adds the patterns it needs."""
    if query.sort in ("modified", "title"):
        predicate, direction = ("dct:modified", "DESC") if query.sort == "modified" else ("dct:title", "ASC")
        lines.append(f"OPTIONAL {{ ?dataset {predicate} ?{query.sort}_ }}")
        return (
            f"?dataset (SAMPLE(?{query.sort}_) AS ?{query.sort})",
            f"GROUP BY ?dataset\nORDER BY {direction}(?{query.sort}) ?dataset\n",
        )
    if query.sort == "quality":
        lines.append(
            f"OPTIONAL {{ GRAPH {graph} {{ ?score dqv:computedOn ?dataset ; "
            "dqv:isMeasurementOf cat:qualityScore ; dqv:value ?points_ } }"
        )
        return "?dataset (MAX(?points_) AS ?points)", "GROUP BY ?dataset\nORDER BY DESC(?points) ?dataset\n"
    lines.append("# ranking by relevance has no SPARQL equivalent: ordered by IRI")
    return "DISTINCT ?dataset", "ORDER BY ?dataset\n"


def check_where(pattern: str) -> str:
    """The pattern, trimmed, if it is one group graph pattern over ``?dataset`` we may run; else PatternError."""
    text = pattern.strip()
    if not text:
        raise PatternError("where= is empty: give a group graph pattern, e.g. { ?dataset dct:publisher <…> }")
    if len(text) > MAX_WHERE:
        raise PatternError(f"where= is longer than {MAX_WHERE:,} characters")
    shape = skeleton(text)  # strings, IRIs and comments blanked: their braces do not count
    if not shape.startswith("{"):
        raise PatternError("where= must be a group graph pattern in braces: { … }")
    depth = 0
    for offset, char in enumerate(shape):
        if char == "{":
            depth += 1
            if depth > MAX_DEPTH:
                raise PatternError(f"where= nests braces deeper than {MAX_DEPTH} levels")
        elif char == "}":
            depth -= 1
            if depth == 0 and shape[offset + 1 :].strip():
                raise PatternError(
                    f"where= closes its opening brace at character {offset + 1} and goes on: "
                    "everything must be inside one { … }"
                )
    if depth != 0:
        raise PatternError("where= opens more braces than it closes")
    if re.search(r"[?$]dataset(?!\w)", shape) is None:
        raise PatternError("where= must use the variable ?dataset (the datasets it keeps)")
    return text


def _syntax_error(error: QuerySyntaxError) -> PatternError:
    """The parser's message about the restriction query, its position counted in the pattern."""
    shift = PATTERN_LINE - 1

    def position(found: re.Match[str]) -> str:
        return f"line {int(found[1]) - shift}, column {found[2]}"

    message = re.sub(r"error at (\d+):(\d+)", position, str(error), count=1)
    return PatternError(f"where= is not a SPARQL group graph pattern: {message[:300]}")


def restriction_query(where: str, provenance: str, limit: int = MAX_RESTRICTION) -> str:
    """The record ids of the visible datasets ``where`` (checked) matches, at most ``limit`` + 1."""
    graph = str(ox.NamedNode(provenance))
    visible = ", ".join(str(ox.Literal(status)) for status in VISIBLE)
    return (
        f"{PROLOGUE}SELECT DISTINCT ?id WHERE {{\n"
        f"  {{ SELECT DISTINCT ?dataset WHERE\n{where}\n  }}\n"
        f"  GRAPH {graph} {{ ?record foaf:primaryTopic ?dataset ; cat:recordId ?id ; cat:status ?status ;"
        ' cat:kind "dataset" }\n'
        f"  FILTER(?status IN ({visible}))\n}}\nLIMIT {int(limit) + 1}\n"
    )


def restrict(service: SparqlService, provenance: str, where: str, timeout: float | None = None) -> list[str]:
    """The ids of the records a ``where=`` pattern keeps (checked first); PatternError or SparqlError if not.

    Errors from the SPARQL side keep their status (a syntax error 400, a refusal 400/403, too slow 503).
    """
    pattern = check_where(where)
    deadline = None if timeout is None else time.monotonic() + timeout
    limit = min(MAX_RESTRICTION, service.limits.max_rows - 1)
    try:  # parsed in a worker: a parse can cost (pyoxigraph evaluates as it goes)
        answer = service.execute(restriction_query(pattern, provenance, limit), deadline=deadline)
    except QuerySyntaxError as error:
        raise _syntax_error(error) from None
    ids = [found.value for row in answer.rows or [] if isinstance(found := row.get("id"), ox.Literal)]
    if len(ids) > limit:
        raise PatternError(
            f"where= matches more than {limit:,} datasets; narrow it down (the restriction is not cut, "
            "so that totals and pages stay right)"
        )
    return ids

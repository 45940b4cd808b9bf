"""What can be read from a SPARQL query's text without a full parser.

pyoxigraph parses queries but does not hand back their structure, and a query
forwarded to a remote SPARQL server travels as text. Two questions are
answered here on a *skeleton* of the query — the same text with IRIs, string
literals and comments blanked out, so that nothing a user wrote inside them
can look like a keyword or a brace:

* does the query use a keyword (``GRAPH``, ``SERVICE``)?
* where does its WHERE clause open (to put a ``VALUES`` block there)?

Callers check the syntax with pyoxigraph first (:func:`query_form`); the
other helpers assume a valid query.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'  # long strings
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'  # short strings
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'  # IRIs (a lone < is the less-than operator)
    r"|\#[^\n\r]*",  # comments
    re.DOTALL,
)


def skeleton(query: str) -> str:
    """The query with IRIs, strings and comments replaced by spaces (offsets unchanged)."""
    return _OPAQUE.sub(lambda match: " " * len(match.group()), query)


def uses_keyword(query: str, keyword: str) -> bool:
    """Whether the keyword occurs as a keyword (not in an IRI, string, comment, variable or prefixed name)."""
    pattern = rf"(?<![\w?$:]){re.escape(keyword)}(?![\w:-])"
    return re.search(pattern, skeleton(query), re.IGNORECASE) is not None


def uses_graph_variable(query: str) -> bool:
    """Whether the query has a ``GRAPH ?g`` (not only ``GRAPH <iri>``)."""
    return re.search(r"(?<![\w?$:])GRAPH\s+[?$]", skeleton(query), re.IGNORECASE) is not None


def where_clause_start(query: str) -> int:
    """The offset just after the brace that opens the query's WHERE clause.

    That is the first top-level ``{`` — except in ``CONSTRUCT { template } WHERE { … }``,
    where the template comes first.
    """
    text = skeleton(query)
    depth, openings = 0, []
    for offset, char in enumerate(text):
        if char == "{":
            if depth == 0:
                openings.append(offset)
            depth += 1
        elif char == "}":
            depth -= 1
    if not openings:
        raise ValueError("the query has no WHERE clause")
    first = openings[0]
    if re.search(r"(?<![\w?$:])CONSTRUCT\s*$", text[:first], re.IGNORECASE) and len(openings) > 1:
        return openings[1] + 1
    return first + 1


def with_values(query: str, values: dict[str, str]) -> str:
    """The query with a ``VALUES`` block binding these variables at the start of its WHERE clause.

    ``values`` maps variable names to terms already serialised in their
    N-Triples form (``str()`` of a pyoxigraph term): never raw text.
    """
    if not values:
        return query
    for name in values:
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is None:
            raise ValueError(f"{name!r} is not a variable name")
    if re.search(r"(?<![\w?$:])CONSTRUCT\s+WHERE\b", skeleton(query), re.IGNORECASE):
        raise ValueError("the short form CONSTRUCT WHERE { … } cannot take a VALUES block")
    at = where_clause_start(query)
    names = " ".join(f"?{name}" for name in values)
    block = f" VALUES ({names}) {{ ({' '.join(values.values())}) }} "
    return query[:at] + block + query[at:]


_EMPTY: ox.Store | None = None


def query_form(query: str, base_iri: str | None = None) -> str:
    """ "select", "ask" or "graph" (CONSTRUCT, DESCRIBE); raises SyntaxError for a query that is not SPARQL 1.1.

    pyoxigraph parses the query and evaluates it lazily on an empty store — which
    costs next to nothing and tells the form by the kind of result it returns.
    ``base_iri`` resolves relative IRIs (without one, a query that has them is an error).
    """
    global _EMPTY
    if _EMPTY is None:
        _EMPTY = ox.Store()
    result = _EMPTY.query(query, base_iri=base_iri)
    if isinstance(result, ox.QuerySolutions):
        return "select"
    if isinstance(result, ox.QueryBoolean):
        return "ask"
    return "graph"


_PREFIX = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^<>\"{}|^`\\\x00-\x20]*)>", re.IGNORECASE)
_PREFIXED_NAME = re.compile(r"(?<![\w?$:<])([A-Za-z][\w.-]*)?:([\w%-][\w.%:-]*)?")


def mentioned_iris(query: str) -> set[str]:
    """Every IRI the query writes out: ``<…>`` (absolute) and prefixed names expanded by its PREFIXes."""
    found = {m.group()[1:-1] for m in _OPAQUE.finditer(query) if m.group().startswith("<")}
    prefixes = {m.group(1) or "": m.group(2) for m in _PREFIX.finditer(query)}
    for match in _PREFIXED_NAME.finditer(skeleton(query)):
        namespace = prefixes.get(match.group(1) or "")
        if namespace is not None:
            found.add(namespace + (match.group(2) or ""))
    return found


_FROM = re.compile(r"(?<![\w?$:])FROM\s+(NAMED\s+)?", re.IGNORECASE)


def dataset_clauses(query: str) -> list[tuple[bool, str]]:
    """The query's own dataset: ``(named?, IRI)`` of each ``FROM`` / ``FROM NAMED`` clause."""
    text = skeleton(query)
    prefixes = {m.group(1) or "": m.group(2) for m in _PREFIX.finditer(query)}
    clauses = []
    for keyword in re.finditer(r"(?<![\w?$:])FROM\b", text, re.IGNORECASE):
        match = _FROM.match(
            query, keyword.start()
        )  # on the query itself: the IRI after FROM is blanked in text
        if match is None:
            continue
        start = match.end()
        if query.startswith("<", start):
            iri = query[start + 1 : query.index(">", start)]
        else:
            name = _PREFIXED_NAME.match(text, start)
            if name is None or (name.group(1) or "") not in prefixes:
                raise ValueError(f"cannot read the graph named at offset {start}")
            iri = prefixes[name.group(1) or ""] + (name.group(2) or "")
        clauses.append((match.group(1) is not None, iri))
    return clauses

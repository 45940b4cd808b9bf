"""What a SPARQL query asks for: its form, its own dataset, its GRAPH and SERVICE patterns.

:func:`shape` reads a query with rdflib's SPARQL 1.1 parser — a real grammar,
so ``FROM<iri>`` without a space, lowercase keywords, comments, prefixed names
and IRIs relative to the query's ``BASE`` are all read as the query engine
reads them (the regexes used before missed ``FROM<iri>`` and failed on
``FROM NAMED<iri>``). It answers what the endpoint's guard needs: the graphs
of ``FROM`` / ``FROM NAMED`` (IRIs resolved), whether a ``SERVICE`` occurs,
and which graphs ``GRAPH`` names (or whether it takes a variable). A text
that is a SPARQL Update is recognised as such (:class:`UpdateText`).

rdflib's parser (pyparsing) is slow — a 256 KB query of ``PREFIX`` lines
takes seconds — so the endpoint calls it only in its worker processes, which
are killed at the query's deadline, and caches the shapes of recent query
texts (:data:`CACHED`) since clients repeat theirs.

A *skeleton* of a query (IRIs, strings and comments blanked out) remains for
fragments of queries: the braces of ``catalogue/search_sparql.py``'s ``where=``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

import pyoxigraph as ox
from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

#: query texts whose shape each worker process keeps
CACHED = 512

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


@dataclass(frozen=True)
class QueryShape:
    """What the guard and the forwarding need to know about a query."""

    #: the graphs of its FROM and FROM NAMED clauses, IRIs resolved
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    #: every IRI it writes (resolved), whether it has a GRAPH ?g (a GRAPH with a variable), and a SERVICE
    iris: frozenset[str]
    graph_variable: bool
    service: bool

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def shape(query: str, base_iri: str | None = None) -> QueryShape:
    """The query's shape (``base_iri`` resolves relative IRIs); SyntaxError when the grammar cannot read it."""
    return _shape(query, base_iri)


@lru_cache(maxsize=CACHED)
def _shape(query: str, base_iri: str | None) -> QueryShape:
    try:
        prologue, body = parseQuery(_without_comments(query))
    except ParseBaseException as error:
        raise SyntaxError(f"line {error.lineno}, column {error.col}: {error.msg}") from None
    resolve = _Resolver(prologue, base_iri)
    # (not body.get: CompValue's answers the key itself when it is missing, and takes no default)
    dataset = body["datasetClause"] if "datasetClause" in body else []  # noqa: SIM401
    nodes, iris = _walk(body)
    return QueryShape(
        tuple(resolve(clause["default"]) for clause in dataset if "default" in clause),
        tuple(resolve(clause["named"]) for clause in dataset if "named" in clause),
        frozenset(resolve(iri) for iri in iris),
        any(node.name == "GraphGraphPattern" and isinstance(node.term, Variable) for node in nodes),
        any(node.name == "ServiceGraphPattern" for node in nodes),
    )


def is_update(query: str) -> bool:
    """Whether the text reads as a SPARQL Update (for a clear refusal of what is not a query)."""
    try:
        parseUpdate(_without_comments(query))
    except ParseBaseException:
        return False
    return True


def _without_comments(query: str) -> str:
    return _OPAQUE.sub(lambda m: " " * len(m.group()) if m.group().startswith("#") else m.group(), query)


def _walk(root: object) -> tuple[list[CompValue], list[URIRef | CompValue]]:
    """Every grammar node under ``root``, and every IRI (written out or prefixed), without recursion:
    how deep the query nests is up to its author."""
    nodes: list[CompValue] = []
    iris: list[URIRef | CompValue] = []
    todo = [root]
    while todo:
        node = todo.pop()
        if isinstance(node, URIRef) or (isinstance(node, CompValue) and node.name == "pname"):
            iris.append(node)
        elif isinstance(node, CompValue):
            nodes.append(node)
            todo.extend(node.values())
        elif isinstance(node, (ParseResults, list, tuple)):
            todo.extend(node)
    return nodes, iris


class _Resolver:
    """IRIs of the query as absolute strings: its BASE (itself resolved against ``base_iri``), its PREFIXes."""

    def __init__(self, prologue: ParseResults, base_iri: str | None) -> None:
        self.base = base_iri or ""
        self.prefixes: dict[str, str] = {}
        for declaration in prologue:
            if declaration.name == "Base":
                self.base = urljoin(self.base, str(declaration.iri))
            elif declaration.name == "PrefixDecl":
                self.prefixes[declaration.prefix or ""] = self(declaration.iri)

    def __call__(self, term: object) -> str:
        if isinstance(term, CompValue) and term.name == "pname":
            namespace = self.prefixes.get(term.prefix or "")
            if namespace is None:
                raise SyntaxError(f"the prefix {term.prefix or ''!r}: is not declared")
            return namespace + (term.localname or "")
        if isinstance(term, URIRef):
            return urljoin(self.base, str(term)) if self.base else str(term)
        raise SyntaxError(f"{term!r} is not an IRI")

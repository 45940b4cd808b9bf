"""The SPARQL 1.1 Protocol endpoint at /sparql: a thin layer over catalogue/sparql/.

It reads the protocol's parameters the same way from a query string and a form
body, and refuses what the protocol does not allow (two queries, an update, a
body that is not UTF-8 or not of a query media type) before any query runs.
HEAD answers as GET does, without the body. The non-standard ``format``
parameter (the page's download links, SPARQLWrapper) is a hint: a value we
know wins over Accept, one we do not know is ignored.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from catalogue import negotiation
from catalogue.errors import CatalogueError
from catalogue.sparql import answer as sparql_answer
from catalogue.sparql import formats as sparql_formats
from catalogue.sparql.service import SparqlService
from catalogue.web import urls
from catalogue.web.i18n import N_
from catalogue.web.pages import render

router = APIRouter(tags=["sparql"])

#: seconds past the time limit the request waits for the query's own answer (a 503 saying why)
GRACE = 1.0

#: every answer of /sparql: readable from other sites, and negotiated on Accept (so caches keep them apart)
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Type",
    "Vary": "Accept",
}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Max-Age": "86400",
}
EXAMPLES = [
    (
        N_("Datasets per theme"),
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT ?theme (COUNT(DISTINCT ?dataset) AS ?datasets)
WHERE { ?dataset a dcat:Dataset ; dcat:theme ?theme }
GROUP BY ?theme ORDER BY DESC(?datasets)""",
    ),
    (
        N_("Datasets of a publisher"),
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?publisher ?name ?dataset ?title
WHERE {
  ?dataset a dcat:Dataset ; dct:publisher ?publisher ; dct:title ?title .
  OPTIONAL { ?publisher foaf:name ?name }
}
ORDER BY ?publisher LIMIT 100""",
    ),
    (
        N_("Distributions and their formats"),
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?dataset ?distribution ?format
WHERE { ?dataset dcat:distribution ?distribution . OPTIONAL { ?distribution dct:format ?format } }
LIMIT 100""",
    ),
    (
        N_("Latest modified datasets"),
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?dataset ?title ?modified
WHERE { ?dataset a dcat:Dataset ; dct:title ?title ; dct:modified ?modified }
ORDER BY DESC(?modified) LIMIT 20""",
    ),
    (
        N_("Harvest provenance of records"),
        """PREFIX cat: <https://w3id.org/catalogue/ns#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?record ?dataset ?status
WHERE { GRAPH ?g { ?record foaf:primaryTopic ?dataset ; cat:status ?status } }
LIMIT 100""",
    ),
]


def service(request: Request) -> SparqlService:
    return request.app.state.sparql


def endpoint_iri(request: Request) -> str:
    """The endpoint's own IRI, from ``[catalogue] base_url`` (never the request's Host header)."""
    return request.app.state.backends.settings.base_url.rstrip("/") + "/sparql"


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        message + "\n", status_code=status, media_type="text/plain", headers={**CORS, **(headers or {})}
    )


def _wants_html(accept: str | None) -> bool:
    """Browsers: they name text/html, and it is the best of what /sparql can answer with.

    ``*/*`` alone (curl, most libraries) gets machine-readable answers, not the page.
    """
    named = any(r.type == "text" and r.subtype == "html" for r in negotiation.parse_accept(accept))
    offers = [negotiation.HTML, *sparql_formats.RESULTS_MEDIA, *sparql_formats.RDF_MEDIA]
    return named and negotiation.negotiate(accept, offers) == negotiation.HTML


class ProtocolError(CatalogueError):
    """A request the SPARQL 1.1 Protocol does not allow; ``http_status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message, http_status=status)


@dataclass
class Operation:
    """The protocol's parameters of one request, from its query string and its form body alike."""

    queries: list[str] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)
    default: list[str] = field(default_factory=list)
    named: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)

    def add(self, params: dict[str, list[str]]) -> None:
        self.queries += params.get("query", [])
        self.updates += params.get("update", [])
        self.default += params.get("default-graph-uri", [])
        self.named += params.get("named-graph-uri", [])
        self.formats += params.get("format", [])

    def query(self) -> str | None:
        """The one query; a request with more than one is refused (W3C test bad_multiple_queries)."""
        if self.updates:
            raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted")
        if len(self.queries) > 1:
            raise ProtocolError(
                400, f"the request has {len(self.queries)} query parameters; send exactly one query"
            )
        return self.queries[0] if self.queries else None


def _utf8(raw: bytes, what: str) -> str:
    """The text of ``raw``, which the protocol requires to be UTF-8: no U+FFFD stands in for bad bytes."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(
            400, f"the {what} is not UTF-8 (byte {error.start}: {raw[error.start : error.start + 1]!r})"
        ) from None


def _parameters(raw: bytes, where: str) -> dict[str, list[str]]:
    """URL-encoded parameters, each name and value checked to be UTF-8 once percent-decoded."""
    parameters: dict[str, list[str]] = {}
    for pair in raw.split(b"&"):
        if not pair:
            continue
        name, _, value = (unquote_to_bytes(part.replace(b"+", b" ")) for part in pair.partition(b"="))
        key = _utf8(name, f"name of a parameter in the {where}")
        parameters.setdefault(key, []).append(_utf8(value, f"{key} parameter in the {where}"))
    return parameters


@router.options("/sparql", include_in_schema=False)
def preflight() -> Response:
    return Response(status_code=204, headers=PREFLIGHT)


@router.get("/sparql")
async def sparql_get(request: Request) -> Response:
    """SPARQL 1.1 Protocol query by GET (`query=`); without a query: the query page or a service description."""
    limit = service(request).limits.max_query_bytes
    raw = request.scope["query_string"]
    if len(raw) > limit:
        return _too_big(limit, "query string")
    operation = Operation()
    try:
        operation.add(_parameters(raw, "query string"))
    except ProtocolError as error:
        return _text(error.http_status, str(error))
    return await _answer(request, operation)


@router.post("/sparql")
async def sparql_post(request: Request) -> Response:
    """SPARQL 1.1 Protocol query by POST: a form (`query=`) or an `application/sparql-query` body."""
    media, _, parameters = request.headers.get("content-type", "").partition(";")
    content_type = media.strip().lower()
    charset = _charset(parameters)
    limit = service(request).limits.max_query_bytes
    raw_query = request.scope["query_string"]
    if len(raw_query) > limit:
        return _too_big(limit, "query string")
    raw = await _read_body(request, limit)
    if raw is None:
        return _too_big(limit, "request body")
    if content_type == "application/sparql-update":
        return _text(403, "this endpoint is read-only: SPARQL Update is not accepted")
    if content_type not in ("application/sparql-query", "application/x-www-form-urlencoded"):
        return _text(415, "send the query as application/x-www-form-urlencoded or application/sparql-query")
    if charset not in ("utf-8", "utf8"):
        return _text(415, f"the query must be sent in UTF-8, not {charset}")
    operation = Operation()
    try:
        operation.add(_parameters(raw_query, "query string"))
        if content_type == "application/sparql-query":
            operation.queries.insert(0, _utf8(raw, "request body"))
        else:
            operation.add(_parameters(raw, "request body"))
    except ProtocolError as error:
        return _text(error.http_status, str(error))
    return await _answer(request, operation)


def _charset(parameters: str) -> str:
    """The ``charset`` of a Content-Type's parameters (``;charset=UTF-16``), lower case; UTF-8 if none."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return "utf-8"


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to be longer than ``limit`` bytes (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _too_big(limit: int, what: str) -> Response:
    return _text(
        413,
        f"the {what} is longer than this endpoint accepts ({limit:,} bytes); "
        "shorten the query (large VALUES blocks: split them over several queries)",
    )


async def _answer(request: Request, operation: Operation) -> Response:
    accept = request.headers.get("accept")
    try:
        query = operation.query()
    except ProtocolError as error:
        return _text(error.http_status, str(error))
    results_format, graph_format = sparql_formats.choose_format(operation.formats, accept)
    named_format = any(sparql_formats.format_name(value) not in (None, "html") for value in operation.formats)
    html = "html" in operation.formats or (not named_format and _wants_html(accept))
    if query is None:
        if html:
            return _page(request, "", None, None)
        if graph_format is None:
            return _text(406, "the service description is available as Turtle, N-Triples, RDF/XML or JSON-LD")
        media, body = sparql_formats.service_description(endpoint_iri(request), graph_format)
        return Response(body, media_type=media, headers=CORS)
    try:
        if html:
            results_format, graph_format = "json", "turtle"
        elif results_format is None and graph_format is None:
            raise sparql_answer.NotAcceptable(
                "none of the accepted media types is a SPARQL result format we offer "
                "(SPARQL JSON/XML/CSV/TSV, Turtle, N-Triples, RDF/XML, JSON-LD)"
            )
        endpoint = service(request)
        future = endpoint.submit(
            query,
            results_format=results_format,
            graph_format=graph_format,
            default_graph_uris=operation.default,
            named_graph_uris=operation.named,
            base_iri=endpoint_iri(request),
        )
        try:
            # the query stops itself at its deadline (with the reason); this wait is the safety net
            answer = await asyncio.wait_for(asyncio.wrap_future(future), endpoint.limits.timeout + GRACE)
        except TimeoutError as error:
            raise sparql_answer.Timeout(
                f"the query did not finish within the time limit ({endpoint.limits.timeout:g} s); "
                "narrow it down or add LIMIT"
            ) from error
    except sparql_answer.SparqlError as error:
        if html:
            return _page(request, query, None, str(error), status=error.http_status)
        headers = {"Retry-After": "5"} if isinstance(error, sparql_answer.Busy) else None
        return _text(error.http_status, str(error), headers)
    if html:
        return _page(request, query, answer, None)
    return Response(answer.body, media_type=answer.media_type, headers=CORS)


def _page(
    request: Request, query: str, answer: sparql_answer.Answer | None, error: str | None, status: int = 200
) -> Response:
    downloads = []
    if query:
        kinds = ["json", "csv"] if answer is None or answer.kind != "graph" else ["turtle", "jsonld"]
        downloads = [(name, "/sparql?" + urlencode({"query": query, "format": name})) for name in kinds]
    response = render(
        request,
        "sparql.html",
        status_code=status,
        query=query or EXAMPLES[0][1],
        answer=answer,
        graph_text=answer.body.decode() if answer is not None and answer.kind == "graph" else None,
        boolean=json_boolean(answer) if answer is not None and answer.kind == "boolean" else None,
        error=error,
        examples=[
            (title, urls.for_request(request)("/sparql", query=text), text) for title, text in EXAMPLES
        ],
        downloads=downloads,
    )
    response.headers.update(CORS)
    return response


def json_boolean(answer: sparql_answer.Answer) -> bool:
    return bool(json.loads(answer.body)["boolean"])

"""The SPARQL 1.1 Protocol endpoint at /sparql: a thin layer over catalogue.sparql."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from catalogue import negotiation, sparql
from catalogue.web.pages import render

router = APIRouter(tags=["sparql"])

#: seconds past the time limit the request waits for the query's own answer (a 503 saying why)
GRACE = 1.0

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Type",
}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Max-Age": "86400",
}
EXAMPLES = [
    (
        "Datasets per theme",
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT ?theme (COUNT(DISTINCT ?dataset) AS ?datasets)
WHERE { ?dataset a dcat:Dataset ; dcat:theme ?theme }
GROUP BY ?theme ORDER BY DESC(?datasets)""",
    ),
    (
        "Datasets of a publisher",
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
        "Distributions and their formats",
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?dataset ?distribution ?format
WHERE { ?dataset dcat:distribution ?distribution . OPTIONAL { ?distribution dct:format ?format } }
LIMIT 100""",
    ),
    (
        "Latest modified datasets",
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?dataset ?title ?modified
WHERE { ?dataset a dcat:Dataset ; dct:title ?title ; dct:modified ?modified }
ORDER BY DESC(?modified) LIMIT 20""",
    ),
    (
        "Harvest provenance of records",
        """PREFIX cat: <https://w3id.org/catalogue/ns#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?record ?dataset ?status
WHERE { GRAPH ?g { ?record foaf:primaryTopic ?dataset ; cat:status ?status } }
LIMIT 100""",
    ),
]


def service(request: Request) -> sparql.SparqlService:
    return request.app.state.sparql


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        message + "\n", status_code=status, media_type="text/plain", headers={**CORS, **(headers or {})}
    )


def _wants_html(accept: str | None) -> bool:
    """Browsers: they name text/html, and it is the best of what /sparql can answer with.

    ``*/*`` alone (curl, most libraries) gets machine-readable answers, not the page.
    """
    named = any(r.type == "text" and r.subtype == "html" for r in negotiation.parse_accept(accept))
    offers = [negotiation.HTML, *sparql.RESULTS_MEDIA, *sparql.RDF_MEDIA]
    return named and negotiation.negotiate(accept, offers) == negotiation.HTML


@router.options("/sparql", include_in_schema=False)
def preflight() -> Response:
    return Response(status_code=204, headers=PREFLIGHT)


@router.get("/sparql")
async def sparql_get(request: Request) -> Response:
    """SPARQL 1.1 Protocol query by GET (`query=`); without a query: the query page or a service description."""
    limit = service(request).limits.max_query_bytes
    if len(request.url.query) > limit:
        return _too_big(limit, "query string")
    params = request.query_params
    return await _answer(
        request,
        params.get("query"),
        params.getlist("update"),
        params.getlist("default-graph-uri"),
        params.getlist("named-graph-uri"),
        params.get("format"),
    )


@router.post("/sparql")
async def sparql_post(request: Request) -> Response:
    """SPARQL 1.1 Protocol query by POST: a form (`query=`) or an `application/sparql-query` body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    params = request.query_params
    default, named = params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
    fmt = params.get("format")
    limit = service(request).limits.max_query_bytes
    if len(request.url.query) > limit:
        return _too_big(limit, "query string")
    raw = await _read_body(request, limit)
    if raw is None:
        return _too_big(limit, "request body")
    body = raw.decode("utf-8", errors="replace")
    if content_type == "application/sparql-update":
        return _text(403, "this endpoint is read-only: SPARQL Update is not accepted")
    if content_type == "application/sparql-query":
        return await _answer(request, body, params.getlist("update"), default, named, fmt)
    if content_type == "application/x-www-form-urlencoded":
        form = parse_qs(body, keep_blank_values=True)
        return await _answer(
            request,
            (form.get("query") or [None])[0],
            form.get("update", []) + params.getlist("update"),
            form.get("default-graph-uri", []) + default,
            form.get("named-graph-uri", []) + named,
            (form.get("format") or [fmt])[0],
        )
    return _text(415, "send the query as application/x-www-form-urlencoded or application/sparql-query")


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


async def _answer(
    request: Request,
    query: str | None,
    updates: list[str],
    default: list[str],
    named: list[str],
    format_param: str | None,
) -> Response:
    accept = request.headers.get("accept")
    if updates:
        return _text(403, "this endpoint is read-only: SPARQL Update is not accepted")
    html = format_param in (None, "", "html") and _wants_html(accept) or format_param == "html"
    if query is None:
        if html:
            return _page(request, "", None, None)
        _, graph_format = sparql.choose_format(None, accept)
        if graph_format is None:
            return _text(406, "the service description is available as Turtle, N-Triples, RDF/XML or JSON-LD")
        media, body = sparql.service_description(str(request.url.replace(query="")), graph_format)
        return Response(body, media_type=media, headers=CORS)
    try:
        if html:
            results_format, graph_format = "json", "turtle"
        else:
            results_format, graph_format = sparql.choose_format(format_param, accept)
            if results_format is None and graph_format is None:
                raise sparql.NotAcceptable(
                    "none of the accepted media types is a SPARQL result format we offer "
                    "(SPARQL JSON/XML/CSV/TSV, Turtle, N-Triples, RDF/XML, JSON-LD)"
                )
        endpoint = service(request)
        future = endpoint.submit(
            query,
            results_format=results_format,
            graph_format=graph_format,
            default_graph_uris=default,
            named_graph_uris=named,
        )
        try:
            # the query stops itself at its deadline (with the reason); this wait is the safety net
            answer = await asyncio.wait_for(asyncio.wrap_future(future), endpoint.limits.timeout + GRACE)
        except TimeoutError as error:
            raise sparql.Timeout(
                f"the query did not finish within the time limit ({endpoint.limits.timeout:g} s); "
                "narrow it down or add LIMIT"
            ) from error
    except sparql.SparqlError as error:
        if html:
            return _page(request, query, None, str(error), status=error.status)
        headers = {"Retry-After": "5"} if isinstance(error, sparql.Busy) else None
        return _text(error.status, str(error), headers)
    if html:
        return _page(request, query, answer, None)
    return Response(answer.body, media_type=answer.media_type, headers=CORS)


def _page(
    request: Request, query: str, answer: sparql.Answer | None, error: str | None, status: int = 200
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
        examples=[(title, "/sparql?" + urlencode({"query": text}), text) for title, text in EXAMPLES],
        downloads=downloads,
    )
    response.headers.update(CORS)
    return response


def json_boolean(answer: sparql.Answer) -> bool:
    return bool(json.loads(answer.body)["boolean"])

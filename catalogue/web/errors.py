"""Error answers: one vocabulary, mapped here, in one shape per route family.

Routes raise :class:`catalogue.errors.CatalogueError` (any domain error, which
knows its HTTP status and where it happened) or FastAPI's ``HTTPException``;
FastAPI itself raises ``RequestValidationError`` for parameters it refuses.
:func:`answer` turns each into the shape the route's family speaks:

- ``/api/*``: JSON ``{"error": {"status", "message", …}}`` (:class:`ErrorBody`,
  with ``source``/``record``/``line``/``column`` when known and ``errors``
  naming each refused parameter); :func:`describe_errors` makes every /api
  operation of the OpenAPI document, FastAPI's own 422 included, say so;
- ``/sparql``: plain text, as the SPARQL 1.1 Protocol's clients expect;
- RDF routes (``/catalog``, ``/ldes``, ``/records``, skolem IRIs, any URL with
  an RDF suffix, and a linked-data URL asked for by a client that prefers RDF
  to HTML or takes neither): plain text, never an HTML page to an RDF client;
- everything else: the HTML page ``templates/error.html``.

OPTIONS, and a method a path does not take, are answered with every method
the path's routes take, not only the first route's.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException  # FastAPI's is a subclass; routing raises this one
from starlette.routing import Match

from catalogue.errors import CatalogueError
from catalogue.negotiation import HTML, choose_rdf, split_suffix
from catalogue.parse import MEDIA_TYPES
from catalogue.web import pages

log = logging.getLogger("catalogue.web")


class ParameterProblem(BaseModel):
    """One parameter FastAPI refused: where it is (``query.size``) and what is wrong with it."""

    where: str
    problem: str


class ErrorDetail(BaseModel):
    """The error itself: the HTTP status again, a sentence for people, and where it happened."""

    status: int
    message: str
    source: str | None = None
    record: str | None = None
    line: int | None = None
    column: int | None = None
    errors: list[ParameterProblem] | None = None


class ErrorBody(BaseModel):
    """What every error of the JSON API looks like."""

    error: ErrorDetail


DESCRIPTIONS = {
    400: "The input cannot be used: unreadable RDF (with line and column), a bad parameter, or no input",
    401: "No push token was sent, or an unknown one (the answer carries WWW-Authenticate)",
    403: "The token belongs to another node",
    404: "No such node, dataset or harvest run",
    405: "The path does not take this method (the answer's Allow header lists those it takes)",
    406: "None of the formats the Accept header asks for is offered",
    409: "The node is being harvested or pushed to right now; try again shortly",
    413: "The request body is larger than the limit",
    415: "The body's Content-Type is not an RDF syntax this catalogue reads",
    422: "A parameter is missing or has the wrong type or range (``errors`` says which)",
    500: "The validation profile's shapes cannot be loaded",
    503: "The service is busy or the work took too long; the answer carries Retry-After",
}
#: the headers some error answers carry, as the OpenAPI document names them
HEADERS = {
    "401": ("WWW-Authenticate", 'Bearer realm="catalogue": how to authenticate'),
    "405": ("Allow", "the methods this path takes"),
    "503": ("Retry-After", "seconds after which to try again"),
}
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")
#: Content-Types of bodies read as RDF besides the RDF ones: undeclared, and gzip to be unpacked
GENERIC_MEDIA = ("application/octet-stream", "application/gzip", "application/x-gzip")
#: first path segments whose routes only ever answer RDF
RDF_ONLY = ("catalog", "ldes", "records", ".well-known")
Family = Literal["api", "sparql", "rdf", "page"]


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route that can answer with these error statuses."""
    return {code: {"model": ErrorBody, "description": DESCRIPTIONS[code]} for code in codes}


def unreadable_media(content_type: str | None) -> str | None:
    """Why a body of this Content-Type cannot be RDF we read (for a 415), or None if it may be."""
    if content_type is None or content_type in MEDIA_TYPES or content_type in GENERIC_MEDIA:
        return None
    return f"A body of type {content_type} cannot be read; send one of {', '.join(MEDIA_TYPES)}."


def family(path: str, accept: str | None) -> Family:
    """Which shape an error on this path takes (see the module's docstring)."""
    if path.startswith("/api/") or path == "/openapi.json":
        return "api"
    if path == "/sparql":
        return "sparql"
    first = split_suffix(path.lstrip("/").split("/", 1)[0])[0]
    if first in RDF_ONLY or split_suffix(path.rsplit("/", 1)[-1])[1] is not None:
        return "rdf"
    return "page" if choose_rdf(accept) == HTML else "rdf"


def error_json(status: int, message: str, **details: Any) -> dict[str, Any]:
    """The JSON body of an error (the one place that writes it); ``details`` as in :class:`ErrorDetail`."""
    body = ErrorBody(error=ErrorDetail(status=status, message=message, **details))
    return body.model_dump(exclude_none=True)


def answer(
    request: Request,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    details: dict[str, Any] | None = None,
) -> Response:
    """An error answer in the shape of the request's route family (``details`` as in :class:`ErrorDetail`)."""
    which = family(request.url.path, request.headers.get("accept"))
    response: Response
    if which == "api":
        response = JSONResponse(error_json(status, message, **(details or {})), status_code=status)
    elif which == "page":
        response = pages.error_page(request, status, message)
    else:
        response = PlainTextResponse(message + "\n", status_code=status)
    response.headers.update(headers or {})
    return response


def install(app: FastAPI) -> None:
    """The error handlers and the OpenAPI description that matches them."""
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_parameters)  # type: ignore[arg-type]
    app.add_exception_handler(CatalogueError, _domain_error)  # type: ignore[arg-type]
    app.openapi = lambda: describe_errors(app)  # type: ignore[method-assign]


async def _http_error(request: Request, error: HTTPException) -> Response:
    headers = dict(error.headers or {})
    if error.status_code == 405:
        allowed = _allowed_methods(request)
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": allowed})
        headers["Allow"] = allowed
    detail = (
        error.detail if isinstance(error.detail, str) else str(error.detail)
    )  # a Message translates on pages
    return answer(request, error.status_code, detail, headers)


async def _domain_error(request: Request, error: CatalogueError) -> Response:
    """A domain error no route caught: its own status and details (server-side ones are logged)."""
    if error.http_status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, error, exc_info=error)
    return answer(request, error.http_status, str(error), details=dict(error.details()))


async def _invalid_parameters(request: Request, error: RequestValidationError) -> Response:
    problems = [
        ParameterProblem(where=".".join(str(part) for part in item["loc"]), problem=item["msg"])
        for item in error.errors()
    ]
    message = "; ".join(f"{item.where}: {item.problem}" for item in problems)
    return answer(request, 422, message, details={"errors": problems})


def _allowed_methods(request: Request) -> str:
    """Every method some route on this path takes (Starlette's 405 names only the first route's)."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)
    ]
    if "GET" in allowed and "HEAD" not in allowed:  # web/head.py answers HEAD wherever GET is
        allowed.insert(allowed.index("GET") + 1, "HEAD")
    return ", ".join([*allowed, "OPTIONS"])


def describe_errors(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, built once, with every error response pointing at :class:`ErrorBody`."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    reference = {"$ref": "#/components/schemas/ErrorBody"}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(body.pop("$defs", {}))
    components["ErrorBody"] = body
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/"):
            continue  # the feed and SPARQL answer errors in their own media types
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("default", {"description": "Any other error, in the same shape"})
            for status, response in responses.items():
                if status[0] in "45" or status == "default":
                    response["content"] = {"application/json": {"schema": reference}}
                    if status in HEADERS:
                        name, description = HEADERS[status]
                        response["headers"] = {
                            name: {"description": description, "schema": {"type": "string"}}
                        }
                    if response.get("description") in (None, "", "Validation Error"):
                        response["description"] = DESCRIPTIONS.get(int(status), "")
    if "#/components/schemas/HTTPValidationError" not in json.dumps(schema["paths"]):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
    app.openapi_schema = schema
    return schema

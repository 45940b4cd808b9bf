"""Error answers, one shape for all of them, and an OpenAPI description that says so.

Every error of the JSON API is ``{"detail": "<a sentence>"}`` (:class:`ErrorBody`),
with ``line``/``column`` for unreadable RDF and ``errors`` (which parameter,
what is wrong) for parameters FastAPI refused. Routes list the statuses they
give with :func:`errors`; :func:`describe_errors` makes FastAPI's own 422
entries use the same schema, so /openapi.json describes what really comes back.
OPTIONS, and a method a path does not take, are answered with every method
the path's routes take, not only the first route's.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException  # FastAPI's is a subclass; routing raises this one
from starlette.routing import Match

from catalogue.parse import MEDIA_TYPES
from catalogue.web import pages


class ErrorBody(BaseModel):
    """What every error of the JSON API looks like."""

    detail: str
    line: int | None = None
    column: int | None = None
    errors: list[dict[str, Any]] | None = None


DESCRIPTIONS = {
    400: "The input cannot be used: unreadable RDF (with line and column), a bad parameter, or no input",
    401: "No push token was sent, or an unknown one (the answer carries WWW-Authenticate)",
    403: "The token belongs to another node",
    404: "No such node, dataset or harvest run",
    406: "None of the formats the Accept header asks for is offered",
    409: "The node is being harvested or pushed to right now; try again shortly",
    413: "The request body is larger than the limit",
    415: "The body's Content-Type is not an RDF syntax this catalogue reads",
    422: "A parameter is missing or has the wrong type or range (``errors`` says which)",
    500: "The validation profile's shapes cannot be loaded",
    503: "The service is busy or the work took too long; the answer carries Retry-After",
}
#: Content-Types of bodies read as RDF besides the RDF ones: undeclared, and gzip to be unpacked
#: the headers some error answers carry, as the OpenAPI document names them
HEADERS = {
    "401": ("WWW-Authenticate", 'Bearer realm="catalogue": how to authenticate'),
    "405": ("Allow", "the methods this path takes"),
    "503": ("Retry-After", "seconds after which to try again"),
}
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")
GENERIC_MEDIA = ("application/octet-stream", "application/gzip", "application/x-gzip")


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route that can answer with these error statuses."""
    return {code: {"model": ErrorBody, "description": DESCRIPTIONS[code]} for code in codes}


def unreadable_media(content_type: str | None) -> str | None:
    """Why a body of this Content-Type cannot be RDF we read (for a 415), or None if it may be."""
    if content_type is None or content_type in MEDIA_TYPES or content_type in GENERIC_MEDIA:
        return None
    return f"A body of type {content_type} cannot be read; send one of {', '.join(MEDIA_TYPES)}."


def install(app: FastAPI) -> None:
    """The error handlers and the OpenAPI description that matches them."""
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_parameters)  # type: ignore[arg-type]
    app.openapi = lambda: describe_errors(app)  # type: ignore[method-assign]


async def _http_error(request: Request, error: HTTPException) -> Response:
    headers = dict(error.headers or {})
    if error.status_code == 405:
        allowed = _allowed_methods(request)
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": allowed})
        headers["Allow"] = allowed
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": str(error.detail)}, status_code=error.status_code, headers=headers)
    response = pages.error_page(request, error.status_code, error.detail)  # a Message translates
    response.headers.update(headers)
    return response


async def _invalid_parameters(request: Request, error: RequestValidationError) -> Response:
    problems = [
        {"where": ".".join(str(part) for part in item["loc"]), "problem": item["msg"]}
        for item in error.errors()
    ]
    detail = "; ".join(f"{item['where']}: {item['problem']}" for item in problems)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": detail, "errors": problems}, status_code=422)
    return pages.error_page(request, 422, detail)


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
    components["ErrorBody"] = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/"):
            continue  # the feed and SPARQL answer errors in their own media types
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if status[0] in "45":
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

"""Files the pages load, all from the catalogue itself: its stylesheet, icon, and the API docs' Swagger UI.

Nothing comes from a third party: a closed network or a strict
Content-Security-Policy would break it, and every visitor's address would
reach that party. Swagger UI's assets come from the ``swagger-ui-py``
package (Apache-2.0); only the two files the docs page needs are served,
and the page starts it from a script of ours, so ``/docs`` runs under the
same ``'self'``-only policy as every other page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from catalogue.resources import templates_dir
from catalogue.web.i18n import Message
from catalogue.web.pages import render

router = APIRouter(include_in_schema=False)

#: our own files in templates/, by name, with their media types
OWN = {"style.css": "text/css", "favicon.svg": "image/svg+xml", "docs.js": "text/javascript"}
SWAGGER = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}
CACHE = {"Cache-Control": "public, max-age=3600"}


def swagger_dir() -> Path:
    import swagger_ui  # the package's assets only; its web-framework handlers are not used

    return Path(swagger_ui.__file__).resolve().parent / "static"


@router.get("/static/{name}")
def own_file(name: str) -> FileResponse:
    if name not in OWN:
        raise HTTPException(404, Message("Not found."))
    return FileResponse(templates_dir() / name, media_type=OWN[name], headers=CACHE)


@router.get("/static/swagger/{name}")
def swagger_file(name: str) -> FileResponse:
    if name not in SWAGGER:
        raise HTTPException(404, Message("Not found."))
    return FileResponse(swagger_dir() / name, media_type=SWAGGER[name], headers=CACHE)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """For clients that ask the old address without reading the page's ``<link rel="icon">``."""
    return FileResponse(templates_dir() / "favicon.svg", media_type="image/svg+xml", headers=CACHE)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """The OpenAPI description in Swagger UI, served from here."""
    return render(request, "docs.html", openapi_url="/openapi.json")

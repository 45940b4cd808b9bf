"""The one place where the web changes the store: nodes pushing their own records, with a token."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from catalogue.config import Source
from catalogue.fetch import Document, InputError
from catalogue.harvest import SourceBusy
from catalogue.push import push_records, withdraw_dataset
from catalogue.tokens import token_allows
from catalogue.web.api import as_json
from catalogue.web.errors import errors, unreadable_media

log = logging.getLogger("catalogue.web.push")
router = APIRouter(prefix="/api/sources", tags=["push"])
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="catalogue"'}


@router.put("/{name}/records", responses=errors(400, 401, 403, 404, 409, 413, 415, 422))
async def put_records(
    request: Request, name: str, authorization: Annotated[str | None, Header()] = None
) -> dict[str, Any]:
    """Replace the node's records that the RDF body describes (any syntax we read, by Content-Type).

    The body's datasets are validated like harvested ones; the answer carries
    each one's validation report. Send ``Authorization: Bearer <token>``.
    """
    backends = request.app.state.backends
    source = _authorised(request, name, authorization)
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower() or None
    if refused := unreadable_media(content_type):
        raise HTTPException(415, refused)
    body = bytearray()
    async for chunk in request.stream():  # BodyLimit (web/limits.py) stops it at [limits] max_bytes
        body += chunk
    document = Document(f"PUT /api/sources/{name}/records", bytes(body), content_type)
    try:
        result = await run_in_threadpool(push_records, source, backends, document)
    except SourceBusy as busy:
        raise HTTPException(409, busy.message) from None
    except InputError as error:
        raise HTTPException(400, str(error)) from None
    except Exception as error:  # a failure nobody foresaw: still a JSON answer that says what happened
        log.exception("push to %s crashed", name)
        raise HTTPException(
            500, f"The push could not be processed: {type(error).__name__}: {error}"
        ) from None
    return {
        "run": as_json(result.run),
        "records": [
            {
                "id": pushed.record.id,
                "uri": pushed.record.uri,
                "title": pushed.record.title,
                "change": pushed.change,
                "status": pushed.status,
                "report": {
                    "conforms": pushed.report.conforms,
                    "violations": pushed.report.violations,
                    "warnings": pushed.report.warnings,
                    "results": [vars(r) for r in pushed.report.results],
                },
            }
            for pushed in result.records
        ],
    }


@router.delete("/{name}/records", responses=errors(401, 403, 404, 409, 422))
async def delete_record(
    request: Request,
    name: str,
    uri: Annotated[str, Query(description="the IRI of the dataset to withdraw")],
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Withdraw one of the node's datasets: gone from search, the feed and SPARQL, kept in the history."""
    backends = request.app.state.backends
    source = _authorised(request, name, authorization)
    try:
        run = await run_in_threadpool(withdraw_dataset, source, backends, uri)
    except SourceBusy as busy:
        raise HTTPException(409, busy.message) from None
    if run is None:
        raise HTTPException(404, f"Node {name!r} has no current dataset {uri!r}.")
    return {"run": as_json(run), "withdrawn": uri}


def _authorised(request: Request, name: str, authorization: str | None) -> Source:
    """401 without a usable token, 403 with another source's token, 404 for an unknown source."""
    backends = request.app.state.backends
    try:
        source = backends.settings.source(name)
    except KeyError:
        raise HTTPException(404, f"There is no node called {name!r}.") from None
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "Send the node's push token as 'Authorization: Bearer <token>'.", CHALLENGE)
    allowed = token_allows(backends.store, token.strip(), name)
    if allowed is None:
        raise HTTPException(401, "This token is not known here.", CHALLENGE)
    if not allowed:
        raise HTTPException(403, f"This token belongs to another node; it cannot push to {name!r}.")
    return source

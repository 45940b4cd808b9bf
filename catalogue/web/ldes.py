"""``/ldes``: our Linked Data Event Stream (the model is in :mod:`catalogue.ldes`).

``/ldes`` is the stream and its root node; ``/ldes/{YYYY-MM-DD}[?after=KEY]``
one page of a day. TriG by default, N-Quads when asked for (each member's
description is a named graph, which Turtle cannot carry: anything else is 406).
Every answer has an ETag and answers If-None-Match with 304; a page of a
day before today may be kept for a day (see the model's docstring for why
that is safe), the root and today's pages must be revalidated. HEAD is answered
as everywhere, by ``web/head.py`` (a GET without its body).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from catalogue import ldes
from catalogue.negotiation import negotiate, rdf_bytes
from catalogue.web.linked_data import not_modified

router = APIRouter(tags=["feed"])
PAST_DAY_SECONDS = 86400


@router.get("/ldes", summary="Linked Data Event Stream of every dataset change")
def root(request: Request) -> Response:
    backends = request.app.state.backends
    members = ldes.members(backends.store)
    quads = ldes.root_quads(backends.settings.base_url, members)
    return _answer(request, quads, cacheable=False)


@router.get("/ldes/{day}", summary="One page of one day of the event stream")
def day_page(request: Request, day: str, after: str | None = None) -> Response:
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise HTTPException(404, f"{day!r} is not a day of the stream (YYYY-MM-DD).") from None
    backends = request.app.state.backends
    members = ldes.members(backends.store)
    chosen, following = ldes.page_of(members, when, after)
    if not chosen and when not in ldes.days(members):
        raise HTTPException(404, f"The stream has no members on {day}.")
    quads = ldes.day_quads(backends.settings.base_url, backends.store, when, after, chosen, following)
    return _answer(request, quads, cacheable=when < datetime.now(UTC).date())


def _answer(request: Request, quads: list[ox.Quad], cacheable: bool) -> Response:
    chosen = negotiate(request.headers.get("accept"), list(ldes.MEDIA_TYPES))
    if chosen is None:
        raise HTTPException(406, "The stream is available as " + ", ".join(ldes.MEDIA_TYPES) + ".")
    body = rdf_bytes(quads, ldes.MEDIA_TYPES[chosen], ldes.PREFIXES)
    headers = {
        "ETag": f'"{hashlib.sha256(body).hexdigest()[:32]}"',
        "Vary": "Accept",
        "Cache-Control": f"public, max-age={PAST_DAY_SECONDS}" if cacheable else "no-cache",
    }
    if not_modified(request, headers["ETag"], None):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=chosen, headers=headers)

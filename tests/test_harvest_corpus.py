"""Real publishers' paged feeds (udata's examples, ../shared/corpus), harvested over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from catalogue.config import Source
from catalogue.harvest import harvest_source

ORIGIN = "http://data.test.org"
#: distinct datasets over both pages of each example
EXPECTED = {"partial-collection": 4, "paged-collection": 4}


def origin_server(folder: Path, style: str) -> Starlette:
    """Answers ``/catalog.jsonld?page=N`` with udata's ``{style}-N.jsonld``, its links moved to this server."""

    async def answer(request: Request) -> Response:
        number = request.query_params.get("page", "1")
        path = folder / f"{style}-{number}.jsonld"
        if not path.is_file():
            return Response(b"not here", 404)
        text = path.read_text().replace(ORIGIN, f"{request.url.scheme}://{request.url.netloc}")
        return Response(text.encode(), 200, media_type="application/ld+json")

    return Starlette(routes=[Route("/catalog.jsonld", answer)])


@pytest.mark.parametrize("style", ["partial-collection", "paged-collection"])
def test_every_page_of_a_udata_feed_is_harvested(style, corpus: Path, live_server, open_catalogue) -> None:
    folder = corpus / "examples" / "udata"
    url = live_server(origin_server(folder, style)).url
    source = Source(name="fr", title="udata", url=f"{url}/catalog.jsonld?page=1", policy="warn")
    backends = open_catalogue(source)
    run = harvest_source(source, backends).run
    assert run.outcome == "ok", run.error
    assert run.pages == 2
    uris = {m.uri for m in backends.store.metas("fr") if m.kind == "dataset"}
    assert run.found == len(uris) == EXPECTED[style]

"""Quality dashboards: every node at ``/quality``, one node at ``/quality/{source}``; JSON and CSV too.

The figures aggregate every current dataset (seconds at 25,000), so they are
computed once per store generation and reused for ``[web] quality_cache_seconds``
(URL checks change scores between harvests): a visitor never pays for them twice,
and many visitors at once wait for one computation instead of each starting one.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from catalogue.charts import bar_chart, line_chart
from catalogue.quality import BIN, DIMENSION_MAXIMA, DIMENSIONS, MAXIMUM, RATINGS
from catalogue.store import REJECTED, VISIBLE, QualityStats
from catalogue.web import i18n
from catalogue.web.errors import errors
from catalogue.web.i18n import Message, gettext
from catalogue.web.limits import GenerationCache
from catalogue.web.pages import DIMENSION_NAMES, render

router = APIRouter()


def _stats(request: Request, source: str | None = None) -> QualityStats:
    state = request.app.state
    if getattr(state, "quality_cache", None) is None:
        state.quality_cache = GenerationCache(state.backends.settings.web.quality_cache_seconds)
    store = state.backends.store
    return state.quality_cache.get(store, source, lambda: store.quality_stats(source))


@router.get("/quality", response_class=HTMLResponse, include_in_schema=False)
def quality_page(request: Request) -> HTMLResponse:
    """Every node's scores. "Datasets" means published ones, as everywhere; rejected ones are counted apart."""
    nodes = [(source, _stats(request, source.name)) for source in _sources(request)]
    overall = _stats(request)
    counts = request.app.state.backends.store.dataset_counts()
    published = {s.name: sum(counts.get(s.name, {}).get(v, 0) for v in VISIBLE) for s, _ in nodes}
    rejected = {s.name: counts.get(s.name, {}).get(REJECTED, 0) for s, _ in nodes}
    with i18n.speaking(i18n.interface_language(request)):
        charts = _charts(overall, gettext("all nodes"))
    return render(
        request,
        "quality.html",
        overall=overall,
        nodes=nodes,
        published=published,
        rejected=rejected,
        charts=charts,
        dimensions=DIMENSIONS,
        maximum=MAXIMUM,
        ratings=RATINGS,
        trends={s.name: _change(request, s.name) for s, _ in nodes},
    )


@router.get("/quality/{name}", response_class=HTMLResponse, include_in_schema=False)
def quality_source_page(request: Request, name: str) -> Response:
    if name.endswith(".csv"):
        return quality_csv(request, name.removesuffix(".csv"))
    source = _source(request, name)
    stats = _stats(request, name)
    counts = request.app.state.backends.store.dataset_counts().get(name, {})
    with i18n.speaking(i18n.interface_language(request)):
        charts = _charts(stats, source.title) | {"trend": _trend(request, source.title)}
    return render(
        request,
        "quality_source.html",
        source=source,
        stats=stats,
        published=sum(counts.get(v, 0) for v in VISIBLE),
        rejected=counts.get(REJECTED, 0),
        charts=charts,
        dimensions=DIMENSIONS,
        maximum=MAXIMUM,
    )


@router.get("/quality.csv", include_in_schema=False)
def quality_nodes_csv(request: Request) -> Response:
    """One row per node: datasets, mean points in all and per dimension, datasets per rating."""
    rows = [["source", "datasets", "mean", *DIMENSIONS, *(name for _, name in RATINGS)]]
    for source in _sources(request):
        stats = _stats(request, source.name)
        rows.append(
            [source.name, stats.datasets, _round(stats.mean)]
            + [_round(stats.dimensions[d]) for d in DIMENSIONS]
            + [stats.ratings[name] for _, name in RATINGS]
        )
    return _csv(rows, "quality.csv")


def quality_csv(request: Request, name: str) -> Response:
    """One row per dataset of the node: its points in all and per dimension."""
    _source(request, name)
    rows: list[list[Any]] = [["id", "title", "status", "total", *DIMENSIONS]]
    for rid, _, title, status, total, dims in request.app.state.backends.store.quality_rows(name):
        rows.append([rid, title, status, total, *(dims.get(d, 0) for d in DIMENSIONS)])
    return _csv(rows, f"quality-{name}.csv")


@router.get("/api/quality", tags=["quality"])
def api_quality(request: Request) -> dict[str, Any]:
    """Quality of every node's current datasets, after data.europa.eu's MQA (405 points)."""
    return {
        "maximum": MAXIMUM,
        "overall": _stats_json(_stats(request)),
        "sources": {s.name: _stats_json(_stats(request, s.name)) for s in _sources(request)},
    }


@router.get("/api/quality/{name}", tags=["quality"], responses=errors(404))
def api_quality_source(request: Request, name: str) -> dict[str, Any]:
    """One node: its scores, what to fix first, its worst datasets and its trend over harvests."""
    _source(request, name)
    store = request.app.state.backends.store
    out = _stats_json(_stats(request, name))
    out["trend"] = [
        {"harvest": run.id, "ended": run.ended.isoformat(), "mean": _round(run.quality_mean)}
        for run in reversed(store.runs(name, limit=50))
        if run.quality_mean is not None
    ]
    return out


def _stats_json(stats: QualityStats) -> dict[str, Any]:
    return {
        "datasets": stats.datasets,
        "mean": _round(stats.mean),
        "dimensions": {d: _round(v) for d, v in stats.dimensions.items()},
        "histogram": [
            {"from": i * BIN, "to": min(MAXIMUM, (i + 1) * BIN - 1), "datasets": n}
            for i, n in enumerate(stats.histogram)
        ],
        "ratings": stats.ratings,
        "fix_first": [
            {"check": c, "label": label, "points_lost": _round(lost)} for c, label, lost in stats.missed
        ],
        "violations": [{"path": p, "message": m, "datasets": n} for p, m, n in stats.violations],
        "worst": [{"id": i, "title": t, "score": s} for i, t, s in stats.worst],
    }


def _charts(stats: QualityStats, who: str) -> dict[str, Any]:
    """The charts, titled in the current interface language."""
    bands = [(f"{i * BIN}–{min(MAXIMUM, (i + 1) * BIN - 1)}", n) for i, n in enumerate(stats.histogram)]
    shares = [
        (gettext(DIMENSION_NAMES[d]), round(100 * (stats.dimensions[d] or 0) / DIMENSION_MAXIMA[d]))
        for d in DIMENSIONS
    ]
    return {
        "histogram": bar_chart(gettext("Datasets by quality points, %(who)s") % {"who": who}, bands),
        "dimensions": bar_chart(
            gettext("Mean points per dimension, %(who)s (share of each dimension's maximum, %%)")
            % {"who": who},
            shares,
            maximum=100,
        ),
    }


def _trend(request: Request, name: str) -> Any:
    runs = request.app.state.backends.store.runs(name, limit=50)
    points = [(run.ended, run.quality_mean) for run in runs if run.quality_mean is not None]
    title = gettext("Mean quality points of %(node)s after each harvest") % {"node": name}
    return line_chart(title, points, MAXIMUM, empty=gettext("no data yet"))


def _change(request: Request, name: str) -> float | None:
    """How the node's mean moved at its last harvest: a number a table can hold (a sparkline there was unreadable)."""
    means = [run.quality_mean for run in request.app.state.backends.store.runs(name, limit=2)]
    if len(means) < 2 or means[0] is None or means[1] is None:
        return None
    return round(means[0] - means[1], 1)


def _sources(request: Request):
    return request.app.state.backends.settings.sources


def _source(request: Request, name: str):
    try:
        return request.app.state.backends.settings.source(name)
    except KeyError:
        raise HTTPException(404, Message("There is no node called %(name)r.", name=name)) from None


def _csv(rows: list[list[Any]], filename: str) -> Response:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None

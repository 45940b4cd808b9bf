"""Small SVG charts drawn on the server: no JavaScript, no CDN, readable by screen readers.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>``
that says in words what the bars or the line show; the numbers are also in
the tables next to them and in the JSON and CSV downloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT, PAD = 480, 180, 28


def bar_chart(title: str, bars: Sequence[tuple[str, float]], maximum: float | None = None) -> Markup:
    """Vertical bars with their labels under them and their values above."""
    top = maximum or max((value for _, value in bars), default=0) or 1
    slot = (WIDTH - 2 * PAD) / max(1, len(bars))
    parts = []
    for index, (label, value) in enumerate(bars):
        height = (HEIGHT - 2 * PAD) * min(value, top) / top
        x = PAD + index * slot + slot * 0.15
        y = HEIGHT - PAD - height
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" class="bar">'
            f"<title>{escape(label)}: {_number(value)}</title></rect>"
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" class="value">{_number(value)}</text>'
            f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - PAD + 14}" class="label">{escape(label)}</text>'
        )
    described = "; ".join(f"{label}: {_number(value)}" for label, value in bars)
    return _svg(title, described, "".join(parts))


def line_chart(
    title: str, points: Sequence[tuple[datetime, float]], maximum: float, empty: str = "no data yet"
) -> Markup:
    """A line through the points in time order, from 0 to ``maximum`` on the vertical axis; ``empty`` says there are none."""
    if not points:
        return _svg(title, empty, "")
    ordered = sorted(points)
    first, last = ordered[0][0].timestamp(), ordered[-1][0].timestamp()
    span = (last - first) or 1.0

    def xy(when: datetime, value: float) -> tuple[float, float]:
        x = PAD + (WIDTH - 2 * PAD) * ((when.timestamp() - first) / span if len(ordered) > 1 else 0.5)
        return x, HEIGHT - PAD - (HEIGHT - 2 * PAD) * min(value, maximum) / maximum

    coordinates = [xy(when, value) for when, value in ordered]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="dot"><title>{when:%Y-%m-%d %H:%M}: '
        f"{_number(value)}</title></circle>"
        for (x, y), (when, value) in zip(coordinates, ordered, strict=True)
    )
    axis = (
        f'<text x="{PAD}" y="{HEIGHT - 8}" class="label">{ordered[0][0]:%Y-%m-%d}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" class="label end">{ordered[-1][0]:%Y-%m-%d}</text>'
        f'<text x="4" y="{PAD}" class="label">{_number(maximum)}</text>'
    )
    described = ", ".join(f"{when:%Y-%m-%d}: {_number(value)}" for when, value in ordered)
    return _svg(title, described, f'<polyline points="{path}" class="line"/>{dots}{axis}')


def _svg(title: str, description: str, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" class="axis"/>'
        f"{body}</svg>"
    )


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() or value >= 100 else f"{value:.1f}"

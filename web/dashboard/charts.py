"""Server-rendered inline SVG charts (no JavaScript, no external library).

Every chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` (read by screen
readers), a ``<title>`` per bar or point (the hover tooltip), and colours taken from
CSS classes in ``static/css/backoffice.css``. Pages show the same numbers in a small
table next to each chart.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

_ids = itertools.count(1)


def _open(title: str, desc: str, width: int, height: int, css: str) -> str:
    n = next(_ids)
    return (
        f'<svg class="chart {escape(css)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-{n}-t chart-{n}-d" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-{n}-t">{escape(title)}</title>'
        f'<desc id="chart-{n}-d">{escape(desc)}</desc>'
    )


def _nice_max(value: float) -> float:
    """A round axis maximum ≥ value (1, 2, 2.5, 5 times 10^n)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


@dataclass(frozen=True)
class Column:
    label: str  # axis label ("" to skip)
    value: float
    tooltip: str


def column_chart(
    *, title: str, desc: str, columns: Sequence[Column], css: str = "", height: int = 180
) -> SafeString:
    """Vertical bars (one per day), a y axis with three gridlines."""
    width = 640
    left, right, top, bottom = 40, 10, 10, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((c.value for c in columns), default=0))
    parts = [_open(title, desc, width, height, css)]
    for i in range(3):
        v = top_value * (i / 2)
        y = top + plot_h - plot_h * (v / top_value)
        label = f"{v:g}"
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>'
        )
    slot = plot_w / max(len(columns), 1)
    bar_w = max(slot * 0.7, 1)
    for index, column in enumerate(columns):
        h = plot_h * (column.value / top_value)
        x = left + index * slot + (slot - bar_w) / 2
        y = top + plot_h - h
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}">'
            f"<title>{escape(column.tooltip)}</title></rect>"
        )
        if column.label:
            parts.append(
                f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{height - 8}" '
                f'text-anchor="middle">{escape(column.label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None  # 0..1; None: no data that day (a gap in the line)
    tooltip: str


def rate_line_chart(
    *, title: str, desc: str, points: Sequence[Point], css: str = "", height: int = 180
) -> SafeString:
    """A 0-100 % line with dots; days without data break the line."""
    width = 640
    left, right, top, bottom = 40, 10, 10, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [_open(title, desc, width, height, css)]
    for pct in (0, 50, 100):
        y = top + plot_h - plot_h * pct / 100
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{pct}%</text>'
        )
    step = plot_w / max(len(points) - 1, 1)
    segment: list[str] = []
    segments: list[list[str]] = []
    dots = []
    for index, point in enumerate(points):
        x = left + index * step
        if point.label:
            anchor = "end" if index == len(points) - 1 else "middle"
            parts.append(
                f'<text class="axis" x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}">'
                f"{escape(point.label)}</text>"
            )
        if point.value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        y = top + plot_h - plot_h * point.value
        segment.append(f"{x:.1f},{y:.1f}")
        dots.append(
            f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5">'
            f"<title>{escape(point.tooltip)}</title></circle>"
        )
    if segment:
        segments.append(segment)
    for seg in segments:
        parts.append(f'<polyline class="line" points="{" ".join(seg)}"/>')
    parts.extend(dots)
    parts.append("</svg>")
    return mark_safe("".join(parts))


@dataclass(frozen=True)
class Segment:
    value: float
    css: str  # bar colour class
    tooltip: str


@dataclass(frozen=True)
class HBar:
    label: str
    segments: Sequence[Segment]
    display: str  # the figure printed after the bar
    marker: float | None = None  # e.g. a cap, drawn as a tick
    marker_label: str = ""


def hbar_chart(*, title: str, desc: str, bars: Sequence[HBar], css: str = "") -> SafeString:
    """Horizontal (optionally stacked) bars with labels on the left, figures on the right."""
    width, row_h, label_w, value_w = 640, 30, 150, 175
    height = max(len(bars), 1) * row_h + 10
    plot_w = width - label_w - value_w
    top_value = max(
        [sum(s.value for s in b.segments) for b in bars] + [b.marker or 0 for b in bars] + [0]
    )
    top_value = top_value or 1.0
    parts = [_open(title, desc, width, height, css)]
    for index, bar in enumerate(bars):
        y = 5 + index * row_h
        parts.append(
            f'<text class="label" x="{label_w - 8}" y="{y + row_h / 2 + 4:.1f}" '
            f'text-anchor="end">{escape(bar.label)}</text>'
            f'<rect class="track" x="{label_w}" y="{y + 6}" width="{plot_w}" '
            f'height="{row_h - 12}"/>'
        )
        x = float(label_w)
        for segment in bar.segments:
            w = plot_w * segment.value / top_value
            if w <= 0:
                continue
            parts.append(
                f'<rect class="bar {escape(segment.css)}" x="{x:.1f}" y="{y + 6}" '
                f'width="{w:.1f}" height="{row_h - 12}"><title>{escape(segment.tooltip)}</title>'
                "</rect>"
            )
            x += w
        if bar.marker is not None:
            mx = label_w + plot_w * bar.marker / top_value
            parts.append(
                f'<line class="marker" x1="{mx:.1f}" x2="{mx:.1f}" y1="{y + 2}" '
                f'y2="{y + row_h - 2}"><title>{escape(bar.marker_label)}</title></line>'
            )
        parts.append(
            f'<text class="value" x="{label_w + plot_w + 8}" y="{y + row_h / 2 + 4:.1f}">'
            f"{escape(bar.display)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def legend(items: Sequence[tuple[str, str]]) -> SafeString:
    """A small HTML legend: (css class, label) pairs."""
    return mark_safe(
        '<ul class="chart-legend">'
        + "".join(
            format_html('<li><span class="swatch {}" aria-hidden="true"></span>{}</li>', c, t)
            for c, t in items
        )
        + "</ul>"
    )


@dataclass(frozen=True)
class Stack:
    label: str  # axis label ("" to skip)
    segments: Sequence[Segment]  # bottom to top


def stacked_column_chart(
    *, title: str, desc: str, stacks: Sequence[Stack], css: str = "", height: int = 180
) -> SafeString:
    """Vertical stacked bars (one per week, say), a y axis with three gridlines; each
    segment has its own colour class and tooltip."""
    width = 640
    left, right, top, bottom = 40, 10, 10, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((sum(s.value for s in st.segments) for st in stacks), default=0))
    parts = [_open(title, desc, width, height, css)]
    for i in range(3):
        v = top_value * (i / 2)
        y = top + plot_h - plot_h * (v / top_value)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>'
        )
    slot = plot_w / max(len(stacks), 1)
    bar_w = max(slot * 0.7, 1)
    for index, stack in enumerate(stacks):
        x = left + index * slot + (slot - bar_w) / 2
        base = float(top + plot_h)
        for segment in stack.segments:
            h = plot_h * (segment.value / top_value)
            if h <= 0:
                continue
            base -= h
            parts.append(
                f'<rect class="bar {escape(segment.css)}" x="{x:.1f}" y="{base:.1f}" '
                f'width="{bar_w:.1f}" height="{h:.1f}"><title>{escape(segment.tooltip)}</title>'
                "</rect>"
            )
        if stack.label:
            parts.append(
                f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{height - 8}" '
                f'text-anchor="middle">{escape(stack.label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))

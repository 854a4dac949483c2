"""The dashboard's charts as SVG drawn on the server: here the geometry (numbers and labels in,
shapes out), in ``templates/charts.html`` the markup. Pure, so a chart is tested without a page.

No script and no request to anyone: a chart is part of the HTML. Each is shown beside a table of
the same numbers, which is what a screen reader reads; the SVG itself is hidden from it. Colours
come from the stylesheet by series (``ps-series-<name>``), and every series is also named in the
legend, so a colour is never the only way to tell two apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

WIDTH = 720
ROW = 22
"""Height of one horizontal bar's row, and of a group's heading."""
LABEL_WIDTH = 190
"""Room for the labels left of horizontal bars."""
VALUE_WIDTH = 64
"""Room for the value written right of the longest bar."""
LEGEND_HEIGHT = 28
MAX_X_LABELS = 7


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    series: str
    title: str = ""
    """What a pointer shows over the shape (SVG ``<title>``)."""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    """``start``, ``middle`` or ``end`` (SVG ``text-anchor``)."""
    strong: bool = False


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    rects: tuple[Rect, ...]
    texts: tuple[Text, ...]
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    """A share, 0 to 1; ``None`` when there is nothing to divide (drawn as no bar)."""
    text: str
    """The value as the reader reads it (``52 %``, or a dash)."""
    series: str


@dataclass(frozen=True)
class BarGroup:
    title: str | None
    bars: tuple[Bar, ...]


def nice_ceiling(value: int) -> tuple[int, int]:
    """The top of an axis of counts that holds ``value``, and its tick step: a whole 1, 2 or 5
    times a power of ten, so that the axis has at most five steps."""
    if value <= 0:
        return 1, 1
    magnitude = 10 ** max(math.floor(math.log10(value / 5)), 0)
    for factor in (1, 2, 5, 10):
        step = factor * magnitude
        if value <= step * 5:
            return max(step, math.ceil(value / step) * step), step
    raise AssertionError("unreachable: 10 times the magnitude always holds the value")


def _legend(series: Sequence[tuple[str, str]]) -> tuple[list[Rect], list[Text]]:
    rects, texts, x = [], [], 0.0
    for name, label in series:
        rects.append(Rect(x, 6, 12, 12, name))
        texts.append(Text(x + 16, 16, label))
        x += 16 + 7.2 * len(label) + 18
    return rects, texts


def columns(labels: Sequence[str], stacks: Sequence[Mapping[str, int]],
            series: Sequence[tuple[str, str]], height: float = 260) -> Chart:
    """Stacked columns, one per label (a day), each stacked from ``series`` (name, legend text) in
    that order; only every few labels are written, so they never overlap."""
    left, bottom = 48.0, 34.0
    top = LEGEND_HEIGHT + 8
    plot_width, plot_height = WIDTH - left - 8, height - top - bottom
    highest = max((sum(stack.values()) for stack in stacks), default=0)
    ceiling, step = nice_ceiling(highest)
    rects, texts = _legend(series)
    lines = []
    for n in range(ceiling // step + 1):
        y = top + plot_height - plot_height * n * step / ceiling
        lines.append(Line(left, y, WIDTH - 8, y))
        texts.append(Text(left - 6, y + 4, str(n * step), anchor="end"))
    slot = plot_width / max(len(labels), 1)
    gap = slot * 0.2 if slot > 5 else 0
    every = math.ceil(len(labels) / MAX_X_LABELS) or 1
    for index, (label, stack) in enumerate(zip(labels, stacks, strict=True)):
        x, base = left + index * slot + gap / 2, top + plot_height
        for name, legend in series:
            count = stack.get(name, 0)
            if count:
                size = plot_height * count / ceiling
                base -= size
                rects.append(Rect(x, base, slot - gap, size, name, f"{label}: {legend} {count}"))
        if index % every == 0:
            texts.append(Text(x + (slot - gap) / 2, top + plot_height + 18, label, anchor="middle"))
    return Chart(WIDTH, height, tuple(rects), tuple(texts), tuple(lines))


def bars(groups: Sequence[BarGroup], scale: tuple[str, str, str]) -> Chart:
    """Horizontal bars of shares, in groups under their titles; ``scale`` writes 0, ½ and 1."""
    plot_left, plot_width = LABEL_WIDTH, WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = 20.0
    rects: list[Rect] = []
    texts = [Text(plot_left + plot_width * n / 2, 12, label, anchor="middle")
             for n, label in enumerate(scale)]
    y = top
    for group in groups:
        if group.title is not None:
            texts.append(Text(0, y + 15, group.title, strong=True))
            y += ROW
        for bar in group.bars:
            texts.append(Text(plot_left - 8, y + 15, bar.label, anchor="end"))
            width = plot_width * bar.value if bar.value is not None else 0
            if width:
                rects.append(Rect(plot_left, y + 4, width, ROW - 8, bar.series, f"{bar.label}: {bar.text}"))
            texts.append(Text(plot_left + width + 6, y + 15, bar.text))
            y += ROW
    lines = tuple(Line(plot_left + plot_width * n / 2, top, plot_left + plot_width * n / 2, y)
                  for n in range(3))
    return Chart(WIDTH, y + 4, tuple(rects), tuple(texts), lines)

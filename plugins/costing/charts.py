"""Geometry for the inline SVG charts (the template draws them; no JavaScript, no inline style)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.formatting import format_euro


@dataclass
class Bar:
    label: str
    value: Decimal
    text: str
    x: float
    y: float
    w: float
    h: float


@dataclass
class Chart:
    title: str
    width: int
    height: int
    bars: list[Bar]
    horizontal: bool
    label_width: int = 0
    reference: tuple[str, float] | None = None  # a vertical line (label, x), e.g. the fixed price


def hbar(title: str, items: list[tuple[str, Decimal]], reference: tuple[str, Decimal] | None = None,
         width: int = 640, label_width: int = 210, bar_h: int = 26, gap: int = 10) -> Chart:
    """Horizontal bars: one per item, the value printed at the end of the bar."""
    top = max([v for _, v in items] + ([reference[1]] if reference else []) + [Decimal(1)])
    room = width - label_width - 110
    bars = []
    for n, (label, v) in enumerate(items):
        w = float(max(v, 0) / top) * room
        bars.append(Bar(label, v, format_euro(v), label_width, 10 + n * (bar_h + gap), w, bar_h))
    height = 20 + len(items) * (bar_h + gap)
    ref = None
    if reference:
        ref = (f"{reference[0]}: {format_euro(reference[1])}", label_width + float(reference[1] / top) * room)
    return Chart(title, width, height, bars, True, label_width, ref)


def vbar(title: str, items: list[tuple[str, Decimal]], width: int = 640, height: int = 220) -> Chart:
    """Vertical bars (fee income by month): labels under the bars, values above them."""
    top = max([v for _, v in items] + [Decimal(1)])
    n = max(len(items), 1)
    slot = (width - 20) / n
    plot_h = height - 50
    bars = []
    for i, (label, v) in enumerate(items):
        h = float(max(v, 0) / top) * plot_h
        bars.append(Bar(label, v, format_euro(v).replace(",00", ""), 10 + i * slot + slot * 0.15,
                        20 + plot_h - h, slot * 0.7, h))
    return Chart(title, width, height, bars, False)

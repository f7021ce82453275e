"""A small bar chart painted with QPainter: stacked or side-by-side series over periods.

Painted rather than Qt Charts, which would add PySide6-Addons (a large download) for two
charts. Colours come from the palette (this device = the highlight colour) plus one orange
chosen for the window's lightness, so the chart reads in the light and the dark theme. The
accessible description carries the numbers in words, since a screen reader cannot see bars;
the dialog's table has every figure too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget


@dataclass(frozen=True)
class Series:
    """One named series; ``role`` picks its colour: ``device`` or ``cloud``."""

    name: str
    values: Sequence[float]
    role: str = "device"


def series_colour(role: str, palette: QPalette) -> QColor:
    """This device in the palette's highlight colour, the cloud in an orange that keeps its
    contrast on a light or a dark background."""
    if role == "device":
        return palette.color(QPalette.ColorRole.Highlight)
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    return QColor("#f5a142") if dark else QColor("#c0590a")


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value`` (axis top)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


class UsageBarChart(QWidget):
    """Bars per period for one or two series; hover a bar for its figures."""

    def __init__(self, title: str, parent: QWidget | None = None,
                 value_text: Callable[[float], str] = lambda v: f"{v:,.0f}") -> None:
        super().__init__(parent)
        self.title = title
        self.stacked = True
        self.labels: list[str] = []
        self.series: list[Series] = []
        self.empty_text = "Nothing recorded yet."
        self._value_text = value_text
        self._bars: list[tuple[QRectF, str]] = []  # hit areas for tool tips
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # reachable by screen readers from the keyboard
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(title)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt name
        return QSize(560, 200)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt name
        return QSize(240, 140)

    def set_data(self, labels: Sequence[str], series: Sequence[Series], stacked: bool, description: str,
                 title: str | None = None) -> None:
        """Show ``series`` over ``labels``; ``description`` is what a screen reader announces."""
        if title:
            self.title = title
            self.setAccessibleName(title)
        self.labels = list(labels)
        self.series = list(series)
        self.stacked = stacked
        self.setAccessibleDescription(description)
        self.setToolTip("")
        self.update()

    # ---------------------------------------------------------------- painting

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        fm = QFontMetrics(self.font())
        line = fm.height()
        title_font = self.font()
        title_font.setBold(True)
        p.setFont(title_font)
        p.setPen(text)
        p.drawText(QRectF(8, 4, self.width() - 16, line), Qt.AlignmentFlag.AlignLeft, self.title)
        p.setFont(self.font())
        legend_x = self.width() - 8
        for s in reversed(self.series):  # legend, right-aligned on the title line
            w = fm.horizontalAdvance(s.name)
            legend_x -= w
            p.drawText(QPointF(legend_x, 4 + fm.ascent()), s.name)
            legend_x -= 16
            p.fillRect(QRectF(legend_x, 4 + (line - 10) / 2, 10, 10), series_colour(s.role, pal))
            legend_x -= 12
        top = 8 + line * 1.5
        if not self.labels or not any(v for s in self.series for v in s.values):
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(QRectF(0, top, self.width(), self.height() - top), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            self._bars = []
            return
        self._paint_bars(p, fm, top)

    def _paint_bars(self, p: QPainter, fm: QFontMetrics, top: float) -> None:
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        grid = QColor(text)
        grid.setAlpha(50)
        n = len(self.labels)
        totals = [sum(s.values[i] for s in self.series) if self.stacked else max(s.values[i] for s in self.series)
                  for i in range(n)]
        ceiling = nice_ceiling(max(totals))
        axis_w = max(fm.horizontalAdvance(self._value_text(ceiling)), fm.horizontalAdvance("0")) + 10
        left, right, bottom = 8 + axis_w, self.width() - 8, self.height() - fm.height() - 8
        plot_h = max(1.0, bottom - top)
        for k in range(5):  # four grid steps
            y = bottom - plot_h * k / 4
            p.setPen(QPen(grid, 1))
            p.drawLine(QPointF(left, y), QPointF(right, y))
            p.setPen(text)
            p.drawText(QRectF(0, y - fm.height() / 2, axis_w + 2, fm.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self._value_text(ceiling * k / 4))
        slot = (right - left) / n
        width = max(1.0, slot * 0.7)
        self._bars = []
        for i in range(n):
            x = left + slot * i + (slot - width) / 2
            base = bottom
            for j, s in enumerate(self.series):
                value = s.values[i]
                h = plot_h * value / ceiling
                if self.stacked:
                    rect = QRectF(x, base - h, width, h)
                    base -= h
                else:
                    w = width / len(self.series)
                    rect = QRectF(x + w * j, bottom - h, w, h)
                p.fillRect(rect, series_colour(s.role, pal))
            tip = f"{self.labels[i]}: " + ", ".join(f"{s.name} {self._value_text(s.values[i])}" for s in self.series)
            self._bars.append((QRectF(left + slot * i, top, slot, plot_h), tip))
        # Period labels, thinned so they never overlap.
        p.setPen(text)
        label_w = max(fm.horizontalAdvance(lbl) for lbl in self.labels) + 8
        every = max(1, math.ceil(label_w / slot))
        for i in range(0, n, every):
            cx = left + slot * i + slot / 2
            p.drawText(QRectF(cx - label_w / 2, bottom + 4, label_w, fm.height()), Qt.AlignmentFlag.AlignHCenter, self.labels[i])

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt name
        pos = event.position()
        for rect, tip in self._bars:
            if rect.contains(pos):
                QToolTip.showText(event.globalPosition().toPoint(), tip, self)
                return
        QToolTip.hideText()

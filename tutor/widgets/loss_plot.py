"""Provides the live plot: series added as events arrive, redrawn at most a few times a second.

A redraw costs real CPU (25-140 ms measured on 2 cores, growing with points), so series are
downsampled to about twice the plot's width (the median of each bin, which also smooths the
noisy training loss) and the plot redraws on a timer, only when new data came in.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from statistics import median
from typing import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Static
from textual_plot import HiResMode, NumericAxisFormatter, PlotWidget

REDRAWS_PER_SECOND = 2.0
"""Plot redraws while data streams in. Measured on 2 cores (bench/app.py): at 4 a second the UI
took 0.17 of a core and training in the app ran at 0.90x headless; at 2, 0.12 and 0.91-0.93x."""
REDUCED_MOTION_REDRAWS_PER_SECOND = 1.0
STATUS_UPDATES_PER_SECOND = 4.0
"""Status line and progress bar: a few characters each, cheap to repaint."""


class _LogLabels(NumericAxisFormatter):
    """Ticks placed on log10(y), labelled with y itself."""

    def get_labels_for_ticks(self, ticks: Sequence[float]) -> list[str]:
        return [f"{10 ** t:.3g}" for t in ticks]


class _Plot(PlotWidget, can_focus=False):
    """The arrow keys belong to the lesson; the plot does not take the focus.

    Slimmer margins than the widget's defaults (2 top, 3 bottom, 10 left): at 80x24 every row counts,
    and there is no axis label to make room for.
    """

    margin_top = reactive(1)
    margin_bottom = reactive(2)
    margin_left = reactive(8)

    def on_resize(self) -> None:
        # The points were binned for the width the plot had when they were drawn (none, before its
        # first layout): bin them again for the width it has now, so what shows depends only on the
        # data and the size, never on whether a redraw came before or after the layout.
        owner = self.parent
        if isinstance(owner, LossPlot) and owner.series:
            owner.redraw()


@dataclass
class Series:
    label: str
    style: str
    points: list[tuple[float, float]] = field(default_factory=list)
    markers: bool = False
    """Few points (evaluations): drawn as a line with a marker at each point."""
    legend: bool = True
    """Named in the legend (a race names each cell once, not its train and val lines apart)."""


def downsample(points: list[tuple[float, float]], bins: int) -> list[tuple[float, float]]:
    """At most `bins` points: each bin's last x and median y (robust to spikes, smooths noise)."""
    if len(points) <= bins:
        return points
    out = []
    size = len(points) / bins
    for b in range(bins):
        chunk = points[int(b * size): int((b + 1) * size)] or points[-1:]
        out.append((chunk[-1][0], median(y for _, y in chunk)))
    return out


class LossPlot(Vertical):
    """Named series (train, val, one per racing cell, ...) and an optional goal line."""

    def __init__(self, title: str = "loss", auto_redraw: bool = True, **kwargs):
        """`auto_redraw=False`: the owner calls `redraw_if_dirty` on its own timer (one repaint per tick)."""
        super().__init__(**kwargs)
        self.title = title
        self.auto_redraw = auto_redraw
        self.series: dict[str, Series] = {}
        self.goal: float | None = None
        self.log_scale = False
        self.dirty = False
        self.redraws = 0
        self.last_redraw = 0.0

    def compose(self) -> ComposeResult:
        yield Static("", classes="plot-title")
        yield _Plot(allow_pan_and_zoom=False)

    def on_mount(self) -> None:
        if self.auto_redraw:
            rate = REDUCED_MOTION_REDRAWS_PER_SECOND if self.app.has_class("-reduced-motion") else REDRAWS_PER_SECOND
            self.set_interval(1 / rate, self.redraw_if_dirty)
        self._title()

    def _title(self) -> None:
        """The title line doubles as the legend: a legend drawn inside the plot hides the lines it
        names (at 80 columns it covered the top right, where a winning cell's accuracy runs)."""
        scale = " (log scale)" if self.log_scale else ""
        goal = f"  · goal {self.goal:g}" if self.goal is not None else ""
        keys = [f"[{s.style}]{'●' if s.markers else '━'}[/] {s.label}" for s in self.series.values()
                if s.points and s.legend]
        legend = ("   " + "  ".join(keys)) if keys else ""
        self.query_one(".plot-title", Static).update(f"[b]{self.title}[/b]{scale}{goal}{legend}")

    def add(self, name: str, x: float, y: float, style: str = "white", markers: bool = False,
            legend: bool = True) -> None:
        if not math.isfinite(y):
            return
        series = self.series.get(name)
        if series is None:
            series = self.series[name] = Series(name, style, markers=markers, legend=legend)
        series.points.append((x, y))
        self.dirty = True

    def reset(self, title: str | None = None, goal: float | None = None) -> None:
        self.series.clear()
        self.title = title or self.title
        self.goal = goal
        self.dirty = True
        self._title()

    def set_log(self, log: bool) -> None:
        self.log_scale = log
        self.dirty = True
        self._title()

    def redraw_if_dirty(self, min_interval: float = 0.0) -> None:
        if self.dirty and time.monotonic() - self.last_redraw >= min_interval:
            self.redraw()

    def redraw(self) -> None:
        self.dirty = False
        self.last_redraw = time.monotonic()
        self.redraws += 1
        plot = self.query_one(_Plot)
        plot.clear()
        width = max(10, plot.size.width)
        transform = (lambda y: math.log10(y)) if self.log_scale else (lambda y: y)
        plot.set_y_formatter(_LogLabels() if self.log_scale else NumericAxisFormatter())
        xs_all: list[float] = []
        for series in self.series.values():
            points = [(x, y) for x, y in series.points if not self.log_scale or y > 0]
            points = downsample(points, 2 * width)
            if not points:
                continue
            xs = [x for x, _ in points]
            ys = [transform(y) for _, y in points]
            xs_all += xs
            if len(points) == 1 or series.markers:
                if len(points) > 1:  # the line first, so the markers sit on top of it
                    plot.plot(xs, ys, line_style=series.style, hires_mode=HiResMode.BRAILLE)
                plot.scatter(xs, ys, marker="●", marker_style=series.style)
            else:
                plot.plot(xs, ys, line_style=series.style, hires_mode=HiResMode.BRAILLE)
        if self.goal is not None and xs_all and (self.goal > 0 or not self.log_scale):
            g = transform(self.goal)
            plot.plot([min(xs_all), max(xs_all)], [g, g], line_style="green", hires_mode=HiResMode.BRAILLE)
        ys_all = [y for series in self.series.values() for _, y in series.points]
        if ys_all and not self.log_scale and 0 <= min(ys_all) and max(ys_all) <= 1 and max(ys_all) > 0.5:
            # A share (accuracy): room above 100%, so a cell that gets everything right draws its
            # line under the frame instead of on it.
            plot.set_ylimits(0.0, 1.08)
        else:
            plot.set_ylimits(None, None)
        self._title()

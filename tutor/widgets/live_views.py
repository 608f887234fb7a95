"""Provides each task's live view: generated text, name guesses, predicted waves, the memory race."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Static

from .loss_plot import LossPlot

LANE_STYLES = ["cyan", "magenta", "yellow", "blue", "red", "white"]


class LiveView(Vertical):
    """Base: receives the run's `sample`, `eval` and `prediction` events."""

    def on_started(self, event: dict[str, Any], lane: str) -> None: ...
    def on_sample(self, event: dict[str, Any], lane: str) -> None: ...
    def on_eval(self, event: dict[str, Any], lane: str) -> None: ...
    def on_prediction(self, event: dict[str, Any]) -> None: ...
    def reset(self) -> None: ...


class TextSamples(LiveView):
    """char-lm: the latest generated text, the prompt in bold, at the chosen temperature."""

    def compose(self) -> ComposeResult:
        yield Static("[dim]Generated text appears here after the first evaluation.[/dim]", id="sample-head")
        with VerticalScroll(id="sample-scroll"):
            yield Static("", id="sample-text")

    def on_sample(self, event, lane):
        head = f"[b]sample[/b] at step {event['step']:,} · temperature {event.get('temperature', 1):g}"
        self.query_one("#sample-head", Static).update(head)
        text = Text(event.get("prompt", ""), style="bold underline")
        text.append(event["text"][len(event.get("prompt", "")):] if event["text"].startswith(
            event.get("prompt", "")) else event["text"])
        self.query_one("#sample-text", Static).update(text)

    def reset(self):
        self.query_one("#sample-text", Static).update("")


class NameGuesses(LiveView):
    """classify: type any name for top-3 guesses; held-out names with right/wrong marks; confusions."""

    class Asked(Message):
        def __init__(self, names: list[str]):
            super().__init__()
            self.names = names

    def compose(self) -> ComposeResult:
        yield Input(placeholder="t: type a name, enter: where is it from?", id="ask-name", compact=True)
        yield Static("", id="typed-guesses")
        yield Static("[dim]Guesses for held-out names appear after the first evaluation.[/dim]",
                     id="showcase")
        yield Static("", id="confusion")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        names = [n for n in event.value.replace(",", " ").split() if n.strip()]
        if names:
            self.post_message(self.Asked(names[:8]))

    def on_key(self, event) -> None:
        if event.key == "escape" and self.query_one(Input).has_focus:
            event.stop()  # leave the box, not the lesson
            self.screen.query_one("#start").focus()

    def on_prediction(self, event):
        self.query_one("#typed-guesses", Static).update(_guess_table(event["rows"], marks=False))

    def on_sample(self, event, lane):
        rows = event.get("rows") or []
        if rows and "guesses" in rows[0]:
            right = sum(r["correct"] for r in rows)
            table = _guess_table(rows, marks=True)
            table.title = f"held-out names at step {event['step']:,}: {right}/{len(rows)} right"
            self.query_one("#showcase", Static).update(table)

    def on_eval(self, event, lane):
        details = event.get("details") or {}
        if "confusion" in details:
            self.query_one("#confusion", Static).update(confusion_summary(details["classes"], details["confusion"]))

    def reset(self):
        for widget_id in ("#typed-guesses", "#confusion"):
            self.query_one(widget_id, Static).update("")


def _guess_table(rows: list[dict[str, Any]], marks: bool) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1), title_justify="left", title_style="dim")
    for row in rows:
        guesses = "  ".join(f"{c} {p:.0%}" for c, p in row["guesses"])
        if marks:
            mark = "[green]✓[/]" if row["correct"] else "[red]✗[/]"
            table.add_row(mark, escape(row["name"]), f"[dim]{escape(row['true'])}[/]", guesses)
        else:
            table.add_row("→", escape(row["name"]), guesses)
    return table


def confusion_summary(classes: list[str], confusion: list[list[int]], top: int = 3) -> str:
    """The most frequent mistakes, as "Irish taken for Scottish 14 times"."""
    mistakes = [(confusion[i][j], classes[i], classes[j]) for i in range(len(classes))
                for j in range(len(classes)) if i != j and confusion[i][j]]
    if not mistakes:
        return "[green]No confusions on the held-out names.[/green]"
    mistakes.sort(reverse=True)
    shown = "; ".join(f"{true} taken for {guess} {n}x" for n, true, guess in mistakes[:top])
    return f"[b]Most confused:[/b] {escape(shown)}"


class WaveView(LiveView):
    """regress: channel 0's true wave, the one-step predictions, and the forecast fed on itself."""

    def compose(self) -> ComposeResult:
        yield LossPlot("wave: true vs predicted", id="wave-plot")

    def on_sample(self, event, lane):
        rows = event.get("rows") or []
        if not rows or "forecast" not in rows[0]:
            return
        row = rows[0]
        plot = self.query_one("#wave-plot", LossPlot)
        plot.reset(f"wave at step {event['step']:,}")  # the legend beside it names the lines
        start = row["forecast_start"]
        for i, y in enumerate(row["true"]):
            plot.add("true", i, y, "white")
        for i, y in enumerate(row["one_step"][:-1]):
            plot.add("one step", i + 1, y, "cyan")
        for i, y in enumerate(row["forecast"]):
            plot.add("forecast", start + i, y, "magenta")


class RaceBoard(LiveView):
    """recall: each racing cell's latest accuracy and the recall guesses it makes."""

    def compose(self) -> ComposeResult:
        yield Static("[dim]Each cell's accuracy appears after its first evaluation.[/dim]", id="race-board")

    def on_mount(self) -> None:
        self.latest: dict[str, dict[str, Any]] = {}
        self.styles_by_lane: dict[str, str] = {}

    def set_lanes(self, lanes: dict[str, str]) -> None:
        """The racing cells, in order, with their plot colours."""
        self.styles_by_lane = lanes
        self.latest = {lane: {} for lane in lanes}

    def on_started(self, event, lane):
        self.latest.setdefault(lane, {})["started"] = event
        self._show()

    def on_eval(self, event, lane):
        self.latest.setdefault(lane, {})["eval"] = event
        self._show()

    def on_sample(self, event, lane):
        self.latest.setdefault(lane, {})["sample"] = event
        self._show()

    def reset(self):
        self.latest = {lane: {} for lane in self.styles_by_lane}
        self.query_one("#race-board", Static).update("")

    def _show(self) -> None:
        table = Table(box=None, padding=(0, 1))
        for col in ("cell", "parameters", "step", "accuracy", "recalls"):
            table.add_column(col)
        for lane, seen in self.latest.items():
            ev, sample = seen.get("eval"), seen.get("sample")
            accuracy = f"{ev['metrics'].get('accuracy', 0):.0%}" if ev else "-"
            recalls = " ".join(("[green]" if r["correct"] else "[red]") + f"{r['symbol']}→{r['guess']}[/]"
                               for r in (sample or {}).get("rows", [])[:6])
            params = f"{seen['started']['params']:,}" if seen.get("started") else "-"
            table.add_row(f"[{self.styles_by_lane.get(lane, 'white')}]{lane}[/]", params,
                          f"{(ev or sample or {}).get('step', 0):,}", accuracy, recalls)
        self.query_one("#race-board", Static).update(table)


def live_view_for(task: str) -> LiveView:
    return {"char-lm": TextSamples, "classify": NameGuesses, "regress": WaveView,
            "recall": RaceBoard}.get(task, LiveView)(classes="live-view")

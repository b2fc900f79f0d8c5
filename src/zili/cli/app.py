"""The shared pieces of the ``zili`` command: the typer app, consoles, errors, progress.

Bad input never shows a traceback: scenario errors exit with status 2 and one line
naming the field, the value and what is allowed, and nothing is written.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="zili: simulate China's state-directed technology-investment system. Example: zili run baseline --replicates 8",
)
console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    from rich.markup import escape

    # escape: messages quote user input and extras like 'zili[app]', which are not markup
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


class RichProgress:
    """Progress sink (start/advance/stop) shown on stderr; ``unit`` names what one tick is."""

    def __init__(self, label: str, unit: str = "years"):
        self.label = label
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} " + unit), TimeElapsedColumn(), console=err, transient=True)
        self.task = None

    def start(self, total: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task(self.label, total=total)

    def advance(self, n: int = 1) -> None:
        self.bar.advance(self.task, n)

    def stop(self) -> None:
        self.bar.stop()



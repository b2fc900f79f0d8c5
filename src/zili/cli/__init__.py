"""The ``zili`` command (typer + rich): thin, it parses, calls the layers and prints.

Each group of commands lives in its own module and registers on the shared ``app``.
"""

from __future__ import annotations

import sys

from zili.cli import controls, core, validate  # noqa: F401  (each module registers its commands)
from zili.cli import calibrate as _calibrate  # noqa: F401  (params, calibrate, backtest)
from zili.cli import report as _report  # noqa: F401  (report, compare, app)
from zili.cli import experiments as _experiments  # noqa: F401  (ensemble, sensitivity, discover, optimise)
from zili.cli.app import app, err

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()

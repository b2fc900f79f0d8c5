"""Markdown tables of zili's parameters, generated from the schema and the shipped data.

``docs/ODD.md`` embeds two generated blocks so that the documentation cannot drift
from the code:

- :func:`parameter_markdown` renders every behavioural parameter declared in
  :mod:`zili.scenario.params` (one row each: dotted name, default, range, kind,
  meaning, reference) between ``<!-- params:start -->`` and ``<!-- params:end -->``;
- :func:`data_parameter_markdown` summarises the unsourced data values of the shipped
  CSV files (:func:`zili.data.unsourced_parameters`), grouped by file and column with
  counts, and lists in full the small groups, between ``<!-- data-params:start -->``
  and ``<!-- data-params:end -->``. The full list is printed by ``zili describe data``.

Regenerate the blocks after changing a parameter or a data file with::

    python -m zili.report.paramtable --write docs/ODD.md

``tests/report/test_paramtable.py`` fails when the blocks in ``docs/ODD.md`` differ
from freshly generated tables.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

PARAMS_START = "<!-- params:start -->"
PARAMS_END = "<!-- params:end -->"
DATA_START = "<!-- data-params:start -->"
DATA_END = "<!-- data-params:end -->"

# groups of unsourced data values with at most this many entries are listed key by key
FULL_LISTING_MAX = 12

REGENERATE = "python -m zili.report.paramtable --write docs/ODD.md"

# what each (file, column) of unsourced values sets in the model; node_dynamics is keyed by quantity
_DATA_MEANING = {
    ("sectors", "strategic_priority"): "strategic priority of a sector (0-1), multiplies node priority weights",
    ("nodes", "global_market_usd_bn"): "world market of a node in its market year, USD bn",
    ("china_start", "capability"): "China's starting capability per node and tier, fraction of the frontier",
    ("china_start", "self_sufficiency"): "China's starting self-sufficiency per node and tier (by location)",
    ("firms", "revenue_rmb_bn"): "starting-year revenue of a named anchor firm, RMB bn (sets its capacity)",
    ("provinces", "gdp_rmb_bn"): "provincial GDP, RMB bn (fiscal capacity and location weights)",
    ("provinces", "land_revenue_rmb_bn"): "provincial land-sale revenue, RMB bn (not read by the model yet)",
    ("provinces", "lgfv_debt_rmb_bn"): "provincial LGFV debt, RMB bn (not read by the model yet)",
    ("funds", "registered_rmb_bn"): "registered capital of a fund, RMB bn (not read by compile; fund money comes from scenario events)",
    ("funds", "paid_in_years"): "years over which a fund is paid in (not read by compile)",
    ("macro", "value"): "a macro series value in one year",
    ("node_inputs", "weight"): "cost share of an input in a node's output (input-graph edge weight)",
    ("supply_shares", "share"): "a country's share of world supply of a node (normalised per node)",
    ("node_dynamics", "china_demand_share"): "China's share of the node's world demand",
    ("node_dynamics", "demand_growth"): "growth of China's demand for the node in the start year (decays toward GDP growth)",
    ("node_dynamics", "advanced_share"): "share of the node's demand in the advanced tier",
    ("node_dynamics", "frontier_growth_mature"): "yearly growth of the world frontier, mature tier",
    ("node_dynamics", "frontier_growth_advanced"): "yearly growth of the world frontier, advanced tier",
}


def _cell(text: Any) -> str:
    """One Markdown table cell: pipes escaped, newlines flattened."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def _num(v: Any) -> str:
    """A number as a user would type it in a scenario (booleans in TOML spelling)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return np.format_float_positional(round(float(v), 10), trim="-")


def _range(rng: tuple) -> str:
    if len(rng) != 2:
        return ""
    lo, hi = rng
    if isinstance(lo, bool) or isinstance(hi, bool):
        return "false or true"
    return f"{_num(lo)} to {_num(hi)}"


def parameter_markdown() -> str:
    """The parameter table of ``docs/ODD.md``, one row per parameter.

    Returns
    -------
    str
        A Markdown table with columns parameter, default, range, kind, meaning and
        reference, in the order of :func:`zili.scenario.params.parameter_table`
        (grouped by the step that uses the parameter), ending with a newline.
    """
    from zili.scenario.params import parameter_table

    rows = parameter_table()
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["kind"]] += 1
    lines = [
        f"{len(rows)} parameters ({', '.join(f'{counts[k]} {k}' for k in ('sourced', 'prior', 'free') if counts[k])}). "
        "Set one with `--set params.GROUP.NAME=value` or under `[params.GROUP]` in a scenario file.",
        "",
        "| parameter | default | range | kind | meaning | reference |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            "| "
            + " | ".join(
                [
                    f"`{r['name']}`",
                    _num(r["default"]),
                    _range(r["range"]),
                    r["kind"],
                    _cell(r["meaning"]),
                    _cell(r["ref"]),
                ]
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def _data_groups() -> dict[tuple[str, str], list]:
    """Unsourced data values grouped by (file, column); node_dynamics by quantity."""
    from zili.data import unsourced_parameters

    groups: dict[tuple[str, str], list] = defaultdict(list)
    for key, p in unsourced_parameters().items():
        file, rest = key.split(":", 1)
        col = rest.rsplit(":", 1)[1]
        if file == "node_dynamics":
            col = rest.split(":")[-2]
        groups[(file, col)].append(p)
    return groups


def data_parameter_markdown() -> str:
    """The table of unsourced data values in ``docs/ODD.md``.

    Every value the shipped data leave empty with ``source = UNSOURCED`` and a stated
    range is a scenario parameter (default: the middle of the range). They number
    several hundred, so the table groups them by file and column with counts and the
    spread of defaults and ranges; groups of at most ``FULL_LISTING_MAX`` values are
    then listed key by key. ``zili describe data`` prints every key.

    Returns
    -------
    str
        Markdown text (a summary table and, for small groups, full listings), ending
        with a newline.
    """
    groups = _data_groups()
    total = sum(len(v) for v in groups.values())
    lines = [
        f"{total} unsourced data values in {len({f for f, _ in groups})} files. Each is overridable under "
        "`[data]` in a scenario as `\"file:key:column\" = value` within its range; `zili describe data` lists every key.",
        "",
        "| file | column or quantity | values | what it sets | defaults | ranges span |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for (file, col), ps in sorted(groups.items()):
        dmin, dmax = min(p.default for p in ps), max(p.default for p in ps)
        lmin, hmax = min(p.low for p in ps), max(p.high for p in ps)
        defaults = _num(dmin) if dmin == dmax else f"{_num(dmin)} to {_num(dmax)}"
        lines.append(
            f"| `{file}.csv` | `{col}` | {len(ps)} | {_cell(_DATA_MEANING.get((file, col), ''))} | {defaults} | {_num(lmin)} to {_num(hmax)} |"
        )
    small = [(fc, ps) for fc, ps in sorted(groups.items()) if len(ps) <= FULL_LISTING_MAX]
    for (file, col), ps in small:
        lines += ["", f"`{file}.csv`, `{col}` ({len(ps)}):", "", "| key | default | range |", "| --- | --- | --- |"]
        for p in ps:
            lines.append(f"| `{_cell(p.key)}` | {_num(p.default)} | {_num(p.low)} to {_num(p.high)} |")
    return "\n".join(lines) + "\n"


def _replace_block(text: str, start: str, end: str, body: str) -> str:
    i, j = text.find(start), text.find(end)
    if i < 0 or j < 0 or j < i:
        raise ValueError(f"markers {start} ... {end} not found in order; add them where the table belongs")
    return text[: i + len(start)] + "\n" + body + text[j:]


def block(text: str, start: str, end: str) -> str:
    """The text between two markers (without them), as written by :func:`update_document`."""
    i, j = text.find(start), text.find(end)
    if i < 0 or j < 0 or j < i:
        raise ValueError(f"markers {start} ... {end} not found in order")
    return text[i + len(start) : j]


def update_document(text: str) -> str:
    """Return ``text`` with both generated blocks replaced by fresh tables.

    Parameters
    ----------
    text : str
        A document (``docs/ODD.md``) containing both pairs of markers.

    Returns
    -------
    str
        The document with ``"\\n" + table`` between each pair of markers.
    """
    text = _replace_block(text, PARAMS_START, PARAMS_END, parameter_markdown())
    return _replace_block(text, DATA_START, DATA_END, data_parameter_markdown())


def main(argv: list[str] | None = None) -> int:
    """Print the tables, or rewrite the generated blocks of a document in place.

    Examples
    --------
    ``python -m zili.report.paramtable --write docs/ODD.md`` rewrites the blocks;
    ``python -m zili.report.paramtable --check docs/ODD.md`` exits 1 if they are stale;
    without options both tables are printed.
    """
    ap = argparse.ArgumentParser(
        prog="python -m zili.report.paramtable",
        description="Generate zili's parameter tables (Markdown) from the schema and the data.",
        epilog=f"example: {REGENERATE}",
    )
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--write", metavar="DOC", type=Path, help="rewrite the blocks between the markers in DOC")
    group.add_argument("--check", metavar="DOC", type=Path, help="exit 1 if the blocks in DOC are stale")
    args = ap.parse_args(argv)
    if args.write is None and args.check is None:
        sys.stdout.write(parameter_markdown() + "\n" + data_parameter_markdown())
        return 0
    path = args.write or args.check
    old = path.read_text(encoding="utf-8")
    try:
        new = update_document(old)
    except ValueError as exc:
        sys.stderr.write(f"{path}: {exc}\n")
        return 2
    if args.check is not None:
        if new != old:
            sys.stderr.write(f"{path}: generated tables are stale; run: {REGENERATE}\n")
            return 1
        return 0
    if new != old:
        path.write_text(new, encoding="utf-8")
    sys.stdout.write(f"{path}: tables {'updated' if new != old else 'already up to date'}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What if the US, the Netherlands and Japan stop servicing installed immersion DUV scanners from 2026?

Runs the shipped `duv-servicing-ban-2026` scenario and the baseline with the same seed and
replicates (so the comparison is paired), and prints the difference in advanced-logic
self-sufficiency, installed foreign tools and downstream output at risk.

    python examples/duv_servicing_ban.py [--firms 5000] [--replicates 2]
"""

from __future__ import annotations

import argparse

import numpy as np

import zili


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=5000)
    ap.add_argument("--replicates", type=int, default=2)
    args = ap.parse_args(argv)
    sets = [f"run.firms={args.firms}", f"run.replicates={args.replicates}", "run.end_year=2030"]
    base, _ = zili.run(zili.load_scenario("baseline", sets=sets), paired=False)
    ban, _ = zili.run(zili.load_scenario("duv-servicing-ban-2026", sets=sets), paired=False)
    year = list(base.years).index(2030)
    out = {}
    for metric, entity in (
        ("self_sufficiency", "logic_fab:advanced"),
        ("installed_foreign_tools", "logic_fab"),
        ("output", "ai_chips"),
        ("output", "base_stations"),
    ):
        diff = ban.value(metric, entity)[:, year] - base.value(metric, entity)[:, year]
        out[f"{metric}:{entity}"] = float(np.mean(diff))
        print(f"2030 {metric:24s} {entity:20s} ban - baseline = {np.mean(diff):+.3g} (replicates: {np.round(diff, 3)})")
    return out


if __name__ == "__main__":
    main()

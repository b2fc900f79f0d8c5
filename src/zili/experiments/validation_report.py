"""Run the shipped validation (patterns and shocks) and write docs/VALIDATION.md.

    python -m zili.experiments.validation_report --write docs/VALIDATION.md

``run_validation`` is what ``zili validate`` calls; ``render`` turns its result (plus the
backtest figures quoted from docs/CALIBRATION.md) into the TRACE-style document.
"""

from __future__ import annotations

import argparse
import math
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from zili.experiments.patterns import PatternCheck, null_doc, pattern_checks
from zili.experiments.shocks import Shock, run_shock, shipped_shocks

DEFAULT_SCENARIO = "baseline"
DEFAULT_FIRMS = 5000
DEFAULT_REPLICATES = 10
LAST_YEAR = 2024


@dataclass
class Validation:
    scenario: str
    firms: int
    own_firms: int
    replicates: int
    seed: int
    last_year: int
    patterns: list[PatternCheck]
    shocks: list[Shock]
    seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        outs = [o for s in self.shocks for o in s.outcomes]
        return {
            "patterns": len(self.patterns),
            "passed": sum(p.passed for p in self.patterns),
            "discriminating": sum(p.discriminates for p in self.patterns),
            "shocks": sum(not s.skipped for s in self.shocks for _ in s.outcomes),
            "signed": sum(o.sign_ok is not None for o in outs),
            "sign_ok": sum(bool(o.sign_ok) for o in outs),
        }

    def line(self) -> str:
        c = self.counts()
        return f"validate: patterns={c['patterns']} passed={c['passed']} discriminating={c['discriminating']} shocks={c['shocks']} sign_ok={c['sign_ok']}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "firms": self.firms, "own_firms": self.own_firms, "replicates": self.replicates, "seed": self.seed,
            "last_year": self.last_year, "seconds": self.seconds, "counts": self.counts(), "line": self.line(),
            "null_model": "same scenario with events = [] and run.background_programmes = false; anchors, parameters and seed kept",
            "patterns": [p.as_dict() for p in self.patterns], "shocks": [s.as_dict() for s in self.shocks],
        }


def _has_firms(sets: Sequence[str]) -> bool:
    return any(s.replace(" ", "").startswith("run.firms=") for s in sets)


def run_validation(scenario: str = DEFAULT_SCENARIO, *, sets: Sequence[str] = (), replicates: int = DEFAULT_REPLICATES, firms: int | None = None, seed: int | None = None, shocks: Sequence[Shock] | None = None, last_year: int = LAST_YEAR, progress=None) -> Validation:
    """Run the pattern checks (scenario and null model) and the paired shock runs.

    The scenario runs to ``last_year`` (later events dropped, as in calibration); the
    population is ``firms`` synthetic firms unless ``--set run.firms=...`` is given
    (default 5,000). Every run uses the same seed and replicate ids.
    """
    import numpy as np

    from zili.experiments.calibrate import truncated_doc
    from zili.experiments.run import run
    from zili.model.state import entry_slots
    from zili.scenario.load import apply_sets, raw_scenario, validate

    t0 = time.perf_counter()
    sets = list(sets)
    own = int(apply_sets(raw_scenario(scenario), []).get("run", {}).get("firms", 20000))
    n_firms = None if _has_firms(sets) else (firms or DEFAULT_FIRMS)
    doc = truncated_doc(scenario, last_year, firms=n_firms, sets=sets)
    base_sc = validate(doc)
    seed = base_sc.run.seed if seed is None else seed
    reps = np.arange(replicates)
    shocks = list(shipped_shocks() if shocks is None else shocks)
    steps = 2 + len(shocks)
    if progress is not None:
        progress.start(steps)

    def run_doc(d):
        traj, meta = run(validate(d), replicates=reps, seed=seed, paired=False)
        if progress is not None:
            progress.advance()
        return traj, meta

    traj, meta = run_doc(doc)
    null, nmeta = run_doc(null_doc(doc))
    # a synthetic firm stands for w real ones: entrant ids step by the weighted slots a year, and
    # counts of synthetic startups are scaled to the population the scenario stands for
    scale = (base_sc.run.firms_represented or own) / max(int(base_sc.run.firms), 1)
    per_year = entry_slots(int(base_sc.params.capital.max_entries_per_year), base_sc.run.synthetic_weight)
    pats = pattern_checks(traj, null, n_start=meta["firms"], null_n_start=nmeta["firms"], per_year=per_year, scale=scale, end_year=last_year, start_year=int(base_sc.run.start_year))
    for s in shocks:
        run_shock(s, doc, lambda d: run_doc(d)[0], base=traj)
    if progress is not None:
        progress.stop()
    return Validation(scenario, int(base_sc.run.firms), own, int(replicates), int(seed), last_year, pats, shocks, time.perf_counter() - t0, meta)


# ----------------------------------------------------------------------------- formatting


def fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "nan"
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return f"{x:.3g}"
    return f"{x:.4g}"


def band(t: tuple[float, float, float]) -> str:
    return f"{fmt(t[0])} ({fmt(t[1])}..{fmt(t[2])})"


def _backtest_lines(calibration_md: Path) -> list[str]:
    if not calibration_md.exists():
        return []
    return re.findall(r"^backtest: series=.*$", calibration_md.read_text(encoding="utf-8"), flags=re.M)


def render(val: Validation, *, calibration_md: Path = Path("docs/CALIBRATION.md"), command: str = "", figure: str | None = None) -> str:
    """docs/VALIDATION.md in TRACE style (Grimm et al. 2014)."""
    c = val.counts()
    bt = _backtest_lines(calibration_md)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    L: list[str] = []
    a = L.append
    a("# Validation (TRACE)")
    a("")
    a("<!-- generated by `python -m zili.experiments.validation_report --write docs/VALIDATION.md`; do not edit by hand -->")
    a("")
    a("This document follows TRACE (TRAnsparent and Comprehensive model Evaludation; Grimm et al. 2014, "
      "*Ecological Modelling* 280, 129-139, doi:10.1016/j.ecolmodel.2014.01.018): what was tested, how, with which "
      "data, and the current figures. Model description: [ODD.md](ODD.md); calibration and backtest: "
      "[CALIBRATION.md](CALIBRATION.md).")
    a("")
    a(f"Generated {now} with `{command or 'python -m zili.experiments.validation_report --write docs/VALIDATION.md'}`: "
      f"scenario `{val.scenario}`, {val.firms:,} synthetic firms (the scenario's own population is {val.own_firms:,}), "
      f"{val.replicates} replicates (ids 0..{val.replicates - 1}), seed {val.seed}, run to {val.last_year} "
      f"(events after {val.last_year} dropped), {val.seconds:.0f} s. The bands below are **stochastic** (replicates) only: "
      "no parameter or structural uncertainty.")
    a("")
    a("```")
    a(val.line())
    a("```")
    a("")
    if figure:
        a(f"![patterns against their target ranges (scenario and null model) and paired shock effects]({figure})")
        a("")
    a("## 1. Problem formulation and model description")
    a("")
    a("zili simulates state-directed technology investment in China (funds, programmes, export controls, NEV policy) "
      "from 2014 on, with synthetic firms. Its purpose is comparing policy scenarios, not point forecasts; validation "
      "therefore asks whether the model reproduces *patterns* at several levels (firm, fund, industry) and the "
      "*direction and rough size* of the response to past shocks, and how it scores on held-out years.")
    a("")
    a("## 2. Data evaluation")
    a("")
    a("Every row of `src/zili/data/history.csv` says whether it builds (`input`), calibrates (`calibrate`) or validates "
      "(`validate`) the model; a number is never both an input and a target. The pattern targets below are `validate` "
      "rows (guidance-fund target share), figures kept out of the inputs (seed 003's startup count), or documented "
      "pattern ranges (exit rates). The Qichacha chip registrations/deregistrations are `calibrate` rows and are "
      "quoted for reference only. Caveat: the parameter `capital.guidance_deploy_rate` (0.3, a literature prior) cites "
      "the same Wei, Ang & Jia (2023) paper as the guidance-fund target, so that pattern is not fully independent of the inputs.")
    a("")
    a("## 3. Conceptual model evaluation")
    a("")
    a("See [ODD.md](ODD.md) (design concepts, each pointing at its module) and the design notes in `/work/shared/DESIGN.md`.")
    a("")
    a("## 4. Implementation verification")
    a("")
    a("The test suite (`pytest`) checks the arithmetic of every statistic used here on hand-made inputs: the Hill "
      "estimator recovers the exponent of a synthetic Pareto sample, the pattern statistics on a hand-made "
      "trajectory and ledger, the null model has no fund flows, a counterfactual that changes nothing after the run "
      "end gives a paired difference of exactly zero, and the 2019 subsidy cut has the expected sign in a tiny world "
      "(`tests/experiments/test_patterns.py`, `tests/experiments/test_shocks.py`).")
    a("")
    a("## 5. Model output verification: patterns")
    a("")
    a("Each pattern is computed on the scenario and on the **null model**: the same scenario with no funders and no "
      "policies (every event removed, `events = []`, and `run.background_programmes = false`; the starting population, "
      "the named anchor firms, the parameters and the seed kept). *Pass* = the scenario median lies in the target "
      "range; *discriminates* = the scenario passes and the null fails, or the two medians lie outside each other's "
      "5-95% bands, or the null has no such quantity at all (nan: no funds, no entrants).")
    a("")
    a("| pattern | level | statistic | target (source) | scenario median (5-95%) | null median (5-95%) | pass | null pass | discriminates |")
    a("|---|---|---|---|---|---|---|---|---|")
    for p in val.patterns:
        a(f"| `{p.name}` | {p.level} | {p.statistic} | {p.target} ({p.source}) | {band(p.scenario)} | {band(p.null)} | "
          f"{'yes' if p.passed else '**no**'} | {'yes' if p.null_passed else 'no'} | {'yes' if p.discriminates else '**no**'} |")
    a("")
    a("Reading:")
    a("")
    for p in val.patterns:
        a(f"- `{p.name}`: {_pattern_reading(p)}")
    a("")
    a("## 6. Model analysis: past shocks replayed as paired runs")
    a("")
    a("Each shock is run twice with the same seed and replicate ids: the scenario (the shock happened) and a "
      "counterfactual without it. The effect is scenario minus counterfactual per replicate; the table gives its "
      "median and 5-95% range over replicates, the medians of the two runs, and the sign expected beforehand from the "
      "mechanism (`?` = ambiguous, reported but not counted).")
    a("")
    a("| shock | outcome | years | expected | effect median (5-95%) | scenario | counterfactual | sign ok |")
    a("|---|---|---|---|---|---|---|---|")
    for s in val.shocks:
        if s.skipped:
            a(f"| `{s.name}` | skipped: {s.skipped} | | | | | | n/a |")
            continue
        for o in s.outcomes:
            what = f"{o.metric}:{o.entity}" + (" growth" if o.how == "growth" else "")
            ok = "n/a" if o.sign_ok is None else ("yes" if o.sign_ok else "**no**")
            a(f"| `{s.name}` | {what} | {'-'.join(str(y) for y in (o.years[0], o.years[-1])) if len(o.years) > 1 else o.years[0]} | {o.expected} | "
              f"{fmt(o.median)} ({fmt(o.q05)}..{fmt(o.q95)}) | {fmt(o.scenario)} | {fmt(o.counterfactual)} | {ok} |")
    a("")
    for s in val.shocks:
        a(f"- `{s.name}`: {s.description}. Expected: {s.reasoning}.")
    a("")
    a(_shock_reading(val))
    a("")
    a("## 7. Model output corroboration: held-out years")
    a("")
    a("From [CALIBRATION.md](CALIBRATION.md) (`zili backtest`, not re-run by this command):")
    a("")
    if bt:
        labels = ["out of sample 2020-2024, baseline (calibrated; 200 posterior draws)", "in sample 2014-2019, baseline (calibrated; not a test)", "in sample 2014-2019, baseline-uncalibrated (not a test)"]
        a("```")
        for i, x in enumerate(bt):
            a(f"{x}   # {labels[i] if i < len(labels) else 'see CALIBRATION.md'}")
        a("```")
        a("")
    a("Out of sample (2020-2024 `validate` rows, never calibrated on): a linear trend fitted to 2014-2019 is the better "
      "forecaster on five of the six modelled series (overall CRPS skill below 0); the model misses the 2021-2024 NEV "
      "take-off and over-predicts IC self-sufficiency. Calibration improved skill and coverage against the uncalibrated "
      "baseline but not the median error. In sample the calibrated model beats the trend only on NEV sales and share. "
      "Per-series figures: CALIBRATION.md.")
    a("")
    a("## 8. Summary")
    a("")
    a(f"- Patterns: {c['passed']} of {c['patterns']} pass, {c['discriminating']} of {c['patterns']} discriminate the scenario from the null model.")
    tiny = _tiny(val)
    a(f"- Shocks: {c['sign_ok']} of {c['signed']} signed outcomes have the expected sign ({c['shocks'] - c['signed']} ambiguous outcomes reported only)"
      + (f"; {len(tiny)} of them are negligible in size (under 0.1% of the counterfactual level), so their sign is weak evidence." if tiny else "."))
    a(f"- Out of sample: {bt[0].split('backtest: ')[1] if bt else 'not run'} (2020-2024, see section 7): no skill over a trend extrapolation yet.")
    a("")
    a("Regenerate: `python -m zili.experiments.validation_report --write docs/VALIDATION.md` "
      "(the same runs as `zili validate`, plus the figure `validation.png` when matplotlib is installed).")
    a("")
    return "\n".join(L)


def _pattern_reading(p: PatternCheck) -> str:
    verdict = "passes" if p.passed else "fails"
    extra = f" ({p.note})" if p.note else ""
    if p.name == "firm_size_tail":
        return (f"{verdict}{extra}. The start is built with a Zipf tail (Axtell 2001); the null keeps it too "
                f"({fmt(p.null[0])}), so this pattern is a consistency check, not evidence for the policy mechanisms"
                + ("" if p.discriminates else " (it does not discriminate)") + ".")
    if p.name == "guidance_fund_target_share":
        return (f"{verdict}{extra}. Provincial funds deploy a fixed share of their available capital each year "
                "(`guidance_deploy_rate`) while paid-in capital keeps arriving, so all provinces end at "
                "a similar deployed/paid-in ratio: the model has too little heterogeneity across provincial funds to "
                "produce a 26% share meeting target (all or none).")
    if p.name == "vc_guide_fund_startups_2019":
        return (f"{verdict}{extra}. The model founds startups from the fund's startup share and ticket "
                "(`capital.startup_share`, `capital.startup_ticket_rmb_bn`) under a cap of `max_entries_per_year` "
                "slots; compare the rescaled count with the 5,100 reported.")
    if p.name == "chip_exit_entry_ratio":
        return f"{verdict}{extra}. The null has no entrants at all (no funders found startups), so the ratio is undefined there."
    if p.name == "exit_rate":
        return (f"{verdict}{extra}. The null's exit rate is {fmt(p.null[0])}: without funders there are no entrants, and exits "
                "in the model are mostly young funded startups failing (the start-up hazard) and competition from them.")
    return verdict + extra


def _tiny(val: Validation) -> list[str]:
    return [f"`{s.name}` {o.metric}:{o.entity}" for s in val.shocks for o in s.outcomes
            if not math.isnan(o.median) and o.how != "growth" and abs(o.median) < 1e-3 * max(abs(o.counterfactual), 1e-12)]


def _shock_reading(val: Validation) -> str:
    small = _tiny(val)
    if not small:
        return "All effects are larger than 0.1% of the counterfactual level."
    return ("Effects smaller than 0.1% of the counterfactual level (right sign or not, too small to matter): " + ", ".join(small) + ".")


def plot(val: Validation, path: Path) -> bool:
    """Two panels: patterns (scenario and null against the target range) and shock effects
    relative to the counterfactual level. Returns False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for i, p in enumerate(val.patterns):
        span = p.high - p.low
        norm = lambda v: (v - p.low) / span if not math.isnan(v) else math.nan  # noqa: E731
        ax1.axhspan(i - 0.35, i + 0.35, xmin=0, xmax=1, color="0.95")
        ax1.plot([0, 1], [i, i], color="tab:green", lw=6, alpha=0.35, solid_capstyle="butt")
        s = [norm(v) for v in p.scenario]
        ax1.errorbar([s[0]], [i + 0.12], xerr=[[s[0] - s[1]], [s[2] - s[0]]], fmt="o", color="tab:blue", label="scenario" if i == 0 else None)
        n = [norm(v) for v in p.null]
        if not math.isnan(n[0]):
            ax1.errorbar([n[0]], [i - 0.12], xerr=[[n[0] - n[1]], [n[2] - n[0]]], fmt="s", color="tab:red", label="null" if i == 0 else None)
    ax1.set_yticks(range(len(val.patterns)), [p.name for p in val.patterns], fontsize=8)
    ax1.set_xlabel("position in the target range (0 = low end, 1 = high end)")
    ax1.set_xlim(-1.2, 2.2)
    ax1.set_title("patterns: green = target range", fontsize=9)
    ax1.legend(fontsize=8, loc="lower right")
    rows = [(f"{s.name}\n{o.metric}:{o.entity}" + (" growth" if o.how == "growth" else ""), o) for s in val.shocks for o in s.outcomes]
    for i, (_, o) in enumerate(rows):
        ref = 1.0 if o.how == "growth" else max(abs(o.counterfactual), 1e-12)
        m, lo, hi = (100 * o.median / ref, 100 * o.q05 / ref, 100 * o.q95 / ref)
        ax2.errorbar([m], [i], xerr=[[m - lo], [hi - m]], fmt="o", color="tab:gray" if o.expected == "?" else ("tab:blue" if o.sign_ok else "tab:red"))
    ax2.axvline(0, color="k", lw=0.8)
    ax2.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=7)
    ax2.set_xlabel("paired effect, % of counterfactual (growth: points)")
    ax2.set_title("shocks: blue = expected sign, red = not, grey = ambiguous", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m zili.experiments.validation_report", description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path, default=None, help="write the markdown here (default: print)")
    ap.add_argument("--scenario", default=DEFAULT_SCENARIO)
    ap.add_argument("--replicates", type=int, default=DEFAULT_REPLICATES)
    ap.add_argument("--set", dest="sets", action="append", default=[])
    ap.add_argument("--calibration", type=Path, default=Path("docs/CALIBRATION.md"))
    args = ap.parse_args(argv)
    val = run_validation(args.scenario, sets=args.sets, replicates=args.replicates)
    cmd = "python -m zili.experiments.validation_report --write docs/VALIDATION.md"
    fig = None
    if args.write:
        fig = args.write.parent / "validation.png"
        fig = fig if plot(val, fig) else None
    text = render(val, calibration_md=args.calibration, command=cmd, figure=fig.name if fig else None)
    if args.write:
        args.write.write_text(text, encoding="utf-8")
        print(f"wrote {args.write}")
    else:
        print(text)
    print(val.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

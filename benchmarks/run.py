"""The benchmark harness of issue 8: ``python -m benchmarks.run [--quick] [--json]``.

In one process it measures zili's engine on the shipped baseline (every synthetic firm
standing for one firm, see :mod:`benchmarks.worlds`) at several population sizes and
replicate counts, the Mesa 3 port of the same model (:mod:`benchmarks.mesa_model`) at
the sizes it finishes in reasonable time, and a memory-bandwidth probe, and reports:

* wall time of ``simulate`` (world compilation excluded) and firm-steps per second,
  ``firms x years x replicates / wall`` where ``firms`` is the starting population
  (synthetic firms plus the named anchors); for each population also of a second run of
  the same World right after the first ("2nd run"): a process's first run of a size also
  pays for growing its heap and first touching the pages (at 100k firms 4-60% more than a
  second run before large runs kept their freed memory, :mod:`zili.model.alloc`), and the
  headline (``firm_steps_per_s``) is the first run's;
* peak memory per firm, two ways: (a) the peak of memory allocated during ``simulate`` as
  traced by ``tracemalloc`` (Python objects and NumPy buffers; not memory a compiled
  kernel allocates outside Python's allocators), in a separate untimed 3-year run of the
  same population (tracing slows small allocations ~10x, and the peak is set by the firm
  state, which a 3-year run allocates for 1500 x 3 entrant slots instead of 1500 x 20),
  divided by ``firms x replicates``; (b) the growth of the process's peak RSS
  (``resource.getrusage``) during the timed run, divided likewise: it counts everything,
  but only what exceeds the process's earlier peak (sizes run in increasing order; it is
  0 for the replicate runs that follow the largest population; the bandwidth probe runs
  after all zili runs so that its buffers do not set the peak first);
* the ratio zili / Mesa of firm-steps per second, each side timed on the same World
  (same firms and years, one replicate), interleaved: one zili run, then Mesa's run year by
  year (its construction and its years timed) with one whole zili run after each Mesa year;
  zili's wall is the median of those ``years + 1`` runs. Both sides so sample the machine in
  the same stretches of time (a Mesa year lasts about a second, a zili run a fraction of one;
  this machine's speed drifts by 30-60% over tens of seconds);
* memory bandwidth: the best of several copies of a large float64 array, counting the
  bytes read plus the bytes written; and the fraction of the bandwidth bound zili reaches:
  ``(2 x firm-state bytes x years / bandwidth) / wall``, where firm-state bytes is the sum of
  ``nbytes`` of the State's (replicate, firm slot) arrays (including the per-payer exposure
  and the cumulative books) and 2 passes (each array read once and written once a year)
  is the least traffic a year-step can have: a lower bound, so the fraction is conservative;
* scaling exponents: the log-log slope of wall time in firms (10k to 1M; 1k to 100k in
  ``--quick``) and in replicates (10k firms).

The last line of the plain output is ``bench: firm_steps_per_s=X mesa_ratio=Y
bandwidth_fraction=Z`` (X and Z at 100k firms, Y at the largest size Mesa ran).
"""

from __future__ import annotations

import os

# one core: BLAS thread pools (NumPy's small matrix products) would otherwise spin on the
# second core; zili's engine itself is single-threaded (set before NumPy loads)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.worlds import bench_world, firm_weight  # noqa: E402

MODES = {
    "full": dict(sizes=(1_000, 10_000, 100_000, 1_000_000), years=20, rep_firms=10_000, reps=(1, 10, 100),
                 mesa_sizes=(1_000, 10_000), mesa_years=10, probe_mib=512, scale_min=10_000, headline=100_000),
    "quick": dict(sizes=(1_000, 10_000, 100_000), years=20, rep_firms=10_000, reps=(1, 4, 16),
                  mesa_sizes=(1_000,), mesa_years=5, probe_mib=256, scale_min=1_000, headline=100_000),
    "tiny": dict(sizes=(200, 400), years=3, rep_firms=200, reps=(1, 2),
                 mesa_sizes=(200,), mesa_years=2, probe_mib=16, scale_min=200, headline=400),
}
PASSES = 2  # firm-state passes per year in the bandwidth bound (one read + one write of every array)
MEMORY_YEARS = 3  # years of the separate tracemalloc run that measures peak memory


def _simulate(world, replicates: int, backend: str | None = None, threads: int = 1):
    from zili.model.engine import simulate
    from zili.model.rng import root_entropy

    kw = {"backend": backend} if backend else {}
    return simulate(world, replicates=replicates, entropy=root_entropy(1), threads=threads, **kw)


def _timed(world, replicates: int, backend: str | None = None, threads: int = 1):
    """(trajectory, wall seconds) of one :func:`_simulate`."""
    t0 = time.perf_counter()
    traj = _simulate(world, replicates, backend, threads)
    return traj, time.perf_counter() - t0


def _threads() -> int:
    """The threads a run can use here (:func:`zili.model.threads.available`)."""
    from zili.model.threads import available

    return available()


def _state_bytes(state) -> int:
    """Bytes of the State's firm arrays: every array whose leading axes are (replicates, slots)."""
    R, M = state.alive.shape
    total = 0
    for f in dataclasses.fields(state):
        a = getattr(state, f.name)
        if isinstance(a, np.ndarray) and a.ndim >= 2 and a.shape[:2] == (R, M):
            total += a.nbytes
    total += sum(a.nbytes for a in state.books.values() if a.shape[:2] == (R, M))
    return total


def _rss_peak() -> int:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb if sys.platform == "darwin" else kb * 1024


def _traced_peak(firms: int, years: int, replicates: int) -> int:
    """Peak bytes ``tracemalloc`` sees during ``simulate`` of a ``years``-year run (untimed: tracing is slow)."""
    world = bench_world(firms, years)
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    traj = _simulate(world, replicates)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del traj
    gc.collect()
    return peak


def time_zili(firms: int, years: int, replicates: int, bandwidth: float | None, backend: str | None = None,
              memory_years: int = MEMORY_YEARS, warm: bool = False, threads: int = 1) -> dict:
    """One timed ``simulate`` on the baseline with ``firms`` firms, ``years`` years (and where ``warm``, a
    second one of the same World: the first run of a size in a process also pays for growing the heap
    and first touching its pages); then a short traced run for memory."""
    world = bench_world(firms, years)
    F = len(world.firm_id)
    gc.collect()
    rss0 = _rss_peak()
    traj, wall = _timed(world, replicates, backend, threads)
    rss = max(_rss_peak() - rss0, 0)
    # the last batch's State (zili.model.engine.BATCH_SLOTS); every replicate's arrays have the same bytes
    batch = traj.batch_state
    sbytes = _state_bytes(batch) * replicates // len(batch.replicates)
    slots, alive = int(batch.alive.shape[1]), float(traj.firms["alive"].sum() / replicates)
    del traj
    gc.collect()
    warm_wall = None
    if warm:
        warm_wall = _timed(world, replicates, backend, threads)[1]
        gc.collect()
    peak = _traced_peak(firms, min(memory_years, years), replicates) if memory_years else 0
    steps = F * years * replicates
    row = {
        "firms": F, "synthetic_firms": firms, "years": years, "replicates": replicates, "threads": threads, "wall_s": wall,
        "firm_steps_per_s": steps / wall, "slots": slots, "alive_end": alive,
        "peak_traced_bytes_per_firm": peak / (F * replicates), "rss_growth_bytes_per_firm": rss / (F * replicates),
        "state_bytes": sbytes, "state_bytes_per_firm": sbytes / (F * replicates),
        "warm_wall_s": warm_wall, "warm_firm_steps_per_s": None if warm_wall is None else steps / warm_wall,
    }
    if bandwidth:
        row["bandwidth_bound_s"] = PASSES * sbytes * years / bandwidth
        row["bandwidth_fraction"] = row["bandwidth_bound_s"] / wall
    return row


def time_mesa(firms: int, years: int) -> dict:
    """The Mesa port and zili on the same World (one replicate each); firm-steps per second and ratio.

    Interleaved: one zili run, then Mesa year by year with one zili run after each Mesa year,
    so that both sides sample the machine in the same stretches of time (a Mesa year lasts about
    a second, a zili run a fraction of one). Mesa's wall is its construction plus its years;
    zili's is the median of its ``years + 1`` runs (each a whole run of all the years). Where
    this machine has more than one core, zili also runs with every thread it can use
    (:mod:`zili.model.threads`) next to each one-thread run: ``ratio_threads``.

    A Mesa year leaves the caches full of Mesa's objects: the first zili run after one was
    measured 7-9 % slower than the next (medians at 10k firms x 10 years: 62.1 ms against 58.2 on
    one machine, 50.6 against 46.5 on another). So each slot starts with one uncounted warm-up run, and the counted one-thread and
    threaded runs take turns going first (even slots one thread first, odd slots threads
    first), so that neither side always gets the colder machine."""
    from benchmarks.mesa_model import ZiliMesaModel

    world = bench_world(firms, years)
    F = len(world.firm_id)
    T = _threads()

    def zili_run() -> None:
        _timed(world, 1)  # warm-up, not counted
        order = (1, T) if len(walls) % 2 == 0 else (T, 1)
        for threads in order if T > 1 else (1,):
            (walls if threads == 1 else walls_t).append(_timed(world, 1, threads=threads)[1])

    walls, walls_t = [], []
    zili_run()
    t0 = time.perf_counter()
    model = ZiliMesaModel(world, seed=1)
    mesa_wall = time.perf_counter() - t0
    mesa_years = []
    for _ in range(years):
        t0 = time.perf_counter()
        model.step()
        mesa_years.append(time.perf_counter() - t0)
        zili_run()
    mesa_wall += sum(mesa_years)
    alive = len(model.firms)
    del model
    gc.collect()
    zili_wall = float(np.median(walls))
    m, z = F * years / mesa_wall, F * years / zili_wall
    row = {"firms": F, "synthetic_firms": firms, "years": years, "mesa_wall_s": mesa_wall, "mesa_year_s": mesa_years,
           "mesa_firm_steps_per_s": m, "zili_wall_s": zili_wall, "zili_walls_s": walls, "zili_firm_steps_per_s": z,
           "ratio": z / m, "mesa_alive_end": alive, "threads": T, "zili_threads_wall_s": None, "zili_threads_walls_s": walls_t,
           "ratio_threads": None}
    if walls_t:
        row["zili_threads_wall_s"] = float(np.median(walls_t))
        row["ratio_threads"] = F * years / row["zili_threads_wall_s"] / m
    return row


def bandwidth_probe(mib: int, repeats: int = 5) -> dict:
    """Best-of-``repeats`` copy of a ``mib`` MiB float64 array; GB/s counting bytes read + written."""
    n = mib * 2**20 // 8
    src = np.ones(n)
    dst = np.empty_like(src)
    np.copyto(dst, src)  # touch the pages
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t0)
    moved = 2 * src.nbytes
    del src, dst
    return {"mib": mib, "best_s": best, "bytes_per_s": moved / best, "gb_per_s": moved / best / 1e9}


def _slope(x, y) -> float | None:
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2:
        return None
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def _jax_backend() -> bool:
    import inspect

    from zili.model.engine import simulate

    try:
        import jax  # noqa: F401
    except Exception:
        return False
    return "backend" in inspect.signature(simulate).parameters


# the engine's yearly steps, timed one by one (module, function); the capital step's compiled fund loop also on its own
STEPS = (
    ("policy", "step"), ("priorities", "step"), ("capital", "step"), ("capital", "_deploy_year"), ("provinces", "step"),
    ("realfin", "step"), ("innovation", "step"), ("market", "step"), ("production", "step"), ("nev", "expansion"),
    ("provinces", "expansion"), ("finance", "step"), ("talent", "step"),
)


def time_steps(firms: int, years: int) -> dict:
    """Seconds spent in each yearly step of one run (the step functions wrapped by timers for
    this run only; the recorder of metrics counted as ``metrics``), and the run's wall time."""
    import importlib

    from zili.model import metrics

    world = bench_world(firms, years)
    spent: dict[str, float] = {}
    saved = []

    def timed(key, fn):
        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - t0
        return wrapper

    targets = [(importlib.import_module(f"zili.model.{m}"), f, f"{m}.{f}") for m, f in STEPS] + [(metrics.Recorder, "record", "metrics")]
    try:
        for owner, name, key in targets:
            saved.append((owner, name, getattr(owner, name)))
            setattr(owner, name, timed(key, getattr(owner, name)))
        wall = _timed(world, 1)[1]
    finally:
        for owner, name, fn in reversed(saved):
            setattr(owner, name, fn)
    return {"firms": len(world.firm_id), "years": years, "wall_s": wall, "seconds": spent}


def cpu_model() -> str | None:
    """The processor's model name (Linux ``/proc/cpuinfo``; else what ``platform`` says, or None):
    ratios such as zili / Mesa depend on the machine, so the output names it."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def run(mode: str = "quick", progress=None) -> dict:
    """Run every measurement of ``mode`` (``full``, ``quick`` or ``tiny``) and return the results."""
    cfg = MODES[mode]
    say = progress or (lambda msg: None)
    t_start = time.perf_counter()
    out: dict = {"mode": mode, "python": platform.python_version(), "numpy": np.__version__,
                 "cpus": os.cpu_count(), "machine": platform.machine(), "cpu": cpu_model(), "passes": PASSES}
    try:
        import mesa

        out["mesa"] = mesa.__version__
    except ImportError:
        out["mesa"] = None
    say("warm-up")
    _simulate(bench_world(200, 2), 1)  # imports, caches, JIT compilation: not timed
    out["firm_weight"] = firm_weight(bench_world(200, 2))
    rows = []
    for firms in cfg["sizes"]:  # increasing sizes, before the probe: each run can raise the peak RSS
        say(f"zili {firms:,} firms x {cfg['years']} years")
        rows.append(time_zili(firms, cfg["years"], 1, None, warm=True))
    out["zili_sizes"] = rows
    reps = []
    for R in cfg["reps"]:
        say(f"zili {cfg['rep_firms']:,} firms x {R} replicates")
        reps.append(time_zili(cfg["rep_firms"], cfg["years"], R, None))
    out["zili_replicates"] = reps
    say(f"bandwidth probe ({cfg['probe_mib']} MiB)")
    bw = bandwidth_probe(cfg["probe_mib"])
    out["bandwidth"] = bw
    for row in rows + reps:
        row["bandwidth_bound_s"] = PASSES * row["state_bytes"] * row["years"] / bw["bytes_per_s"]
        row["bandwidth_fraction"] = row["bandwidth_bound_s"] / row["wall_s"]
    mesa_rows = []
    if out["mesa"] is not None:
        for firms in cfg["mesa_sizes"]:
            say(f"Mesa {firms:,} firms x {cfg['mesa_years']} years")
            mesa_rows.append(time_mesa(firms, cfg["mesa_years"]))
    out["mesa_runs"] = mesa_rows
    # the other backends of the per-firm kernels on the same worlds (numba is the default above)
    out["backends"] = []
    for name in ("numpy",) + (("jax",) if _jax_backend() else ()):
        for firms in cfg["sizes"][:3]:
            say(f"zili backend={name} {firms:,} firms")
            if name == "jax":  # JAX compiles once per array shape: warm up untimed on the same world
                time_zili(firms, cfg["years"], 1, None, backend=name, memory_years=0)
            row = time_zili(firms, cfg["years"], 1, None, backend=name, memory_years=0)
            ref = next(r for r in rows if r["synthetic_firms"] == firms)
            row.update(backend=name, numba_wall_s=ref["wall_s"], speed_vs_numba=ref["wall_s"] / row["wall_s"])
            out["backends"].append(row)
    out["jax"] = [r for r in out["backends"] if r["backend"] == "jax"] or None
    # every thread this machine gives a run, on the same worlds as the one-thread rows above (10k firms up)
    T = _threads()
    out["threads"], out["threads_rows"] = T, []
    if T > 1:
        for firms in cfg["sizes"][1:]:
            say(f"zili threads={T} {firms:,} firms")
            row = time_zili(firms, cfg["years"], 1, None, memory_years=0, warm=True, threads=T)
            ref = next(r for r in rows if r["synthetic_firms"] == firms)
            row.update(one_thread_wall_s=ref["wall_s"], one_thread_warm_wall_s=ref["warm_wall_s"],
                       speed_vs_one_thread=ref["wall_s"] / row["wall_s"],
                       warm_speed_vs_one_thread=ref["warm_wall_s"] / row["warm_wall_s"])
            out["threads_rows"].append(row)
        # and the most replicates of the replicate rows: their batches side by side (zili.model.engine.simulate)
        ref, R = reps[-1], cfg["reps"][-1]
        say(f"zili threads={T} {cfg['rep_firms']:,} firms x {R} replicates")
        row = time_zili(cfg["rep_firms"], cfg["years"], R, None, memory_years=0, threads=T)
        row.update(one_thread_wall_s=ref["wall_s"], one_thread_warm_wall_s=None, speed_vs_one_thread=ref["wall_s"] / row["wall_s"],
                   warm_speed_vs_one_thread=None)
        out["threads_rows"].append(row)
    say(f"zili {cfg['headline']:,} firms, time by step")
    out["steps"] = time_steps(cfg["headline"], cfg["years"])
    big = [r for r in rows if r["synthetic_firms"] >= cfg["scale_min"]]
    out["scaling_exponent_firms"] = _slope([r["firms"] for r in big], [r["wall_s"] for r in big])
    out["scaling_exponent_replicates"] = _slope([r["replicates"] for r in reps], [r["wall_s"] for r in reps])
    head = next(r for r in rows if r["synthetic_firms"] == cfg["headline"])
    out["firm_steps_per_s"] = head["firm_steps_per_s"]
    out["warm_firm_steps_per_s"] = head["warm_firm_steps_per_s"]
    out["bandwidth_fraction"] = head.get("bandwidth_fraction")
    out["headline_firms"] = cfg["headline"]
    if mesa_rows:
        ref = max(mesa_rows, key=lambda r: r["synthetic_firms"])
        out["mesa_ratio"], out["mesa_ratio_firms"] = ref["ratio"], ref["synthetic_firms"]
        out["mesa_ratio_threads"] = ref["ratio_threads"]
    else:
        out["mesa_ratio"], out["mesa_ratio_firms"], out["mesa_ratio_threads"] = None, None, None
    one_m = next((r for r in rows if r["synthetic_firms"] == 1_000_000), None)
    out["targets"] = {
        "mesa_ratio_10k_ge_100": None if out["mesa_ratio_firms"] != 10_000 else out["mesa_ratio"] >= 100,
        "mesa_ratio_10k_ge_100_all_threads": (None if out["mesa_ratio_firms"] != 10_000 or out["mesa_ratio_threads"] is None
                                              else out["mesa_ratio_threads"] >= 100),
        "firm_steps_100k_ge_1e7": out["firm_steps_per_s"] >= 1e7 if cfg["headline"] == 100_000 else None,
        "run_1m_20y_lt_60s": None if one_m is None else one_m["wall_s"] < 60,
        "memory_1m_lt_1kib_per_firm": None if one_m is None else one_m["peak_traced_bytes_per_firm"] < 1024,
        "exponents_lt_1_1": all(e is not None and e < 1.1 for e in (out["scaling_exponent_firms"], out["scaling_exponent_replicates"])),
    }
    out["total_s"] = time.perf_counter() - t_start
    return out


def last_line(res: dict) -> str:
    def f(x, fmt):
        return "nan" if x is None else format(x, fmt)

    return (f"bench: firm_steps_per_s={f(res['firm_steps_per_s'], '.0f')} mesa_ratio={f(res['mesa_ratio'], '.1f')} "
            f"bandwidth_fraction={f(res['bandwidth_fraction'], '.4f')}")


def render(res: dict) -> None:
    """Readable tables (rich) for the plain output."""
    from rich.console import Console
    from rich.table import Table

    con = Console(width=180)
    bw = res["bandwidth"]
    con.print(f"[bold]zili benchmark[/bold] mode={res['mode']}  python {res['python']}  numpy {res['numpy']}  "
              f"mesa {res['mesa']}  cpus {res['cpus']} ({res.get('cpu') or 'cpu model unknown'})  firm weight {res['firm_weight']:g}")
    con.print(f"memory bandwidth: {bw['gb_per_s']:.2f} GB/s (best of 5 copies of {bw['mib']} MiB, read + write)")
    t = Table(title="zili engine, baseline (1 replicate unless stated)")
    for c in ("firms", "years", "reps", "wall s", "firm-steps/s", "2nd run wall s", "2nd run firm-steps/s", "slots", "alive end",
              "peak B/firm (tracemalloc)", "RSS growth B/firm", "state B/firm", "bandwidth fraction"):
        t.add_column(c, justify="right")
    for r in res["zili_sizes"] + res["zili_replicates"]:
        w2 = r.get("warm_wall_s")
        t.add_row(f"{r['firms']:,}", str(r["years"]), str(r["replicates"]), f"{r['wall_s']:.2f}", f"{r['firm_steps_per_s']:,.0f}",
                  "-" if w2 is None else f"{w2:.2f}", "-" if w2 is None else f"{r['warm_firm_steps_per_s']:,.0f}", f"{r['slots']:,}", f"{r['alive_end']:,.0f}", f"{r['peak_traced_bytes_per_firm']:,.0f}",
                  f"{r['rss_growth_bytes_per_firm']:,.0f}", f"{r['state_bytes_per_firm']:,.0f}", f"{r.get('bandwidth_fraction', float('nan')):.4f}")
    con.print(t)
    if res["mesa_runs"]:
        T = res["mesa_runs"][0]["threads"]
        m = Table(title=f"Mesa port vs zili, same World, 1 replicate (zili on 1 thread, and on {T})")
        for c in ("firms", "years", "Mesa wall s", "Mesa firm-steps/s", "zili wall s", "zili firm-steps/s", "ratio zili/Mesa",
                  f"zili {T} threads wall s", f"ratio, zili {T} threads"):
            m.add_column(c, justify="right")
        for r in res["mesa_runs"]:
            wt = r["zili_threads_wall_s"]
            m.add_row(f"{r['firms']:,}", str(r["years"]), f"{r['mesa_wall_s']:.2f}", f"{r['mesa_firm_steps_per_s']:,.0f}",
                      f"{r['zili_wall_s']:.3f}", f"{r['zili_firm_steps_per_s']:,.0f}", f"{r['ratio']:.1f}",
                      "-" if wt is None else f"{wt:.3f}", "-" if wt is None else f"{r['ratio_threads']:.1f}")
        con.print(m)
    else:
        con.print("Mesa not installed: no comparison (pip install -e '.[bench]')")
    if res["backends"]:
        b = Table(title="per-firm kernel backends, same World, 1 replicate (numba = the default, in the first table)")
        for c in ("backend", "firms", "years", "wall s", "firm-steps/s", "numba wall s", "speed vs numba"):
            b.add_column(c, justify="right")
        for r in res["backends"]:
            b.add_row(r["backend"], f"{r['firms']:,}", str(r["years"]), f"{r['wall_s']:.2f}", f"{r['firm_steps_per_s']:,.0f}",
                      f"{r['numba_wall_s']:.2f}", f"{r['speed_vs_numba']:.2f}")
        con.print(b)
    if res["threads_rows"]:
        th = Table(title=f"zili on {res['threads']} threads (the same results bit for bit), same Worlds as the one-thread rows")
        for c in ("firms", "years", "reps", "wall s", "firm-steps/s", "1 thread wall s", "speed vs 1 thread", "2nd run wall s",
                  "2nd run, 1 thread", "2nd run speed vs 1 thread"):
            th.add_column(c, justify="right")
        for r in res["threads_rows"]:
            warm = r["warm_wall_s"] is not None
            th.add_row(f"{r['firms']:,}", str(r["years"]), str(r["replicates"]), f"{r['wall_s']:.2f}", f"{r['firm_steps_per_s']:,.0f}",
                       f"{r['one_thread_wall_s']:.2f}", f"{r['speed_vs_one_thread']:.2f}", f"{r['warm_wall_s']:.2f}" if warm else "-",
                       f"{r['one_thread_warm_wall_s']:.2f}" if warm else "-", f"{r['warm_speed_vs_one_thread']:.2f}" if warm else "-")
        con.print(th)
    else:
        con.print("threads: this machine gives a run one thread; no threaded rows")
    st = res["steps"]
    b = Table(title=f"time by step: {st['firms']:,} firms x {st['years']} years, {st['wall_s']:.2f} s")
    for c in ("step", "seconds", "share of the run"):
        b.add_column(c, justify="right" if c != "step" else "left")
    for key, sec in sorted(st["seconds"].items(), key=lambda kv: -kv[1]):
        label = "  of which the compiled fund loop" if key == "capital._deploy_year" else key
        b.add_row(label, f"{sec:.3f}", f"{sec / st['wall_s']:.0%}")
    con.print(b)
    if res["jax"] is None:
        con.print("JAX backend: skipped (jax not importable; pip install -e '.[jax]')")
    else:
        con.print("JAX backend: timed after an untimed warm-up run that compiles it")
    ex_f, ex_r = res["scaling_exponent_firms"], res["scaling_exponent_replicates"]
    con.print(f"scaling exponent of wall time: firms {ex_f:.3f}" if ex_f is not None else "scaling exponent (firms): n/a", end="  ")
    con.print(f"replicates {ex_r:.3f}" if ex_r is not None else "replicates n/a")
    tg = Table(title="issue 8 targets")
    tg.add_column("target")
    tg.add_column("met", justify="right")
    for k, v in res["targets"].items():
        tg.add_row(k, "not measured in this mode" if v is None else ("yes" if v else "NO"))
    con.print(tg)
    warm = f" (2nd run: {res['warm_firm_steps_per_s']:,.0f})" if res.get("warm_firm_steps_per_s") else ""
    con.print(f"headline: firm-steps/s{warm} and bandwidth fraction at {res['headline_firms']:,} synthetic firms (first run); "
              f"Mesa ratio at {res['mesa_ratio_firms'] or 0:,} synthetic firms; total {res['total_s']:.0f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description="zili benchmark harness (issue 8)")
    ap.add_argument("--quick", action="store_true", help="smaller sizes (1k-100k firms, Mesa at 1k, 256 MiB probe): under 3 minutes")
    ap.add_argument("--json", action="store_true", help="print every number as one JSON object")
    ap.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    quiet = args.json
    res = run(mode, progress=None if quiet else (lambda msg: print(f"... {msg}", file=sys.stderr, flush=True)))
    if args.json:
        print(json.dumps(res, indent=1, default=float))
    else:
        render(res)
        print(last_line(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

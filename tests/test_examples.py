"""The scripts in examples/ run (small sizes) and say something about the shock."""

import importlib.util
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_duv_servicing_ban_example_runs_and_cuts_installed_foreign_tools():
    out = _load("duv_servicing_ban").main(["--firms", "800", "--replicates", "1"])
    # a servicing ban wears installed foreign tools out faster, so fewer remain than in the baseline
    assert out["installed_foreign_tools:logic_fab"] < 0

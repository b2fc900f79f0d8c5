"""zili (自立): a simulator of a state-directed technology-investment system.

The public API: load and validate a scenario, run it, and read its results.

>>> import zili
>>> sc = zili.load_scenario("baseline", sets=["run.firms=2000", "run.replicates=2"])
>>> traj, meta = zili.run(sc)
"""

__version__ = "0.1.0"

from zili.experiments.run import run as run
from zili.model.engine import simulate as simulate
from zili.scenario import Scenario as Scenario
from zili.scenario import ScenarioError as ScenarioError
from zili.scenario import load_scenario as load_scenario
from zili.scenario.compile import compile_world as compile_world
from zili.store import Results as Results

__all__ = ["Results", "Scenario", "ScenarioError", "compile_world", "load_scenario", "run", "simulate", "__version__"]

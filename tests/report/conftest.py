"""Small stored runs for the report tests: the shipped baseline and the DUV servicing ban.

1,000 synthetic firms, 2 replicates, 2014-2027: seconds to run, enough for bands and
for the ban (effective 2026) to show.
"""

from __future__ import annotations

import pytest


def _stored(tmp_path_factory, name: str, end_year: int = 2027):
    import zili
    from zili.scenario import to_toml
    from zili.store import Catalogue, Results, write_run

    sc = zili.load_scenario(name, sets=["run.firms=1000", "run.replicates=2", f"run.end_year={end_year}"])
    traj, meta = zili.run(sc)
    res = Results.from_trajectory(traj, scenario=sc.name, scenario_toml=to_toml(sc), meta=meta)
    home = tmp_path_factory.getbasetemp() / "zili-home"
    out = write_run(home / res.meta["run_id"], res)
    with Catalogue(home) as cat:
        cat.record(res.meta, out, res.scenario_toml)
    return out


@pytest.fixture(scope="session")
def base_dir(tmp_path_factory):
    return _stored(tmp_path_factory, "baseline")


@pytest.fixture(scope="session")
def duv_dir(tmp_path_factory):
    return _stored(tmp_path_factory, "duv-servicing-ban-2026")


@pytest.fixture(scope="session")
def base(base_dir):
    from zili.store import Results

    return Results.load(base_dir)


@pytest.fixture(scope="session")
def duv(duv_dir):
    from zili.store import Results

    return Results.load(duv_dir)

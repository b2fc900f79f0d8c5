"""The store layer: engine trajectories as Datasets and frames, run files, run catalogue.

A :class:`Results` holds one run in memory; :func:`write_run` puts it on disk as Parquet
with its resolved scenario and provenance; :class:`Catalogue` lists runs in DuckDB.
"""

from .catalogue import Catalogue as Catalogue
from .catalogue import git_hash as git_hash
from .catalogue import new_run_id as new_run_id
from .files import write_run as write_run
from .results import Results as Results
from .results import ledger_frame as ledger_frame
from .results import select as select
from .results import to_dataset as to_dataset
from .results import to_frame as to_frame

__all__ = [
    "Catalogue",
    "Results",
    "git_hash",
    "ledger_frame",
    "new_run_id",
    "select",
    "to_dataset",
    "to_frame",
    "write_run",
]

"""Execution backends behind one small interface: serial, local processes, Dask.

An executor is a context manager that runs a picklable function over batches of
design rows and yields each batch's result as it completes. Results never depend on
the backend or the worker count: every batch carries its own spawned seed.
"""

from zili.execution.base import Executor, make_executor, parse_dask
from zili.execution.processes import ProcessExecutor
from zili.execution.serial import SerialExecutor

__all__ = ["Executor", "ProcessExecutor", "SerialExecutor", "make_executor", "parse_dask"]

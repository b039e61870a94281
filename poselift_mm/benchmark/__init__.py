"""Benchmarks of the lifters (``tools/benchmark.py``).

Modules, each importing only those above it:

* :mod:`.machine`: the machine's description, wall time, FLOPs, memory;
* :mod:`.table`: the test sets, strides and models of the suite;
* :mod:`.runners`: timed test runs, accuracy and training jobs, sweeps of
  config values (each setting in its own process);
* :mod:`.speed`: speed sweeps of the lifting step on synthetic input;
* :mod:`.records`: reading the records of a run;
* :mod:`.plots` and :mod:`.report`: the PNG plots, the tables and the
  generated block of ``docs/benchmarks.md``;
* :mod:`.suite`: the suite's jobs and its resumable driver
  (``results.jsonl``); :mod:`.worker` runs one job in its own process.
"""
from .machine import machine
from .runners import BenchmarkError, parse_sweeps, run_sweeps
from .suite import run_suite

__all__ = ['machine', 'BenchmarkError', 'parse_sweeps', 'run_sweeps',
           'run_suite']

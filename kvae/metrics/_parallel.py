"""The cores a metric may use, and a process pool sized to them with pinned inner threads."""

import os
import sys

import threadpoolctl
from sklearn.utils.parallel import Parallel, delayed

__all__ = ["num_cpus", "num_workers", "map_pinned", "send_by_value"]

NUM_CPUS_VARIABLE = "KVAE_NUM_CPUS"  # set per run by the study runner (the run's Ray CPU share)


def num_cpus():
    """The cores this run owns: `$KVAE_NUM_CPUS` when set, else the CPUs this process may run on."""
    value = os.environ.get(NUM_CPUS_VARIABLE)
    if value is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        cpus = int(value)
    except ValueError:
        cpus = 0
    if cpus < 1:
        raise ValueError(
            f"{NUM_CPUS_VARIABLE} must be a positive integer (the cores a run owns), got {value!r}"
        )
    return cpus


def num_workers(n_jobs, num_tasks):
    """Worker processes for `num_tasks` tasks: `n_jobs` (None or -1: every owned core), at most
    the owned cores and the number of tasks, at least 1."""
    cpus = num_cpus()
    wanted = cpus if n_jobs is None or n_jobs == -1 else int(n_jobs)
    if wanted < 1:
        raise ValueError(
            f"n_jobs must be a positive number of workers, or None or -1 for every core, got {n_jobs}"
        )
    return max(1, min(wanted, cpus, num_tasks))


def _pinned(fn, threads, args):
    with threadpoolctl.threadpool_limits(threads):
        return fn(*args)


def send_by_value(module_name):
    """Workers receive the functions of module `module_name` by value (loky pickles with cloudpickle),
    so that they import scikit-learn but not kvae, whose import would load the deep-learning backend."""
    try:
        import cloudpickle
    except ImportError:  # pragma: no cover - plain pickle: the workers import kvae, slower to start
        return
    cloudpickle.register_pickle_by_value(sys.modules[module_name])


send_by_value(__name__)  # `_pinned`


def map_pinned(calls, n_jobs=None):
    """fn(*args) for fn, args in calls, yielded in order, from a pool of `num_workers(n_jobs, len(calls))`
    processes.

    Each worker's BLAS and OpenMP threads (scikit-learn's) are limited with
    threadpoolctl to its share of the owned cores, so that the pool never
    oversubscribes them. With one worker the calls run in this process, one
    after the other: a run that owns one core starts no fitting process. Calls
    are dispatched in order, so give the longest first; give functions that do
    not live in kvae (e.g. a scikit-learn estimator's `fit`) or that live in a
    module given to `send_by_value`.
    """
    calls = list(calls)
    workers = num_workers(n_jobs, len(calls))
    threads = max(1, num_cpus() // workers)
    if workers == 1:
        return (_pinned(fn, threads, args) for fn, args in calls)
    return Parallel(n_jobs=workers, return_as="generator")(
        delayed(_pinned)(fn, threads, args) for fn, args in calls
    )

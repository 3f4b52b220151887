"""The pool of per-factor fits: sized to the cores a run owns, one process for a 1-CPU run."""

import os
import sys

import cloudpickle
import numpy as np
import pytest
import threadpoolctl
from sklearn.base import BaseEstimator, ClassifierMixin

from kvae.metrics import _parallel as parallel
from kvae.metrics import _utils as utils


class FitProcess(ClassifierMixin, BaseEstimator):
    """A classifier that records the process and BLAS/OpenMP thread limit it was fitted with."""

    def fit(self, x, y):
        self.pid_, self.kvae_imported_ = os.getpid(), "kvae" in sys.modules
        self.threads_ = max((pool["num_threads"] for pool in threadpoolctl.threadpool_info()), default=None)
        self.classes_ = np.unique(y)
        return self

    def predict(self, x):
        return np.full(len(x), self.classes_[0])


cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers get FitProcess without importing kvae


def test_the_cores_a_run_owns(monkeypatch):
    monkeypatch.delenv(parallel.NUM_CPUS_VARIABLE, raising=False)
    assert parallel.num_cpus() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(parallel.NUM_CPUS_VARIABLE, "3")
    assert parallel.num_cpus() == 3
    assert parallel.num_workers(-1, 10) == parallel.num_workers(None, 10) == 3
    assert (
        parallel.num_workers(8, 10) == 3
        and parallel.num_workers(2, 10) == 2
        and parallel.num_workers(-1, 2) == 2
    )
    monkeypatch.setenv(parallel.NUM_CPUS_VARIABLE, "0")
    with pytest.raises(ValueError, match="KVAE_NUM_CPUS must be a positive integer .* got '0'"):
        parallel.num_cpus()
    monkeypatch.setenv(parallel.NUM_CPUS_VARIABLE, "2")
    with pytest.raises(ValueError, match="n_jobs must be a positive number of workers.*got 0"):
        parallel.num_workers(0, 3)


def test_a_one_cpu_run_fits_everything_in_its_own_process(monkeypatch):
    monkeypatch.setenv(parallel.NUM_CPUS_VARIABLE, "1")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 3)), rng.integers(0, 3, size=(50, 4))
    models = utils.fit_many([(FitProcess(), x, y[:, j]) for j in range(4)], n_jobs=-1)
    assert {m.pid_ for m in models} == {os.getpid()}
    assert {m.threads_ for m in models} == {1}  # BLAS pinned to the one core


def test_workers_are_pinned_to_their_share_and_results_keep_their_order(monkeypatch):
    monkeypatch.setenv(parallel.NUM_CPUS_VARIABLE, "2")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 3)), np.arange(50)[:, None] % np.arange(2, 6)
    models = utils.fit_many([(FitProcess(), x, y[:, j]) for j in range(4)])
    assert os.getpid() not in {m.pid_ for m in models}
    assert not any(m.kvae_imported_ for m in models)  # workers run scikit-learn only
    assert {m.threads_ for m in models} == {1}  # 2 cores / 2 workers
    assert [len(m.classes_) for m in models] == [2, 3, 4, 5]


class WherePredicted(FitProcess):
    """Predicts 0 in the process that fitted it when that process has not imported kvae (a pool
    worker), 1 in the fitting process otherwise (a 1-CPU run's own process), 2 in any other process."""

    def predict(self, x):
        return np.full(len(x), 2 if os.getpid() != self.pid_ else int("kvae" in sys.modules))


@pytest.mark.parametrize("cpus, where", [("2", 0), ("1", 1)])
def test_per_factor_fits_are_scored_where_they_were_fitted(monkeypatch, cpus, where):
    # The predictions run beside the fit, on its pinned threads: labels 0, 1, 2 fill 50, 30, 20 % of the
    # points, so the accuracy says where each factor's classifier predicted.
    monkeypatch.setenv(parallel.NUM_CPUS_VARIABLE, cpus)
    y = np.repeat([0, 1, 2], [50, 30, 20])[:, None].repeat(3, axis=1)
    x = np.random.default_rng(0).normal(size=(100, 2))
    train, test, _ = utils.fit_per_factor(WherePredicted(), x, y, x[:10], y[:10], importances=False)
    accuracy = {0: 0.5, 1: 0.3}[where]
    assert train.tolist() == [accuracy] * 3 and test.tolist() == [1.0 - where] * 3

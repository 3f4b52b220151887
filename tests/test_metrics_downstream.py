import numpy as np
import pytest

from kvae.metrics import compute_downstream, downstream
from kvae.testing import FactorPixels, hadamard_rotation, linear_codes, noise_codes

SIZES = (2, 3, 4, 2)
GBT = dict(predictor="gradient_boosting", num_train=(30, 120), num_test=100, efficiency_sizes=(30, 120), n_jobs=1)


@pytest.fixture(scope="module")
def data():
    return FactorPixels(SIZES)


def test_boosted_trees_factors_as_codes_rotation_noise(data):
    top = compute_downstream(data, linear_codes(data, np.eye(4)), 0, **GBT)
    assert top["120:mean_test_accuracy"] == 1.0 and top["120:min_test_accuracy"] == 1.0
    assert top["120:test_accuracy_per_factor"] == [1.0] * 4
    assert top["sample_efficiency"] == pytest.approx(top["30:mean_test_accuracy"])
    permuted = compute_downstream(data, linear_codes(data, np.eye(4)[[2, 3, 1, 0]]), 0, **GBT)
    assert permuted["120:mean_test_accuracy"] == 1.0
    rotated = compute_downstream(data, linear_codes(data, hadamard_rotation(4)), 0, **GBT)
    assert rotated["30:mean_test_accuracy"] < top["30:mean_test_accuracy"] - 0.1  # trees split on axes
    noise = compute_downstream(data, noise_codes(5), 0, **dict(GBT, num_train=(5, 120), efficiency_sizes=(5, 120)))
    assert noise["120:mean_test_accuracy"] < 0.5  # chance is about 0.33


def test_logistic_regression_keys_and_scores(data):
    kwargs = dict(num_train=(1, 100), num_test=200, efficiency_sizes=(1, 100), n_jobs=1)
    top = compute_downstream(data, linear_codes(data, np.eye(4)), 0, **kwargs)
    per_size = {
        "train_accuracy_per_factor", "test_accuracy_per_factor", "mean_train_accuracy",
        "mean_test_accuracy", "min_train_accuracy", "min_test_accuracy",
    }  # fmt: skip
    assert set(top) == {f"{n}:{k}" for n in (1, 100) for k in per_size} | {"sample_efficiency"}
    assert top["100:mean_test_accuracy"] > 0.95
    assert top["1:mean_train_accuracy"] == 1.0  # one point: each factor predicted as its single value
    noise = compute_downstream(data, noise_codes(5), 0, **kwargs)
    assert noise["100:mean_test_accuracy"] < 0.45


def test_seeded_and_errors(data):
    fn = linear_codes(data, hadamard_rotation(4))
    kwargs = dict(GBT, num_train=(5, 30), efficiency_sizes=(5, 30))
    assert compute_downstream(data, fn, 1, **kwargs) == compute_downstream(data, fn, np.random.default_rng(1), **kwargs)
    with pytest.raises(ValueError, match="efficiency_sizes"):
        compute_downstream(data, fn, 0, num_train=(10, 20))
    with pytest.raises(ValueError, match="known predictors: logistic_regression, gradient_boosting"):
        downstream(np.zeros((4, 2)), np.zeros((4, 1), int), np.zeros((4, 2)), np.zeros((4, 1), int), predictor="svm")

import keras
import numpy as np
import pytest

import kvae.metrics as metrics
from kvae.metrics import representation_function, utils
from kvae.testing import FactorPixels


class LinearEncoder:
    """A minimal model with a frame's `encode` contract: x -> (mean, logvar) Keras tensors."""

    def __init__(self):
        self.calls = []

    def encode(self, x):
        self.calls.append(len(x))
        flat = keras.ops.reshape(keras.ops.convert_to_tensor(x), (len(x), -1))
        return 2.0 * flat, keras.ops.zeros_like(flat) - 2.0


def test_representation_function_modes():
    images = np.random.default_rng(0).uniform(size=(10, 2, 3, 1)).astype(np.float32)
    model = LinearEncoder()
    mean = representation_function(model, batch_size=4)(images)
    assert mean.shape == (10, 6) and model.calls == [4, 4, 2]
    np.testing.assert_allclose(mean, 2 * images.reshape(10, -1), rtol=1e-6)
    m, logvar = representation_function(model, mode="posterior")(images)
    np.testing.assert_allclose(m, mean)
    np.testing.assert_allclose(logvar, -2.0)
    s1 = representation_function(model, mode="sample", seed=3)(images)
    s2 = representation_function(model, mode="sample", seed=3)(images)
    np.testing.assert_array_equal(s1, s2)
    assert 0.2 < np.std(s1 - mean) < 0.5  # exp(-1) = 0.37
    with pytest.raises(ValueError, match="known modes: mean, sample, posterior"):
        representation_function(model, mode="median")


def test_metrics_use_the_mean_of_a_posterior_and_posterior_metrics_require_it():
    data = FactorPixels((3, 4))
    model = LinearEncoder()
    plain = metrics.compute_mig(data, representation_function(model), 0, num_train=500)
    pair = metrics.compute_mig(data, representation_function(model, mode="posterior"), 0, num_train=500)
    assert plain == pair
    with pytest.raises(ValueError, match="mode='posterior'"):
        utils.sample_codes(data, representation_function(model), 10, np.random.default_rng(0), posterior=True)


def test_registry():
    assert metrics.get("mig") is metrics.compute_mig
    for name, fn in metrics.METRICS.items():
        assert callable(fn), name
    with pytest.raises(ValueError, match="known metrics: .*mig"):
        metrics.get("nope")


def test_as_rng():
    assert isinstance(utils.as_rng(3), np.random.Generator)
    g = np.random.default_rng(1)
    assert utils.as_rng(g) is g
    with pytest.raises(TypeError, match="int seed or a numpy.random.Generator"):
        utils.as_rng(np.random.RandomState(0))


def test_batch_samplers_share_the_fixed_factor():
    data = FactorPixels((3, 6, 40))
    rng = np.random.default_rng(0)
    factors, fixed = utils.sample_fixed_factor_batches(data, 50, 8, rng)
    assert factors.shape == (50, 8, 3)
    for m in range(50):
        assert np.all(factors[m, :, fixed[m]] == factors[m, 0, fixed[m]])
    pairs, fixed = utils.sample_pair_batches(data, 50, 8, rng)
    assert pairs.shape == (50, 2, 8, 3)
    for m in range(50):
        np.testing.assert_array_equal(pairs[m, 0, :, fixed[m]], pairs[m, 1, :, fixed[m]])
    assert set(fixed.tolist()) == {0, 1, 2}


def test_fit_per_factor_keeps_factor_order():
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(0)
    # Factor 0 (2 classes) is readable from the codes; factor 1 (5 classes, fitted first) is noise.
    factors = np.stack([rng.integers(0, 2, 400), rng.integers(0, 5, 400)], axis=1)
    codes = np.stack([factors[:, 0], rng.normal(size=400)], axis=1)
    train, test, importance = utils.fit_per_factor(
        DecisionTreeClassifier(max_depth=2, random_state=0), codes[:300], factors[:300], codes[300:], factors[300:],
        importances=True,
    )  # fmt: skip
    assert test[0] == 1.0 and test[1] < 0.5
    assert importance.shape == (2, 2) and importance[0, 0] == 1.0 and importance[1, 0] == 0.0

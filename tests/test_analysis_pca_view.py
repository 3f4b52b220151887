import numpy as np
import pytest

from kvae.analysis import explained_global_variance, information_level, local_expansiveness, pca_view
from kvae.data import XYSquares
from kvae.data.perturbed import PerturbationFactor
from kvae.errors import KvaeError

SMALL = XYSquares(grid_size=4)  # 4^6 elements, squares 8 px apart


def test_a_factor_that_does_not_change_the_image_has_no_variance_or_expansiveness():
    """s with eps = 0 changes nothing: exactly 0 (the same bases serve every value)."""
    stats = pca_view(PerturbationFactor(SMALL, eps=0.0, num_values=4), num_bases=16, rng=0)
    assert stats["explained_global_variance"]["s"] == 0.0 and stats["local_expansiveness"]["s"] == 0.0
    assert min(stats["explained_global_variance"][f] for f in SMALL.factor_names) > 0


def test_xysquares_known_values():
    """One step moves a square by 8 px: 128 pixels change by 1, ||dx|| = sqrt(128), delta = 1 / 7.

    E[x | x_R = k] is the R square's column band at height 1/8 (y_R uniform), so eq. 9 sums
    (1/8)^2 * (1/8) * (7/8) over the 64 * 64 pixels: 7 (plus the sampling error of the bases).
    """
    data = XYSquares()
    expansiveness = local_expansiveness(data, ["x_R", "y_B"], num_bases=8)
    np.testing.assert_allclose([expansiveness["x_R"], expansiveness["y_B"]], 7 * np.sqrt(128), rtol=1e-9)
    variance = explained_global_variance(data, ["x_R"], num_bases=256, rng=1)["x_R"]
    assert 7.0 <= variance < 7.0 * (1 + 3 * 7 / 256)  # 56 sum_b q_b^2 >= 7, E = 7 (1 + 7 / 256)


def test_the_perturbation_expansiveness_grows_linearly_with_eps():
    """On binary images clip(x + eps f(s)) moves by eps * (its sign pattern): exactly linear in eps."""
    values = [
        local_expansiveness(
            PerturbationFactor(SMALL, eps=eps, num_values=8, scale=8.0), ["s"], num_bases=16, rng=0
        )["s"]
        for eps in (0.05, 0.1, 0.2)
    ]
    assert values[0] > 0
    np.testing.assert_allclose(np.array(values) / values[0], [1, 2, 4], rtol=1e-6)  # float32 images
    variances = [
        explained_global_variance(
            PerturbationFactor(SMALL, eps=eps, num_values=8, scale=8.0), ["s"], num_bases=16
        )["s"]
        for eps in (0.1, 0.2)
    ]
    np.testing.assert_allclose(variances[1] / variances[0], 4, rtol=1e-6)  # quadratic: a variance


def test_information_level_of_the_encoding_latent():
    rng = np.random.default_rng(0)
    factors = rng.integers(0, 5, (2000, 2))
    mean = np.stack(
        [rng.normal(size=2000), factors[:, 1] + 0.01 * rng.normal(size=2000), factors[:, 0] * 1.0], axis=1
    )
    logvar = np.log(np.tile([1.0, 0.1, 0.3], (2000, 1)))
    result = information_level(mean, logvar, factors, ["a", "b"])
    assert result["latent"] == {"a": 2, "b": 1}
    np.testing.assert_allclose(
        [result["information_level"]["a"], result["information_level"]["b"]], [0.7, 0.9]
    )
    np.testing.assert_allclose(result["latent_information_level"], [0.0, 0.9, 0.7], atol=1e-12)
    with pytest.raises(KvaeError, match="same shape"):
        information_level(mean, logvar[:, :2], factors)


def test_errors():
    with pytest.raises(ValueError, match="Unknown factor 'z'"):
        pca_view(SMALL, ["z"])
    with pytest.raises(ValueError, match="num_bases must be a positive integer, got 0"):
        pca_view(SMALL, num_bases=0)
    with pytest.raises(KvaeError, match="single value"):
        pca_view(XYSquares(grid_size=1))

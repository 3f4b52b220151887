import numpy as np
import pytest

from kvae.analysis import latent_structure
from kvae.metrics import mig


def test_latent_structure_of_a_hand_built_representation():
    """Latent 0 is factor "b", latent 1 factor "a", latent 2 inactive noise."""
    rng = np.random.default_rng(0)
    factors = np.stack([rng.integers(0, 4, 900), rng.integers(0, 3, 900)], axis=1)
    mean = np.stack(
        [factors[:, 1] + 0.01 * rng.normal(size=900), factors[:, 0] * 1.0, rng.normal(size=900)], axis=1
    )
    logvar = np.log(np.tile([0.01, 0.05, 1.0], (900, 1)))
    result = latent_structure(mean, logvar, factors, ["a", "b"], n_jobs=1)
    information = np.array(result["mutual_information"])
    np.testing.assert_allclose(information[[1, 0], [0, 1]], 1.0)
    assert information[2].max() < 0.05
    assert result["mig_per_factor"] == pytest.approx(mig(mean, factors)["mig_per_factor"])
    assert result["active_units"] == [True, True, False] and result["num_active_units"] == 2
    importance = np.array(result["dci_importance"])
    np.testing.assert_allclose(importance.sum(axis=0), 1.0)
    assert importance[1, 0] > 0.9 and importance[0, 1] > 0.9
    assert result["disentanglement"] > 0.9 and result["informativeness_test"] == 1.0
    assert "dci_importance" not in latent_structure(mean, logvar, factors, importance=False)

import keras
import numpy as np
import pytest

import kvae
from kvae.analysis import group_bounds, group_informativeness, prefix_reconstructions
from kvae.errors import KvaeError
from kvae.metrics import mic


def grouped_representation(n=2000, seed=0):
    """Groups of sizes 2, 2, 1: factor "a" placed in group 1, "b" in group 0, "c" in group 2; the rest
    noise."""
    rng = np.random.default_rng(seed)
    factors = np.stack([rng.integers(0, 5, n), rng.integers(0, 4, n), rng.integers(0, 3, n)], axis=1)
    codes = rng.normal(size=(n, 5))
    codes[:, 0] = factors[:, 1]
    codes[:, 3] = factors[:, 0]
    codes[:, 4] = factors[:, 2]
    return codes, factors


def test_each_factor_is_found_in_the_group_it_was_placed_in():
    codes, factors = grouped_representation()
    result = group_informativeness(
        codes, factors, [2, 2, 1], ["a", "b", "c"], predictor="logistic_regression", n_jobs=1
    )
    assert result["groups"] == [(0, 2), (2, 4), (4, 5)]
    assert result["group_of_factor"] == {"a": 1, "b": 0, "c": 2}
    information = np.array(result["mutual_information"])
    placed = [(1, 0), (0, 1), (2, 2)]
    for (
        g,
        f,
    ) in placed:  # the latent equals the factor: I(z; f) = H(f), plus the bias of a noise latent beside it
        assert 1.0 - 1e-9 <= information[g, f] < 1.03
    assert information[2, 2] == pytest.approx(1.0, abs=1e-9)
    others = np.ones_like(information, bool)
    others[tuple(zip(*placed))] = False
    assert information[others].max() < 0.05  # noise latents: only the estimator's bias
    np.testing.assert_allclose(result["mic"], mic(codes, factors, [[0, 1], [2, 3], [4]])["mic"])
    accuracy = np.array(result["informativeness"])
    assert all(accuracy[g, f] == 1.0 for g, f in placed) and accuracy[others].max() < 0.6


def test_group_bounds_split_as_the_grouped_vae():
    encoder, decoder = kvae.nets.ConvEncoder(7, (64, 64, 1)), kvae.nets.ConvDecoder((64, 64, 1))
    assert (
        group_bounds(3, 7)
        == list(kvae.frames.GroupedVAE(encoder, decoder, groups=3).bounds)
        == [(0, 3), (3, 5), (5, 7)]
    )
    with pytest.raises(KvaeError, match=r"sum to latent_dim=7, got \[2, 2\]"):
        group_bounds([2, 2], 7)
    with pytest.raises(KvaeError, match=r"groups must lie in \[1, latent_dim=7\], got 8"):
        group_bounds(8, 7)


def test_prefix_reconstructions_decode_the_first_groups_only():
    model = kvae.frames.GroupedVAE(
        kvae.nets.ConvEncoder(4, (64, 64, 1)), kvae.nets.ConvDecoder((64, 64, 1)), groups=[1, 3], seed=0
    )
    model.build((None, 64, 64, 1))
    x = kvae.data.ProceduralDSprites().observations([[0, 5, 0, 3, 7], [2, 1, 9, 30, 1], [1, 3, 3, 3, 3]])
    prefixes = prefix_reconstructions(model, x, batch_size=2)
    assert prefixes.shape == (3, 2, 64, 64, 1)
    mean = keras.ops.convert_to_numpy(model.encode(x)[0])
    first = keras.ops.convert_to_numpy(
        keras.ops.sigmoid(model.decode(mean * np.array([1, 0, 0, 0], np.float32)))
    )
    np.testing.assert_allclose(prefixes[:, 0], first, atol=1e-5)
    np.testing.assert_allclose(prefixes[:, 1], keras.ops.convert_to_numpy(model.reconstruct(x)), atol=1e-5)
    beta_vae = kvae.frames.BetaVAE(kvae.nets.ConvEncoder(4, (64, 64, 1)), kvae.nets.ConvDecoder((64, 64, 1)))
    beta_vae.build((None, 64, 64, 1))
    assert prefix_reconstructions(beta_vae, x, groups=4).shape == (3, 4, 64, 64, 1)
    with pytest.raises(KvaeError, match="BetaVAE has no latent groups"):
        prefix_reconstructions(beta_vae, x)

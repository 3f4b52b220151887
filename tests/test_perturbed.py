import numpy as np
import pytest

from kvae.data import Perturbed, UniformNoise, XYSquares, make_dataset
from kvae.data.perturbed import PerturbationFactor

BASE = XYSquares(grid_size=2)  # 64 elements


def all_factors(data):
    return data.index_to_factors(np.arange(len(data)))


def test_perturbation_is_eps_small_and_keeps_the_factors():
    for eps in (0.05, 0.2):
        data = Perturbed(BASE, eps=eps, s=np.linspace(-20, 20, 64))
        assert data.factor_sizes == BASE.factor_sizes and data.observation_shape == BASE.observation_shape
        factors = all_factors(data)
        x, x_tilde = BASE.render(factors), data.render(factors)
        assert np.abs(x_tilde - x).max() <= eps + 1e-6 and np.abs(x_tilde - x).max() >= eps - 1e-6
        assert x_tilde.min() >= 0 and x_tilde.max() <= 1
        # Unclipped pixels move by exactly +-eps, following the pattern f(s) (the same in every channel).
        inside = (x > 0) & (x < 1) | ((x == 0) & (x_tilde > 0)) | ((x == 1) & (x_tilde < 1))
        f = data.patterns(data.s)[..., None] * np.ones(3)
        np.testing.assert_allclose((x_tilde - x)[inside], eps * f[inside], atol=1e-6)


def test_pattern_follows_eq_8_and_distinct_s_differ():
    data = Perturbed(BASE, eps=0.1, s=np.zeros(64), pattern_seed=3)
    assert set(np.unique(data.pattern)) == {-1.0, 1.0} and set(data.columns) <= {1, 2, 3, 4}
    np.testing.assert_array_equal(data.patterns([0.0])[0], data.pattern)
    s = 7.0
    shifted = data.patterns([s])[0]
    for j, c in enumerate(data.columns):
        np.testing.assert_array_equal(shifted[:, j], np.roll(data.pattern[:, j], -int(np.floor(s / c + 0.5))))
    values = data.patterns(np.arange(12.0))
    assert len({v.tobytes() for v in values}) == 12
    other = Perturbed(BASE, eps=0.1, s=np.zeros(64), pattern_seed=4)
    assert not np.array_equal(other.pattern, data.pattern)


def test_s_from_a_callable_is_cached_and_reused(tmp_path):
    calls = []

    def brightness(images):
        calls.append(len(images))
        return images.mean(axis=(1, 2, 3)) * 100

    first = Perturbed(BASE, eps=0.1, s=brightness, batch_size=16)
    assert sum(calls) == 64 and first.cache_path.startswith(str(tmp_path / "cache"))
    second = Perturbed(BASE, eps=0.1, s=brightness)
    assert sum(calls) == 64  # read from the cache
    np.testing.assert_array_equal(first.s, second.s)
    other = Perturbed(XYSquares(grid_size=2, grid_spacing=5), eps=0.1, s=brightness)
    assert sum(calls) == 128 and other.cache_path != first.cache_path  # keyed by the base's config
    given = Perturbed(BASE, eps=0.1, s=brightness, cache_dir=str(tmp_path / "mine"))
    assert given.cache_path.startswith(str(tmp_path / "mine"))


def test_s_from_a_trained_model_is_its_least_noisy_latent(tmp_path):
    import keras

    import kvae

    keras.utils.set_random_seed(0)  # the weights (else s, the least-noisy latent and its rounding vary per run)
    model = kvae.frames.BetaVAE(kvae.nets.ConvEncoder(4, BASE.observation_shape), kvae.nets.ConvDecoder(BASE.observation_shape), beta=4)
    model.build((None, 64, 64, 3))
    data = Perturbed(BASE, eps=0.1, model=model)
    images = BASE.observations(all_factors(BASE))
    mean, logvar = (np.asarray(v) for v in model.encode(images))
    j = np.argmin(np.exp(logvar).mean(axis=0))
    np.testing.assert_allclose(data.s, mean[:, j], rtol=1e-4, atol=1e-5)

    # The same from the saved model's path (how a gin config names it).
    path = str(tmp_path / "model.keras")
    model.save(path)
    from_path = Perturbed(BASE, eps=0.1, s=path, cache_dir=str(tmp_path / "s"))
    np.testing.assert_allclose(from_path.s, mean[:, j], rtol=1e-4, atol=1e-5)


def test_pipeline_and_uniform_control():
    data = Perturbed(BASE, eps=0.1, s=np.arange(64.0))
    factors, batch = next(iter(make_dataset(data, 16, seed=0, with_factors=True)))
    np.testing.assert_allclose(batch, data.render(factors), atol=1e-6)
    pairs = next(iter(make_dataset(data, 4, seed=0, mode="pair")))
    assert pairs.shape == (4, 2, 64, 64, 3)
    control = UniformNoise(BASE, eps=0.1, seed=0)
    factors = all_factors(control)
    x, x_noisy = BASE.render(factors), control.render(factors)
    delta = (x_noisy - x)[(x > 0) & (x < 1) | (x == 0) & (x_noisy > 0) | (x == 1) & (x_noisy < 1)]
    assert np.abs(x_noisy - x).max() <= 0.1 + 1e-6 and delta.min() < -0.09 and delta.max() > 0.09
    np.testing.assert_array_equal(x_noisy, UniformNoise(BASE, eps=0.1, seed=0).render(factors))
    assert not np.array_equal(x_noisy, UniformNoise(BASE, eps=0.1, seed=1).render(factors))


def test_bad_arguments():
    with pytest.raises(ValueError, match="give s"):
        Perturbed(BASE)
    with pytest.raises(ValueError, match=r"one finite value per element, shape \(64,\), got \(3,\)"):
        Perturbed(BASE, s=np.zeros(3))
    with pytest.raises(ValueError, match="eps must lie in"):
        UniformNoise(BASE, eps=2)


def small_model(latent_dim=3):
    import keras

    import kvae

    keras.utils.set_random_seed(0)  # the weights (else s, the least-noisy latent and its rounding vary per run)
    model = kvae.frames.BetaVAE(kvae.nets.ConvEncoder(latent_dim, BASE.observation_shape), kvae.nets.ConvDecoder(BASE.observation_shape), beta=4, seed=0)
    model.build((None, 64, 64, 3))
    return model


def test_s_on_the_fly_equals_the_precomputed_s():
    """precompute=False encodes each rendered batch in the pipeline; the images are those of the cached s.

    Elements whose shift round(scale * s / c_j) sits within 1e-3 of a rounding boundary are left out:
    the encoder's float rounding depends on the batch it runs in.
    """
    model = small_model()
    cached = Perturbed(BASE, eps=0.2, model=model, scale=40.0)
    lazy = Perturbed(BASE, eps=0.2, model=model, scale=40.0, precompute=False, num_variance_points=64)
    assert lazy.s_key == "on_the_fly" and not hasattr(lazy, "s")
    shifts = 40.0 * cached.s[:, None] / cached.columns[None] + 0.5
    clear = np.abs(shifts - np.round(shifts)).min(axis=1) > 1e-3
    factors = all_factors(BASE)
    np.testing.assert_allclose(lazy.render(factors)[clear], cached.render(factors)[clear], atol=1e-6)
    assert clear.sum() > 32 and len({x.tobytes() for x in (lazy.render(factors) - BASE.render(factors))}) > 8  # s varies with x
    # Inside the tf.data graph as well.
    batch_factors, batch = next(iter(make_dataset(lazy, 16, seed=0, with_factors=True)))
    keep = clear[BASE.factors_to_index(batch_factors.numpy())]
    np.testing.assert_allclose(batch.numpy()[keep], cached.render(batch_factors)[keep], atol=1e-6)


def test_perturbation_factor_adds_s_as_an_independent_factor():
    data = PerturbationFactor(BASE, eps=0.1, num_values=5, pattern_seed=2)
    assert data.factor_names == BASE.factor_names + ("s",) and data.factor_sizes == BASE.factor_sizes + (5,)
    np.testing.assert_allclose(data.s_values, np.sqrt(3) * np.linspace(-1, 1, 5), rtol=1e-6)
    assert abs(np.var(np.linspace(-1, 1, 1001) * np.sqrt(3)) - 1) < 0.01  # unit variance in the limit
    factors = np.array([[0, 1, 0, 1, 1, 0, k] for k in range(5)])
    images = data.render(factors)
    x = BASE.render(factors[:, :-1])
    expected = np.clip(x + 0.1 * data.patterns(data.s_values)[..., None], 0, 1)
    np.testing.assert_allclose(images, expected, atol=1e-6)
    assert data.name == "perturbation_factor_xysquares" and len(data) == len(BASE) * 5
    with pytest.raises(ValueError, match="num_values must be an integer >= 2, got 1"):
        PerturbationFactor(BASE, num_values=1)


def test_procedural_gin_configs(tmp_path):
    import gin

    from kvae import config
    from kvae.cli.common import parse_gin

    for name, base, cls in [("perturbed_xysquares", "xysquares", Perturbed), ("uniform_noise_xysquares", "xysquares", UniformNoise),
                            ("perturbed_dsprites_procedural", "dsprites_procedural", Perturbed),
                            ("uniform_noise_dsprites_procedural", "dsprites_procedural", UniformNoise)]:
        gin.clear_config()
        path = str(tmp_path / f"{base}.npy")
        np.save(path, np.zeros(len(kvae_data(base)), np.float32))
        bindings = [f"Perturbed.s = {path!r}"] if cls is Perturbed else []
        parse_gin([f"gin_configs/datasets/{name}.gin"], bindings)
        data = config.dataset()
        assert type(data) is cls and data.base.name == base and data.eps == 0.1
    gin.clear_config()


def kvae_data(name):
    from kvae import data

    return data.get(name)

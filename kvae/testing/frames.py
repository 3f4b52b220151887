"""The frame contract test, and small frames, XYSquares batches and checks for testing the frames."""

import json
import os
import tempfile

import keras
import numpy as np

from kvae.data import XYSquares, make_dataset
from kvae.data.pairs import sample_pairs
from kvae.nets import ConvDecoder, ConvEncoder, FCDecoder, FCEncoder

__all__ = [
    "check_round_trip",
    "fit_losses",
    "frame_batches",
    "optimizer_attributes",
    "run_frame_test",
    "small_frame",
    "tiny_frame",
    "tiny_xysquares",
    "xysquares_images",
    "xysquares_pairs",
]

BASE_TERMS = ("loss", "reconstruction", "kl", "regularizer", "elbo")


def run_frame_test(cls, init_kwargs=None, data=None, latent_dim=6, batch_size=8, steps=2, seed=1):
    """Checks that a frame class keeps the contract of `kvae.frames.VAE`; raises AssertionError if not.

    On FC nets and small images (`tiny_xysquares` by default): the frame builds; `fit` on `steps`
    batches of `make_dataset(data, mode=cls.input_mode)` gives finite logs with every base term and
    every name in `tracked_terms`; `encode` gives float32 (mean, logvar) [N, latent_dim] and `decode`
    float32 logits of the images; `get_config` / `from_config` rebuilds the same frame; a `.keras`
    round trip keeps the outputs, the optimizers and the seed state, and the copy then computes the
    same terms on a batch (same draws, same settings); and a second frame made with the same seed
    has the same weights after the same steps run eagerly (to float rounding: the traced step
    computes what the Python code says).

    Args:
        cls: the frame class.
        init_kwargs: constructor arguments besides the nets and `seed`; the `dataset_arguments`
            the frame declares are filled from `data` unless given.
        data: the `GroundTruthData` to train on.

    Example:

        from kvae.testing import run_frame_test

        def test_my_vae():
            run_frame_test(MyVAE, {"beta": 2.0})
    """
    data = data or tiny_xysquares()
    init_kwargs = dict(init_kwargs or {})
    model = tiny_frame(cls, data, latent_dim, seed, **init_kwargs)

    logs = model.fit(frame_batches(cls, data, batch_size, seed), steps_per_epoch=steps, verbose=0).history
    missing = set(BASE_TERMS + tuple(cls.tracked_terms)) - set(logs)
    assert not missing, f"{cls.__name__}: fit logs lack {sorted(missing)}; got {sorted(logs)}"
    for name, values in logs.items():
        assert np.all(np.isfinite(values)), (
            f"{cls.__name__}: {name} is not finite after {steps} steps: {values}"
        )
    counted = int(model.optimizer.iterations.numpy())
    assert counted == steps, f"{cls.__name__}: {steps} steps of fit counted as {counted}"
    eager = tiny_frame(cls, data, latent_dim, seed, run_eagerly=True, **init_kwargs)
    eager.fit(frame_batches(cls, data, batch_size, seed), steps_per_epoch=steps, verbose=0)
    for mine, theirs in zip(model.weights, eager.weights):  # also: the step traces to what runs eagerly
        np.testing.assert_allclose(
            np.asarray(theirs),
            np.asarray(mine),
            rtol=1e-4,
            atol=1e-5,
            err_msg=f"{cls.__name__}: the same seed and steps, run eagerly, gave another {mine.path}",
        )

    images = next(iter(make_dataset(data, batch_size, seed + 1))).numpy()
    mean, logvar = model.encode(images)
    for name, value in (("mean", mean), ("logvar", logvar)):
        assert tuple(value.shape) == (batch_size, latent_dim) and value.dtype == "float32", (
            f"{cls.__name__}.encode: {name} must be float32 [{batch_size}, {latent_dim}], "
            f"got {value.dtype} {tuple(value.shape)}"
        )
    logits = model.decode(mean)
    assert tuple(logits.shape) == images.shape and logits.dtype == "float32", (
        f"{cls.__name__}.decode: expected float32 logits {images.shape}, "
        f"got {logits.dtype} {tuple(logits.shape)}"
    )
    assert tuple(model(images).shape) == images.shape

    copy = cls.from_config(model.get_config())
    assert type(copy) is cls and _config(copy) == _config(model), (
        f"{cls.__name__}: from_config(get_config()) differs"
    )

    with tempfile.TemporaryDirectory() as directory:
        loaded = check_round_trip(model, os.path.join(directory, "frame.keras"), images)
    x, y, _ = keras.utils.unpack_x_y_sample_weight(next(iter(frame_batches(cls, data, batch_size, seed + 1))))
    terms, loaded_terms = (
        model.compute_terms(x, y=y),
        loaded.compute_terms(x, y=y),
    )  # the same draws: same terms
    for name, value in terms.items():
        np.testing.assert_array_equal(
            np.asarray(loaded_terms[name]),
            np.asarray(value),
            err_msg=f"{cls.__name__}: the loaded frame computes another {name} "
            "(a setting left out of get_config, or a draw not from seed_generator?)",
        )


def tiny_xysquares():
    """XYSquares on an 8x8 canvas: 2x2 squares at 4 positions per axis (4^6 = 4096 elements)."""
    return XYSquares(grid_spacing=2, square_size=2, grid_size=4, image_size=8)


def tiny_frame(cls, data=None, latent_dim=6, seed=1, learning_rate=1e-3, run_eagerly=False, **kwargs):
    """A built and compiled frame with the FC nets for `data`'s images, its weights drawn from `seed`.

    The `dataset_arguments` of `cls` (e.g. beta-TCVAE's `dataset_size`) are filled from `data`
    unless given.
    """
    data = data or tiny_xysquares()
    for name, of_data in cls.dataset_arguments.items():
        kwargs.setdefault(name, of_data(data))
    shape = tuple(data.observation_shape)
    keras.utils.set_random_seed(seed)
    model = cls(FCEncoder(latent_dim, shape), FCDecoder(shape), seed=seed, **kwargs)
    model.build((None,) + shape)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), run_eagerly=run_eagerly)
    return model


def frame_batches(cls, data, batch_size, seed):
    """The `make_dataset` batches a frame class trains on (its `input_mode`)."""
    return make_dataset(data, batch_size, seed, mode=cls.input_mode)


def small_frame(cls, latent_dim=6, seed=1, learning_rate=1e-3, image_shape=(64, 64, 3), **kwargs):
    """A built and compiled frame with the Locatello conv nets."""
    model = cls(ConvEncoder(latent_dim, image_shape), ConvDecoder(image_shape), seed=seed, **kwargs)
    model.build((None,) + tuple(image_shape))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return model


def xysquares_images(n, seed=0, data=None):
    """`n` XYSquares images with uniformly sampled factors, float32 [n, 64, 64, 3]."""
    data = data or XYSquares()
    return data.render(data.sample_factors(n, np.random.default_rng(seed)))


def xysquares_pairs(n, k=1, seed=0, data=None):
    """`n` XYSquares pairs whose images differ in exactly `k` factors (`kvae.data.sample_pairs`).

    Returns `(pairs, changed)`: float32 [n, 2, 64, 64, 3] and the float32
    multi-hot mask [n, F] of the factors that differ (what the pipeline's pair
    mode "pair_with_labels" yields).
    """
    data = data or XYSquares()
    factors = sample_pairs(data, n, np.random.default_rng(seed), k=k)
    images = data.render(factors.reshape(2 * n, -1))
    changed = (factors[:, 0] != factors[:, 1]).astype(np.float32)
    return images.reshape((n, 2) + images.shape[1:]), changed


def fit_losses(model, x, y=None, epochs=3, batch_size=4):
    """The epoch losses of `model.fit` on fixed arrays."""
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    return history.history["loss"]


def check_round_trip(model, path, images):
    """Saves `model` to `path` (.keras), loads it and checks that the copy is the same model.

    Same class and config, same outputs on `images`, the same seed state, and the same
    iterations and variables of every optimizer attribute. Returns the copy.
    """
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model), (type(loaded), type(model))
    assert _config(loaded) == _config(model), f"{type(model).__name__}: the loaded config differs"
    np.testing.assert_array_equal(np.asarray(loaded(images)), np.asarray(model(images)))
    np.testing.assert_array_equal(
        np.asarray(loaded.seed_generator.state), np.asarray(model.seed_generator.state)
    )
    for name in optimizer_attributes(model):
        mine, theirs = getattr(model, name), getattr(loaded, name)
        assert int(theirs.iterations.numpy()) == int(mine.iterations.numpy()), name
        assert len(theirs.variables) == len(mine.variables), name
        for a, b in zip(mine.variables, theirs.variables):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    return loaded


def optimizer_attributes(model):
    """Names of the model's attributes holding a Keras optimizer ("optimizer", ...)."""
    names = ["optimizer"]
    names += [name for name, value in vars(model).items() if isinstance(value, keras.optimizers.Optimizer)]
    return sorted(set(names))


def _config(model):
    return json.dumps(model.get_config(), sort_keys=True)

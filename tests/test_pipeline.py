import keras
import numpy as np
import pytest

from kvae.data import GroundTruthData, ProceduralDSprites, XYSquares, channel_stats, make_dataset


def first(ds, n=1):
    return [b for b in ds.take(n).as_numpy_iterator()]


@pytest.mark.parametrize("data", [XYSquares(), ProceduralDSprites()], ids=["xysquares", "dsprites"])
def test_batches(data):
    batches = first(make_dataset(data, 32, seed=0), 3)
    for images in batches:
        assert images.dtype == np.float32 and images.shape == (32,) + data.observation_shape
        assert images.min() == 0.0 and images.max() == 1.0
    assert not np.array_equal(batches[0], batches[1])


def test_same_seed_same_batches_and_different_seed_differs():
    a, b, c = (first(make_dataset("xysquares", 16, seed=s), 2) for s in (7, 7, 8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[0], c[0])


def test_start_continues_the_stream_where_a_resumed_run_left_it():
    stream = first(make_dataset("xysquares", 8, seed=5), 5)
    resumed = first(make_dataset("xysquares", 8, seed=5, start=3), 2)
    np.testing.assert_array_equal(resumed, stream[3:])


def test_factors_are_uniform_and_images_match_render():
    data = ProceduralDSprites()
    factors, images = zip(*first(make_dataset(data, 256, seed=3, with_factors=True), 4))
    factors = np.concatenate(factors)
    assert factors.dtype == np.int64 and factors.shape == (1024, 5)
    for column, size in enumerate(data.factor_sizes):
        counts = np.bincount(factors[:, column], minlength=size)
        assert len(counts) == size and counts.min() > 0.3 * 1024 / size
    np.testing.assert_array_equal(images[0], data.render(factors[:256]))


def test_parallel_nondeterministic_map_yields_the_same_batches():
    """Batch i is a function of (seed, i): out-of-order maps only reorder batches."""
    data = XYSquares()
    serial = {b.tobytes() for b in first(make_dataset(data, 8, seed=1, num_parallel_calls=1), 32)}
    parallel = first(make_dataset(data, 8, seed=1, num_parallel_calls=4, deterministic=False), 8)
    assert all(b.tobytes() in serial for b in parallel)


def test_one_epoch_visits_every_element_once():
    data = XYSquares(grid_size=2)  # 2^6 = 64 elements
    epoch = lambda seed: first(make_dataset(data, 10, seed, repeat=False, with_factors=True), 100)
    batches = epoch(0)
    assert [len(f) for f, _ in batches] == [10] * 6 + [4]
    for factors, images in batches:
        np.testing.assert_array_equal(images, data.render(factors))
    order = lambda batches: np.concatenate([data.factors_to_index(f) for f, _ in batches])
    np.testing.assert_array_equal(np.sort(order(batches)), np.arange(64))
    assert not np.array_equal(order(batches), np.arange(64))  # shuffled
    assert not np.array_equal(order(batches), order(epoch(1)))  # by the seed


def test_channel_stats_xysquares_exact():
    # Every XYSquares image lights exactly 64 of 4096 pixels per channel.
    mean, std = channel_stats("xysquares", n=512, seed=0)
    p = 64 / 4096
    np.testing.assert_allclose(mean, [p] * 3, rtol=1e-6)
    np.testing.assert_allclose(std, [np.sqrt(p * (1 - p))] * 3, rtol=1e-6)


def test_standardize():
    # XYSquares' per-channel stats are exact, so standardised batches have mean 0 and std 1 exactly.
    per_channel = np.concatenate(first(make_dataset("xysquares", 256, seed=5, standardize=True), 2)).astype(np.float64)
    np.testing.assert_allclose(per_channel.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(per_channel.std(axis=(0, 1, 2)), 1, atol=1e-5)
    data = ProceduralDSprites()
    mean, std = channel_stats(data, n=1024, seed=1)
    images = np.concatenate(first(make_dataset(data, 256, seed=5, standardize=(mean, std)), 4)).astype(np.float64)
    assert abs(images.mean()) < 0.05 and abs(images.std() - 1) < 0.05
    plain = first(make_dataset(data, 256, seed=5))[0]
    np.testing.assert_allclose(images[:256], (plain - mean) / std, rtol=1e-6)


class TinyAutoencoder(keras.Model):
    """A dense autoencoder whose loss needs only x, as a VAE frame's does."""

    def __init__(self, shape):
        super().__init__()
        layers = keras.layers
        self.net = keras.Sequential(
            [layers.Flatten(), layers.Dense(4), layers.Dense(int(np.prod(shape))), layers.Reshape(shape)]
        )

    def call(self, x):
        return self.net(x)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return keras.ops.mean(keras.ops.square(x - y_pred))


def test_fit_with_a_keras_model():
    data = XYSquares()
    model = TinyAutoencoder(data.observation_shape)
    model.compile(optimizer="adam")
    history = model.fit(make_dataset(data, 16, seed=0), steps_per_epoch=3, epochs=2, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 2 and np.all(np.isfinite(history.history["loss"]))


class Uint8Bars(GroundTruthData):
    """A file-backed-style dataset: NumPy uint8 rendering, no render_tf of its own."""

    name = "bars"
    factor_names = ("column",)
    factor_sizes = (4,)
    observation_shape = (2, 4, 1)

    def render(self, factors):
        images = np.zeros((len(factors), 2, 4, 1), np.uint8)
        images[np.arange(len(factors)), :, np.asarray(factors)[:, 0]] = 255
        return images


def test_numpy_rendered_datasets_are_converted_to_unit_range():
    factors, images = first(make_dataset(Uint8Bars(), 8, seed=0, with_factors=True))[0]
    assert images.dtype == np.float32 and set(np.unique(images)) == {0.0, 1.0}
    np.testing.assert_array_equal(images, Uint8Bars().observations(factors))


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode 'triplet' is not implemented; available modes: single, pair"):
        make_dataset("xysquares", 8, 0, mode="triplet")
    for batch_size in (0, -1, 2.0):
        with pytest.raises(ValueError, match="batch_size must be a positive integer"):
            make_dataset("xysquares", batch_size, 0)
    with pytest.raises(ValueError, match="data must be a GroundTruthData or a registered dataset name, got 3"):
        make_dataset(3, 8, 0)
    with pytest.raises(ValueError, match="unknown dataset 'xy'; known datasets:"):
        make_dataset("xy", 8, 0)
    with pytest.raises(ValueError, match="std must be > 0"):
        make_dataset("xysquares", 8, 0, standardize=([0, 0, 0], [1, 0, 1]))

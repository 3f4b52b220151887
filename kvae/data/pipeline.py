"""tf.data pipelines: seeded, reproducible batches of ground-truth observations."""

import numpy as np
import tensorflow as tf

from kvae.data import noise, pairs, registry
from kvae.data.arguments import check_int, fail
from kvae.data.ground_truth import GroundTruthData
from kvae.errors import KvaeError

MODES = ("single", "pair")
PAIR_STREAM = 0x9A1F  # folded into a batch's seed for its pairs, apart from its factor columns


def sample_factors_tf(factor_sizes, batch_size, seed):
    """Uniform factors [batch_size, F] (int64), a stateless function of `seed` (int64 [2])."""
    seed = tf.cast(seed, tf.int64)
    columns = [
        tf.random.stateless_uniform(
            [batch_size], tf.random.experimental.stateless_fold_in(seed, i), 0, size, dtype=tf.int64
        )
        for i, size in enumerate(factor_sizes)
    ]
    return tf.stack(columns, axis=-1)


def make_dataset(
    data,
    batch_size,
    seed,
    mode="single",
    standardize=False,
    repeat=True,
    num_parallel_calls=tf.data.AUTOTUNE,
    deterministic=True,
    with_factors=False,
    start=0,
    k=1,
    distinct=True,
    with_labels=False,
    render=True,
):
    """Float32 NHWC batches of a ground-truth dataset, rendered in the graph.

    With `repeat=True` the dataset is infinite and batch `i` holds uniformly
    sampled factors that are a stateless function of `(seed, i)`, so any run
    with the same seed sees the same batches whatever the parallelism. With
    `repeat=False` it is one epoch: every element once, in a seeded order (the
    last batch may be smaller). A stochastic dataset (`data.stochastic`, e.g.
    Noisy-dSprites) gets one draw id per example, a function of `(seed, i,
    position)`, so its noise is fresh per draw and just as reproducible.

    Args:
        data: a `GroundTruthData` or a registered dataset name.
        batch_size: images (pairs) per batch.
        seed: integer seed.
        mode: "single" (one image per example) or "pair" (two images that
            differ in `k` factors, for weak supervision; `kvae.data.pairs`).
        standardize: False for images in [0, 1]; True to subtract the per-channel
            mean and divide by the std (`kvae.data.stats.dataset_stats`, computed
            once and cached); or a `(mean, std)` pair of per-channel values.
        repeat: infinite sampling (True) or one shuffled epoch (False).
        num_parallel_calls, deterministic: passed to `Dataset.map`.
        with_factors: also yield the factors: `(factors, images)` ([B, F], or
            [B, 2, F] in pair mode).
        start: index of the first batch of the infinite stream (a resumed run
            passes its step count and continues the stream it was reading).
        k: pair mode: factors changed per pair; None or -1 for k uniform in
            1..F-1 per pair (Locatello et al. 2020).
        distinct: pair mode: every changed factor takes a new value (exactly k
            differ); False redraws it uniformly, as disentanglement_lib did.
        with_labels: pair mode: also yield `changed`, float32 [B, F], the
            multi-hot mask of the factors that differ.
        render: False yields the int64 factors in place of the images ([B, F],
            or [B, 2, F] in pair mode), for a model that renders them on the
            device (`kvae.distribute.render_inputs`).

    Returns:
        A `tf.data.Dataset` of images [B, H, W, C], or in pair mode pairs
        [B, 2, H, W, C] (then `(pairs, changed)` with `with_labels`); with
        `with_factors` the factors come first. Ready for `model.fit(ds, ...)`.
    """
    data = _as_data(data)
    if mode not in MODES:
        raise KvaeError(f"make_dataset: mode {mode!r} is not implemented; available modes: {', '.join(MODES)}")
    if mode == "pair":
        k = pairs.check_k(k, data.factor_sizes, distinct)
    elif with_labels:
        raise KvaeError("make_dataset: with_labels needs mode='pair' (the labels are the changed factors)")
    normalize = _normalizer(data, standardize)
    seed = check_int("make_dataset", "seed", seed)

    def observe(factors, batch_index):
        if not render:
            return factors
        draws = noise.mix(seed, batch_index, tf.range(tf.shape(factors)[0], dtype=tf.int64))
        return normalize(_to_float_tf(render_tf(data, factors, draws)))

    def single(batch_index, factors):
        images = observe(factors, batch_index)
        return (factors, images) if with_factors else images

    def pair(batch_index, first):
        batch_seed = tf.stack([tf.constant(seed, tf.int64), batch_index])
        pair_seed = tf.random.experimental.stateless_fold_in(batch_seed, PAIR_STREAM)
        second = pairs.pair_factors_tf(first, data.factor_sizes, pair_seed, k, distinct)
        factors = tf.stack([first, second], axis=1)  # [B, 2, F]
        images = observe(tf.reshape(factors, (-1, data.num_factors)), batch_index)
        images = tf.reshape(images, tf.concat([tf.shape(factors)[:2], tf.shape(images)[1:]], 0))
        out = (images, tf.cast(tf.not_equal(first, second), tf.float32)) if with_labels else (images,)
        out = ((factors,) if with_factors else ()) + out
        return out if len(out) > 1 else out[0]

    batches = _indexed_factor_batches(data, batch_size, seed, repeat, num_parallel_calls, deterministic, start)
    ds = batches.map(single if mode == "single" else pair, num_parallel_calls=num_parallel_calls, deterministic=deterministic)
    return ds.prefetch(tf.data.AUTOTUNE)


def render_tf(data, factors, draws):
    """`data.render_tf(factors)`, passing the draw ids [N] to a stochastic dataset."""
    if getattr(data, "stochastic", False):
        return data.render_tf(factors, draws)
    return data.render_tf(factors)


def factor_batches(
    data, batch_size, seed, repeat=True, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True, start=0
):
    """int64 factor batches [B, F]: the sampling half of `make_dataset` (same arguments)."""
    batches = _indexed_factor_batches(data, batch_size, seed, repeat, num_parallel_calls, deterministic, start)
    return batches.map(lambda index, factors: factors)


def _indexed_factor_batches(data, batch_size, seed, repeat, num_parallel_calls, deterministic, start):
    """(batch index, int64 factors [B, F]) pairs; see `factor_batches`."""
    data = _as_data(data)
    _check_batch_size(batch_size)
    seed = check_int("make_dataset", "seed", seed)
    if repeat:
        sizes = tuple(data.factor_sizes)
        batches = lambda i: (i, sample_factors_tf(sizes, batch_size, tf.stack([tf.constant(seed, tf.int64), i])))
        ds = tf.data.Dataset.counter(start=check_int("make_dataset", "start", start, low=0))
    else:
        order = tf.random.experimental.stateless_shuffle(tf.range(len(data), dtype=tf.int64), seed=[seed, 0])
        batches = lambda i, indices: (i, index_to_factors_tf(data.factor_sizes, indices))
        ds = tf.data.Dataset.from_tensor_slices(order).batch(batch_size).enumerate()
    return ds.map(batches, num_parallel_calls=num_parallel_calls, deterministic=deterministic)


def channel_stats(data, n=4096, seed=0, batch_size=256):
    """Per-channel mean and std (float32 [C] each) of `n` (rounded up to whole batches) sampled observations."""
    data = _as_data(data)

    def moments(images):
        pixels = tf.cast(tf.reshape(images, (-1, images.shape[-1])), tf.float64)
        return tf.reduce_sum(pixels, 0), tf.reduce_sum(tf.square(pixels), 0), tf.cast(tf.shape(pixels)[0], tf.float64)

    batches = make_dataset(data, batch_size, seed).take(-(-n // batch_size)).map(moments)
    total, total_sq, count = (np.sum(m, axis=0) for m in zip(*batches.as_numpy_iterator()))
    mean = total / count
    std = np.sqrt(np.maximum(total_sq / count - np.square(mean), 0.0))
    return mean.astype(np.float32), std.astype(np.float32)


def index_to_factors_tf(factor_sizes, indices):
    """Graph version of `GroundTruthData.index_to_factors`: int64 [N] -> int64 [N, F]."""
    dims = tf.constant(factor_sizes, tf.int64)
    return tf.transpose(tf.unravel_index(tf.cast(indices, tf.int64), dims))


def _to_float_tf(images):
    """uint8 -> float32 / 255; float images -> float32 (as `ground_truth.to_float`)."""
    if images.dtype == tf.uint8:
        return tf.cast(images, tf.float32) / 255.0
    return tf.cast(images, tf.float32)


def _as_data(data):
    if isinstance(data, str):
        return registry.get(data)
    if not isinstance(data, GroundTruthData):
        raise fail("make_dataset", "data", "a GroundTruthData or a registered dataset name", data)
    return data


def _check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise KvaeError(f"batch_size must be a positive integer, got {batch_size!r}")


def _normalizer(data, standardize):
    """The per-channel map applied to images in [0, 1]."""
    if standardize is False or standardize is None:
        return lambda images: images
    if standardize is True:
        from kvae.data.stats import dataset_stats

        mean, std = dataset_stats(data)
    else:
        mean, std = standardize
    channels = data.observation_shape[-1]
    mean, std = (np.broadcast_to(np.asarray(v, np.float32), (channels,)) for v in (mean, std))
    if np.any(std <= 0):
        raise KvaeError(f"standardize: every channel std must be > 0, got {std.tolist()}")
    return lambda images: (images - mean) / std

"""tf.data pipelines: seeded, reproducible batches of ground-truth observations for `model.fit`."""

import numpy as np
import tensorflow as tf

from kvae.data import pairs, sampling
from kvae.data.arguments import check_int
from kvae.data.registry import as_dataset
from kvae.data.stats import dataset_stats
from kvae.errors import KvaeError

__all__ = ["MODES", "make_dataset"]

MODES = ("single", "pair", "pair_with_labels")  # the values of a frame's `input_mode`
PAIR_STREAM = 0x9A1F  # folded into a batch's seed for its pairs, apart from its factor columns


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
    position)`, so its noise is fresh per draw and just as reproducible
    (`kvae.data.sampling`).

    Args:
        data: a `GroundTruthData` or a registered dataset name.
        batch_size: images (pairs) per batch.
        seed: integer seed.
        mode: what a frame trains on, its `input_mode` (one of `MODES`):
            "single" (one image per example), "pair" (two images that differ in
            `k` factors, for weak supervision; `kvae.data.pairs`), or
            "pair_with_labels" (pairs and the mask of the factors that differ).
        standardize: False for images in [0, 1]; True to subtract the per-channel
            mean and divide by the std (`kvae.data.stats.dataset_stats`, computed
            once and cached); or a `(mean, std)` pair of per-channel values.
        repeat: infinite sampling (True) or one shuffled epoch (False).
        num_parallel_calls, deterministic: passed to `Dataset.map`.
        with_factors: also yield the factors: `(factors, images)` ([B, F], or
            [B, 2, F] for pairs).
        start: index of the first batch of the infinite stream (a resumed run
            passes its step count and continues the stream it was reading).
        k: pairs: factors changed per pair; None or -1 for k uniform in
            1..F-1 per pair (Locatello et al. 2020).
        distinct: pairs: every changed factor takes a new value (exactly k
            differ); False redraws it uniformly, as disentanglement_lib did.
        with_labels: with mode "pair", the same as mode "pair_with_labels".
        render: False yields the int64 factors in place of the images ([B, F],
            or [B, 2, F] for pairs), for a model that renders them on the
            device (`kvae.distribute.render_inputs`).

    Returns:
        A `tf.data.Dataset` of images [B, H, W, C], or pairs [B, 2, H, W, C],
        or `(pairs, changed)` with `changed` float32 [B, F] the multi-hot mask
        of the factors that differ; with `with_factors` the factors come first.
        Ready for `model.fit(ds, ...)`.
    """
    data = as_dataset(data)
    if mode not in MODES:
        modes = ", ".join(MODES)
        raise KvaeError(f"make_dataset: mode {mode!r} is not implemented; available modes: {modes}")
    if with_labels and mode == "single":
        raise KvaeError("make_dataset: with_labels needs mode='pair' (the labels are the changed factors)")
    with_labels = with_labels or mode == "pair_with_labels"
    if mode != "single":
        k = pairs.check_k(k, data.factor_sizes, distinct)
    normalize = _normalizer(data, standardize)
    seed = check_int("make_dataset", "seed", seed)

    def observe(factors, batch_index):
        return normalize(sampling.observe(data, factors, seed, batch_index)) if render else factors

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

    parallel = {"num_parallel_calls": num_parallel_calls, "deterministic": deterministic}
    batches = sampling.factor_batches(data, batch_size, seed, repeat, start=start, **parallel)
    return batches.map(single if mode == "single" else pair, **parallel).prefetch(tf.data.AUTOTUNE)


def _normalizer(data, standardize):
    """The per-channel map applied to images in [0, 1]."""
    if standardize is False or standardize is None:
        return lambda images: images
    mean, std = dataset_stats(data) if standardize is True else standardize
    channels = data.observation_shape[-1]
    mean, std = (np.broadcast_to(np.asarray(v, np.float32), (channels,)) for v in (mean, std))
    if np.any(std <= 0):
        raise KvaeError(f"standardize: every channel std must be > 0, got {std.tolist()}")
    return lambda images: (images - mean) / std

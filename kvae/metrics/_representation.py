"""Turning a trained frame into the representation function the metrics call."""

import numpy as np

__all__ = ["MODES", "SharedCodes", "representation_function"]

MODES = ("mean", "sample", "posterior")


class SharedCodes:
    """A deterministic representation function that keeps the codes of every image it encoded.

    Through it the metrics encode each distinct image of a dataset once, however
    many metrics and draws ask for it: the draws of all the metrics of a model
    share their codes, and values do not change, since an image is a function
    of its factors and a posterior mean a function of the image. Wrap only
    deterministic functions (sampled codes must be drawn afresh), and make a
    new one after the weights change (`representation_function` makes one per call).

    Example:
      fn = SharedCodes(my_encoder)
      # then kvae.metrics.compute_mig(data, fn, 0), compute_dci(data, fn, 0), ...
    """

    def __init__(self, representation_fn):
        self.representation_fn = representation_fn
        self.images_drawn = 0  # images the metrics asked for
        self.images_encoded = 0  # images encoded: each distinct one once
        self._kept = {}  # id(data) -> (data, sorted flat indices [K], mean [K, D], logvar [K, D] or None)

    def __call__(self, images):
        return self.representation_fn(images)

    def codes(self, data, indices, encode):
        """(mean [N, D], logvar [N, D] or None) of the images of `data` with flat `indices` [N].

        `encode(indices [M]) -> (mean, logvar)` encodes the images not kept yet.
        """
        unique, inverse = np.unique(indices, return_inverse=True)
        _, kept, mean, logvar, layouts = self._kept.get(
            id(data), (data, np.empty(0, np.int64), None, None, None)
        )
        known = np.isin(unique, kept, assume_unique=True)
        self.images_drawn += len(indices)
        if not known.all():
            missing = unique[~known]
            new_mean, new_logvar = encode(missing)
            self.images_encoded += len(missing)
            order = np.argsort(np.concatenate([kept, missing]), kind="stable")

            def merge(old, new):
                return (new if old is None else np.concatenate([old, new]))[order]

            kept, mean = merge(kept, missing), merge(mean, new_mean)
            logvar = None if new_logvar is None else merge(logvar, new_logvar)
            layouts = [_layout(new_mean), _layout(new_logvar)]
            self._kept[id(data)] = (data, kept, mean, logvar, layouts)
        rows = np.searchsorted(kept, unique)[inverse]
        # Sums over points depend on the memory layout; give the layout that the encoded chunks had,
        # so that every value equals that of a separate encoding bit for bit.
        return mean[rows].copy(order=layouts[0]), None if logvar is None else logvar[rows].copy(
            order=layouts[1]
        )


def _layout(array):
    return "F" if array is not None and array.flags.f_contiguous and not array.flags.c_contiguous else "C"


def representation_function(model, mode="mean", batch_size=1024, seed=0):
    """A callable images [N, H, W, C] float32 -> codes, from a frame's `encode`.

    Modes "mean" and "posterior" return a `SharedCodes`: the metrics that use
    it encode each image once.

    Args:
      model: anything with `encode(x) -> (mean, logvar)` (a kvae frame).
      mode: "mean" -> posterior means [N, D] (the study's representation);
        "sample" -> one draw z ~ N(mean, exp(logvar)) [N, D];
        "posterior" -> the pair (mean, logvar), which the metrics that need
        posterior variances (active units, UDR) require; the other metrics
        use its mean.
      batch_size: images passed to `encode` at once (one traced call; on the accelerator when there is one).
      seed: seeds the draws of mode "sample".
    """
    if mode not in MODES:
        raise ValueError(f"unknown representation mode {mode!r}; known modes: {', '.join(MODES)}")
    import keras  # Imported here so that the metrics need no deep-learning backend.

    rng = np.random.default_rng(seed)
    encode = model.encode
    if hasattr(
        model, "encoder"
    ):  # a kvae frame on the TensorFlow backend: trace once, ~1.6x faster than eager
        import tensorflow as tf

        encode = tf.function(
            lambda x: model.encode(x, training=False), autograph=False, reduce_retracing=True
        )

    def fn(images):
        means, logvars = [], []
        for start in range(0, len(images), batch_size):
            mean, logvar = encode(np.asarray(images[start : start + batch_size], np.float32))
            means.append(keras.ops.convert_to_numpy(mean))
            logvars.append(keras.ops.convert_to_numpy(logvar))
        mean, logvar = np.concatenate(means), np.concatenate(logvars)
        if mode == "mean":
            return mean
        if mode == "posterior":
            return mean, logvar
        return mean + np.exp(0.5 * logvar) * rng.standard_normal(mean.shape).astype(mean.dtype)

    return fn if mode == "sample" else SharedCodes(fn)

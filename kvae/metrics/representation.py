"""Turning a trained frame into the representation function the metrics call."""

import numpy as np

MODES = ("mean", "sample", "posterior")


def representation_function(model, mode="mean", batch_size=256, seed=0):
    """A callable images [N, H, W, C] float32 -> codes, from a frame's `encode`.

    Args:
      model: anything with `encode(x) -> (mean, logvar)` (a kvae frame).
      mode: "mean" -> posterior means [N, D] (the study's representation);
        "sample" -> one draw z ~ N(mean, exp(logvar)) [N, D];
        "posterior" -> the pair (mean, logvar), which the metrics that need
        posterior variances (active units, UDR) require; the other metrics
        use its mean.
      batch_size: images passed to `encode` at once.
      seed: seeds the draws of mode "sample".
    """
    if mode not in MODES:
        raise ValueError(f"unknown representation mode {mode!r}; known modes: {', '.join(MODES)}")
    import keras  # Imported here so that the metrics need no deep-learning backend.

    rng = np.random.default_rng(seed)
    encode = model.encode
    if hasattr(model, "encoder"):  # a kvae frame on the TensorFlow backend: trace once, ~1.6x faster than eager
        import tensorflow as tf

        encode = tf.function(lambda x: model.encode(x, training=False), autograph=False, reduce_retracing=True)

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

    return fn

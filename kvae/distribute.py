"""Accelerators: distribution strategies, mixed precision, the replicas' share of a batch, on-device rendering.

Data parallelism in kvae means that a run on N replicas is the run on one device with the same
global batch: the loss of each replica is divided by N before its gradient (as Keras' TensorFlow
trainer does), the optimizer sums the replicas' gradients, the Gaussian noise of a replica is its
rows of one draw for the global batch (`replica_normal`), and every estimator of a batch statistic
(beta-TCVAE's minibatch estimates, DIP-VAE's covariance, FactorVAE's permutation) sees the
all-gathered batch (`all_gather`, differentiable). With one replica every helper is the identity,
so the default path is unchanged.

    with distribute.precision("mixed_bfloat16"), distribute.get_strategy("mirrored").scope():
        model = frames.BetaVAE(...)            # float32 variables, bfloat16 compute, float32 loss
"""

import contextlib

import keras
import numpy as np
import tensorflow as tf

from kvae.errors import KvaeError

__all__ = [
    "STRATEGIES", "PRECISIONS", "get_strategy", "precision", "replica", "all_gather", "local_rows",
    "replica_normal", "loss_factor", "distribute_dataset", "worker_seed", "check_renderable", "render_inputs",
]

STRATEGIES = ("default", "mirrored", "multi_worker")
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def get_strategy(name="default", devices=None):
    """The `tf.distribute.Strategy` named `name`.

    Args:
        name: "default" (one device, no replicas), "mirrored" (synchronous data parallelism over
            the local GPUs, or the `devices` named) or "multi_worker" (synchronous data parallelism
            over several machines, each with its local GPUs; every worker runs the same command with
            its own `TF_CONFIG` environment variable, as in
            https://www.tensorflow.org/guide/distributed_training#multiworkermirroredstrategy).
        devices: for "mirrored", device names such as ["/gpu:0", "/gpu:1"]; None for all local GPUs
            (the CPU when there is none).
    """
    if name not in STRATEGIES:
        raise KvaeError(f"strategy: expected one of {', '.join(map(repr, STRATEGIES))}, got {name!r}")
    if devices is not None and (
        name != "mirrored" or isinstance(devices, str) or not all(isinstance(d, str) for d in devices)
    ):
        raise KvaeError(f"strategy devices: expected a list of device names for 'mirrored', got {devices!r}")
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices=None if devices is None else list(devices))
    return tf.distribute.MultiWorkerMirroredStrategy()


@contextlib.contextmanager
def precision(name):
    """Makes `name` Keras' global dtype policy while the block runs (models built in it keep it).

    "float32"; "mixed_bfloat16" (bfloat16 compute, float32 variables: GPUs from Ampere on, TPUs,
    CPUs with AVX-512 BF16); "mixed_float16" (float16 compute: the frames' optimizers become
    `keras.optimizers.LossScaleOptimizer`s). The frames compute the loss, the KL, the blur and the
    metrics in float32 in every policy.
    """
    if name not in PRECISIONS:
        raise KvaeError(f"precision: expected one of {', '.join(map(repr, PRECISIONS))}, got {name!r}")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def replica():
    """(index of this replica, number of replicas in sync): (0, 1) outside a multi-replica step."""
    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context
        return 0, 1
    return context.replica_id_in_sync_group, context.num_replicas_in_sync


def all_gather(x):
    """The global batch of `x` [n, ...]: every replica's rows, in replica order; `x` with one replica.

    Differentiable: the gradient of a replica's rows sums the gradients of all replicas.
    """
    index, count = replica()
    if count == 1:
        return x
    # A sum of the replicas' rows placed in their slots: one float all-reduce (whose gradient is
    # all-reduced too), where `ReplicaContext.all_gather` mixes in int32 shape exchanges that
    # MirroredStrategy can pair with another replica's float collective.
    slot = tf.reshape(tf.one_hot(index, count, dtype=x.dtype), [count] + [1] * len(x.shape))
    gathered = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, slot * x[None])
    return tf.reshape(gathered, tf.concat([[-1], tf.shape(x)[1:]], 0))


def local_rows(x, blocks=1):
    """This replica's rows of `x`, a tensor computed on the global batch; `x` with one replica.

    With `blocks` > 1 the batch is made of that many consecutive blocks (frames on pairs encode
    the first images, then the second ones) and the replica's rows are its share of each block.
    """
    index, count = replica()
    if count == 1:
        return x
    shape = tf.shape(x)
    x = tf.reshape(x, tf.concat([[blocks, count, -1], shape[1:]], 0))
    return tf.reshape(tf.gather(x, index, axis=1), tf.concat([[-1], shape[1:]], 0))


def replica_normal(shape, seed, blocks=1):
    """`keras.random.normal(shape, seed=seed)` where `shape[0]` is this replica's share of the batch.

    The draw is made for the global batch and sliced (`local_rows`), so the noise of every example
    is the same on any number of replicas. (XLA draws other numbers than the plain step: TensorFlow's
    stateless generators differ inside `jit_compile`.)
    """
    count = replica()[1]
    if count == 1:
        return keras.random.normal(shape, seed=seed)
    rows = shape[0] * count
    return local_rows(keras.random.normal((rows,) + tuple(shape[1:]), seed=seed), blocks)


def loss_factor(optimizer):
    """What the gradient of a replica's loss is multiplied by: 1 / replicas, times the loss scale
    of a `LossScaleOptimizer` (Keras' `scale_loss_for_distribution` and `optimizer.scale_loss`).
    None when it is 1 (one replica, no loss scaling)."""
    count = replica()[1]
    scaled = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    if count == 1 and not scaled:
        return None
    factor = tf.constant(1.0 / count, tf.float32)
    return optimizer.scale_loss(factor) if scaled else factor


def worker_seed(seed, worker):
    """The data seed of input pipeline `worker`: `seed` itself for the first, a derived one for the others."""
    if worker == 0:
        return seed
    return int(np.random.SeedSequence([seed, worker]).generate_state(1)[0] % 2**31)


def distribute_dataset(strategy, make, global_batch_size, start=0):
    """A dataset of per-replica batches for `strategy`, built by `make(batch_size, seed_worker, start)`.

    With one replica it is `make(global_batch_size, 0, start)` itself. Otherwise
    `strategy.distribute_datasets_from_function` calls `make` once per worker (input pipeline)
    with the per-replica batch size; the worker's replicas take its consecutive batches in turn, so
    step i of a worker with R local replicas reads batches R * i .. R * i + R - 1 of its own seeded
    stream (`worker_seed`), and a run resumed at step `start` continues it.
    """
    if strategy.num_replicas_in_sync == 1:
        return make(global_batch_size, 0, start)
    if global_batch_size % strategy.num_replicas_in_sync:
        raise KvaeError(
            f"train.batch_size: expected a multiple of the {strategy.num_replicas_in_sync} replicas, "
            f"got {global_batch_size}"
        )

    def dataset_fn(context):
        local_replicas = strategy.num_replicas_in_sync // context.num_input_pipelines
        return make(context.get_per_replica_batch_size(global_batch_size), context.input_pipeline_id,
                    start * local_replicas)

    return strategy.distribute_datasets_from_function(dataset_fn)


def check_renderable(data):
    """Raises a one-line `KvaeError` unless `data` can render its images from factors with graph ops."""
    from kvae.data.procedural import ProceduralData

    if not isinstance(data, ProceduralData) or data.stochastic:
        raise KvaeError(
            "train.render_on_device: expected a procedural dataset (xysquares, dsprites_procedural, xyobject), "
            f"got {getattr(data, 'name', data)!r}"
        )


def render_inputs(data):
    """A function turning int64 factors [..., F] into float32 images [..., H, W, C] inside the step.

    Give it to a frame (`frame.render_inputs = render_inputs(data)`) and train on
    `make_dataset(..., render=False)`: the step renders the images on the device, from the same
    factors, pixel-identical to the tf.data path.
    """
    check_renderable(data)

    def render(factors):
        factors = tf.convert_to_tensor(factors, tf.int64)
        images = data.observations_tf(tf.reshape(factors, (-1, data.num_factors)))
        images = tf.reshape(images, tf.concat([tf.shape(factors)[:-1], data.observation_shape], 0))
        images.set_shape(factors.shape[:-1].concatenate(data.observation_shape))
        return images

    return render

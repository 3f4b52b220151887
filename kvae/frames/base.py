"""The VAE frame: the shared training step every other frame builds on."""

import keras
import tensorflow as tf
from keras import ops

from kvae import distribute, losses, schedules
from kvae.data.arguments import check_float, check_int, fail
from kvae.errors import KvaeError
from kvae.frames.registry import FRAMES


@keras.saving.register_keras_serializable(package="kvae")
class VectorMean(keras.metrics.Metric):
    """Running mean of a vector-valued quantity (e.g. the KL of each latent)."""

    def __init__(self, size, name="vector_mean", **kwargs):
        super().__init__(name=name, **kwargs)
        self.size = int(size)
        self.total = self.add_variable(shape=(self.size,), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, values):
        self.total.assign_add(ops.cast(values, self.total.dtype))
        self.count.assign_add(ops.cast(1, self.count.dtype))

    def result(self):
        return ops.divide_no_nan(self.total, self.count)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


@FRAMES.register("vae")
class VAE(keras.Model):
    """Variational autoencoder (Kingma & Welling 2014) with a pluggable regulariser.

    The loss is `reconstruction + regularizer`, where the reconstruction is the
    per-example reconstruction loss averaged over the batch and the regulariser
    is the frame's hook (`kl` here). Every term is tracked with
    `keras.metrics.Mean` and returned in the logs: loss, reconstruction, kl,
    regularizer, elbo, and the names a frame lists in `tracked_terms`. The KL
    of each latent is tracked in `kl_per_latent` (for active units).

    Frames override one hook:
    - `regularizer(kl, z_mean, z_logvar, z_sampled)` returning a scalar, or a
      dict with key "regularizer" plus the frame's own terms;
    - `reconstruction_term(x, z)` where the reconstruction is not a single
      decode (Grouped-VAE);
    - `compute_terms(x, training, y)` where the posterior is not the encoder's
      alone (paired inputs: Ada-GVAE), ending in `posterior_terms`;
    - `train_step` only when a second optimizer is needed (FactorVAE).

    Accelerators (`kvae.distribute`): under a `tf.distribute` strategy a step on
    N replicas is the step on one device with the global batch (each replica's
    loss is divided by N, its noise is its rows of one draw for the global
    batch, batch estimators see the all-gathered batch); under a mixed
    precision policy the nets compute in bfloat16/float16 while the codes, the
    logits, every loss term and every metric are float32, and a
    `LossScaleOptimizer` (mixed_float16) gets its scaled loss. A step can render
    its inputs from factors on the device (`render_inputs`).

    Two class attributes tell `kvae.training.train` what a frame needs:
    `input_mode`, one of `kvae.data.MODES`, passed as is to
    `make_dataset(..., mode=frame.input_mode)` ("single" images, "pair" of images
    sharing all but k factors, or "pair_with_labels": pairs and the mask of the
    factors that changed), and
    `dataset_arguments`, a mapping of constructor argument to a function of
    the ground-truth dataset (e.g. `{"dataset_size": len}`) that `train` fills.

    A frame's scalar hyperparameters may follow a schedule of the optimizer step
    (`kvae.schedules`): the constructor checks each with `hyperparameter`, the
    step reads it with `current`, and `get_config` writes it with
    `kvae.schedules.serialize`. A scheduled value is logged as a term of its name.

    Args:
        encoder: layer mapping images to `(mean, logvar)`, with a `latent_dim`.
        decoder: layer mapping codes to logits of the images.
        reconstruction_loss: a loss, or what `kvae.losses.get` takes (a name, a config, a Keras loss).
        seed: integer seed of the sampling of codes.
    """

    tracked_terms = ()
    input_mode = "single"
    dataset_arguments = {}
    batch_blocks = 1  # consecutive blocks of the encoder's batch (2 for pairs), for `distribute.local_rows`

    def __init__(self, encoder, decoder, reconstruction_loss="bernoulli", seed=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        if not isinstance(encoder, keras.layers.Layer) or not hasattr(encoder, "latent_dim"):
            raise fail(
                owner, "encoder", "a Keras layer with a latent_dim (e.g. kvae.nets.ConvEncoder)", encoder
            )
        if not isinstance(decoder, keras.layers.Layer):
            raise fail(owner, "decoder", "a Keras layer (e.g. kvae.nets.ConvDecoder)", decoder)
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = check_int(owner, "encoder.latent_dim", encoder.latent_dim, low=1)
        self.reconstruction_loss = losses.get(reconstruction_loss)
        self.seed = None if seed is None else check_int(owner, "seed", seed, low=0)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self._track_variable(
            self.seed_generator.state
        )  # saved with the weights, so a resume continues the draws
        names = ("loss", "reconstruction", "kl", "regularizer", "elbo") + tuple(self.tracked_terms)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.scheduled = {}  # hyperparameter name -> its schedule (`hyperparameter`), logged as a term
        self.kl_per_latent = VectorMean(self.latent_dim, name="kl_per_latent")
        self.render_inputs = None  # factors -> images inside the step (`kvae.distribute.render_inputs`)

    # Model structure ---------------------------------------------------------

    def build(self, input_shape):
        if not self.encoder.built:
            self.encoder.build(input_shape)
        if not self.decoder.built:
            self.decoder.build((None, self.latent_dim))

    def encode(self, x, training=False):
        """Images -> posterior `(mean, logvar)`, each float32 [N, latent_dim]."""
        z_mean, z_logvar = self.encoder(x, training=training)
        return ops.cast(z_mean, "float32"), ops.cast(z_logvar, "float32")

    def decode(self, z, training=False):
        """Codes [N, latent_dim] -> float32 logits of the images."""
        return ops.cast(self.decoder(z, training=training), "float32")

    def reparameterize(self, z_mean, z_logvar):
        """Draws z ~ N(mean, exp(logvar)) from the model's seed generator (alike on any replica count)."""
        eps = distribute.replica_normal(ops.shape(z_mean), self.seed_generator, self.batch_blocks)
        return z_mean + ops.exp(0.5 * z_logvar) * eps

    def call(self, x, training=False):
        """Reconstruction of `x` from its posterior mean, in data space."""
        z_mean, _ = self.encode(x, training=training)
        return self.reconstruction_loss.activation(self.decode(z_mean, training=training))

    def reconstruct(self, x):
        """Reconstruction of `x` from its posterior mean, in data space."""
        return self(x, training=False)

    def sample(self, n):
        """Decodes `n` codes drawn from the N(0, I) prior into images."""
        z = keras.random.normal((n, self.latent_dim), seed=self.seed_generator)
        return self.reconstruction_loss.activation(self.decode(z))

    # Hyperparameters ---------------------------------------------------------

    def hyperparameter(self, name, value, low=None, high=None):
        """A scalar hyperparameter checked: a number in [low, high], or a `kvae.schedules.Schedule` (or
        its config) of the optimizer step, logged as the term `name`. The step reads it with `current`."""
        value = schedules.deserialize(value, type(self).__name__, name)
        if not isinstance(value, schedules.Schedule):
            return check_float(type(self).__name__, name, value, low, high)
        if name not in self.trackers:
            self.trackers[name] = keras.metrics.Mean(name=name)
        self.scheduled[name] = value
        return value

    @property
    def step(self):
        """The optimizer's step (its `iterations`, 0 before `compile`), which schedules follow."""
        optimizer = getattr(self, "optimizer", None)
        return optimizer.iterations if optimizer is not None else 0

    def current(self, value, step=None):
        """A hyperparameter's value at `step` (default: the current step): a number, or a schedule's value."""
        if not isinstance(value, schedules.Schedule):
            return value
        return value(self.step if step is None else step)

    # Loss --------------------------------------------------------------------

    def reconstruction_term(self, x, z, training=False):
        """Batch mean of the per-example reconstruction loss of `x` from codes `z`."""
        return ops.mean(self.reconstruction_loss(x, self.decode(z, training=training)))

    def regularizer(self, kl, z_mean, z_logvar, z_sampled):
        """The frame's regulariser; the plain VAE's is the KL to the prior."""
        return kl

    def compute_terms(self, x, training=False, y=None):
        """Every term of the objective on a batch, as a dict of scalars.

        `y` is the dataset's target when it has one (the changed-factor mask of
        labelled pairs); the unsupervised frames ignore it.
        """
        z_mean, z_logvar = self.encode(x, training=training)
        return self.posterior_terms(x, z_mean, z_logvar, training=training)

    def posterior_terms(self, x, z_mean, z_logvar, training=False):
        """The terms of `compute_terms` given the posterior `(z_mean, z_logvar)` of the images `x`."""
        z = self.reparameterize(z_mean, z_logvar)
        reconstruction = self.reconstruction_term(x, z, training=training)
        kl_per_latent = ops.mean(losses.gaussian_kl(z_mean, z_logvar), axis=0)
        kl = ops.sum(kl_per_latent)
        terms = self.regularizer(kl, z_mean, z_logvar, z)
        if not isinstance(terms, dict):
            terms = {"regularizer": terms}
        loss = reconstruction + terms["regularizer"]
        if self.losses:
            loss = loss + ops.sum(self.losses)
        return {
            "loss": loss,
            "reconstruction": reconstruction,
            "kl": kl,
            "elbo": -(reconstruction + kl),
            "kl_per_latent": kl_per_latent,
            **{name: schedule(self.step) for name, schedule in self.scheduled.items() if name not in terms},
            **terms,
        }

    # Steps -------------------------------------------------------------------

    @property
    def metrics(self):
        return list(self.trackers.values()) + [self.kl_per_latent]

    def update_trackers(self, terms):
        """Updates the trackers from `compute_terms` output; returns the logs."""
        unknown = set(terms) - set(self.trackers) - {"kl_per_latent"}
        if unknown:
            raise KvaeError(
                f"{type(self).__name__} returned terms {sorted(unknown)} that are not in its "
                f"tracked_terms {tuple(self.tracked_terms)}"
            )
        self.kl_per_latent.update_state(terms["kl_per_latent"])
        for name, value in terms.items():
            if name in self.trackers:
                self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def apply_gradients(self, tape, loss, variables, optimizer=None):
        """Applies the gradient of `loss` to `variables`, skipping unused ones.

        Under a strategy the gradient is that of `loss / replicas` (the optimizer sums the
        replicas'); a `LossScaleOptimizer` gets that of the scaled loss, and handles a non-finite
        one itself (it skips the update and halves the scale; the step still counts).
        """
        optimizer = optimizer or self.optimizer
        if not optimizer.built:  # on every variable, also those a frame leaves without gradient
            optimizer.build(variables)
        grads = tape.gradient(loss, variables, output_gradients=distribute.loss_factor(optimizer))
        grads, variables = zip(*[(g, v) for g, v in zip(grads, variables) if g is not None])
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            finite = optimizer.check_finite(grads)
            optimizer.apply(list(grads), list(variables))
            optimizer.iterations.assign_add(ops.cast(ops.logical_not(finite), optimizer.iterations.dtype))
        else:
            optimizer.apply_gradients(list(zip(grads, variables)))

    def unpack(self, data):
        """`(x, y)` of a batch, the images rendered from factors on the device when `render_inputs` is set."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        return (x if self.render_inputs is None else self.render_inputs(x)), y

    def train_step(self, data):
        x, y = self.unpack(data)
        with tf.GradientTape() as tape:
            terms = self.compute_terms(x, training=True, y=y)
        self.apply_gradients(tape, terms["loss"], self.trainable_variables)
        return self.update_trackers(terms)

    def test_step(self, data):
        x, y = self.unpack(data)
        return self.update_trackers(self.compute_terms(x, training=False, y=y))

    # Serialisation -----------------------------------------------------------

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "reconstruction_loss": losses.serialize(self.reconstruction_loss),  # a name, or a config
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        return cls(**config)

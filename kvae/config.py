"""Gin configurables: the short, stable names a config file binds.

Keras classes are registered with `gin.external_configurable` (decorating a
Keras subclass with `@gin.configurable` breaks its construction), plain choices
with small factory functions. Importing this module registers everything.
"""

import gin
import keras

from kvae import data, frames, metrics, nets, schedules

for _cls in (*frames.FRAMES.values(), *nets.NETS.values()):
    gin.external_configurable(_cls, _cls.__name__)
gin.external_configurable(frames.GVAE, "GroupVAE")  # operative configs written before GroupVAE became GVAE

for _name, _cls in schedules.SCHEDULES.items():  # `BetaVAE.beta = @linear_schedule()`
    gin.external_configurable(_cls, f"{_name}_schedule")

_CONFIGURABLE_DATASETS = {}


def _configurable_dataset(name):
    """The dataset class registered as `name`, wrapped so its gin bindings apply."""
    cls = data.registry.get_class(name)
    if name not in _CONFIGURABLE_DATASETS:
        _CONFIGURABLE_DATASETS[name] = gin.external_configurable(cls, cls.__name__)
    return _CONFIGURABLE_DATASETS[name]


def register_datasets():
    """Makes every registered dataset class configurable by its class name (e.g. `XYSquares.grid_spacing`)."""
    for name in data.registry.names():
        _configurable_dataset(name)


register_datasets()


@gin.configurable("dataset")
def dataset(name=gin.REQUIRED):
    """The ground-truth dataset to train and evaluate on.

    Args:
        name: a registered dataset name (`kvae.data.registry.names()`), e.g.
            "dsprites_procedural" or "xysquares". Its constructor arguments are
            bound on its class name, e.g. `XYSquares.grid_spacing = 4`.
    """
    return _configurable_dataset(name)()


@gin.configurable("reconstruction_loss")
def reconstruction_loss(name="bernoulli"):
    """The reconstruction loss by name (`kvae.losses.get`), e.g. "bernoulli" or "mse_box_r31_l1.0_k3969.0"."""
    return name


@gin.configurable("optimizer")
def optimizer(name="adam", learning_rate=1e-4, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    """The model's optimizer (Locatello et al. 2019: Adam, lr 1e-4, beta1 0.9, beta2 0.999, eps 1e-8).

    Args:
        name: a Keras optimizer name ("adam", "adamw", "sgd", "rmsprop", ...).
        learning_rate: the learning rate.
        beta_1, beta_2, epsilon: Adam-family parameters, ignored by other optimizers.
    """
    config = {"learning_rate": learning_rate}
    if name.lower() in ("adam", "adamw", "adamax", "nadam"):
        config.update(beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
    try:
        return keras.optimizers.get({"class_name": name, "config": config})
    except ValueError:
        raise ValueError(
            f"unknown optimizer {name!r}; expected a Keras optimizer name such as adam, adamw, sgd, rmsprop"
        ) from None


_CONFIGURABLE_METRICS = {name: gin.external_configurable(fn, name) for name, fn in metrics.METRICS.items()}


def evaluation_metric(name):
    """The metric wrapper registered as `name`, with its gin bindings (e.g. `mig.num_train`)."""
    metrics.get(name)  # a clear error for an unknown name
    return _CONFIGURABLE_METRICS[name]

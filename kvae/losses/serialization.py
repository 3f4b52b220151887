"""Reconstruction losses from names, configs and Keras losses, and back: what gin and saved frames hold."""

import re

import keras

from kvae.errors import KvaeError
from kvae.losses.augmented import AugmentedLoss
from kvae.losses.keras_loss import KerasLoss
from kvae.losses.kernels import box_kernel, gaussian_kernel
from kvae.losses.reconstruction import ReconstructionLoss
from kvae.losses.registry import LOSSES

__all__ = ["AUGMENTED_PATTERN", "get", "known_names", "serialize"]

AUGMENTED_PATTERN = "<base>_<box|gau>_r<radius>_l<weight>_k<alpha>[_norm_sum|_norm_none]"

_KERNELS = {"box": box_kernel, "gau": gaussian_kernel}
_NUMBER = r"\d+(?:\.\d*)?(?:e[+-]?\d+)?"


def known_names():
    """The registered loss names and the pattern of augmented names."""
    return LOSSES.names() + [AUGMENTED_PATTERN]


def get(identifier):
    """A reconstruction loss from its name, its config or a Keras loss (`identifier` itself if it is one).

    Names: a registered loss (`bernoulli`, `bce`, `continuous_bernoulli`, `l1`,
    `mse`, `mse_linear`, and any `@LOSSES.register`ed one) or an augmented loss
    (Michlo et al. eq. 11) `{base}_{box|gau}_r{radius}_l{loss_weight}_k{alpha}[_norm_sum|_norm_none]`,
    e.g. `mse_box_r31_l1.0_k3969.0`: the kernel is (2 radius + 1)^2 and sums to
    1; `gau` has sigma = radius / 4, as in disent. The suffix means what it
    means in disent, whose kernels already sum to 1: `_norm_sum` divides by
    the sum, `_norm_none` leaves the kernel as built, so both give the same loss.

    A `keras.losses.Loss` is wrapped in a `KerasLoss` (sigmoid activation, summed over pixels);
    a dict is a config from `serialize` (what a frame's `get_config` stores).
    """
    if isinstance(identifier, ReconstructionLoss):
        return identifier
    if isinstance(identifier, keras.losses.Loss):
        return KerasLoss(identifier)
    if isinstance(identifier, dict):
        return _deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in LOSSES:
            return LOSSES.get(identifier)()
        match = _augmented_name().fullmatch(identifier)
        if match:
            try:
                kernel = _KERNELS[match["kernel"]](int(match["radius"]))  # sums to 1 whatever the suffix
                return AugmentedLoss(
                    match["base"], kernel, float(match["weight"]), float(match["alpha"]), name=identifier
                )
            except ValueError as error:
                raise KvaeError(f"reconstruction loss {identifier!r}: {error}") from None
    raise KvaeError(
        f"unknown reconstruction loss {identifier!r}: expected one of "
        f"{', '.join(LOSSES)}, or '{AUGMENTED_PATTERN}'"
    )


def serialize(loss):
    """How a frame's config stores `loss`: its name where `get(name)` rebuilds it, else Keras' config."""
    config = keras.saving.serialize_keras_object(loss)
    try:
        if keras.saving.serialize_keras_object(get(loss.name)) == config:
            return loss.name
    except KvaeError:
        pass
    return config


def _deserialize(config):
    try:
        loss = keras.saving.deserialize_keras_object(config)
    except (TypeError, ValueError) as error:
        message = f"reconstruction loss config {config.get('class_name')!r}: {error}"
        raise KvaeError(message.splitlines()[0]) from None
    if not isinstance(loss, ReconstructionLoss):
        raise KvaeError(
            f"a reconstruction loss config must give a kvae.losses.ReconstructionLoss, got {loss!r}"
        )
    return loss


def _augmented_name():
    """The regex of augmented names over the registered bases (a loss registered later is a base too)."""
    bases = "|".join(re.escape(name) for name in LOSSES)
    return re.compile(
        rf"(?P<base>{bases})_(?P<kernel>{'|'.join(_KERNELS)})_r(?P<radius>\d+)"
        rf"_l(?P<weight>{_NUMBER})_k(?P<alpha>{_NUMBER})(?:_norm_(?P<norm>sum|none))?"
    )

"""Reconstruction losses by name, as disent names them (so a gin binding can pick one)."""

import re

from kvae.errors import KvaeError
from kvae.losses.augmented import AugmentedLoss
from kvae.losses.kernels import box_kernel
from kvae.losses.kernels import gaussian_kernel
from kvae.losses.reconstruction import BASE_LOSSES
from kvae.losses.reconstruction import ReconstructionLoss

AUGMENTED_PATTERN = "<base>_<box|gau>_r<radius>_l<weight>_k<alpha>[_norm_sum|_norm_none]"

_KERNELS = {"box": box_kernel, "gau": gaussian_kernel}
_NUMBER = r"\d+(?:\.\d*)?(?:e[+-]?\d+)?"
_AUGMENTED = re.compile(
    rf"(?P<base>{'|'.join(sorted(BASE_LOSSES))})_(?P<kernel>{'|'.join(_KERNELS)})_r(?P<radius>\d+)"
    rf"_l(?P<weight>{_NUMBER})_k(?P<alpha>{_NUMBER})(?:_norm_(?P<norm>sum|none))?"
)


def known_names():
    """The base loss names and the pattern of augmented names."""
    return sorted(BASE_LOSSES) + [AUGMENTED_PATTERN]


def get(identifier):
    """Returns a reconstruction loss from its name, or `identifier` if it already is one.

    Names: a base loss (`bernoulli`, `bce`, `continuous_bernoulli`, `l1`,
    `mse`) or an augmented loss (Michlo et al. eq. 11)
    `{base}_{box|gau}_r{radius}_l{loss_weight}_k{alpha}[_norm_sum|_norm_none]`,
    e.g. `mse_box_r31_l1.0_k3969.0`: the kernel is (2 radius + 1)^2 and sums to
    1; `gau` has sigma = radius / 4, as in disent. The suffix means what it
    means in disent, whose kernels already sum to 1: `_norm_sum` divides by
    the sum, `_norm_none` leaves the kernel as built, so both give the same loss.
    """
    if isinstance(identifier, ReconstructionLoss):
        return identifier
    if isinstance(identifier, str):
        if identifier in BASE_LOSSES:
            return BASE_LOSSES[identifier](identifier)
        match = _AUGMENTED.fullmatch(identifier)
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
        f"{', '.join(sorted(BASE_LOSSES))}, or '{AUGMENTED_PATTERN}'"
    )

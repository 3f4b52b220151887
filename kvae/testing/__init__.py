"""Contract tests every frame, dataset, metric and reconstruction loss must pass, and small test fixtures.

Each `run_*_test` checks one extension point against known values and raises `AssertionError`
(keras-hub's `run_layer_test` style), so a researcher tests their own frame in one line:

    from kvae.testing import run_frame_test

    def test_my_vae():
        run_frame_test(MyVAE, {"beta": 2.0})

kvae's own tests run them over every registered name (`tests/test_contracts.py`).
"""

from kvae.testing.datasets import run_dataset_test
from kvae.testing.frames import (
    check_round_trip,
    fit_losses,
    frame_batches,
    optimizer_attributes,
    run_frame_test,
    small_frame,
    tiny_frame,
    tiny_xysquares,
    xysquares_images,
    xysquares_pairs,
)
from kvae.testing.losses import known_minimum, run_loss_test
from kvae.testing.metrics import (
    SCORES,
    FactorPixels,
    factor_codes,
    hadamard_rotation,
    linear_codes,
    noise_codes,
    random_rotation,
    run_metric_test,
    small_settings,
)

__all__ = [
    "SCORES",
    "FactorPixels",
    "check_round_trip",
    "factor_codes",
    "fit_losses",
    "frame_batches",
    "hadamard_rotation",
    "known_minimum",
    "linear_codes",
    "noise_codes",
    "optimizer_attributes",
    "random_rotation",
    "run_dataset_test",
    "run_frame_test",
    "run_loss_test",
    "run_metric_test",
    "small_frame",
    "small_settings",
    "tiny_frame",
    "tiny_xysquares",
    "xysquares_images",
    "xysquares_pairs",
]

"""The identity-output MSE (disent's `mse` on normalised data) and its gin configs."""

import os

import numpy as np

from kvae import losses

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_mse_linear_is_the_squared_error_of_the_raw_output():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(2, 4, 4, 3)).astype(np.float32)
    output = rng.normal(size=(2, 4, 4, 3)).astype(np.float32) * 2.0  # values outside [0, 1] are not squashed
    loss = losses.get("mse_linear")
    np.testing.assert_allclose(loss(x, output), ((x - output) ** 2).sum(axis=(1, 2, 3)), rtol=1e-5)
    np.testing.assert_array_equal(loss.activation(output), output)
    blurred = losses.get("mse_linear_box_r1_l1.0_k9.0")
    assert blurred.name == "mse_linear_box_r1_l1.0_k9.0"
    np.testing.assert_allclose(blurred.activation(output), output)


def test_loss_configs_name_the_losses():
    for config, name in (
        ("mse_linear.gin", "mse_linear"),
        ("mse_linear_box_r31.gin", "mse_linear_box_r31_l1.0_k3969.0"),
    ):
        text = open(os.path.join(REPO, "gin_configs", "losses", config)).read()
        assert f"reconstruction_loss.name = '{name}'" in text
        assert losses.get(name).name == name

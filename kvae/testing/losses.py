"""The reconstruction loss contract test."""

import numpy as np

__all__ = ["known_minimum", "run_loss_test"]


def run_loss_test(loss, shape=(4, 8, 8, 3), seed=0):
    """Checks that a reconstruction loss keeps the contract of `kvae.losses`; raises AssertionError if not.

    On soft targets x in (0, 1) and logits ~ N(0, 2): the loss is finite float32, one value per
    example [N]; `activation` maps logits into [0, 1] (or is the identity, for losses on
    standardised data); at the logits whose activation is x (a perfect reconstruction) the loss is
    its `known_minimum` where one is known, and no other logits give less; `distance(x, x_hat)`,
    the data-space form, agrees with the loss of logits whose activation is x_hat; and the loss
    rebuilt from what a frame's config stores gives the same values.

    Args:
        loss: a `kvae.losses.ReconstructionLoss` or a name `kvae.losses.get` understands.
        shape: the shape of the image batch [N, H, W, C].

    Example:

        from kvae.testing import run_loss_test

        def test_my_loss():
            run_loss_test(MyLoss())
    """
    from kvae import losses  # noqa: PLC0415

    loss = losses.get(loss)
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.05, 0.95, shape).astype(np.float32)
    logits = rng.normal(0.0, 2.0, shape).astype(np.float32)
    values = np.asarray(loss(x, logits))
    assert values.shape == (shape[0],) and values.dtype == np.float32, (
        f"{loss.name}: expected float32 [{shape[0]}] per example, got {values.dtype} {values.shape}"
    )
    assert np.all(np.isfinite(values)), f"{loss.name}: not finite: {values}"

    extremes = np.concatenate([logits, np.full(shape, -30.0, np.float32), np.full(shape, 30.0, np.float32)])
    reconstruction = np.asarray(loss.activation(extremes))
    identity = np.array_equal(reconstruction, extremes)
    assert identity or (reconstruction.min() >= 0.0 and reconstruction.max() <= 1.0), (
        f"{loss.name}: activation maps logits to [{reconstruction.min()}, {reconstruction.max()}], not [0, 1]"
    )

    perfect = x if identity else np.log(x) - np.log1p(-x)
    np.testing.assert_allclose(
        np.asarray(loss.activation(perfect)), x, atol=1e-5, err_msg=f"{loss.name}: activation"
    )
    at_perfect = np.asarray(loss(x, perfect), np.float64)
    minimum = known_minimum(loss, x)
    if minimum is not None:
        np.testing.assert_allclose(
            at_perfect,
            minimum,
            rtol=1e-4,
            atol=1e-3,
            err_msg=f"{loss.name}: a perfect reconstruction is not the minimum",
        )
        assert np.all(values >= at_perfect - 1e-3 * np.abs(at_perfect) - 1e-3), (
            f"{loss.name}: less than its minimum"
        )

    np.testing.assert_allclose(
        np.asarray(loss.distance(x, loss.activation(logits))),
        values,
        rtol=1e-4,
        atol=1e-3,
        err_msg=f"{loss.name}: distance(x, activation(logits)) is not the loss of the logits",
    )

    stored = losses.serialize(loss) if hasattr(losses, "serialize") else loss.name
    copy = losses.get(stored)
    assert type(copy) is type(loss), f"{loss.name}: rebuilt as {type(copy).__name__}"
    np.testing.assert_array_equal(
        np.asarray(copy(x, logits)), values, err_msg=f"{loss.name}: rebuilt loss differs"
    )


def known_minimum(loss, x):
    """The per-example minimum over the logits of `loss` for targets x, float64 [N], or None where unknown.

    0 for losses of `x - x_hat` alone (mse, l1, and an augmented loss on one of them); the binary
    entropy of x summed over pixels for the (binary) cross-entropy. The continuous Bernoulli has
    no such minimum: its `activation` is the distribution's parameter, not its mean.
    """
    from kvae.losses import AugmentedLoss, BinaryCrossEntropy, ContinuousBernoulli  # noqa: PLC0415

    x = np.asarray(x, np.float64)
    base = loss.base if isinstance(loss, AugmentedLoss) else loss
    if base.difference_only:
        return np.zeros(len(x))
    if isinstance(loss, BinaryCrossEntropy) and not isinstance(loss, ContinuousBernoulli):
        entropy = -(x * np.log(x) + (1.0 - x) * np.log1p(-x))
        return entropy.reshape(len(x), -1).sum(axis=1)
    return None

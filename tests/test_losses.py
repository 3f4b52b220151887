import numpy as np
import pytest
import scipy.signal
import tensorflow as tf
import tensorflow_probability as tfp
from scipy.special import expit

from kvae import losses

tfd = tfp.distributions
BASES = ["bce", "bernoulli", "continuous_bernoulli", "l1", "mse", "mse_linear"]


def _images(n, h=64, w=64, c=3, seed=0):
    return np.random.default_rng(seed).random((n, h, w, c)).astype(np.float32)


def _logits(n, h=64, w=64, c=3, seed=1, scale=3.0):
    return (np.random.default_rng(seed).normal(size=(n, h, w, c)) * scale).astype(np.float32)


def _direct_blur(images, kernel):
    """Reference: scipy's direct 'same' convolution with zero fill, per image and channel."""
    out = np.empty(images.shape, dtype=np.float64)
    for n in range(images.shape[0]):
        for c in range(images.shape[-1]):
            out[n, ..., c] = scipy.signal.convolve2d(
                images[n, ..., c].astype(np.float64), kernel, mode="same", boundary="fill", fillvalue=0
            )
    return out


def _clamped_bce(x, p):
    with np.errstate(divide="ignore"):
        return -(x * np.maximum(np.log(p), -100) + (1 - x) * np.maximum(np.log(1 - p), -100))


def _sum(values):
    return values.reshape(len(values), -1).sum(axis=1)


def _blur(images, kernel, method="auto"):
    """kvae's 'same' convolution of images [N, H, W, C] with `kernel`."""
    return losses.make_convolution(kernel, images.shape[1:3], method)(images)


# Base losses.


def test_bernoulli_equals_tfp_log_prob_for_binary_targets():
    x = (_images(3) > 0.5).astype(np.float32)
    logits = _logits(3)
    expected = -tf.reduce_sum(tfd.Bernoulli(logits=logits).log_prob(x), axis=[1, 2, 3])
    value = losses.get("bernoulli")(x, logits)
    assert value.shape == (3,)
    np.testing.assert_allclose(value, expected, rtol=1e-5)


def test_bernoulli_soft_targets_and_extreme_logits_follow_the_stable_formula():
    x = _images(2, 8, 8, 1)
    logits = _logits(2, 8, 8, 1)
    logits[0, 0, :4, 0] = [-120.0, -40.0, 40.0, 120.0]
    l64 = logits.astype(np.float64)
    expected = _sum(np.maximum(l64, 0) - l64 * x + np.log1p(np.exp(-np.abs(l64))))
    np.testing.assert_allclose(losses.get("bernoulli")(x, logits), expected, rtol=1e-6)
    # Equal to the cross-entropy of the probabilities where float64 still resolves them.
    moderate = _logits(2, 8, 8, 1)
    p = expit(moderate.astype(np.float64))
    cross_entropy = _sum(-(x * np.log(p) + (1 - x) * np.log1p(-p)))
    np.testing.assert_allclose(losses.get("bernoulli")(x, moderate), cross_entropy, rtol=1e-5)


def test_bce_agrees_with_bernoulli_for_moderate_logits_and_saturates_like_torch():
    x = _images(2, 8, 8, 1)
    logits = np.clip(_logits(2, 8, 8, 1), -4, 4)
    np.testing.assert_allclose(losses.get("bce")(x, logits), losses.get("bernoulli")(x, logits), rtol=1e-5)
    # sigmoid(30) and sigmoid(-120) round to 1 and 0 in float32: torch's BCE gives 100 and no gradient.
    targets = tf.constant([[0.0, 1.0]])
    saturated = tf.constant([[30.0, -120.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(saturated)
        bce = losses.get("bce")(targets, saturated)
        bernoulli = losses.get("bernoulli")(targets, saturated)
    np.testing.assert_allclose(bce, [200.0])
    np.testing.assert_allclose(bernoulli, [150.0])
    np.testing.assert_array_equal(tape.gradient(bce, saturated), [[0.0, 0.0]])
    np.testing.assert_allclose(tape.gradient(bernoulli, saturated), [[1.0, -1.0]])


def test_mse_and_l1_by_hand():
    # sigmoid(0) = 0.5, sigmoid(log 3) = 0.75.
    x = np.float32([[0.0, 1.0], [0.5, 0.25]]).reshape(1, 2, 2, 1)
    logits = np.float32([[0.0, 0.0], [np.log(3.0), np.log(3.0)]]).reshape(1, 2, 2, 1)
    np.testing.assert_allclose(losses.get("mse")(x, logits), [0.25 + 0.25 + 0.0625 + 0.25], rtol=1e-6)
    np.testing.assert_allclose(losses.get("l1")(x, logits), [0.5 + 0.5 + 0.25 + 0.5], rtol=1e-6)
    np.testing.assert_allclose(losses.get("mse").activation(logits), expit(logits), rtol=1e-6)


@pytest.mark.parametrize("name", BASES)
def test_distance_is_the_loss_of_the_activated_reconstruction(name):
    x = _images(2, 8, 8, 3)
    logits = np.clip(_logits(2, 8, 8, 3), -5, 5)
    loss = losses.get(name)
    np.testing.assert_allclose(loss.distance(x, loss.activation(logits)), loss(x, logits), rtol=1e-4)


def test_continuous_bernoulli_equals_tfp():
    x = _images(2, 16, 16, 3)
    logits = _logits(2, 16, 16, 3)
    expected = -tf.reduce_sum(tfd.ContinuousBernoulli(logits=logits).log_prob(x), axis=[1, 2, 3])
    np.testing.assert_allclose(losses.get("continuous_bernoulli")(x, logits), expected, rtol=1e-5)


def test_continuous_bernoulli_normalizer_direct_formula_and_finite_at_one_half():
    logits = np.concatenate([np.linspace(-10, -0.05, 200), np.linspace(0.05, 10, 200)])
    p = expit(logits)
    direct = np.log(2 * np.arctanh(1 - 2 * p) / (1 - 2 * p))
    normalizer = losses.continuous_bernoulli_log_normalizer(logits.astype(np.float32))
    np.testing.assert_allclose(normalizer, direct, rtol=1e-5)
    # At p = 1/2 (logit 0): C = 2, derivative 0; continuous across the Taylor switch at |l| = 0.5.
    points = np.array([0.0, 1e-3, 0.5 - 1e-4, 0.5 + 1e-4])
    at = tf.Variable(points.astype(np.float32))
    with tf.GradientTape() as tape:
        values = losses.continuous_bernoulli_log_normalizer(at)
    gradient = tape.gradient(values, at).numpy()
    assert values.numpy()[0] == pytest.approx(np.log(2.0), abs=1e-7)
    assert abs(values.numpy()[2] - values.numpy()[3]) < 1e-4
    # d/dl log C = 1/l - 1/sinh(l) (0 at l = 0), computed here in float64.
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(points == 0, 0.0, 1 / points - 1 / np.sinh(points))
    np.testing.assert_allclose(gradient, expected, rtol=1e-4, atol=1e-9)


# Kernels and the FFT convolution.


def test_kernels_sum_to_one_and_raw_kernels_are_ones_and_unit_peak():
    assert losses.box_kernel(31).shape == (63, 63)
    assert losses.box_kernel(31).sum() == pytest.approx(1.0, abs=1e-5)
    assert losses.gaussian_kernel(31).sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_array_equal(losses.box_kernel(2, normalize=False), np.ones((5, 5)))
    raw = losses.gaussian_kernel(8, normalize=False)
    assert raw.max() == raw[8, 8] == 1.0
    # Default sigma = radius / 4 (disent): neighbour ratio exp(-1 / (2 sigma^2)) with sigma = 2.
    assert raw[8, 9] == pytest.approx(np.exp(-1 / 8), rel=1e-6)
    assert losses.gaussian_kernel(8, sigma=1.0, normalize=False)[8, 9] == pytest.approx(
        np.exp(-0.5), rel=1e-6
    )


@pytest.mark.parametrize(
    "kernel, n",
    [
        (losses.box_kernel(3), 4),
        (losses.box_kernel(31), 2),
        (losses.gaussian_kernel(31), 2),
        (np.random.default_rng(3).random((7, 5)), 4),  # asymmetric: convolution, not correlation
    ],
    ids=["box_r3", "box_r31", "gau_r31", "asymmetric_7x5"],
)
@pytest.mark.parametrize("method", ["fft", "auto"])
def test_blur_equals_direct_same_convolution(kernel, n, method):
    images = _images(n)
    blurred = _blur(images, kernel, method=method)
    assert blurred.shape == images.shape
    np.testing.assert_allclose(blurred, _direct_blur(images, kernel), atol=1e-5)


def test_separable_convolution_of_a_rank_one_asymmetric_kernel_and_its_gradient():
    rng = np.random.default_rng(8)
    kernel = np.outer(rng.random(7), rng.random(3)).astype(np.float32)
    images = _images(3, 20, 24, 2)
    convolution = losses.make_convolution(kernel, (20, 24))
    assert isinstance(convolution, losses.SeparableConvolution)
    np.testing.assert_allclose(convolution(images), _direct_blur(images, kernel), atol=1e-5)
    weights = tf.constant(_images(1, 20, 24, 1, seed=9))
    x = tf.constant(_images(1, 20, 24, 1, seed=10))
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = tf.reduce_sum(weights * convolution(x))
    expected = scipy.signal.correlate2d(weights[0, ..., 0], kernel, mode="same")
    np.testing.assert_allclose(tape.gradient(value, x)[0, ..., 0], expected, atol=1e-5)


def test_auto_method_picks_separable_for_box_and_gaussian_and_fft_otherwise():
    assert isinstance(losses.make_convolution(losses.box_kernel(31), (64, 64)), losses.SeparableConvolution)
    assert isinstance(
        losses.make_convolution(losses.gaussian_kernel(31), (64, 64)), losses.SeparableConvolution
    )
    random = np.random.default_rng(3).random((7, 5))
    assert isinstance(losses.make_convolution(random, (64, 64)), losses.FFTConvolution)
    with pytest.raises(ValueError, match="not rank 1"):
        losses.make_convolution(random, (64, 64), method="separable")
    with pytest.raises(ValueError, match="unknown convolution method 'dft'"):
        losses.make_convolution(random, (64, 64), method="dft")


def test_fft_blur_kernel_larger_than_a_non_square_image():
    images = _images(2, 12, 20, 2)
    kernel = losses.box_kernel(15)
    np.testing.assert_allclose(_blur(images, kernel), _direct_blur(images, kernel), atol=1e-5)
    np.testing.assert_allclose(_blur(images, kernel, "fft"), _direct_blur(images, kernel), atol=1e-5)


def test_fft_convolution_gradient_is_the_adjoint_correlation():
    kernel = np.random.default_rng(4).random((5, 3)).astype(np.float32)
    weights = _images(1, 16, 16, 1, seed=5)
    images = tf.constant(_images(1, 16, 16, 1, seed=6))
    convolution = losses.FFTConvolution(kernel, (16, 16))
    with tf.GradientTape() as tape:
        tape.watch(images)
        value = tf.reduce_sum(weights * convolution(images))
    expected = scipy.signal.correlate2d(weights[0, ..., 0], kernel, mode="same")
    np.testing.assert_allclose(tape.gradient(value, images)[0, ..., 0], expected, atol=1e-5)


def test_fft_convolution_rejects_other_image_sizes_and_even_kernels():
    with pytest.raises(ValueError, match="built for 64x64"):
        losses.FFTConvolution(losses.box_kernel(1), (64, 64))(_images(1, 32, 32, 1))
    with pytest.raises(ValueError, match="odd sides"):
        losses.FFTConvolution(np.ones((4, 4)), (64, 64))


# The augmented loss (Michlo et al. eq. 11).


def test_augmented_mse_equals_base_plus_alpha_times_blurred_base_with_direct_convolution():
    x, logits = _images(2), _logits(2)
    loss = losses.get("mse_box_r31_l0.5_k3969.0")
    x_hat = expit(logits.astype(np.float64))
    kernel = losses.box_kernel(31)
    blurred = _sum(np.square(_direct_blur(x, kernel) - _direct_blur(x_hat, kernel)))
    expected = 0.5 * _sum(np.square(x - x_hat)) + 3969.0 * blurred
    np.testing.assert_allclose(loss(x, logits), expected, rtol=1e-5)
    np.testing.assert_allclose(loss.distance(x, x_hat.astype(np.float32)), expected, rtol=1e-5)


def test_augmented_bernoulli_compares_blurred_probabilities_with_clamped_bce():
    x, logits = _images(2, 32, 32, 3), _logits(2, 32, 32, 3)
    loss = losses.get("bernoulli_gau_r7_l1.0_k10.0")
    kernel = losses.gaussian_kernel(7)
    l64 = logits.astype(np.float64)
    base = _sum(np.maximum(l64, 0) - l64 * x + np.log1p(np.exp(-np.abs(l64))))
    blurred = _sum(_clamped_bce(_direct_blur(x, kernel), _direct_blur(expit(l64), kernel)))
    np.testing.assert_allclose(loss(x, logits), base + 10.0 * blurred, rtol=1e-5)


@pytest.mark.parametrize("name", ["mse_box_r31_l1.0_k3969.0", "continuous_bernoulli_gau_r7_l1.0_k10.0"])
def test_augmented_loss_under_xla_with_finite_gradients(name):
    loss = losses.get(name)
    x, logits = tf.constant(_images(4)), tf.constant(_logits(4))

    @tf.function(jit_compile=True)
    def value_and_gradient(x, logits):
        with tf.GradientTape() as tape:
            tape.watch(logits)
            value = tf.reduce_mean(loss(x, logits))
        return value, tape.gradient(value, logits)

    value, gradient = value_and_gradient(x, logits)
    np.testing.assert_allclose(value, np.mean(loss(x, logits)), rtol=1e-5)
    assert np.all(np.isfinite(gradient)) and np.any(gradient != 0)


# Names.


def test_names_parse_radius_weights_kernel_and_norm():
    paper = losses.get("mse_box_r31_l1.0_k3969.0")
    assert isinstance(paper, losses.AugmentedLoss) and isinstance(paper.base, losses.MeanSquaredError)
    assert paper.name == "mse_box_r31_l1.0_k3969.0"
    assert (paper.loss_weight, paper.alpha) == (1.0, 3969.0)
    np.testing.assert_array_equal(paper.kernel, losses.box_kernel(31))

    gaussian = losses.get("continuous_bernoulli_gau_r4_l0.5_k2_norm_sum")
    assert isinstance(gaussian.base, losses.ContinuousBernoulli)
    assert (gaussian.loss_weight, gaussian.alpha) == (0.5, 2.0)
    np.testing.assert_allclose(gaussian.kernel, losses.gaussian_kernel(4, sigma=1.0))

    unnormalised = losses.get("l1_box_r2_l1_k1e-3_norm_none")  # disent's box kernel already sums to 1
    np.testing.assert_array_equal(unnormalised.kernel, losses.box_kernel(2))
    assert unnormalised.alpha == 1e-3 and isinstance(unnormalised.base, losses.AbsoluteError)


def test_get_base_names_and_instances():
    for name in BASES:
        loss = losses.get(name)
        assert loss.name == name and not isinstance(loss, losses.AugmentedLoss)
    loss = losses.get("bernoulli")
    assert losses.get(loss) is loss
    assert losses.known_names() == BASES + [
        "<base>_<box|gau>_r<radius>_l<weight>_k<alpha>[_norm_sum|_norm_none]"
    ]


@pytest.mark.parametrize(
    "name",
    [
        "foo",
        "MSE",
        "",
        "mse_box_r31_l1.0",  # no alpha
        "mse_disk_r3_l1.0_k1.0",  # unknown kernel
        "mse_box_rx_l1.0_k1.0",  # radius not an integer
        "mse_box_r3_l1.0_k1.0_norm_max",  # unknown norm
        "mse_box_r3_l1.0_k1.0_extra",
        "mae_box_r3_l1.0_k1.0",  # unknown base
    ],
)
def test_unknown_or_malformed_names_raise_one_line_listing_known_names(name):
    with pytest.raises(ValueError) as error:
        losses.get(name)
    message = str(error.value)
    assert "\n" not in message and repr(name) in message
    for known in losses.known_names():
        assert known in message


def test_bernoulli_family_needs_a_kernel_summing_to_one():
    with pytest.raises(ValueError, match="AugmentedLoss: a bce base.*sums to 1"):
        losses.AugmentedLoss("bce", np.ones((7, 7)))


@pytest.mark.parametrize("kernel", ["box", "gau"])
def test_norm_none_means_what_it_means_in_disent_the_same_loss_as_norm_sum(kernel):
    """disent's kernels sum to 1 as built, so `_norm_none` and `_norm_sum` give one loss: for box r31,
    mse + 3969 * sum((K * (x - x^))^2) with K = ones(63, 63) / 63^2 (not ones: 63^4 = 1.6e7 times more)."""
    x, logits = _images(2), _logits(2)
    names = [f"mse_{kernel}_r31_l1.0_k3969.0{suffix}" for suffix in ("", "_norm_sum", "_norm_none")]
    values = [np.asarray(losses.get(name)(x, logits)) for name in names]
    np.testing.assert_array_equal(values[1], values[0])
    np.testing.assert_array_equal(values[2], values[0])
    if kernel == "box":
        difference = x.astype(np.float64) - expit(logits.astype(np.float64))
        expected = _sum(difference**2) + 3969.0 * _sum(
            _direct_blur(difference, np.ones((63, 63)) / 63**2) ** 2
        )
        np.testing.assert_allclose(values[2], expected, rtol=1e-4)
    assert losses.get(f"bce_{kernel}_r3_l1.0_k1.0_norm_none").kernel.sum() == pytest.approx(1.0, abs=1e-6)


def test_mismatched_shapes_raise():
    with pytest.raises(ValueError, match="same shape"):
        losses.get("mse")(_images(1, 8, 8, 3), _logits(1, 8, 8, 1))


def test_augmented_loss_is_the_same_by_fft_and_by_separable_convolution():
    x, logits = _images(3), _logits(3)
    for base in ("mse", "l1", "bernoulli"):
        kernel = losses.box_kernel(31)
        fft = losses.AugmentedLoss(base, kernel, alpha=3969.0, method="fft")
        separable = losses.AugmentedLoss(base, kernel, alpha=3969.0, method="separable")
        np.testing.assert_allclose(fft(x, logits), separable(x, logits), rtol=1e-5)

import math

import numpy as np
import pytest

from kvae import frames
from kvae.frames.beta_tcvae import kl_decomposition, log_importance_weights
from kvae.testing import check_round_trip, fit_losses, small_frame, xysquares_images

RNG = np.random.default_rng(0)
Z_MEAN = RNG.normal(size=(4, 2))
Z_LOGVAR = RNG.normal(scale=0.5, size=(4, 2))
Z = Z_MEAN + np.exp(0.5 * Z_LOGVAR) * RNG.normal(size=(4, 2))


def normal_pdf(z, mean, logvar):
    return math.exp(-0.5 * (z - mean) ** 2 / math.exp(logvar)) / math.sqrt(2 * math.pi * math.exp(logvar))


def enumerated(z, mean, logvar, n, sampling):
    """The three estimates by explicit sums over the batch (Chen et al. 2018)."""
    b, d = z.shape
    m = b - 1
    mi = tc = dimension_kl = 0.0
    for i in range(b):
        if sampling == "mws":
            weights = [1.0 / (n * b)] * b
        else:  # 1/N for itself, (N - M)/(N M) for the next point, 1/M for the others
            weights = [1.0 / m] * b
            weights[i], weights[(i + 1) % b] = 1.0 / n, (n - m) / (n * m)
        pdf = [[normal_pdf(z[i, k], mean[j, k], logvar[j, k]) for k in range(d)] for j in range(b)]
        q_joint = sum(w * math.prod(pdf[j]) for j, w in enumerate(weights))
        q_marginals = [sum(w * pdf[j][k] for j, w in enumerate(weights)) for k in range(d)]
        q_own = math.prod(normal_pdf(z[i, k], mean[i, k], logvar[i, k]) for k in range(d))
        prior = math.prod(normal_pdf(z[i, k], 0.0, 0.0) for k in range(d))
        mi += math.log(q_own) - math.log(q_joint)
        tc += math.log(q_joint) - sum(math.log(q) for q in q_marginals)
        dimension_kl += sum(math.log(q) for q in q_marginals) - math.log(prior)
    return mi / b, tc / b, dimension_kl / b


@pytest.mark.parametrize("sampling", ["mws", "mss"])
def test_estimates_match_the_enumerated_sums(sampling):
    args = [a.astype(np.float32) for a in (Z, Z_MEAN, Z_LOGVAR)]
    got = [float(t) for t in kl_decomposition(*args, dataset_size=10, sampling=sampling)]
    np.testing.assert_allclose(got, enumerated(Z, Z_MEAN, Z_LOGVAR, 10, sampling), rtol=1e-4, atol=1e-4)
    # The three terms add up to the Monte Carlo KL, log q(z|x) - log p(z).
    log_ratio = [
        sum(math.log(normal_pdf(Z[i, k], Z_MEAN[i, k], Z_LOGVAR[i, k]) / normal_pdf(Z[i, k], 0.0, 0.0)) for k in range(2))
        for i in range(4)
    ]
    np.testing.assert_allclose(sum(got), np.mean(log_ratio), rtol=1e-4)


@pytest.mark.parametrize("sampling", ["mws", "mss"])
def test_estimates_with_a_batch_size_known_only_at_run_time(sampling):
    """Traced with batch dimension None (a final partial batch, or a pipeline without a static shape)."""
    import tensorflow as tf

    spec = tf.TensorSpec([None, 2], tf.float32)
    traced = tf.function(lambda *args: kl_decomposition(*args, dataset_size=10, sampling=sampling), input_signature=[spec] * 3)
    got = [float(t) for t in traced(*(a.astype(np.float32) for a in (Z, Z_MEAN, Z_LOGVAR)))]
    np.testing.assert_allclose(got, enumerated(Z, Z_MEAN, Z_LOGVAR, 10, sampling), rtol=1e-4, atol=1e-4)


def test_stratified_weights_sum_to_one_per_row():
    weights = np.exp(np.asarray(log_importance_weights(5, 100, "mss")))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.diag(weights), 0.01, rtol=1e-6)
    np.testing.assert_allclose(np.exp(np.asarray(log_importance_weights(5, 100, "mws"))), 1 / 500, rtol=1e-6)


def test_independent_latents_have_no_total_correlation_with_the_whole_dataset_as_batch():
    """MSS is then nearly exact (TC ~ 0); MWS carries its constant offset (D - 1) log N."""
    rng = np.random.default_rng(1)
    grid = np.stack(np.meshgrid(np.linspace(-2, 2, 12), np.linspace(-2, 2, 12)), -1).reshape(-1, 2)
    logvar = np.full_like(grid, np.log(0.3))
    z = grid + np.exp(0.5 * logvar) * rng.normal(size=grid.shape)
    args = [a.astype(np.float32) for a in (z, grid, logvar)]
    _, tc_mss, _ = kl_decomposition(*args, dataset_size=len(grid), sampling="mss")
    _, tc_mws, _ = kl_decomposition(*args, dataset_size=len(grid), sampling="mws")
    assert abs(float(tc_mss)) < 0.05
    assert abs(float(tc_mws) - math.log(len(grid))) < 0.05


@pytest.mark.parametrize("decomposed", [False, True])
def test_loss_weighting(decomposed):
    model = small_frame(
        frames.BetaTCVAE, latent_dim=2, beta=6.0, dataset_size=10, sampling="mss", decomposed=decomposed, alpha=0.5, gamma=2.0
    )
    args = [a.astype(np.float32) for a in (Z_MEAN, Z_LOGVAR, Z)]
    terms = {k: float(v) for k, v in model.regularizer(np.float32(1.5), *args).items()}
    mi, tc, dimension_kl = enumerated(Z, Z_MEAN, Z_LOGVAR, 10, "mss")
    expected = 0.5 * mi + 6.0 * tc + 2.0 * dimension_kl if decomposed else 1.5 + 5.0 * tc
    np.testing.assert_allclose(terms["regularizer"], expected, rtol=1e-4)
    got = [terms["mutual_information"], terms["tc"], terms["dimension_kl"]]
    np.testing.assert_allclose(got, [mi, tc, dimension_kl], rtol=1e-4, atol=1e-4)


def test_training_lowers_the_loss_and_round_trips(tmp_path):
    x = xysquares_images(8)
    model = small_frame(frames.BetaTCVAE, beta=4.0, dataset_size=8**6)
    losses = fit_losses(model, x)
    assert losses[-1] < losses[0]
    assert {"mutual_information", "tc", "dimension_kl"} <= set(model.get_metrics_result())
    loaded = check_round_trip(model, str(tmp_path / "tcvae.keras"), x[:4])
    assert (loaded.beta, loaded.dataset_size, loaded.sampling) == (4.0, 8**6, "mws")


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="dataset_size"):
        small_frame(frames.BetaTCVAE)
    with pytest.raises(ValueError, match="sampling"):
        small_frame(frames.BetaTCVAE, dataset_size=10, sampling="exact")

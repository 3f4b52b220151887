import numpy as np
import pytest

from kvae import frames, losses
from kvae.frames.ada_gvae import adaptive_shared, gaussian_kl_between
from kvae.testing import check_round_trip, fit_losses, small_frame, xysquares_pairs

# One pair, four latents; equal unit variances, so KL(q_1 || q_2) = 0.5 * (mean_1 - mean_2)^2 = [0, 0.5, 2, 4.5].
MEAN_1 = np.array([[0.0, 0.0, 0.0, 0.0]], np.float32)
MEAN_2 = np.array([[0.0, 1.0, 2.0, 3.0]], np.float32)
LOGVAR_1 = np.zeros((1, 4), np.float32)
LOGVAR_2 = np.zeros((1, 4), np.float32)


def test_pairwise_kl_has_its_closed_form():
    logvar_2 = np.log(np.array([[2.0, 0.5, 1.0, 4.0]], np.float32))
    var_1, var_2 = np.exp(LOGVAR_1), np.exp(logvar_2)
    expected = 0.5 * (var_1 / var_2 + (MEAN_1 - MEAN_2) ** 2 / var_2 - 1 + np.log(var_2 / var_1))
    np.testing.assert_allclose(np.asarray(gaussian_kl_between(MEAN_1, LOGVAR_1, MEAN_2, logvar_2)), expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "ratio,expected",
    [(0.5, [True, True, True, False]), (0.1, [True, False, False, False]), (0.4, [True, True, False, False])],
)
def test_adaptive_threshold_lies_between_the_pairs_min_and_max(ratio, expected):
    # Thresholds: 0.5 -> 2.25, 0.1 -> 0.45, 0.4 -> 1.8.
    divergence = np.array([[0.0, 0.5, 2.0, 4.5]], np.float32)
    np.testing.assert_array_equal(np.asarray(adaptive_shared(divergence, ratio)), [expected])
    assert not np.any(np.asarray(adaptive_shared(np.ones((1, 4), np.float32))))  # nothing below an even threshold


def test_ada_gvae_averages_exactly_the_latents_below_the_threshold():
    model = small_frame(frames.AdaGVAE, latent_dim=4)
    (mean_1, logvar_1), (mean_2, logvar_2), shared = model.aggregate(MEAN_1, LOGVAR_1, MEAN_2, LOGVAR_2)
    np.testing.assert_array_equal(np.asarray(shared), [[True, True, True, False]])
    np.testing.assert_allclose(np.asarray(mean_1), [[0.0, 0.5, 1.0, 0.0]])
    np.testing.assert_allclose(np.asarray(mean_2), [[0.0, 0.5, 1.0, 3.0]])  # the changed latent keeps its own
    np.testing.assert_allclose(np.asarray(logvar_1), 0.0, atol=1e-7)
    np.testing.assert_allclose(np.asarray(logvar_2), 0.0, atol=1e-7)


def test_averages_of_the_shared_posteriors():
    logvar_1 = np.log(np.array([[1.0, 1.0, 1.0, 1.0]], np.float32))
    logvar_2 = np.log(np.array([[1.0, 3.0, 1.0, 1.0]], np.float32))
    mean_2 = np.array([[0.0, 2.0, 0.1, 5.0]], np.float32)
    # KL(q_1 || q_2) = [0, 0.5 * (1/3 + 4/3 - 1 + log 3) = 0.88, 0.005, 12.5]: threshold 6.25, latent 3 changed.
    gvae = small_frame(frames.AdaGVAE, latent_dim=4).aggregate(MEAN_1, logvar_1, mean_2, logvar_2)
    np.testing.assert_allclose(np.asarray(gvae[0][0]), [[0.0, 1.0, 0.05, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(np.exp(np.asarray(gvae[0][1])), [[1.0, 2.0, 1.0, 1.0]], rtol=1e-6)
    ml = small_frame(frames.AdaMLVAE, latent_dim=4).aggregate(MEAN_1, logvar_1, mean_2, logvar_2)
    # Precision-weighted mean (0 * 1 + 2 * 1/3) / (4/3) = 0.5; variance 2 * 1 * 3 / (1 + 3) = 1.5.
    np.testing.assert_allclose(np.asarray(ml[1][0]), [[0.0, 0.5, 0.05, 5.0]], rtol=1e-6)
    np.testing.assert_allclose(np.exp(np.asarray(ml[1][1])), [[1.0, 1.5, 1.0, 1.0]], rtol=1e-6)


def test_symmetric_kl_option():
    logvar_2 = np.log(np.array([[4.0, 1.0, 1.0, 1.0]], np.float32))
    mean_2 = np.array([[0.0, 1.0, 1.2, 0.0]], np.float32)
    # KL(q_1||q_2) = [0.5*(0.25-1+log 4)=0.318, 0.5, 0.72, 0]: midpoint 0.36 -> latents 1, 2 changed.
    # Symmetric: KL(q_2||q_1) = [0.5*(4-1-log 4)=0.807, 0.5, 0.72, 0] -> [0.563, 0.5, 0.72, 0]: midpoint 0.36.
    plain = small_frame(frames.AdaGVAE, latent_dim=4).shared_latents(MEAN_1, LOGVAR_1, mean_2, logvar_2)
    symmetric = small_frame(frames.AdaGVAE, latent_dim=4, symmetric_kl=True).shared_latents(MEAN_1, LOGVAR_1, mean_2, logvar_2)
    np.testing.assert_array_equal(np.asarray(plain), [[True, False, False, True]])
    np.testing.assert_array_equal(np.asarray(symmetric), [[False, False, False, True]])


def test_labelled_frames_share_the_latents_of_unchanged_factors():
    changed = np.array([[1, 0, 0], [0, 0, 1]], np.float32)
    model = small_frame(frames.GroupVAE, latent_dim=4)
    shared = np.asarray(model.shared_latents(*(np.zeros((2, 4), np.float32),) * 4, changed=changed))
    np.testing.assert_array_equal(shared, [[False, True, True, True], [True, True, False, True]])
    with pytest.raises(ValueError, match="with_labels=True"):
        model.shared_latents(*(np.zeros((2, 4), np.float32),) * 4)
    with pytest.raises(ValueError, match="at least 6 latents"):
        small_frame(frames.MLVAE, latent_dim=4).shared_latents(*(np.zeros((2, 4), np.float32),) * 4, changed=np.zeros((2, 6)))


def test_loss_is_the_mean_of_both_reconstructions_plus_beta_times_the_mean_kl():
    model = small_frame(frames.GroupVAE, beta=3.0)
    pairs, changed = xysquares_pairs(4, k=2)
    state = np.asarray(model.seed_generator.state)
    terms = model.compute_terms(pairs, y=changed)
    model.seed_generator.state.assign(state)
    (mean_1, logvar_1), (mean_2, logvar_2) = model.encode(pairs[:, 0]), model.encode(pairs[:, 1])
    first, second, shared = model.aggregate(mean_1, logvar_1, mean_2, logvar_2, changed)
    z = np.asarray(model.reparameterize(np.concatenate([first[0], second[0]]), np.concatenate([first[1], second[1]])))
    loss = losses.get("bernoulli")
    reconstructions = [np.mean(np.asarray(loss(pairs[:, i], model.decode(z[4 * i : 4 * i + 4])))) for i in (0, 1)]
    kls = [np.mean(np.sum(np.asarray(losses.gaussian_kl(*posterior)), axis=1)) for posterior in (first, second)]
    np.testing.assert_allclose(float(terms["reconstruction"]), np.mean(reconstructions), rtol=1e-5)
    np.testing.assert_allclose(float(terms["kl"]), np.mean(kls), rtol=1e-5)
    np.testing.assert_allclose(float(terms["loss"]), np.mean(reconstructions) + 3.0 * np.mean(kls), rtol=1e-5)
    np.testing.assert_allclose(float(terms["shared"]), 1.0 - 2.0 / 6.0)


def test_single_images_are_refused_with_a_clear_error():
    with pytest.raises(ValueError, match=r"pairs of images \[B, 2, H, W, C\]"):
        small_frame(frames.AdaGVAE).compute_terms(np.zeros((2, 64, 64, 3), np.float32))


@pytest.mark.parametrize("cls", [frames.AdaGVAE, frames.AdaMLVAE, frames.GroupVAE, frames.MLVAE])
def test_training_on_pairs_lowers_the_loss_and_round_trips(cls, tmp_path):
    pairs, changed = xysquares_pairs(8, k=1)
    model = small_frame(cls, beta=2.0)
    y = changed if cls.input_mode == "pair_with_labels" else None
    losses_ = fit_losses(model, pairs, y)
    assert losses_[-1] < losses_[0]
    assert 0.0 < float(model.get_metrics_result()["shared"]) < 1.0
    loaded = check_round_trip(model, str(tmp_path / "pairs.keras"), pairs[:4, 0])
    assert loaded.beta == 2.0 and loaded.input_mode == cls.input_mode

import numpy as np
import pytest

from kvae import frames
from kvae.testing import check_round_trip, small_frame, xysquares_images


def test_capacity_rises_linearly_to_c_max_then_stays():
    model = small_frame(frames.AnnealedVAE, c_max=25.0, iteration_threshold=100000)
    steps = [0, 1, 25000, 50000, 99999, 100000, 300000]
    expected = [0.0, 25.0 / 100000, 6.25, 12.5, 25.0 * 99999 / 100000, 25.0, 25.0]
    np.testing.assert_allclose([float(model.capacity(s)) for s in steps], expected, rtol=1e-6)


def test_regulariser_is_gamma_times_distance_to_the_current_capacity():
    model = small_frame(frames.AnnealedVAE, gamma=1000.0, c_max=10.0, iteration_threshold=100)
    model.optimizer.build(model.trainable_variables)
    z = np.zeros((4, 6), np.float32)
    for step, kl, capacity in [(0, 3.0, 0.0), (30, 3.0, 3.0), (50, 3.0, 5.0), (500, 12.5, 10.0)]:
        model.optimizer.iterations.assign(step)
        terms = model.regularizer(np.float32(kl), z, z, z)
        np.testing.assert_allclose(float(terms["capacity"]), capacity, rtol=1e-6)
        np.testing.assert_allclose(float(terms["regularizer"]), 1000.0 * abs(kl - capacity), rtol=1e-6)


def test_training_follows_the_schedule_lowers_the_loss_and_round_trips(tmp_path):
    x = xysquares_images(8)
    model = small_frame(frames.AnnealedVAE, gamma=10.0, c_max=4.0, iteration_threshold=8)
    history = model.fit(x, batch_size=4, epochs=3, shuffle=False, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
    # Each step logs the capacity of the step it starts at: 0.5 C_max / 4 per step, averaged per epoch.
    np.testing.assert_allclose(history["capacity"], [0.25, 1.25, 2.25], rtol=1e-6)
    loaded = check_round_trip(model, str(tmp_path / "annealed.keras"), x[:4])
    assert (loaded.gamma, loaded.c_max, loaded.iteration_threshold) == (10.0, 4.0, 8)


def test_bad_threshold_is_a_clear_error():
    with pytest.raises(ValueError, match="iteration_threshold"):
        small_frame(frames.AnnealedVAE, iteration_threshold=0)

import numpy as np
import pytest

from kvae.data import XYSquares, make_dataset
from kvae.data.pairs import sample_pairs

DATA = XYSquares(grid_size=4)


def batches(n=2, **kwargs):
    ds = make_dataset(DATA, 64, seed=kwargs.pop("seed", 0), mode="pair", with_factors=True, with_labels=True, **kwargs)
    return list(ds.take(n).as_numpy_iterator())


@pytest.mark.parametrize("k", [1, 3, 6])
def test_exactly_k_factors_differ_and_images_match(k):
    for factors, pairs, changed in batches(k=k):
        assert pairs.shape == (64, 2, 64, 64, 3) and pairs.dtype == np.float32
        assert changed.dtype == np.float32 and changed.shape == (64, 6)
        differ = factors[:, 0] != factors[:, 1]
        assert np.all(differ.sum(axis=1) == k)
        np.testing.assert_array_equal(changed, differ.astype(np.float32))
        np.testing.assert_array_equal(pairs[:, 1], DATA.render(factors[:, 1]))
    counts = np.concatenate([c for _, _, c in batches(8, k=1)]).sum(axis=0)
    assert counts.min() > 0.5 * counts.mean()  # every factor gets changed


def test_random_k_covers_1_to_f_minus_1():
    for none in (None, -1):
        ks = np.concatenate([c.sum(axis=1) for _, _, c in batches(4, k=none)])
        assert set(ks.astype(int)) == {1, 2, 3, 4, 5}


def test_seeded_start_and_redraw_option():
    a, b, c = batches(3), batches(3), batches(3, seed=1)
    for x, y in zip(a, b):
        for u, v in zip(x, y):
            np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0][0], c[0][0])
    resumed = batches(1, start=2)[0]
    np.testing.assert_array_equal(resumed[0], a[2][0])
    redrawn = np.concatenate([f for f, _, _ in batches(4, k=2, distinct=False)])
    differ = (redrawn[:, 0] != redrawn[:, 1]).sum(axis=1)
    assert differ.max() == 2 and differ.min() < 2  # a redrawn factor may keep its value (size 4: 1 in 4)


def test_contract_without_extras_and_epoch_mode():
    pairs = next(iter(make_dataset(DATA, 8, seed=0, mode="pair")))
    assert pairs.shape == (8, 2, 64, 64, 3)
    epoch = list(make_dataset(DATA, 1000, seed=0, mode="pair", repeat=False, with_factors=True).as_numpy_iterator())
    firsts = np.concatenate([f[:, 0] for f, _ in epoch])
    assert len(np.unique(DATA.factors_to_index(firsts))) == len(DATA)


def test_numpy_pairs_and_bad_k():
    factors = sample_pairs(DATA, 500, np.random.default_rng(0), k=2)
    assert factors.shape == (500, 2, 6) and np.all((factors[:, 0] != factors[:, 1]).sum(axis=1) == 2)
    assert set((lambda f: (f[:, 0] != f[:, 1]).sum(1))(sample_pairs(DATA, 500, np.random.default_rng(0), k=None))) == {1, 2, 3, 4, 5}
    for k in (0, 7, 1.5):
        with pytest.raises(ValueError, match=r"k must be None/-1 .* integer in \[1, 6\]"):
            make_dataset(DATA, 8, 0, mode="pair", k=k)
    with pytest.raises(ValueError, match="with_labels needs mode='pair'"):
        make_dataset(DATA, 8, 0, with_labels=True)


def test_a_frames_input_mode_is_a_pipeline_mode():
    """`make_dataset(..., mode=frame.input_mode)`: "pair_with_labels" is "pair" with its labels."""
    from kvae import frames

    modes = {cls.input_mode for cls in frames.FRAMES.values()}
    assert modes == {"single", "pair", "pair_with_labels"}
    for mode in modes:
        make_dataset(DATA, 4, seed=0, mode=mode)  # every frame's mode is accepted
    labelled = next(iter(make_dataset(DATA, 8, seed=3, mode="pair_with_labels", with_factors=True)))
    flagged = next(iter(make_dataset(DATA, 8, seed=3, mode="pair", with_factors=True, with_labels=True)))
    for a, b in zip(labelled, flagged):
        np.testing.assert_array_equal(a, b)
    factors, pairs, changed = labelled
    np.testing.assert_array_equal(changed, (factors[:, 0] != factors[:, 1]).numpy().astype(np.float32))
    assert pairs.shape == (8, 2, 64, 64, 3)

"""The ground-truth dataset contract test."""

import numpy as np

from kvae.data import make_dataset

__all__ = ["run_dataset_test"]


def run_dataset_test(data, batch_size=4, seed=0):
    """Checks that a dataset keeps the contract of `kvae.data.GroundTruthData`; raises AssertionError if not.

    `factor_names`, `factor_sizes`, `len` and `observation_shape` agree; `index_to_factors` and
    `factors_to_index` invert each other in C order (the last factor fastest); `sample_factors`
    is seeded and in range; `render` gives uint8 or float32 [0, 1] images of `observation_shape`,
    the same for the same factors; and `make_dataset` gives seeded float32 batches in [0, 1],
    whose images are those of `render` unless the dataset is `stochastic` (fresh noise per draw).

    Example:

        from kvae.testing import run_dataset_test

        def test_my_dataset():
            run_dataset_test(MyDataset(size=8))
    """
    name = getattr(data, "name", type(data).__name__)
    sizes, names = tuple(data.factor_sizes), tuple(data.factor_names)
    assert len(sizes) == len(names) == data.num_factors >= 1, (
        f"{name}: {len(names)} factor names, sizes {sizes}"
    )
    assert all(isinstance(s, (int, np.integer)) and s >= 1 for s in sizes), f"{name}: factor sizes {sizes}"
    assert len(data) == int(np.prod(sizes, dtype=np.int64)), f"{name}: len {len(data)}, factor sizes {sizes}"
    shape = tuple(data.observation_shape)
    assert len(shape) == 3 and all(d >= 1 for d in shape), (
        f"{name}: observation_shape {shape} is not (H, W, C)"
    )

    strides = np.cumprod((1,) + sizes[:0:-1])[::-1]  # C order: the last factor varies fastest
    rng = np.random.default_rng(seed)
    indices = np.unique(np.concatenate([[0, len(data) - 1], rng.integers(0, len(data), batch_size)]))
    factors = data.index_to_factors(indices)
    np.testing.assert_array_equal(
        factors @ strides, indices, err_msg=f"{name}: index_to_factors is not C order"
    )
    np.testing.assert_array_equal(
        data.factors_to_index(factors), indices, err_msg=f"{name}: factors_to_index"
    )
    np.testing.assert_array_equal(factors[-1], np.asarray(sizes) - 1)

    sampled = data.sample_factors(batch_size, np.random.default_rng(seed))
    assert sampled.shape == (batch_size, len(sizes)), f"{name}: sample_factors gave shape {sampled.shape}"
    assert np.all((sampled >= 0) & (sampled < np.asarray(sizes))), f"{name}: sample_factors out of range"
    np.testing.assert_array_equal(sampled, data.sample_factors(batch_size, np.random.default_rng(seed)))

    images = data.render(factors)
    assert images.dtype in (np.uint8, np.float32), (
        f"{name}: render gave {images.dtype}, expected uint8 or float32"
    )
    assert images.shape == (len(factors),) + shape, (
        f"{name}: render gave {images.shape}, expected [N, *{shape}]"
    )
    if images.dtype == np.float32:
        assert 0.0 <= images.min() and images.max() <= 1.0, (
            f"{name}: float images in [{images.min()}, {images.max()}]"
        )
    np.testing.assert_array_equal(
        data.render(factors), images, err_msg=f"{name}: the same factors, other images"
    )

    batch_factors, batch = next(iter(make_dataset(data, batch_size, seed, with_factors=True)))
    batch = np.asarray(batch)
    assert batch.dtype == np.float32 and batch.shape == (batch_size,) + shape, (
        f"{name}: batch {batch.dtype} {batch.shape}"
    )
    assert 0.0 <= batch.min() and batch.max() <= 1.0, (
        f"{name}: batch values in [{batch.min()}, {batch.max()}]"
    )
    np.testing.assert_array_equal(
        next(iter(make_dataset(data, batch_size, seed))), batch, err_msg=f"{name}: seeded batches"
    )
    if not getattr(data, "stochastic", False):
        rendered = data.render(np.asarray(batch_factors))
        np.testing.assert_allclose(
            batch,
            rendered / 255.0 if rendered.dtype == np.uint8 else rendered,
            atol=1e-6,
            err_msg=f"{name}: make_dataset's images are not render's",
        )

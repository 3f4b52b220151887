import numpy as np
import pytest

import kvae.data
from kvae.data import CorruptDatasetError, MissingDatasetError, MPI3DReal, MPI3DToy, make_dataset, synthetic

SIZES = (2, 2, 2, 3, 3, 2, 2)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    (root / "mpi3d_toy").mkdir()
    images = np.random.default_rng(0).integers(0, 256, (int(np.prod(SIZES)), 64, 64, 3), np.uint8)
    synthetic.write_mpi3d(str(root / "mpi3d_toy" / "mpi3d_toy.npz"), SIZES, images)
    return root, images


def test_loads_factors_and_pixels(written, monkeypatch):
    root, images = written
    monkeypatch.setenv("KVAE_DATA", str(root))
    data = kvae.data.get("mpi3d_toy", factor_sizes=SIZES)
    assert data.factor_names[-2:] == ("horizontal_axis", "vertical_axis") and data.factor_sizes == SIZES
    indices = np.array([0, len(data) - 1, 100, 3])
    np.testing.assert_array_equal(data.factors_to_index(data.index_to_factors(indices)), indices)
    np.testing.assert_array_equal(data.render(data.index_to_factors(indices)), images[indices])
    assert data.images.path.endswith("mpi3d_toy.npz")  # the uncompressed release is read in place
    pairs = next(iter(make_dataset(data, 4, seed=0, mode="pair")))
    assert pairs.shape == (4, 2, 64, 64, 3)


def test_sizes_follow_the_image_count(tmp_path, monkeypatch):
    """disentanglement_lib's 4x4 colours/shapes (460800 images) vs the 6x6 release (1036800)."""
    from kvae.data import mpi3d

    assert mpi3d.SIZES[460800] == (4, 4, 2, 3, 3, 40, 40) and mpi3d.SIZES[1036800] == (6, 6, 2, 3, 3, 40, 40)
    assert MPI3DReal.factor_sizes == (6, 6, 2, 3, 3, 40, 40)
    # A header-only npz claiming 460800 images is enough to see the sizes chosen (and truncation caught).
    path = str(tmp_path / "toy.npz")
    synthetic.write_npz(path, {"images": ((460800, 64, 64, 3), np.uint8, np.zeros((0, 64, 64, 3), np.uint8))})
    with pytest.raises(CorruptDatasetError, match="truncated"):
        MPI3DToy(path=path)


def test_errors(written, tmp_path, monkeypatch):
    monkeypatch.setenv("KVAE_DATA", str(tmp_path))
    with pytest.raises(MissingDatasetError, match=r"mpi3d_real/mpi3d_real.npz.*rr-learning"):
        kvae.data.get("mpi3d_real")
    with pytest.raises(CorruptDatasetError, match=r"holds 288 images, expected 1036800"):
        MPI3DToy(path=str(written[0] / "mpi3d_toy" / "mpi3d_toy.npz"))
    path = str(tmp_path / "grey.npz")
    np.savez(path, images=np.zeros((288, 64, 64), np.uint8))
    with pytest.raises(CorruptDatasetError, match=r"expected Nx64x64x3"):
        MPI3DToy(path=path, factor_sizes=SIZES)

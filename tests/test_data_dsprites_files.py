import os

import numpy as np
import pytest

import kvae.data
from kvae.data import ColorDSprites, CorruptDatasetError, DSprites, MissingDatasetError, NoisyDSprites, ScreamDSprites, make_dataset
from kvae.data import factor_grid, files, synthetic

SIZES = (3, 2, 2, 3, 4)  # a subset grid of dSprites' (3, 6, 40, 32, 32)
FILENAME = "dsprites_ndarray_co1sh3sc6or40x32y32_64x64"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The images written, and the file in each format: compressed npz (as released), plain npz, hdf5."""
    root = tmp_path_factory.mktemp("data")
    os.makedirs(root / "dsprites")
    images = np.random.default_rng(0).integers(0, 2, (int(np.prod(SIZES)), 64, 64), np.uint8)
    paths = {}
    for name, ext, compressed in [("npz", "npz", True), ("plain", "npz", False), ("hdf5", "hdf5", True)]:
        paths[name] = str(root / f"{name}.{ext}")
        synthetic.write_dsprites(paths[name], SIZES, images, compressed=compressed)
    synthetic.write_dsprites(str(root / "dsprites" / f"{FILENAME}.npz"), SIZES, images)
    return root, images, paths


@pytest.mark.parametrize("fmt", ["npz", "plain", "hdf5"])
def test_loads_factors_and_pixels(written, fmt):
    _, images, paths = written
    data = DSprites(path=paths[fmt], factor_sizes=SIZES)
    assert data.factor_names == ("shape", "scale", "orientation", "pos_x", "pos_y")
    assert data.factor_sizes == SIZES and len(data) == len(images) and data.observation_shape == (64, 64, 1)
    indices = np.array([0, 1, 5, len(data) - 1, 40, 40, 3])
    factors = data.index_to_factors(indices)
    np.testing.assert_array_equal(data.factors_to_index(factors), indices)
    rendered = data.render(factors)
    assert rendered.dtype == np.uint8 and rendered.shape == (7, 64, 64, 1)
    np.testing.assert_array_equal(rendered[..., 0], images[indices] * 255)
    assert isinstance(data.images, files.ArrayFile)  # read by index, not loaded


def test_compressed_npz_is_decompressed_once_into_the_cache(written, tmp_path):
    _, _, paths = written
    DSprites(path=paths["npz"], factor_sizes=SIZES)
    cached = [f for f in os.listdir(tmp_path / "cache") if f.endswith(".npy")]
    assert len(cached) == 1
    assert DSprites(path=paths["npz"], factor_sizes=SIZES).images.path.endswith(cached[0])
    assert DSprites(path=paths["plain"], factor_sizes=SIZES).images.path == paths["plain"]  # in place


def test_data_root_from_env_and_registry(written, monkeypatch):
    root, images, _ = written
    monkeypatch.delenv("KVAE_DATA", raising=False)
    monkeypatch.setenv("DISENTANGLEMENT_LIB_DATA", str(root))
    data = kvae.data.get("dsprites", factor_sizes=SIZES)
    np.testing.assert_array_equal(data.render([[2, 1, 1, 2, 3]])[0, ..., 0], images[-1] * 255)
    batch = next(iter(make_dataset(data, 8, seed=0)))
    assert batch.shape == (8, 64, 64, 1) and set(np.unique(batch)) <= {0.0, 1.0}


def test_missing_file_names_paths_env_and_source(tmp_path, monkeypatch):
    monkeypatch.setenv("KVAE_DATA", str(tmp_path))
    with pytest.raises(MissingDatasetError, match=rf"{tmp_path}/dsprites/{FILENAME}.npz.*KVAE_DATA.*DISENTANGLEMENT_LIB_DATA.*deepmind/dsprites-dataset"):
        DSprites()


def test_full_size_is_expected_by_default(written):
    with pytest.raises(CorruptDatasetError, match=r"holds 144 images, expected 737280 \(3x6x40x32x32"):
        DSprites(path=written[2]["plain"])


def test_truncated_and_wrongly_shaped_files(written, tmp_path):
    plain = written[2]["plain"]
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(open(plain, "rb").read()[:200000])
    with pytest.raises(CorruptDatasetError, match="truncated.npz"):
        DSprites(path=str(truncated), factor_sizes=SIZES)
    wrong = str(tmp_path / "wrong.npz")
    synthetic.write_npz(wrong, {"imgs": ((144, 32, 32), np.uint8, np.zeros((144, 32, 32), np.uint8))})
    with pytest.raises(CorruptDatasetError, match=r"'imgs' of shape \(144, 32, 32\), expected Nx64x64"):
        DSprites(path=wrong, factor_sizes=SIZES)
    no_imgs = str(tmp_path / "no_imgs.npz")
    np.savez(no_imgs, images=np.zeros(3))
    with pytest.raises(CorruptDatasetError, match=r"has no array 'imgs'; found \['images'\]"):
        DSprites(path=no_imgs, factor_sizes=SIZES)
    shuffled = str(tmp_path / "shuffled.npz")
    classes = np.concatenate([np.zeros((144, 1), np.int64), factor_grid(SIZES)], axis=1)[::-1]
    synthetic.write_npz(shuffled, {"imgs": ((144, 64, 64), np.uint8, np.zeros((144, 64, 64), np.uint8)),
                                   "latents_classes": (classes.shape, np.int64, classes)})
    with pytest.raises(CorruptDatasetError, match="not in factor order: row 0"):
        DSprites(path=shuffled, factor_sizes=SIZES)


@pytest.fixture(scope="module")
def scream(tmp_path_factory):
    from PIL import Image

    path = str(tmp_path_factory.mktemp("scream") / "scream.jpg")
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (300, 400, 3), np.uint8)).save(path)
    return path


def variants(paths, scream, seed=0):
    path = paths["plain"]
    return [ColorDSprites(path=path, factor_sizes=SIZES, seed=seed), NoisyDSprites(path=path, factor_sizes=SIZES, seed=seed),
            ScreamDSprites(path=path, factor_sizes=SIZES, seed=seed, image_path=scream)]


def test_variant_value_ranges(written, scream):
    _, images, paths = written
    color, noisy, screamy = variants(paths, scream)
    factors = color.index_to_factors(np.arange(len(color)))
    sprite = images[:, :, :, None].astype(bool)
    x = color.render(factors)
    assert x.shape == (144, 64, 64, 3) and x.dtype == np.float32
    assert np.all(x[np.repeat(~sprite, 3, -1)] == 0)
    colours = x.max(axis=(1, 2))  # the sprite's colour per image
    assert colours.min() >= 0.5 and colours.max() <= 1.0 and np.ptp(colours) > 0.4
    np.testing.assert_allclose(x, sprite * colours[:, None, None, :])
    n = noisy.render(factors)
    assert np.all(n[np.repeat(sprite, 3, -1)] == 1.0)
    background = n[np.repeat(~sprite, 3, -1)]
    assert background.min() >= 0 and background.max() < 1
    assert abs(background.mean() - 0.5) < 0.01 and abs(background.var() - 1 / 12) < 0.005
    s = screamy.render(factors)
    assert s.min() >= 0 and s.max() <= 1 and s.shape == (144, 64, 64, 3)
    # Background = (crop + c) / 2 with c in [0, 1]^3; sprite pixels = 1 - that.
    assert not np.array_equal(s[0], s[1])


def test_variants_are_seeded(written, scream):
    _, _, paths = written
    factors = np.array([[0, 0, 0, 0, 0], [2, 1, 1, 2, 3]])
    for a, b, c in zip(variants(paths, scream), variants(paths, scream), variants(paths, scream, seed=1)):
        np.testing.assert_array_equal(a.render(factors), b.render(factors))  # a function of the element
        assert not np.array_equal(a.render(factors), c.render(factors))
        draws = a.render(factors, draws=[7, 8])
        assert not np.array_equal(draws, a.render(factors))
        one = lambda seed: next(iter(make_dataset(a, 16, seed=seed, with_factors=True)))
        (f1, x1), (f2, x2), (_, x3) = one(3), one(3), one(4)
        np.testing.assert_array_equal(x1, x2)
        assert not np.array_equal(x1, x3)


def test_scream_crop_is_a_window_of_the_image(written, tmp_path):
    """Background = (crop + c) / 2, sprite = 1 - background, for a window of the (already fitting) image."""
    from PIL import Image

    rows, cols = np.mgrid[:274, :350]
    image = np.stack([rows % 256, cols % 256, np.zeros_like(rows)], axis=-1).astype(np.uint8)
    Image.fromarray(image).save(tmp_path / "grid.png")
    data = ScreamDSprites(path=written[2]["plain"], factor_sizes=SIZES, image_path=str(tmp_path / "grid.png"))
    sprites = written[1][:, :, :, None].astype(bool)
    x = data.render(data.index_to_factors(np.arange(20)), draws=np.arange(20) + 100)
    background = np.where(sprites[:20], 1 - x, x)
    crops = 2 * background[..., :2] * 255  # crop * 255 + c * 255, c constant per image and channel
    offsets = []
    for crop in crops:
        step = lambda d: np.mod(d + 0.5, 256) - 0.5  # the grid image wraps at 256
        np.testing.assert_allclose(step(np.diff(crop[:, :, 0], axis=0)), 1, atol=1e-3)  # consecutive rows
        np.testing.assert_allclose(step(np.diff(crop[:, :, 1], axis=1)), 1, atol=1e-3)  # consecutive columns
        offsets.append(tuple(np.floor(crop[0, 0]).astype(int)))
    assert len(set(offsets)) > 10  # random windows

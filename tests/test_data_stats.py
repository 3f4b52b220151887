import json
import os

import numpy as np

from kvae.data import XYObject, XYSquares, channel_stats, dataset_stats, make_dataset


def test_stats_are_computed_once_and_cached_by_config(tmp_path):
    mean, std = dataset_stats(XYSquares(), n=256, cache_dir=str(tmp_path))
    p = 64 / 4096
    np.testing.assert_allclose(mean, [p] * 3, rtol=1e-6)
    [path] = os.listdir(tmp_path)
    assert path.startswith("stats-xysquares-") and path.endswith(".json")
    with open(tmp_path / path) as f:
        assert json.load(f)["config"]["data"]["grid_spacing"] == 8
    with open(tmp_path / path, "w") as f:  # a second call reads the file, not the data
        json.dump({"mean": [1, 2, 3], "std": [4, 5, 6]}, f)
    np.testing.assert_array_equal(dataset_stats(XYSquares(), n=256, cache_dir=str(tmp_path))[0], [1, 2, 3])
    dataset_stats(XYSquares(grid_spacing=4), n=256, cache_dir=str(tmp_path))
    assert len(os.listdir(tmp_path)) == 2


def test_standardize_true_uses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KVAE_CACHE", str(tmp_path))
    data = XYObject()
    batch = next(iter(make_dataset(data, 64, seed=0, standardize=True)))
    mean, std = channel_stats(data)
    plain = next(iter(make_dataset(data, 64, seed=0)))
    np.testing.assert_allclose(batch, (plain - mean) / std, rtol=1e-5, atol=1e-5)
    assert any(f.startswith("stats-xyobject-") for f in os.listdir(tmp_path))

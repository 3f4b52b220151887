"""Per-channel dataset statistics for standardised inputs, computed once and cached."""

import hashlib
import json
import os

import numpy as np

from kvae.data import files
from kvae.data.ground_truth import GroundTruthData
from kvae.io import write_atomic

_SCALARS = (bool, int, float, str, np.integer, np.floating)


def config_key(data):
    """A stable description of a dataset's configuration (class, scalar settings, source files).

    Recurses into wrapped datasets (e.g. `Perturbed.base`) and hashes the
    source file's path, size and time, so a changed file or setting gets new stats.
    """
    config = {"class": type(data).__name__}
    for name, value in sorted(vars(data).items()):
        if isinstance(value, GroundTruthData):
            config[name] = config_key(value)
        elif isinstance(value, _SCALARS) or (isinstance(value, tuple) and all(isinstance(v, _SCALARS) for v in value)):
            config[name] = value.item() if isinstance(value, np.generic) else value
    path = getattr(data, "path", None)
    if isinstance(path, str) and os.path.exists(path):
        config["source"] = files.source_key([path])
    return config


def dataset_stats(data, n=4096, seed=0, cache_dir=None):
    """Per-channel mean and std (float32 [C] each) of `n` sampled observations, cached.

    The first call computes them with `pipeline.channel_stats` and writes
    `<cache>/stats-<name>-<hash>.json`, keyed by `config_key(data)`, `n` and
    `seed`; later calls read that file.
    """
    from kvae.data.pipeline import _as_data, channel_stats

    data = _as_data(data)
    key = json.dumps({"data": config_key(data), "n": int(n), "seed": int(seed)}, sort_keys=True, default=str)
    path = os.path.join(files.cache_dir(cache_dir), f"stats-{data.name}-{hashlib.sha1(key.encode()).hexdigest()[:16]}.json")
    if os.path.exists(path):
        with open(path) as f:
            stats = json.load(f)
        return np.asarray(stats["mean"], np.float32), np.asarray(stats["std"], np.float32)
    mean, std = channel_stats(data, n=n, seed=seed)
    write_atomic(path, json.dumps({"config": json.loads(key), "mean": mean.tolist(), "std": std.tolist()}, indent=1))
    return mean, std

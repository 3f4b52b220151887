import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BETA_VAE_XYSQUARES = [
    os.path.join(REPO, "gin_configs", c) for c in ("models/beta_vae.gin", "datasets/xysquares.gin")
]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Every test gets its own kvae cache directory, never the user's ~/.cache/kvae."""
    monkeypatch.setenv("KVAE_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def kvae_cli():
    """`kvae_cli(program, *args, timeout=400)`: `python -m kvae.cli.<program> *args` at the repository root
    (so it runs this checkout), without stdin; returns the `subprocess.CompletedProcess` (text output).
    """

    def run(program, *args, timeout=400):
        command = [sys.executable, "-m", f"kvae.cli.{program}", *args]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=REPO
        )

    return run


@pytest.fixture(scope="module")
def train_here(request):
    """`train_here(model_dir, *bindings, overwrite=False)`: `kvae-train` in this process (the same gin parsing
    and `train` call) of the beta-VAE and XYSquares configs, with the test module's `TINY` bindings first."""
    import gin  # noqa: PLC0415 (most tests need neither gin nor TensorFlow)

    from kvae import training  # noqa: PLC0415
    from kvae.cli import common  # noqa: PLC0415

    def train(model_dir, *bindings, overwrite=False):
        gin.clear_config()
        common.parse_gin(BETA_VAE_XYSQUARES, [*request.module.TINY, *bindings])
        return training.train(str(model_dir), overwrite=overwrite)

    return train

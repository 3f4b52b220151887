"""Every frame's gin config runs end to end from the command line (tiny runs, started together)."""

import json
import os
import subprocess
import sys

import keras
import pytest

from kvae import frames

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["train.steps = 2", "train.batch_size = 4", "train.latent_dim = 6", "mig.num_train = 200"]
CONFIGS = {
    "annealed_vae": (frames.AnnealedVAE, ["AnnealedVAE.iteration_threshold = 4"]),
    "factor_vae": (frames.FactorVAE, []),
    "beta_tcvae": (frames.BetaTCVAE, ["BetaTCVAE.sampling = 'mss'"]),
    "dip_vae_i": (frames.DIPVAE, []),
    "dip_vae_ii": (frames.DIPVAE, []),
    "grouped_vae": (frames.GroupedVAE, ["GroupedVAE.groups = 3"]),
    "ada_gvae": (frames.AdaGVAE, []),
    "ada_ml_vae": (frames.AdaMLVAE, ["train.pair_k = -1"]),
    "group_vae": (frames.GVAE, []),
    "ml_vae": (frames.MLVAE, []),
}


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """Starts every selected config at once (the runs are short, mostly start-up), keyed by name."""
    selected = {item.callspec.params["name"] for item in request.session.items if item.module is request.module}
    root = tmp_path_factory.mktemp("cli")
    # One op thread each: the runs share the cores, so more threads would only contend.
    env = {**os.environ, "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}
    started = {}
    for name in (name for name in CONFIGS if name in selected):
        command = [sys.executable, "-m", "kvae.cli.train", f"--model_dir={root / name}"]
        configs = (f"models/{name}.gin", "datasets/xysquares.gin")
        command += [f"--gin_config={os.path.join(REPO, 'gin_configs', path)}" for path in configs]
        command += [f"--gin_bindings={binding}" for binding in TINY + CONFIGS[name][1]]
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        started[name] = (process, root / name)
    yield started
    for process, _ in started.values():
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("name", list(CONFIGS))
def test_config_trains_from_the_command_line(runs, name):
    cls = CONFIGS[name][0]
    process, model_dir = runs[name]
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]
    assert "mig:" in stdout
    train = json.loads((model_dir / "results" / "train.json").read_text())
    assert train["status"] == "finished" and train["steps"] == 2 and train["model"] == cls.__name__
    assert set(cls.tracked_terms) <= set(train["eval_terms"])
    model = keras.saving.load_model(str(model_dir / "model.keras"))
    assert type(model) is cls and int(model.optimizer.iterations.numpy()) == 2
    if name == "beta_tcvae":
        assert model.dataset_size == 8**6 and model.sampling == "mss"  # filled from the dataset by train
    if name.startswith("dip_vae"):
        assert model.dip_type == name.rsplit("_", 1)[1]
    if name == "factor_vae":
        assert int(model.discriminator_optimizer.iterations.numpy()) == 2

"""Every frame's gin config runs end to end from the command line (tiny runs, started together)."""

import glob
import json
import os
import re
import subprocess
import sys

import keras
import pytest

from kvae import frames

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["train.steps = 2", "train.batch_size = 4", "train.latent_dim = 6", "mig.num_train = 200"]
# Bindings that keep a run short or cover a frame's own option, by config name.
EXTRA = {
    "annealed_vae": ["AnnealedVAE.iteration_threshold = 4"],
    "beta_tcvae": ["BetaTCVAE.sampling = 'mss'"],
    "grouped_vae": ["GroupedVAE.groups = 3"],
    "ada_ml_vae": ["train.pair_k = -1"],
}


def model_configs():
    """{config name: the class named by its `train.model`} for every gin_configs/models/*.gin."""
    classes = {cls.__name__: cls for cls in frames.FRAMES.values()}
    configs = {}
    for path in sorted(glob.glob(os.path.join(REPO, "gin_configs", "models", "*.gin"))):
        with open(path) as f:
            model = re.search(r"^train\.model\s*=\s*@(\w+)", f.read(), re.MULTILINE)
        configs[os.path.basename(path)[: -len(".gin")]] = classes.get(model[1]) if model else None
    return configs


CONFIGS = model_configs()


def test_every_model_config_trains_a_registered_frame_and_every_frame_has_one():
    assert None not in CONFIGS.values(), CONFIGS
    assert set(frames.FRAMES.values()) <= set(CONFIGS.values())


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """Starts every selected config at once (the runs are short, mostly start-up), keyed by name."""
    selected = {item.callspec.params["name"] for item in request.session.items
                if item.module is request.module and hasattr(item, "callspec")}
    root = tmp_path_factory.mktemp("cli")
    # One op thread each: the runs share the cores, so more threads would only contend.
    env = {**os.environ, "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}
    started = {}
    for name in (name for name in CONFIGS if name in selected):
        command = [sys.executable, "-m", "kvae.cli.train", f"--model_dir={root / name}"]
        configs = (f"models/{name}.gin", "datasets/xysquares.gin")
        command += [f"--gin_config={os.path.join(REPO, 'gin_configs', path)}" for path in configs]
        command += [f"--gin_bindings={binding}" for binding in TINY + EXTRA.get(name, [])]
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
    cls = CONFIGS[name]
    process, model_dir = runs[name]
    stdout, stderr = process.communicate(timeout=600)  # the runs share the cores: the first waits for most
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

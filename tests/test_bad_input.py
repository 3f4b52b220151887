"""A catalogue of bad input to kvae-train and kvae-evaluate: exit status 1, one line naming what was
expected and what was given, and the run directory unchanged.

Most cases run the command's body in this process (the same gin parsing, `train`/`evaluate` call and
`one_line_errors` as the command line), so they cost no TensorFlow start; a few run the real commands.
"""

import os
import shutil
import subprocess
import sys

import gin
import pytest

from kvae import evaluation, training
from kvae.cli import common
from kvae.run_directory import RunDirectory

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = [os.path.join(REPO, "gin_configs", c) for c in ("models/beta_vae.gin", "datasets/xysquares.gin")]
TINY = ["train.batch_size = 8", "train.latent_dim = 4", "train.steps = 3", "train.checkpoint_every = 3",
        "train.eval_metrics = []", "train.verbose = 0", "train.log_every = 1000", "train.image_every = 1000"]


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    """Directories the cases point at: a new path, a finished run, a foreign directory and a file."""
    root = tmp_path_factory.mktemp("places")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KVAE_CACHE", str(root / "cache"))
        gin.clear_config()
        common.parse_gin(CONFIGS, TINY)
        training.train(str(root / "run"))
    (root / "foreign").mkdir()
    (root / "foreign" / "thesis.tex").write_text("precious")
    (root / "file").write_text("not a directory")
    return {name: str(root / name) for name in ("new", "run", "foreign", "file")}


def snapshot(path):
    if not os.path.exists(path):
        return None
    if os.path.isfile(path):
        return open(path).read()
    return {
        os.path.relpath(os.path.join(d, n), path): (os.stat(os.path.join(d, n)).st_size, os.stat(os.path.join(d, n)).st_mtime_ns)
        for d, _, names in os.walk(path) for n in names
    }


def one_line_error(program, body, capsys):
    """Runs `body` as the command `program` does; returns its exit status and its stderr."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit:
        with common.one_line_errors(program):
            body()
    return exit.value.code, capsys.readouterr().err


def assert_refused(program, body, place, expected, capsys):
    before = snapshot(place)
    status, err = one_line_error(program, body, capsys)
    assert status == 1, err
    assert err.endswith("\n") and err.count("\n") == 1 and err.startswith(f"{program}: error: "), err
    for text in expected:
        assert text in err, (text, err)
    assert snapshot(place) == before


TRAIN = [  # (bindings, where, texts the line must hold: what was expected and what was given)
    (["train.steps = '600'"], "new", ["train.steps: expected an integer >= 1, got '600' (str)"]),
    (["train.steps = -5"], "new", ["train.steps: expected an integer >= 1, got -5"]),
    (["train.steps = 0"], "new", ["train.steps: expected an integer >= 1, got 0"]),
    (["train.steps = 2.5"], "new", ["train.steps: expected an integer >= 1, got 2.5 (float)"]),
    (["train.steps = True"], "new", ["train.steps: expected an integer >= 1, got True (bool)"]),
    (["train.batch_size = 0"], "new", ["train.batch_size: expected an integer >= 1, got 0"]),
    (["train.batch_size = '8'"], "new", ["train.batch_size: expected an integer >= 1, got '8' (str)"]),
    (["train.latent_dim = 0"], "new", ["train.latent_dim: expected an integer >= 1, got 0"]),
    (["train.seed = -1"], "new", ["train.seed: expected an integer >= 0, got -1"]),
    (["train.seed = 1.5"], "new", ["train.seed: expected an integer >= 0, got 1.5"]),
    (["train.log_every = 0"], "new", ["train.log_every: expected an integer >= 1, got 0"]),
    (["train.image_every = -1"], "new", ["train.image_every: expected an integer >= 1, got -1"]),
    (["train.checkpoint_every = 0"], "new", ["train.checkpoint_every: expected an integer >= 1, got 0"]),
    (["train.keep_checkpoints = 0"], "new", ["train.keep_checkpoints: expected an integer >= 1, got 0"]),
    (["train.eval_metrics = 'mig'"], "new", ["train.eval_metrics: expected a list of metric names such as ['mig'], got 'mig'"]),
    (["train.eval_metrics = [3]"], "new", ["train.eval_metrics: expected a list of metric names", "got [3]"]),
    (["train.eval_metrics = ['nope']"], "new", ["unknown metric 'nope'; known metrics: ", "mig"]),
    (["train.jit_compile = 'yes'"], "new", ["train.jit_compile: expected True or False, got 'yes'"]),
    (["train.verbose = 5"], "new", ["train.verbose: expected 'auto', 0, 1 or 2, got 5"]),
    (["train.pair_k = 0"], "new", ["train.pair_k: expected an integer >= 1, or -1", "got 0"]),
    (["train.on_nan = 'ignore'"], "new", ["train.on_nan: expected 'stop' or 'skip_step', got 'ignore'"]),
    (["train.model = @ConvEncoder"], "new", ["train.model: expected a frame class such as @BetaVAE, got ", "ConvEncoder"]),
    (["train.encoder = 3"], "new", ["train.encoder: expected a net class such as @ConvEncoder, got 3 (int)"]),
    (["dataset.name = 'imagenet'"], "new", ["unknown dataset 'imagenet'; known datasets: ", "xysquares"]),
    (["reconstruction_loss.name = 'msee'"], "new", ["unknown reconstruction loss 'msee'", "bernoulli"]),
    (["optimizer.name = 'adamz'"], "new", ["unknown optimizer 'adamz'; expected a Keras optimizer name such as adam"]),
    (["optimizer.learning_rate = -1.0"], "new", ["optimizer.learning_rate: expected a positive number, got -1.0"]),
    (["optimizer.learning_rate = 0.0"], "new", ["optimizer.learning_rate: expected a positive number, got 0.0"]),
    (["train.steps = [3"], "new", ["gin syntax error in ", "expected a binding 'name.parameter = value'"]),
    (["train.steps = 3 3"], "new", ["gin syntax error in ", "expected a binding 'name.parameter = value'"]),
    (["train.stepz = 3"], "new", ["stepz", "train"]),
    (["nope.x = 3"], "new", ["nope"]),
    ([], "file", ["exists and is not a directory; expected a run directory"]),
    ([], "foreign", ["is not empty and is not a kvae run directory (no .kvae-run marker); expected a new or a kvae run"]),
    ([], "run", ["holds a finished run of 3 steps; raise train.steps above 3 to extend it (given 3)"]),
    (["train.steps = 6", "BetaVAE.beta = 2.0"], "run", ["was created with another configuration (BetaVAE.beta: 4.0 -> 2.0)"]),
    (["train.steps = 6", "train.batch_size = 16"], "run", ["(train.batch_size: 8 -> 16)", "a resume may change only steps"]),
    (["train.steps = 6", "train.seed = 1"], "run", ["(train.seed: 0 -> 1)"]),
    (["train.steps = 6", "XYSquares.grid_spacing = 4"], "run", ["(XYSquares.grid_spacing: 8 -> 4)"]),
    (["train.steps = 6", "reconstruction_loss.name = 'mse'"], "run", ["(reconstruction_loss.name: 'bernoulli' -> 'mse')"]),
]


@pytest.mark.parametrize("bindings,where,expected", TRAIN, ids=[" ".join(c[0]) or c[1] for c in TRAIN])
def test_kvae_train_refuses(places, bindings, where, expected, capsys):
    def body():
        gin.clear_config()
        common.parse_gin(CONFIGS, [*TINY, *bindings])
        training.train(places[where])

    assert_refused("kvae-train", body, places[where], expected, capsys)


def test_kvae_train_refuses_a_missing_config_and_an_overwrite_of_a_foreign_directory(places, capsys):
    def missing():
        common.parse_gin([os.path.join(REPO, "gin_configs", "models", "nope.gin")], [])

    assert_refused("kvae-train", missing, places["new"], ["gin config file ", "nope.gin' not found"], capsys)

    def overwrite():
        gin.clear_config()
        common.parse_gin(CONFIGS, TINY)
        training.train(places["foreign"], overwrite=True)

    assert_refused("kvae-train", overwrite, places["foreign"], ["is not a kvae run directory"], capsys)


def test_kvae_train_refuses_a_run_another_process_trains(places, capsys):
    def body():
        gin.clear_config()
        common.parse_gin(CONFIGS, [*TINY, "train.steps = 6"])
        training.train(places["run"])

    with RunDirectory(places["run"]).lock():
        assert_refused("kvae-train", body, places["run"], [f"is in use by process {os.getpid()} on "], capsys)


EVALUATE = [
    ([], ["Required bindings for `evaluate` not provided in config: ['metrics']; expected them in a --gin_config"]),
    (["evaluate.metrics = ['nope']"], ["unknown metric 'nope'; known metrics: ", "mig"]),
    (["evaluate.metrics = ['mig']", "evaluate.representation = 'foo'"],
     ["evaluate.representation: expected 'mean' or 'sample', got 'foo'"]),
    (["evaluate.metrics = 'mig'"], ["evaluate.metrics: expected a non-empty list of metric names", "got 'mig'"]),
    (["evaluate.metrics = ['mig']", "evaluate.seed = 'a'"], ["evaluate.seed: expected an integer >= 0", "got 'a'"]),
    (["evaluate.metrics = ['mig'", ], ["gin syntax error in "]),
]


@pytest.mark.parametrize("bindings,expected", EVALUATE, ids=[" ".join(c[0]) or "no metrics" for c in EVALUATE])
def test_kvae_evaluate_refuses(places, bindings, expected, capsys):
    def body():
        gin.clear_config()
        common.parse_gin([RunDirectory(places["run"]).gin], bindings)
        evaluation.evaluate(places["run"])

    assert_refused("kvae-evaluate", body, places["run"], expected, capsys)


def test_kvae_evaluate_refuses_a_run_without_a_model(places, tmp_path, capsys):
    unfinished = tmp_path / "unfinished"
    shutil.copytree(places["run"], unfinished)
    os.unlink(unfinished / "model.keras")

    def body():
        gin.clear_config()
        common.parse_gin([RunDirectory(unfinished).gin], ["evaluate.metrics = ['mig']"])
        evaluation.evaluate(str(unfinished))

    assert_refused("kvae-evaluate", body, str(unfinished), ["no trained model at ", "train the run first"], capsys)


def test_the_commands_print_one_line_and_exit_1(places):
    """The real commands (flags, absl, imports), started together to share their start-up time."""
    train = [sys.executable, "-m", "kvae.cli.train", *(f"--gin_config={c}" for c in CONFIGS)]
    evaluate = [sys.executable, "-m", "kvae.cli.evaluate"]
    cases = [
        (train + [f"--model_dir={places['new']}", "--gin_bindings=train.steps = '600'"], places["new"],
         "kvae-train: error: train.steps: expected an integer >= 1, got '600' (str)"),
        (train + [f"--model_dir={places['new']}", "extra"], places["new"], "kvae-train: error: unexpected arguments ['extra']"),
        (evaluate + [f"--model_dir={places['run']}"], places["run"], "kvae-evaluate: error: Required bindings for `evaluate`"),
    ]
    before = [snapshot(place) if place else None for _, place, _ in cases]
    processes = [subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, cwd=REPO) for command, _, _ in cases]
    for (command, place, expected), process, state in zip(cases, processes, before):
        out, err = process.communicate(timeout=300)
        lines = [line for line in err.splitlines() if line.startswith("kvae-")]
        assert process.returncode == 1 and len(lines) == 1 and expected in lines[0], (command, err[-2000:])
        assert lines[0] == err.strip().splitlines()[-1]
        if place:
            assert snapshot(place) == state

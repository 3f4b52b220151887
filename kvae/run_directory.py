"""The run directory: one directory per training run.

    gin/operative.gin        the configuration actually used
    checkpoints/             ckpt-<step>.keras (model + optimizer), the newest few
    model.keras              the final model
    tensorboard/             scalars and image grids
    results/train.json       steps, throughput, final values of every term
    results/eval/<r>/<m>.json  each evaluation metric m of the representation r (mean, sample)
    images/                  reconstructions, traversals and samples (PNG)
"""

import os
import shutil

from kvae import callbacks, io


class RunDirectoryError(ValueError):
    """The run directory cannot be used as asked (finished, or not a kvae run)."""


class RunDirectory:
    """Paths and state of one run directory."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.gin = os.path.join(self.root, "gin", "operative.gin")
        self.checkpoints = os.path.join(self.root, "checkpoints")
        self.model = os.path.join(self.root, "model.keras")
        self.tensorboard = os.path.join(self.root, "tensorboard")
        self.results = os.path.join(self.root, "results")
        self.train_results = os.path.join(self.results, "train.json")
        self.images = os.path.join(self.root, "images")

    def eval_results(self, metric, representation="mean"):
        """results/eval/<representation>/<metric>.json: evaluations of other representations never overwrite it."""
        return os.path.join(self.results, "eval", representation, f"{metric}.json")

    def is_finished(self):
        return os.path.exists(self.train_results) and io.read_json(self.train_results).get("status") == "finished"

    def latest_checkpoint(self):
        found = callbacks.list_checkpoints(self.checkpoints)
        return found[-1] if found else None

    def prepare(self, overwrite=False):
        """Checks the directory may be used: refuses a finished run (unless `overwrite`) and foreign directories."""
        if not os.path.exists(self.root):
            return
        if not os.path.isdir(self.root):
            raise RunDirectoryError(f"model_dir {self.root} exists and is not a directory")
        is_run = os.path.exists(os.path.dirname(self.gin))
        if os.listdir(self.root) and not is_run:
            raise RunDirectoryError(
                f"model_dir {self.root} is not empty and is not a kvae run directory (no gin/); choose another"
            )
        if overwrite:
            shutil.rmtree(self.root)
        elif self.is_finished():
            raise RunDirectoryError(f"model_dir {self.root} holds a finished run; pass --overwrite to replace it")

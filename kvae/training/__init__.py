"""Training a frame into a run directory (`kvae.run_directory`), resumably; the body of `kvae-train`.

A run never loses data: its configuration is fixed when it is created, one process at a time trains it
(a lock), every file is written atomically, a diverging loss stops it with its last finite checkpoint,
SIGINT/SIGTERM save a checkpoint at the current step, and running the same command resumes it
bit-identically to an uninterrupted run.

One session of a run (`train`, in `session`) checks its `Settings`, builds the frame (`building`), fits
it (`fitting`) and finishes the run (`finishing`: model.keras, images, evaluation); `results` keeps
results/train.json over the sessions, `interrupts` turns SIGINT/SIGTERM into `Interrupted`.
"""

from kvae.training.interrupts import Interrupted
from kvae.training.session import train
from kvae.training.settings import Settings

__all__ = ["train", "Settings", "Interrupted"]

"""kvae: disentangled representation learning with variational autoencoders in Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

# Importing the subpackages registers every serialisable class, so that
# `keras.saving.load_model` finds kvae frames after a plain `import kvae`.
from kvae import data, frames, losses, metrics, nets  # noqa: E402,F401

"""`LOSSES`: the reconstruction losses built by name alone, each registered where it is defined."""

from kvae.registry import Registry

__all__ = ["LOSSES"]

# Each entry is a `ReconstructionLoss` class built with no arguments; `kvae.losses.get` also parses
# augmented names over these bases. Also Keras-serialisable as "kvae>ClassName", so a frame saves them.
LOSSES = Registry("losses", keras_package="kvae")

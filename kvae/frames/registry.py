"""`FRAMES`: every VAE frame by its short name, each registered where it is defined."""

from kvae.registry import Registry

__all__ = ["FRAMES"]

FRAMES = Registry("frames", keras_package="kvae")  # also Keras-serialisable as "kvae>ClassName"

"""`NETS`: the encoders, decoders and discriminators by short name, each registered where it is defined."""

from kvae.registry import Registry

__all__ = ["NETS"]

# One registry for the three roles: all are Keras layers, built and listed alike; the name says the role.
NETS = Registry("nets", keras_package="kvae")  # also Keras-serialisable as "kvae>ClassName"

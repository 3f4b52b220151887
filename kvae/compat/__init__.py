"""Compatibility with other libraries' configs: `dlib` loads disentanglement_lib's gin files unchanged."""

from kvae.compat import dlib

__all__ = ["dlib"]

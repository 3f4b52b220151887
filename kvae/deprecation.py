"""Old public names that keep working for a while and warn what replaces them."""

import warnings

__all__ = ["deprecated_names"]


def deprecated_names(module, aliases):
    """A module `__getattr__` that resolves each old name with a `DeprecationWarning`.

    Args:
        module: the module's `__name__`.
        aliases: old name -> (what replaces it, as the user writes it; the object to return).

    Example, in `kvae/frames/__init__.py`:

        __getattr__ = deprecated_names(__name__, {"GroupVAE": ("kvae.frames.GVAE", GVAE)})
    """

    def __getattr__(name):
        if name not in aliases:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        replacement, value = aliases[name]
        warnings.warn(f"{module}.{name} is deprecated: use {replacement}", DeprecationWarning, stacklevel=2)
        return value

    return __getattr__

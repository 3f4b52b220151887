"""One registry type for every extension point: frames, nets, losses, datasets, metrics and schedules.

A registry maps short, stable names to the objects of one kind. Each object registers itself with a
decorator where it is defined, so adding a frame or a dataset is one file and no list to edit:

    from kvae.frames import FRAMES

    @FRAMES.register("my_vae")
    class MyVAE(kvae.frames.VAE):
        '''My frame (Me et al. 2026).'''

Registries of Keras objects (`keras_package` set) also register each class with Keras'
own serialisation (`keras.saving.register_keras_serializable`), so a user's frame or loss saves
to `.keras` and loads back exactly like kvae's own. `kvae-list` prints every registry.
"""

import collections.abc
import functools
import inspect

from kvae.errors import KvaeError

__all__ = ["Registry", "REGISTRIES", "UnknownNameError", "first_doc_line"]

REGISTRIES = {}  # kind (plural, e.g. "frames") -> Registry, in the order the registries were made


class UnknownNameError(KvaeError, KeyError):
    """A name no registry entry has: a `KvaeError` (one-line message) that is also a `KeyError`."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


def first_doc_line(obj):
    """The summary of an object's docstring (of its class for an instance; empty when there is none).

    The summary is the first paragraph, joined into one line (most are one line). For a
    `functools.partial`, that of its function followed by the arguments it binds.
    """
    if isinstance(obj, functools.partial):
        keywords = (f"{key}={value!r}" for key, value in obj.keywords.items())
        bound = ", ".join([*map(repr, obj.args), *keywords])
        return f"{first_doc_line(obj.func).rstrip('.')} ({bound})".lstrip()
    doc = inspect.getdoc(obj if inspect.isclass(obj) or inspect.isroutine(obj) else type(obj))
    return " ".join((doc or "").strip().split("\n\n")[0].split())


class Registry(collections.abc.Mapping):
    """Names -> objects of one kind (classes or functions), filled by `register` where each is defined.

    Args:
        kind: the plural name of what it holds ("frames", "datasets", ...), used in messages and by
            `kvae-list`.
        keras_package: when set, every registered class is also registered with Keras' serialisation
            under this package, so it round-trips through `.keras` files.

    Example:

        SCHEDULES = Registry("schedules")

        @SCHEDULES.register("linear")
        class Linear: ...

        SCHEDULES.get("linear")      # the class
        SCHEDULES.get("lnear")       # KvaeError: unknown schedule 'lnear'; known schedules: linear
    """

    def __init__(self, kind, keras_package=None):
        self.kind = kind
        self.keras_package = keras_package
        self._entries = {}
        REGISTRIES.setdefault(kind, self)

    def register(self, name=None, obj=None):
        """Registers `obj` under `name` (default: its `__name__`); without `obj`, returns a decorator.

        Registering another object under a name already taken is an error; registering the same
        object again (a module reloaded) is a no-op.
        """
        if obj is None:
            return lambda obj: self.register(name, obj)
        name = name or obj.__name__
        if not isinstance(name, str) or not name:
            raise KvaeError(f"a {self._singular} name must be a non-empty string, got {name!r}")
        old = self._entries.get(name)
        if old is not None and old is not obj and _qualname(old) != _qualname(obj):
            raise KvaeError(f"{self._singular} name {name!r} is already registered to {_qualname(old)}")
        if self.keras_package and inspect.isclass(obj):
            import keras  # noqa: PLC0415 (kvae imports Keras lazily)

            keras.saving.register_keras_serializable(package=self.keras_package)(obj)
        self._entries[name] = obj
        return obj

    def get(self, name):
        """The object registered under `name`.

        Raises:
            UnknownNameError: for an unknown name, listing the known ones.
        """
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise UnknownNameError(
                f"unknown {self._singular} {name!r}; known {self.kind}: {', '.join(self.names())}"
            ) from None

    def names(self):
        """The registered names, sorted."""
        return sorted(self._entries)

    def name_of(self, obj):
        """The name `obj` (or its class) is registered under, or None."""
        for name, entry in self._entries.items():
            if entry is obj or (inspect.isclass(entry) and type(obj) is entry):
                return name
        return None

    def describe(self):
        """(name, first line of the docstring) for each entry, sorted by name."""
        return [(name, first_doc_line(self._entries[name])) for name in self.names()]

    @property
    def _singular(self):
        if self.kind.endswith("sses"):  # losses
            return self.kind[:-2]
        return self.kind[:-1] if self.kind.endswith("s") else self.kind

    def __getitem__(self, name):
        return self.get(name)

    def __iter__(self):
        return iter(self.names())

    def __len__(self):
        return len(self._entries)

    def __contains__(self, name):
        return name in self._entries

    def __repr__(self):
        return f"Registry({self.kind!r}: {', '.join(self.names())})"


def _qualname(obj):
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"

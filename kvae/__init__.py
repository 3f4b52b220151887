"""kvae: disentangled representation learning with variational autoencoders in Keras 3.

`import kvae` is fast: TensorFlow and Keras load on first use of a subpackage
(`kvae.frames`, `kvae.data`, ...). Whenever Keras is imported, kvae's
serialisable classes are registered with it, so `keras.saving.load_model`
finds kvae frames after a plain `import kvae`. TensorFlow's C++ messages
(oneDNN, CUDA drivers, CPU features) are kept off stderr: those printed while
it loads are filtered, the later ones are off unless TF_CPP_MIN_LOG_LEVEL is
set (0 shows them all).
"""

import contextlib as _contextlib
import importlib as _importlib
import importlib.abc as _importlib_abc
import os as _os
import re as _re
import sys as _sys
import tempfile as _tempfile

__all__ = ["__version__", "data", "frames", "losses", "metrics", "nets"]

_os.environ.setdefault("KERAS_BACKEND", "tensorflow")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ log off (CUDA probing, oneDNN); 0 shows it all

__version__ = "0.1.0"

_SUBPACKAGES = ("data", "frames", "losses", "metrics", "nets")

# Lines TensorFlow's C++ libraries print while loading, before its log level applies.
_NOISE = _re.compile(
    r"absl::InitializeLog|oneDNN custom operations|Could not find cuda drivers|cpu_feature_guard|"
    r"rebuild TensorFlow with the appropriate compiler flags|failed call to cuInit|"
    r"Unable to register cu\w+ factory|"
    r"TF-TRT Warning|computation placer already registered|AVX\d* .*FMA|^\s*$"
)


def __getattr__(name):
    if name in _SUBPACKAGES:
        return _importlib.import_module(f"kvae.{name}")
    raise AttributeError(f"module 'kvae' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBPACKAGES))


@_contextlib.contextmanager
def _quiet_stderr():
    """Captures file descriptor 2 while the block runs; writes back every line that is not start-up noise."""
    _sys.stderr.flush()
    saved = _os.dup(2)
    with _tempfile.TemporaryFile() as captured:
        _os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            _sys.stderr.flush()
            _os.dup2(saved, 2)
            _os.close(saved)
            captured.seek(0)
            kept = [
                line
                for line in captured.read().decode(errors="replace").splitlines(True)
                if not _NOISE.search(line)
            ]
            if kept:
                _sys.stderr.write("".join(kept))
                _sys.stderr.flush()


class _ImportHook(_importlib_abc.MetaPathFinder):
    """Wraps the loading of `tensorflow` (quiet stderr), `keras` and kvae's modules (registration afterwards).

    kvae's classes register with Keras once Keras and the outermost kvae module being
    imported have finished loading, so no kvae module is imported half-way.
    """

    def __init__(self):
        self.depth = 0
        self.registered = False

    def find_spec(self, fullname, path, target=None):
        if fullname not in ("tensorflow", "keras") and not fullname.startswith("kvae."):
            return None
        for finder in _sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader.exec_module = self._wrap(spec.loader.exec_module, quiet=fullname == "tensorflow")
        return spec

    def _wrap(self, exec_module, quiet):
        def wrapped(module):
            self.depth += 1
            try:
                with _quiet_stderr() if quiet else _contextlib.nullcontext():
                    exec_module(module)
            finally:
                self.depth -= 1
            if self.depth == 0:
                self.register()

        return wrapped

    def register(self):
        """Imports kvae's serialisable classes (frames and nets) once Keras is loaded."""
        if self.registered or "keras" not in _sys.modules:
            return
        self.registered = True
        _importlib.import_module("kvae.frames")
        _importlib.import_module("kvae.nets")


_hook = next((finder for finder in _sys.meta_path if type(finder).__name__ == "_ImportHook"), None)
if _hook is None:
    _hook = _ImportHook()
    _sys.meta_path.insert(0, _hook)
_hook.register()  # Keras was imported before kvae

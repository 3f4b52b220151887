"""kvae: disentangled representation learning with variational autoencoders in Keras 3.

`import kvae` is fast: TensorFlow and Keras load on first use of a subpackage
(`kvae.frames`, `kvae.data`, ...). Whenever Keras is imported, kvae's
serialisable classes are registered with it, so `keras.saving.load_model`
finds kvae frames after a plain `import kvae`. TensorFlow's C++ messages
(oneDNN, CUDA drivers, CPU features) are kept off stderr: those printed while
it loads are filtered, the later ones are off unless TF_CPP_MIN_LOG_LEVEL is
set (0 shows them all).
"""

import contextlib
import importlib
import importlib.abc
import os
import re
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ log off (CUDA probing, oneDNN); 0 shows it all

__version__ = "0.1.0"

SUBPACKAGES = ("data", "frames", "losses", "metrics", "nets")

# Lines TensorFlow's C++ libraries print while loading, before its log level applies.
_NOISE = re.compile(
    r"absl::InitializeLog|oneDNN custom operations|Could not find cuda drivers|cpu_feature_guard|"
    r"rebuild TensorFlow with the appropriate compiler flags|failed call to cuInit|Unable to register cu\w+ factory|"
    r"TF-TRT Warning|computation placer already registered|AVX\d* .*FMA|^\s*$"
)


def __getattr__(name):
    if name in SUBPACKAGES:
        return importlib.import_module(f"kvae.{name}")
    raise AttributeError(f"module 'kvae' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(SUBPACKAGES))


@contextlib.contextmanager
def _quiet_stderr():
    """Captures file descriptor 2 while the block runs; writes back every line that is not start-up noise."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().decode(errors="replace").splitlines(True) if not _NOISE.search(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


class _ImportHook(importlib.abc.MetaPathFinder):
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
        for finder in sys.meta_path:
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
                with _quiet_stderr() if quiet else contextlib.nullcontext():
                    exec_module(module)
            finally:
                self.depth -= 1
            if self.depth == 0:
                self.register()

        return wrapped

    def register(self):
        """Imports kvae's serialisable classes (frames and nets) once Keras is loaded."""
        if self.registered or "keras" not in sys.modules:
            return
        self.registered = True
        importlib.import_module("kvae.frames")
        importlib.import_module("kvae.nets")


_hook = next((finder for finder in sys.meta_path if type(finder).__name__ == "_ImportHook"), None)
if _hook is None:
    _hook = _ImportHook()
    sys.meta_path.insert(0, _hook)
_hook.register()  # Keras was imported before kvae

"""The run directory: one directory per training run.

.kvae-run                the marker that says kvae made this directory (only such directories are overwritten)
.kvae-lock               held by the process training the run (pid and host)
gin/operative.gin        the configuration the run was created with (its evaluation's added at the end)
gin/resumes/<n>.gin      the settings changed by the n-th resume (steps, log frequencies, evaluation)
checkpoints/             ckpt-<step>.keras (model + optimizer), the newest few
model.keras              the final model
tensorboard/             scalars and image grids
results/train.json       status, steps, seconds (accumulated over sessions), final values of every term
results/eval/<r>/<m>.json  each evaluation metric m of the representation r (mean, sample)
images/                  reconstructions, traversals and samples (PNG)
"""

import contextlib
import datetime
import errno
import fcntl
import os
import shutil
import socket
import sys

import gin.config_parser

from kvae import callbacks, io
from kvae.errors import KvaeError

__all__ = ["RunDirectory", "RunDirectoryError", "RESUMABLE_SETTINGS"]

MARKER = ".kvae-run"
LOCK = ".kvae-lock"
#: Top-level entries kvae writes into a run directory; `--overwrite` deletes these and nothing else.
ENTRIES = (MARKER, LOCK, "gin", "checkpoints", "model.keras", "tensorboard", "results", "images")
#: Bindings a resume may change; any other change of the operative configuration is refused.
RESUMABLE_SETTINGS = tuple(
    f"train.{name}"
    for name in (
        "steps",
        "log_every",
        "image_every",
        "checkpoint_every",
        "keep_checkpoints",
        "eval_metrics",
        "jit_compile",
        "verbose",
        "on_nan",
        "strategy",
        "devices",
        "precision",
        "steps_per_execution",
        "render_on_device",
    )
)


class RunDirectoryError(KvaeError):
    """The run directory cannot be used as asked (finished, locked, reconfigured, or not a kvae run)."""


class RunDirectory:
    """Paths and state of one run directory."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.marker = os.path.join(self.root, MARKER)
        self.lock_file = os.path.join(self.root, LOCK)
        self.gin = os.path.join(self.root, "gin", "operative.gin")
        self.resumes = os.path.join(self.root, "gin", "resumes")
        self.checkpoints = os.path.join(self.root, "checkpoints")
        self.model = os.path.join(self.root, "model.keras")
        self.tensorboard = os.path.join(self.root, "tensorboard")
        self.results = os.path.join(self.root, "results")
        self.train_results = os.path.join(self.results, "train.json")
        self.images = os.path.join(self.root, "images")

    def eval_results(self, metric, representation="mean"):
        """results/eval/<representation>/<metric>.json (other representations never overwrite it)."""
        return os.path.join(self.results, "eval", representation, f"{metric}.json")

    # State -------------------------------------------------------------------

    def is_run(self):
        """Whether kvae made this directory: its marker, or (runs older than it) only kvae's entries."""
        if os.path.exists(self.marker):
            return True
        entries = os.listdir(self.root) if os.path.isdir(self.root) else []
        return os.path.exists(self.gin) and set(entries) <= set(ENTRIES)

    def train_state(self):
        """results/train.json as a dict ({} before the first checkpoint)."""
        return io.read_json(self.train_results) if os.path.exists(self.train_results) else {}

    def is_finished(self):
        return self.train_state().get("status") == "finished"

    def latest_checkpoint(self):
        found = callbacks.list_checkpoints(self.checkpoints)
        return found[-1] if found else None

    def prepare(self, overwrite=False, steps=None):
        """Checks, without writing anything, that the directory may be used for a run of `steps` steps.

        Refuses a path that is a file, a non-empty directory kvae did not make, a finished run of as many
        steps or more (unless `overwrite`), and an overwrite of a run holding files kvae did not write.
        """
        if not os.path.exists(self.root):
            return
        if not os.path.isdir(self.root):
            raise RunDirectoryError(
                f"model_dir {self.root} exists and is not a directory; expected a run directory"
            )
        entries = set(os.listdir(self.root)) - {
            LOCK
        }  # a lock alone: a new run, or one killed before it began
        if not entries:
            return
        if not self.is_run():
            raise RunDirectoryError(
                f"model_dir {self.root} is not empty and is not a kvae run directory (no {MARKER} marker); "
                "expected a new or a kvae run directory, choose another"
            )
        if overwrite:
            foreign = sorted(entries - set(ENTRIES))
            if foreign:
                raise RunDirectoryError(
                    f"--overwrite refused: model_dir {self.root} holds files kvae did not write "
                    f"({', '.join(foreign)}); move them away first"
                )
            return
        state = self.train_state()
        if state.get("status") == "finished" and (steps is None or steps <= state["steps"]):
            raise RunDirectoryError(
                f"model_dir {self.root} holds a finished run of {state['steps']} steps; "
                f"raise train.steps above {state['steps']} to extend it (given {steps}), "
                "or pass --overwrite to replace it"
            )

    # Writing (under the lock) --------------------------------------------------

    def create(self, overwrite=False):
        """Makes the directory (deleting kvae's entries first when `overwrite`) and writes its marker."""
        if overwrite and os.path.isdir(self.root):
            for name in ENTRIES:
                path = os.path.join(self.root, name)
                if name == LOCK or not os.path.lexists(path):
                    continue
                shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.unlink(path)
        os.makedirs(self.root, exist_ok=True)
        if not os.path.exists(self.marker):
            io.write_atomic(self.marker, "a kvae run directory: kvae-train --overwrite may delete it\n")
        removed = io.remove_temporary_files(self.root)
        if removed:
            print(
                f"kvae: removed {len(removed)} temporary file(s) of interrupted writes in {self.root}",
                file=sys.stderr,
            )

    @contextlib.contextmanager
    def lock(self):
        """Holds the run's lock file (pid and host) while the block runs; a second process fails at once.

        The lock is an flock on `.kvae-lock`, so the lock of a process that died (kill -9) is free and
        taken over. Where the file system has no flock, a lock naming a dead process on this host is stale.
        """
        os.makedirs(self.root, exist_ok=True)
        me = f"{os.getpid()} {socket.gethostname()}"
        while True:
            fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
                os.close(fd)
                raise RunDirectoryError(self._locked_message(holder)) from None
            except OSError as error:
                if error.errno not in (errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
                    raise
                self._check_stale(fd, me)  # no flock on this file system: trust the pid
            if os.path.exists(self.lock_file) and os.fstat(fd).st_ino == os.stat(self.lock_file).st_ino:
                break
            os.close(fd)  # the holder removed the file between our open and flock: take the new one
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{me}\n".encode())
            yield
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.lock_file)
            os.close(fd)

    def _check_stale(self, fd, me):
        holder = os.read(fd, 200).decode(errors="replace").split()
        if len(holder) == 2 and " ".join(holder) != me:
            pid, host = holder
            if host != socket.gethostname() or _alive(int(pid)):
                os.close(fd)
                raise RunDirectoryError(self._locked_message(" ".join(holder)))

    def _locked_message(self, holder):
        pid, _, host = holder.partition(" ")
        return (
            f"model_dir {self.root} is in use by process {pid} on {host or 'this host'} "
            f"(lock {self.lock_file}); expected a run no other process trains: wait for it to end"
        )

    # Configuration ------------------------------------------------------------

    def configuration_changes(self, operative):
        """{binding: (was, now)} between the run's gin/operative.gin and `operative` (a config string).

        Raises `RunDirectoryError` with a one-line diff when a binding outside `RESUMABLE_SETTINGS`
        changed (the model, the data, the optimizer, the seed). Bindings only one side has are ignored,
        so that runs of older kvae versions resume.
        """
        if not os.path.exists(self.gin):
            return {}
        with open(self.gin) as f:
            was = _bindings(f.read())
        now = _bindings(operative)
        changes = {
            key: (was[key], now[key]) for key in sorted(was.keys() & now.keys()) if was[key] != now[key]
        }
        refused = {key: change for key, change in changes.items() if key not in RESUMABLE_SETTINGS}
        if refused:
            diff = "; ".join(f"{key}: {a!r} -> {b!r}" for key, (a, b) in refused.items())
            raise RunDirectoryError(
                f"model_dir {self.root} was created with another configuration ({diff}); "
                f"a resume may change only {', '.join(s.split('.')[1] for s in RESUMABLE_SETTINGS)}: "
                "use a new model_dir or --overwrite"
            )
        return changes

    def record_configuration(self, operative, changes):
        """Writes gin/operative.gin at creation, or a resume's allowed `changes` to gin/resumes/<n>.gin."""
        if not os.path.exists(self.gin):
            io.write_atomic(self.gin, operative)
            return
        if not changes:
            return
        number = len(os.listdir(self.resumes)) + 1 if os.path.isdir(self.resumes) else 1
        lines = [
            f"# Resume {number}, {datetime.datetime.now().isoformat(timespec='seconds')}: changed settings"
        ]
        lines += [f"{key} = {now!r}  # was {was!r}" for key, (was, now) in changes.items()]
        io.write_atomic(os.path.join(self.resumes, f"{number}.gin"), "\n".join(lines) + "\n")

    def complete_configuration(self, operative):
        """Adds to gin/operative.gin the configurables of `operative` it lacks.

        Those are the ones first used after the run was created (the evaluation metrics, e.g.
        `mig.num_train`). The bindings it holds stay as they were.
        """
        with open(self.gin) as f:
            text = f.read()
        fixed = _bindings(text)
        parts = [(part, _bindings(part)) for part in operative.split("\n\n")]
        added = [part for part, bindings in parts if bindings and not bindings.keys() & fixed.keys()]
        if added:
            io.write_atomic(self.gin, "\n\n".join([text.rstrip("\n"), *added]).rstrip("\n") + "\n")

    # Checkpoints --------------------------------------------------------------

    def load_latest_checkpoint(self, load):
        """`load(path)` of the newest readable checkpoint (None when there is none), skipping unreadable ones.

        Each unreadable checkpoint is named in one line on stderr; when every checkpoint is unreadable the
        run is not restarted from scratch (that would rotate them away) but refused.
        """
        found = [os.path.basename(path) for path in callbacks.list_checkpoints(self.checkpoints)]
        for i, name in enumerate(reversed(found)):
            try:
                return load(os.path.join(self.checkpoints, name))
            except (
                Exception
            ) as error:  # a truncated zip, an empty file, a missing member: Keras says many things
                reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                if i + 1 == len(found):
                    raise RunDirectoryError(
                        f"no readable checkpoint in {self.checkpoints}: all {len(found)} are unreadable "
                        f"({found[-1]}, the newest, too); "
                        "expected at least one intact checkpoint to resume from (or pass --overwrite)"
                    ) from None
                print(
                    f"kvae: checkpoint {name} is unreadable ({reason}); resuming from {found[-i - 2]}",
                    file=sys.stderr,
                )
        return None


class _Bindings:
    """A gin parser delegate that keeps references and macros as their text."""

    def configurable_reference(self, name, evaluate):
        return f"@{name}()" if evaluate else f"@{name}"

    def macro(self, name):
        return f"%{name}"


def _bindings(text):
    """{"scope/selector.arg": value} of the binding statements of a gin config string."""
    bindings = {}
    for statement in gin.config_parser.ConfigParser(text, _Bindings()):
        if isinstance(statement, gin.config_parser.BindingStatement):
            scope = f"{statement.scope}/" if statement.scope else ""
            bindings[f"{scope}{statement.selector}.{statement.arg_name}"] = statement.value
    return bindings


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

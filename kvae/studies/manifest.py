"""`study_dir/study.json`: the study's fingerprint and each run's status, host, seconds and error, written
atomically."""

import os
import time

from kvae import io
from kvae.errors import KvaeError

__all__ = ["Manifest"]


class Manifest:
    """The manifest of a study directory; only the `kvae-study` driver writes it.

    Args:
        study_dir: the study directory.
        study: the `Study` run into it; a directory holding another study (fingerprint) is refused.
    """

    def __init__(self, study_dir, study):
        self.path = os.path.join(os.path.abspath(study_dir), "study.json")
        if os.path.exists(self.path):
            self.data = io.read_json(self.path)
            if self.data.get("fingerprint") != study.fingerprint:
                raise KvaeError(
                    f"{os.path.dirname(self.path)} holds study {self.data.get('study')!r} with another "
                    "definition "
                    f"(fingerprint {str(self.data.get('fingerprint'))[:12]} != {study.fingerprint[:12]}); "
                    "choose another --study_dir"
                )
        else:
            self.data = {
                "study": study.name,
                "study_file": study.path,
                "fingerprint": study.fingerprint,
                "num_runs": len(study),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "runs": {},
            }

    @property
    def runs(self):
        return self.data["runs"]

    def update(self, number, fields):
        """Merges the dict `fields` into run `number`'s record and writes the manifest."""
        self.runs.setdefault(str(number), {}).update(fields)
        self.write()

    def write(self):
        self.data["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.data["runs"] = dict(sorted(self.runs.items(), key=lambda item: int(item[0])))
        io.write_json(self.path, self.data)

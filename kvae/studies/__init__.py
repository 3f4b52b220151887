"""Studies: many runs (frames x hyperparameters x datasets x seeds) trained and scored as one object.

A study is a gin file (`kvae.studies.study`) whose sweep axes (`kvae.studies.sweep`) number its runs
in a stable order; `run_study` executes them as Ray tasks into ordinary run directories, resumably,
recorded in `study.json`; `aggregate` turns a study directory into one tidy pandas DataFrame and figures.
"""

from kvae.studies.study import Study, load_study, study_names
from kvae.studies.sweep import Run, enumerate_runs

__all__ = ["Run", "Study", "enumerate_runs", "load_study", "run_study", "study_names"]


def run_study(*args, **kwargs):
    """`kvae.studies.runner.run_study` (imports Ray only when called)."""
    from kvae.studies import runner

    return runner.run_study(*args, **kwargs)

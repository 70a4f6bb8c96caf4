"""``regwatch demo``: the whole pipeline, offline, on the sample payloads the package ships.

- :class:`SampleServer` serves the samples (``regwatch/samples``: a Federal Register search
  page with an Entity List rule and its GPO XML, two CSL snapshots, METI's Atom feed) on
  127.0.0.1, as the real sources serve them (paths, content types, conditional GET);
- :func:`run_demo` points every source at it, imports the sample watch list into a fresh
  database and runs the daemon's cycles (poll, match, due digests to ``.eml`` files), returning
  a :class:`DemoResult`.

The soak benchmark (``benchmarks/bench_soak.py``) drives the same server.
"""

from ._run import Cycle, DemoResult, NearMiss, prepare_directory, run_demo
from ._server import SampleServer, samples_dir

__all__ = [
    "Cycle",
    "DemoResult",
    "NearMiss",
    "SampleServer",
    "prepare_directory",
    "run_demo",
    "samples_dir",
]

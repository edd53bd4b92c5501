"""What readers share: the ``errors`` policy, the skip report, chunking and the thread check."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from strokedelta._validation import check_choice
from strokedelta.exceptions import FormatError

if TYPE_CHECKING:
    from strokedelta.sketch.drawings import Drawings

__all__ = ["ReadReport", "check_errors", "handle", "in_chunks", "threads_allowed"]

#: How many skipped records a report keeps in full (the count is always exact).
KEEP_EXAMPLES = 1000


@dataclass
class ReadReport:
    """Counts and reasons of the drawings a reader skipped with ``errors="skip"``.

    Pass one to a reader (``report=``) and read it after the data has been consumed.

    Examples
    --------
    >>> report = ReadReport()
    >>> report.add(FormatError("stroke 0 has no points", path="a.ndjson", line=3))
    >>> report.add(FormatError("not valid JSON: Expecting value", path="a.ndjson", line=7))
    >>> report.skipped
    2
    >>> print(report.summary())
    skipped 2 drawings: 1 x stroke 0 has no points (first: a.ndjson, line 3);
        1 x not valid JSON: Expecting value (first: a.ndjson, line 7)
    """

    skipped: int = 0
    examples: list[FormatError] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)
    first_at: dict[str, str] = field(default_factory=dict)

    def add(self, error: FormatError) -> None:
        """Record one skipped drawing."""
        self.skipped += 1
        reason = error.message
        self.reasons[reason] += 1
        if reason not in self.first_at:
            where = str(error)[: -len(reason) - 2] if str(error) != reason else ""
            self.first_at[reason] = where
        if len(self.examples) < KEEP_EXAMPLES:
            self.examples.append(error)

    def summary(self, top: int = 5) -> str:
        """One line: ``skipped N drawings: COUNT x REASON (first: WHERE); ...``."""
        if not self.skipped:
            return "skipped 0 drawings"
        parts = []
        for reason, count in self.reasons.most_common(top):
            where = self.first_at.get(reason)
            parts.append(f"{count} x {reason}" + (f" (first: {where})" if where else ""))
        more = len(self.reasons) - top
        if more > 0:
            parts.append(f"{more} more kinds")
        noun = "drawing" if self.skipped == 1 else "drawings"
        return f"skipped {self.skipped} {noun}: " + "; ".join(parts)


def check_errors(errors: str) -> str:
    """Validate the ``errors`` policy (``"raise"`` or ``"skip"``)."""
    return str(check_choice("errors", errors, ("raise", "skip")))


def handle(error: FormatError, errors: str, report: ReadReport | None) -> None:
    """Raise ``error`` (``errors="raise"``) or record it in ``report`` (``"skip"``)."""
    if errors == "raise":
        raise error
    if report is not None:
        report.add(error)


def in_chunks(drawings: Drawings, size: int) -> Iterator[Drawings]:
    """Yield ``drawings`` in slices of at most ``size`` (itself when it fits; nothing if empty)."""
    if len(drawings) <= size:
        if len(drawings):
            yield drawings
        return
    for start in range(0, len(drawings), size):
        yield drawings[start : start + size]


@functools.lru_cache(maxsize=1)
def threads_allowed() -> bool:
    """Whether readers and writers may work in several threads at once.

    They call parallel numba kernels (the delta codec); numba's ``tbb`` and ``omp`` threading
    layers accept launches from several threads, its fallback ``workqueue`` layer aborts the
    process. Set ``STROKEDELTA_IO_THREADS=0`` to force one thread.
    """
    import importlib
    import os

    import numba

    if os.environ.get("STROKEDELTA_IO_THREADS", "1") == "0":
        return False
    layer = str(getattr(numba.config, "THREADING_LAYER", "default"))
    if layer in ("tbb", "omp", "threadsafe", "safe"):
        return True
    if layer == "workqueue":
        return False
    for module in ("numba.np.ufunc.tbbpool", "numba.np.ufunc.omppool"):
        try:
            importlib.import_module(module)
        except (ImportError, OSError):
            continue
        return True
    return False

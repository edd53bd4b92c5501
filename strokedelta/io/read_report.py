"""The ``errors`` policy of every reader and the :class:`ReadReport` of what was skipped.

With ``errors="raise"`` a reader stops at the first bad drawing with a
:class:`~strokedelta.FormatError` naming the file and the line or record; with ``errors="skip"``
it leaves bad drawings out and records each one in a :class:`ReadReport`, if one was given.

Examples
--------
>>> from strokedelta.exceptions import FormatError
>>> report = ReadReport()
>>> raise_or_record(FormatError("stroke 0 has no points", path="a.ndjson"), "skip", report)
>>> report.skipped
1
>>> raise_or_record(FormatError("stroke 0 has no points", path="a.ndjson"), "raise", report)
Traceback (most recent call last):
...
strokedelta.exceptions.FormatError: a.ndjson: stroke 0 has no points
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from strokedelta._validation import check_choice
from strokedelta.exceptions import FormatError

__all__ = ["ERRORS", "KEEP_EXAMPLES", "ReadReport", "check_errors", "raise_or_record"]

#: The values of a reader's ``errors`` argument.
ERRORS = ("raise", "skip")

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

    def merge(self, other: ReadReport) -> None:
        """Add the records of ``other`` (a report of a later file), as if recorded here.

        Merging the reports of files in their order gives the report that reading the files
        one after the other into one report gives (a Dask task's report is merged this way).

        Examples
        --------
        >>> one, two = ReadReport(), ReadReport()
        >>> two.add(FormatError("stroke 0 has no points", path="b.ndjson", line=1))
        >>> one.merge(two)
        >>> one.skipped, one.summary() == two.summary()
        (1, True)
        """
        self.skipped += other.skipped
        self.reasons.update(other.reasons)
        for reason, where in other.first_at.items():
            self.first_at.setdefault(reason, where)
        self.examples += other.examples[: max(0, KEEP_EXAMPLES - len(self.examples))]

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
    """Validate the ``errors`` policy (one of :data:`ERRORS`)."""
    return str(check_choice("errors", errors, ERRORS))


def raise_or_record(error: FormatError, errors: str, report: ReadReport | None) -> None:
    """Raise ``error`` (``errors="raise"``) or record it in ``report`` (``"skip"``)."""
    if errors == "raise":
        raise error
    if report is not None:
        report.add(error)

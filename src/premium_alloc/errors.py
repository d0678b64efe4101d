"""The library's own exceptions.

Every message is safe to show to a user: it never contains a worker ID (NIK) or a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .ids import shown as shown  # re-exported: the one rule for values shown in messages lives in ids

_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")


def _mask(text: str) -> str:
    return _NIK.sub(lambda m: m.group(0)[:6] + "*" * 10, text)


class PremiumAllocError(Exception):
    """Base class of every error raised on purpose by premium_alloc."""


@dataclass(frozen=True)
class Problem:
    """One problem in an input: where it is, what was there, what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ScenarioError(PremiumAllocError, ValueError):
    """A scenario (or worker list) failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        # a safety net under every message: a 16-digit run (a NIK) is masked wherever it came from
        self.problems = [p if not (_NIK.search(p.path) or _NIK.search(p.message)) else Problem(_mask(p.path), _mask(p.message)) for p in problems]
        self.more = more
        lines = [str(p) for p in self.problems]
        if more:
            lines.append(f"... and {more} more problem(s)")
        head = f"{len(self.problems) + more} problem(s) in the input"
        super().__init__(head + ":\n  " + "\n  ".join(lines))

    def render(self, lang: str = "en") -> str:
        """The message in ``lang``: field paths and values as they are, the sentences translated."""
        from .labels import translate  # same layer; labels loads its data only when asked

        if lang == "en":
            return str(self)
        lines = [str(Problem(p.path, translate(p.message, lang))) for p in self.problems]
        if self.more:
            lines.append(translate(f"... and {self.more} more problem(s)", lang))
        head = translate(f"{len(self.problems) + self.more} problem(s) in the input", lang)
        return head + ":\n  " + "\n  ".join(lines)


class OutputError(PremiumAllocError, OSError):
    """An output cannot be written: missing or read-only folder, a directory or device, a full
    disk, a closed stdout, or a path that is one of the run's inputs (never overwritten)."""


class MissingDependencyError(PremiumAllocError, ImportError):
    """An optional extra is not installed; the message names the package and the install command.

    The CLI exits with code 5 (``ExitCode.MISSING_EXTRA``).
    """

    def __init__(self, package: str, extra: str, needed_for: str) -> None:
        self.package, self.extra = package, extra
        self.install = f"pip install 'premium-alloc[{extra}]'"
        super().__init__(f"{needed_for} needs {package}, which is not installed: {self.install}")


class SolverError(PremiumAllocError, RuntimeError):
    """The solver is missing, failed, or returned no usable plan."""


class SolverFallbackWarning(RuntimeWarning):
    """A solver was missing or failed and another one (or the repaired LP plan) was used."""


class VerificationError(PremiumAllocError, RuntimeError):
    """A plan failed the integer post-solve check; it is never returned."""

    def __init__(self, violations: list[str]) -> None:
        self.violations = list(violations)
        shown = "\n  ".join(self.violations[:20])
        extra = f"\n  ... and {len(self.violations) - 20} more" if len(self.violations) > 20 else ""
        super().__init__(f"plan failed verification ({len(self.violations)} violation(s)):\n  {shown}{extra}")


class Status(StrEnum):
    """Status of a solved plan (the result's ``status`` field).

    ``optimal``: the plan's W is within the requested gap of a proven bound; ``feasible``: a
    valid plan whose true gap is reported, returned when the time limit or a solver stopped first.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"

"""The package version and the ids of its file formats (kept apart so that a command can print them without importing the rest)."""

from typing import Final

__version__ = "0.1.0"

#: the ``format`` of a v1 scenario (the one home of this id)
SCENARIO_FORMAT: Final = "premium-alloc/v1"
#: the ``format`` of a v1 result document
RESULT_FORMAT: Final = "premium-alloc-result/v1"

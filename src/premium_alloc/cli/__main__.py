"""``python -m premium_alloc.cli``: the same as the ``premium-alloc`` command."""

from . import entry

entry()

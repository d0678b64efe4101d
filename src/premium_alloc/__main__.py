"""``python -m premium_alloc``: the same as the ``premium-alloc`` command."""

from .cli import entry

entry()

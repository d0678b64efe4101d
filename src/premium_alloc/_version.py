"""The package version (kept apart so that a command can print it without importing the rest)."""

__version__ = "0.1.0"

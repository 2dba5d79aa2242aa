"""User-facing error and warning types, caught once at the CLI boundary and printed as one line."""

from __future__ import annotations

import warnings


class RaygaError(Exception):
    """An error caused by the user's input (file, config, parameter); printed without a traceback."""


class DataError(RaygaError):
    """Market data that cannot be read or fails a validity check."""


class ConfigError(RaygaError):
    """A configuration value that is missing, of the wrong type, or out of range."""


class StrategyError(RaygaError):
    """A strategy raised while evaluating a genome (the message names the genome)."""


class RaygaWarning(UserWarning):
    """A recoverable problem the user should know about (printed once, as one line)."""


def warn(message: str) -> None:
    """Warn once with a one-line message."""
    warnings.warn(message, RaygaWarning, stacklevel=2)

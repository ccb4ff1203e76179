"""Errors raised by dedup. The CLI maps every `DedupError` to exit code 1."""

from __future__ import annotations


class DedupError(Exception):
    """Base class of every error dedup raises on purpose."""


class ConfigError(DedupError):
    """An option or parameter is out of range or inconsistent."""


class InputError(DedupError):
    """A document source cannot be read: names the file and the line or byte offset."""

    def __init__(
        self, source: str, message: str, *, line: int | None = None, offset: int | None = None
    ) -> None:
        where = source
        if line is not None:
            where += f":{line}"
        elif offset is not None:
            where += f" (byte {offset})"
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line
        self.offset = offset
        self.reason = message

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Pickle by the constructor's arguments (worker processes send errors back)."""
        return _input_error, (self.source, self.reason, self.line, self.offset)


def _input_error(source: str, message: str, line: int | None, offset: int | None) -> InputError:
    return InputError(source, message, line=line, offset=offset)


class IndexStoreError(DedupError):
    """A persistent index is missing, corrupt or was built with other parameters."""

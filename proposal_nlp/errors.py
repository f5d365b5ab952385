"""Errors and warnings of proposal_nlp, each with a code, what failed and how to fix it."""
from __future__ import annotations


class ProposalNLPError(Exception):
    """Base class of every error the library raises on purpose.

    The message starts with a code in brackets, e.g. ``[PN101]``, then says what failed
    and how to fix it.
    """

    code = "PN000"

    def __init__(self, message: str, *, code: str | None = None):
        self.code = code or self.code
        super().__init__(f"[{self.code}] {message}")


class InputError(ProposalNLPError, ValueError):
    """A user's input (file, table, column, text) cannot be used as given."""

    code = "PN100"


class ResourceError(ProposalNLPError, OSError):
    """A shipped or user-given resource (lexicon, model, data folder) is missing or broken."""

    code = "PN200"


class ModelError(ProposalNLPError, ValueError):
    """A model cannot be trained, loaded or applied."""

    code = "PN300"


class ProposalNLPWarning(UserWarning):
    """Base class of every warning the library issues."""


class VersionMismatchWarning(ProposalNLPWarning):
    """A model file was written with other library versions than the ones installed."""


class StructureWarning(ProposalNLPWarning):
    """A document's structure disagrees with itself (e.g. an announced count of items)."""


class DataWarning(ProposalNLPWarning):
    """Rows of a user table were changed or flagged (cut cells, duplicate ids)."""


def check_text(text, *, what: str = "text") -> str:
    """Return ``text`` if it is a ``str``; raise a clear ``TypeError`` otherwise."""
    if not isinstance(text, str):
        raise TypeError(
            f"[PN001] {what} must be a str, got {type(text).__name__}; "
            "convert it first (e.g. str(value)) or drop missing values"
        )
    return text

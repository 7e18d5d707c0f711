"""Every error this project raises on purpose derives from ``MagcheckError``.

Front ends (CLIs, the app) catch ``MagcheckError`` subclasses to print a message a user can act
on; anything else is a bug and keeps its traceback. The concrete classes are re-exported by the
modules that raise them (``core.store.StoreMissingError``, ``ingest.document.LoadError``, ...), so
either import works. Built-in bases (``RuntimeError``, ``ValueError``) are kept where callers may
already catch them.
"""

from __future__ import annotations


class MagcheckError(Exception):
    """Base of the project's own errors."""


# --- configuration -------------------------------------------------------------------------------


class ConfigError(MagcheckError, ValueError):
    """A setting, profile or registration is invalid; the message names it."""


# --- the store -----------------------------------------------------------------------------------


class StoreError(MagcheckError, RuntimeError):
    """The versioned store cannot be read or written."""


class StoreMissingError(StoreError):
    """No complete store exists yet."""


class StoreDamagedError(StoreMissingError):
    """A store version is damaged (files or vectors missing/unreadable, CURRENT naming a missing version);
    ``python -m cli ingest`` repairs it. A kind of "no complete store", so every handler of that applies."""


class StoreUnavailableError(StoreError):
    """The configured Chroma server cannot be reached."""


class AuditFileError(StoreError, ValueError):
    """A version's claim audit (``audit.json``) is unreadable or not of the expected shape; the message names
    the file. A ``ValueError`` too, so readers that degrade on a bad file (``except (OSError, ValueError)``) still do."""


# --- models and backends -------------------------------------------------------------------------


class ModelUnavailableError(MagcheckError, RuntimeError):
    """A model (weights on disk, or an LLM backend) the requested work needs is not available."""


class MissingModelError(ModelUnavailableError):
    """The embedding model folder is missing."""


class MissingRerankerError(ModelUnavailableError):
    """The reranker cross-encoder has not been trained / shipped."""


class LLMUnavailableError(ModelUnavailableError):
    """The chosen LLM backend is not installed, not configured or not reachable."""


# --- ingest --------------------------------------------------------------------------------------


class IngestError(MagcheckError):
    """Ingest could not do what was asked."""


class IngestBusyError(IngestError, RuntimeError):
    """Another ingest holds the store lock."""


class LoadError(IngestError):
    """A file that cannot be ingested, with a reason a user can act on."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class FetchError(IngestError):
    """A manifest entry's online source could not be downloaded."""


# --- the app -------------------------------------------------------------------------------------


class UploadRejected(MagcheckError, ValueError):
    """An uploaded file the app will not save, with the reason shown to the user."""

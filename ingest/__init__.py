"""Corpus → cleaned documents → chunks → vectors → a new store version (see docs/ARCHITECTURE.md)."""

LOADER_VERSION = "2"  # bump when loading, cleaning or chunking changes what a file turns into

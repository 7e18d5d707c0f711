"""``python -m cli ingest`` / ``magcheck-ingest``: bring the store in line with the corpus folder.

The settings come from the environment with this command's overrides (``--corpus``, ``--store``,
``--offline``); the embedder and the claim audit come from ``services.build_services`` of them.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from core.embeddings import batch_threads, pinned_torch_threads
from core.errors import ConfigError, IngestBusyError, MagcheckError
from core.settings import load_settings
from services import build_services


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m cli ingest",
        description="Ingest the corpus folder into a new store version (unchanged documents are skipped).",
    )
    ap.add_argument("--dry-run", action="store_true", help="report what would change without writing anything")
    ap.add_argument("--corpus", type=Path, help="corpus folder (default: settings.corpus_dir / MGC_CORPUS_DIR)")
    ap.add_argument("--store", type=Path, help="store folder (default: settings.store_dir / MGC_STORE_DIR)")
    ap.add_argument("--no-audit", action="store_true", help="skip the claim audit of the new version")
    ap.add_argument(
        "--force",
        action="store_true",
        help="rebuild every document and vector from scratch (the live version stays until the new one is "
        "complete); without it, damage found in the live version is rebuilt from what is intact",
    )
    ap.add_argument("--offline", action="store_true", help="do not download manifest entries that are missing locally")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    ap.add_argument("-v", "--verbose", action="store_true")
    return ap


def main(argv: list[str]) -> int:
    """``argv`` starts with the command name, as ``core.cli.dispatch`` passes it."""
    args = build_parser().parse_args(argv[1:])
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    overrides = {}
    if args.corpus:
        overrides["corpus_dir"] = args.corpus.resolve()
    if args.store:
        overrides["store_dir"] = args.store.resolve()
    if args.offline:
        overrides["fetch_online"] = False
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    try:
        with pinned_torch_threads(batch_threads(settings)):  # a batch job: both cores when idle
            summary = build_services(settings).ingest(
                dry_run=args.dry_run, audit=not args.no_audit, force=args.force, bar=not args.no_progress and sys.stderr.isatty()
            )
    except IngestBusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MagcheckError as exc:  # e.g. an unreachable Chroma server: say what failed, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary.to_json(), indent=1, default=str))
    else:
        print(summary.format())
    return summary.exit_code


def script() -> int:
    """The ``magcheck-ingest`` console script: the same command without its name on the command line."""
    return main(["ingest", *sys.argv[1:]])

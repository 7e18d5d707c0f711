"""``python -m cli manifest [--corpus DIR]``: regenerate ``corpus/manifest.yaml`` from the documents' front matter.

The work (``ingest.make_manifest``) reads files and writes YAML; it needs no model, so this command
takes only the settings (for the default corpus folder), not the wired services.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.errors import ConfigError
from core.settings import load_settings
from ingest.make_manifest import build_entries, render


def main(argv: list[str]) -> int:
    """``argv`` starts with the command name, as ``core.cli.dispatch`` passes it."""
    ap = argparse.ArgumentParser(prog="python -m cli manifest", description="Regenerate corpus/manifest.yaml from the documents' front matter.")
    ap.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: settings.corpus_dir / MGC_CORPUS_DIR)")
    args = ap.parse_args(argv[1:])
    try:
        corpus = args.corpus or load_settings().corpus_dir
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    entries = build_entries(corpus)
    (corpus / "manifest.yaml").write_text(render(entries), encoding="utf-8")
    print(f"wrote {len(entries)} entries to {corpus / 'manifest.yaml'}")
    return 0

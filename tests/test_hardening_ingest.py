"""Hardening of ingest (issue 14): nothing read from outside the corpus folder, no stall on a large file,
self-declared metadata kept apart from curated metadata."""

from __future__ import annotations

import os

from core.store import open_snapshot
from ingest.pipeline import run_ingest


def _doc(i: int) -> str:
    return (f"---\nid: doc{i}\ntitle: \"Study {i}\"\nyear: {2000 + i}\n---\n\n"
            f"Study {i} asked whether magnesium dose {i}00 mg changes sleep in group {i}. "
            f"Sleep onset latency fell by {i + 3} minutes compared with placebo.\n")


def test_symlink_leading_outside_the_corpus_is_not_read(settings, tmp_path):
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\nsecretuser:x:1000:1000:Secret User:/home/secret:/bin/sh\n")
    (tmp_path / "outside" / "more.md").write_text(_doc(9))
    (settings.corpus_dir / "doc0.md").write_text(_doc(0))
    os.symlink(secret, settings.corpus_dir / "notes.txt")
    os.symlink(secret.parent, settings.corpus_dir / "linked_folder")
    os.symlink(tmp_path / "nowhere.txt", settings.corpus_dir / "dangling.txt")
    os.symlink(settings.corpus_dir / "doc0.md", settings.corpus_dir / "alias.md")  # inside: its target is ingested once

    s = run_ingest(settings, audit=False)
    failed = dict(s.failed)
    assert "outside the corpus folder" in failed["notes.txt"] and str(secret) in failed["notes.txt"]
    assert "outside the corpus folder" in failed["linked_folder"]
    assert "does not exist" in failed["dangling.txt"]
    assert "a symbolic link to doc0.md, which is ingested under its own name" in failed["alias.md"]
    snap = open_snapshot(settings)
    assert set(snap.documents()) == {"doc0"}
    text = " ".join(c.text for c in snap.chunks.values())
    assert "secretuser" not in text and "root:x" not in text
    assert "notes.txt: not read" in s.format()


def test_manifest_link_leading_outside_is_not_read(settings, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("documents:\n  - id: doc0\n    path: doc0.md\n    study_type: meta-analysis\n")
    (settings.corpus_dir / "doc0.md").write_text(_doc(0))
    os.symlink(outside, settings.corpus_dir / "manifest.yaml")
    s = run_ingest(settings, audit=False)
    assert "outside the corpus folder" in dict(s.failed)["manifest.yaml"]
    assert open_snapshot(settings).documents()["doc0"].study_type == ""

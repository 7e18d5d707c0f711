"""Loading the eval question and claim sets (and named subsets of them).

The data are JSONL written by hand from the corpus; subsets are listed by id in one file so the
CI subset can be reviewed (and changed) without touching the labelled records.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def _jsonl(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{i}: {exc}") from exc
    return rows


def _subset(rows: list[dict[str, Any]], kind: str, subset: str | None, data_dir: Path) -> list[dict[str, Any]]:
    if not subset or subset == "all":
        return rows
    spec = json.loads((data_dir / "subsets.json").read_text(encoding="utf-8"))
    if subset not in spec:
        raise ValueError(f"unknown subset {subset!r}; known: {', '.join(sorted(spec))}")
    ids = spec[subset][kind]
    by_id = {r["id"]: r for r in rows}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise ValueError(f"subset {subset!r} names unknown {kind}: {missing}")
    return [by_id[i] for i in ids]


def load_questions(subset: str | None = None, data_dir: Path = DATA_DIR) -> list[dict[str, Any]]:
    rows = _jsonl(data_dir / "questions.jsonl")
    for r in rows:
        r.setdefault("history", [])
        r.setdefault("relevant_chunks_contain", [])
        r.setdefault("key_facts", [])
    return _subset(rows, "questions", subset, data_dir)


def load_claims(subset: str | None = None, data_dir: Path = DATA_DIR) -> list[dict[str, Any]]:
    return _subset(_jsonl(data_dir / "claims.jsonl"), "claims", subset, data_dir)

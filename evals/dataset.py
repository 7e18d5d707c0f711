"""Loading the eval question and claim sets (and named subsets of them).

The data are JSONL written by hand from the corpus; subsets are listed by id in one file so the
CI subset can be reviewed (and changed) without touching the labelled records.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from chatbot.audit.aggregate import FINDING_TO_VERDICT, FINDINGS

DATA_DIR = Path(__file__).resolve().parent / "data"

# Six-way gold finding of a claim and the four-way verdict (``label``) each one maps to (the audit's
# own mapping). ``label`` is kept for the existing metrics; ``finding`` separates evidence from other
# conditions from condition-matched studies that disagree, and a topic the corpus studies without
# reporting the claimed fact from a topic it does not cover.
FINDING_LABEL: dict[str, str] = FINDING_TO_VERDICT


def default_finding(row: dict[str, Any]) -> str | None:
    """Best guess at the finding of a row written before ``finding`` existed. Exact for supported and
    contradicted; ``no_evidence`` splits on whether any document is named; ``mixed`` cannot be split
    from the label alone and is read as ``conflicting``."""
    label = row.get("label")
    if label == "no_evidence":
        return "unsupported" if row.get("deciding_docs") else "not_covered"
    if label == "mixed":
        return "conflicting"
    return label if label in FINDING_LABEL else None


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
    ids = subset_ids(subset, kind, data_dir)
    by_id = {r["id"]: r for r in rows}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise ValueError(f"subset {subset!r} names unknown {kind}: {missing}")
    return [by_id[i] for i in ids]


# The held-out third (issue 23): drawn once, before any answer change it measures, and recorded by id in
# subsets.json ("heldout" / "tuning"). Answers are tuned on "tuning" only; "heldout" is run to report.
HELDOUT_SALT = "magcheck-heldout-v1"
HELDOUT_FRACTION = 1 / 3


def _split_key(question_id: str, salt: str = HELDOUT_SALT) -> str:
    return hashlib.sha256(f"{salt}:{question_id}".encode()).hexdigest()


def question_stratum(row: dict[str, Any]) -> str:
    """What a question is stratified by: its category and its id's letter prefix, the question type the ids
    encode (``ds`` dose, ``es`` effect size, ``po`` population, ``sc`` strong claim, ``f`` follow-up, ``u``
    unanswerable, ...), so each type keeps its third as well as each category."""
    prefix = re.match(r"[A-Za-z_]*", str(row["id"])).group()
    return f"{row.get('category') or ''}/{prefix}"


def heldout_split(rows: list[dict[str, Any]], fraction: float = HELDOUT_FRACTION, salt: str = HELDOUT_SALT) -> tuple[list[str], list[str]]:
    """(tuning ids, held-out ids), stratified by ``question_stratum``: within each stratum the questions are
    ordered by a hash of their id and the first ``round(n * fraction)`` are held out. Deterministic and
    independent of file order."""
    by_stratum: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        by_stratum[question_stratum(r)].append(str(r["id"]))
    held: set[str] = set()
    for ids in by_stratum.values():
        ranked = sorted(ids, key=lambda i: (_split_key(i, salt), i))
        held.update(ranked[: round(len(ranked) * fraction)])
    order = [str(r["id"]) for r in rows]
    return [i for i in order if i not in held], [i for i in order if i in held]


def subset_ids(subset: str, kind: str = "questions", data_dir: Path = DATA_DIR) -> list[str]:
    """The ids a named subset of subsets.json lists (``[]`` for a subset without ``kind``)."""
    spec = json.loads((data_dir / "subsets.json").read_text(encoding="utf-8"))
    if subset not in spec:
        raise ValueError(f"unknown subset {subset!r}; known: {', '.join(sorted(spec))}")
    return list(spec[subset].get(kind) or [])


def load_questions(subset: str | None = None, data_dir: Path = DATA_DIR) -> list[dict[str, Any]]:
    rows = _jsonl(data_dir / "questions.jsonl")
    for r in rows:
        r.setdefault("history", [])
        r.setdefault("relevant_chunks_contain", [])
        r.setdefault("key_facts", [])
    return _subset(rows, "questions", subset, data_dir)


def load_claims(subset: str | None = None, data_dir: Path = DATA_DIR) -> list[dict[str, Any]]:
    path = data_dir / "claims.jsonl"
    rows = _jsonl(path)
    for r in rows:
        r.setdefault("deciding_docs", [])
        if r.get("finding") is None:
            r["finding"] = default_finding(r)
        elif r["finding"] not in FINDING_LABEL:
            raise ValueError(f"{path}: claim {r.get('id')}: unknown finding {r['finding']!r}; known: {', '.join(FINDINGS)}")
        elif "label" in r and FINDING_LABEL[r["finding"]] != r["label"]:
            raise ValueError(f"{path}: claim {r.get('id')}: finding {r['finding']!r} needs label {FINDING_LABEL[r['finding']]!r}, not {r['label']!r}")
    return _subset(rows, "claims", subset, data_dir)

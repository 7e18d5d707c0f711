"""NLI4CT pairs for the verifier: statements about clinical-trial reports against the report lines the annotators marked.

Why: the verifier's remaining errors are on health claims read against trial results, and NLI4CT (Entailment /
Contradiction over trial eligibility, interventions, results and adverse events) is the one labelled set here written
about trials. Its licence is unstated, so it is trained and evaluated on, never shipped (the zip is read in place).

- A "Single" statement is judged against its trial's evidence lines; a "Comparison" statement against both trials'
  lines, each block headed "Primary trial:" / "Secondary trial:".
- NOT_ENOUGH_INFO pairs: the same statement against a section of the same trial it was not written about (another
  section of a trial report rarely settles a statement about the first), so the label cannot be read off the topic.
- Evidence longer than the model's window is cut by the tokenizer at training time, longest side first.
"""

from __future__ import annotations

import json
import random
import zipfile
from pathlib import Path

_LABEL = {"Entailment": "SUPPORTS", "Contradiction": "REFUTES"}
_SECTIONS = ("Intervention", "Eligibility", "Results", "Adverse Events")
_ROOT = "Complete_dataset/"


def _lines(trial: dict, section: str, index: list[int] | None = None) -> str:
    """The section's lines (those at ``index``, each with the nearest header above it, e.g. "Exclusion Criteria:", so
    that an excluded condition does not read as a required one)."""
    lines = [" ".join(str(x).split()) for x in trial.get(section, [])]
    if index is None:
        return " ".join(x for x in lines if x)
    keep: set[int] = set()
    for i in (i for i in index if 0 <= i < len(lines)):
        head = next((j for j in range(i, -1, -1) if lines[j].endswith(":")), None)
        keep.update({i} if head is None else {head, i})
    return " ".join(lines[i] for i in sorted(keep) if lines[i])


def nli4ct_rows(zip_path: Path, split: str, rng: random.Random, nei_share: float = 0.35) -> list[dict]:
    """Verifier rows (claim, evidence, label, source) from NLI4CT's ``split`` ("train" or "dev"); ``nei_share`` of the
    statements also yield a NOT_ENOUGH_INFO row against another section of their primary trial."""
    with zipfile.ZipFile(zip_path) as z:
        items = json.loads(z.read(f"{_ROOT}{split}.json"))
        trials: dict[str, dict] = {}

        def trial(tid: str) -> dict:
            if tid not in trials:
                trials[tid] = json.loads(z.read(f"{_ROOT}CT json/{tid}.json"))
            return trials[tid]

        rows: list[dict] = []
        for key in sorted(items):
            it = items[key]
            label = _LABEL.get(it.get("Label", ""))
            if label is None:
                continue
            section = it["Section_id"]
            primary = _lines(trial(it["Primary_id"]), section, it.get("Primary_evidence_index"))
            if it.get("Type") == "Comparison" and it.get("Secondary_id"):
                secondary = _lines(trial(it["Secondary_id"]), section, it.get("Secondary_evidence_index"))
                evidence = f"Primary trial: {primary} Secondary trial: {secondary}"
            else:
                evidence = primary
            if not evidence.strip():
                continue
            rows.append({"claim": it["Statement"], "evidence": evidence, "label": label, "source": f"nli4ct-{split}"})
            if rng.random() < nei_share:
                other = rng.choice([s for s in _SECTIONS if s != section])
                text = _lines(trial(it["Primary_id"]), other)
                if len(text.split()) >= 5:
                    rows.append({"claim": it["Statement"], "evidence": text, "label": "NOT_ENOUGH_INFO", "source": f"nli4ct-{split}"})
    return rows


__all__ = ["nli4ct_rows"]

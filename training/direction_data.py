"""Builds the direction classifier's pairs from Evidence Inference, deterministically.

Why a separate file: the exact data a shipped model saw must be reproducible and inspectable
(`python -m training.direction_data --stats`).

Each pair is (frame, sentence) → one of ``DIRECTIONS``:
- the frame names what is compared and on what, in the words the audit builds at run time from a
  claim (``core.direction.frame_text``): "intervention: X | comparator: Y | outcome: Z". At run time
  the comparator is usually unknown and the intervention is sometimes too, so training drops them
  at random and the model learns to read the outcome;
- positives are the annotated evidence spans that read as a sentence (table rows are skipped:
  the audit never quotes a table row), labelled increased / decreased / no_difference;
- ``not_reported`` pairs are other sentences of the same abstract with the same frame: its
  background and methods, and result sentences about other outcomes (no word of the frame's
  outcome), so the model learns "reports a result, but not on this" as well as "reports nothing";
  and, as hard negatives, the evidence span of another prompt of the same abstract whose outcome
  shares no word with this one, and a span from another article: a first model without them read
  "Intracellular magnesium rose with oxide" as "no difference" in blood cholesterol (0.97).

Splits are the dataset's own article-level ones (train / validation / test article ids), so no
abstract is seen in training and evaluation.
"""

from __future__ import annotations

import argparse
import collections
import csv
import random
import re
from dataclasses import dataclass
from pathlib import Path

from core.direction import DIRECTIONS, frame_text

SEED = 23
_LABEL = {
    "significantly increased": "increased",
    "significantly increase": "increased",
    "significantly decreased": "decreased",
    "no significant difference": "no_difference",
}
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")
_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")
_RESULT_CUE = re.compile(r"\b(signific\w*|p\s*[<=>]|increas\w*|decreas\w*|reduc\w*|improv\w*|differ\w*|higher|lower|effective|worse|better|risk)\b", re.I)
_STOP = {
    "the",
    "and",
    "with",
    "for",
    "from",
    "that",
    "this",
    "were",
    "was",
    "after",
    "before",
    "between",
    "group",
    "groups",
    "patients",
    "total",
    "mean",
    "level",
    "levels",
    "score",
    "scores",
    "rate",
}


@dataclass(frozen=True)
class Pair:
    frame: str
    sentence: str
    label: str
    pmcid: str


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def _abstract(root: Path, pmcid: str) -> list[tuple[str, str]]:
    """(section, sentence) pairs of one abstract file; section names as the file writes them."""
    p = root / "abstracts" / f"PMC{pmcid}.abst"
    if not p.is_file():
        return []
    out: list[tuple[str, str]] = []
    section = ""
    for block in p.read_text(encoding="utf-8", errors="replace").split("\n\n"):
        block = block.strip()
        if not block:
            continue
        if block.isupper() or block.startswith("ABSTRACT.") or block == "TITLE.":
            section = block.split(".")[1] if "." in block else block
            continue
        out += [(section, s.strip()) for s in _SENT.split(block.replace("\n", " ")) if len(s.split()) >= 5]
    return out


_STATS = [
    re.compile(r"\s*[(\[][^()\[\]]*\b[pP]\s*[<=>≤]\s*[0-9.]+[^()\[\]]*[)\]]"),  # "(p < 0.05)", "(95% CI ..., p = 0.01)"
    re.compile(r",?\s*\b[pP]\s*[<=>≤]\s*0?\.\d+"),
    re.compile(r"\b(?:statistically\s+)?significant(?:ly)?\s+", re.I),
]


def _plain(span: str) -> str:
    """A result sentence without its statistics: the direction must be read from the words."""
    out = span
    for rx in _STATS:
        out = rx.sub(" " if rx.pattern.endswith("+") else "", out)
    return " ".join(out.split())


def _sentence_like(span: str) -> bool:
    s = span.strip()
    return "\n" not in s and len(s.split()) >= 6 and sum(c.isalpha() for c in s) > len(s) / 2


def _frame(prompt: dict, rng: random.Random) -> str:
    r = rng.random()
    intervention = prompt["Intervention"].strip()
    comparator = prompt["Comparator"].strip() if r < 0.35 else ""
    if r > 0.85:
        intervention = ""
    return frame_text(intervention, prompt["Outcome"].strip(), comparator)


def build(shared: Path, neg_per_prompt: int = 1) -> dict[str, list[Pair]]:
    root = shared / "datasets" / "evidence_inference" / "annotations"
    split_of: dict[str, str] = {}
    for name in ("train", "validation", "test"):
        for pid in (root / "splits" / f"{name}_article_ids.txt").read_text().split():
            split_of[pid] = name
    prompts = {r["PromptID"]: r for r in csv.DictReader((root / "prompts_merged.csv").open(encoding="utf-8"))}
    by_prompt: dict[str, list[dict]] = collections.defaultdict(list)
    for r in csv.DictReader((root / "v2_annotations.csv").open(encoding="utf-8")):
        if r["Valid Label"] == "True" and r["Label"] in _LABEL and r["PromptID"] in prompts:
            by_prompt[r["PromptID"]].append(r)
    rng = random.Random(SEED)
    out: dict[str, list[Pair]] = {"train": [], "validation": [], "test": []}
    spans_of: dict[str, list[str]] = collections.defaultdict(list)  # every annotated span of an abstract: never a negative
    by_prompt_of: dict[str, list[tuple[str, list[dict]]]] = collections.defaultdict(list)
    spans_by_split: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    for q, anns in sorted(by_prompt.items(), key=lambda kv: int(kv[0])):
        by_prompt_of[prompts[q]["PMCID"]].append((q, anns))
        for a in anns:
            spans_of[a["PMCID"]].append(" ".join(a["Annotations"].split()))
            if _sentence_like(a["Annotations"]) and split_of.get(a["PMCID"]):
                spans_by_split[split_of[a["PMCID"]]].append((a["PMCID"], " ".join(a["Annotations"].split())))
    abstracts: dict[str, list[tuple[str, str]]] = {}
    for pid in sorted(by_prompt, key=int):
        anns = by_prompt[pid]
        prompt = prompts[pid]
        pmcid = prompt["PMCID"]
        split = split_of.get(pmcid)
        if split is None:
            continue
        votes = collections.Counter(_LABEL[a["Label"]] for a in anns)
        label, n = votes.most_common(1)[0]
        if n * 2 <= len(anns) and len(anns) > 1:
            continue  # annotators disagree: no label to learn
        spans = []
        for a in anns:
            s = " ".join(a["Annotations"].split())
            if _LABEL[a["Label"]] == label and _sentence_like(a["Annotations"]) and s not in spans:
                spans.append(s)
        if not spans:
            continue
        frame = _frame(prompt, rng)
        for s in spans[:2]:
            out[split].append(Pair(frame, s, label, pmcid))
        if split == "train" and label != "no_difference":
            # the same result without its statistics ("significantly", "(p < 0.05)"): digests and claims state a
            # direction in plain words, and a model that learned "no p-value → no difference" misreads them
            plain = _plain(spans[0])
            if plain != spans[0]:
                out[split].append(Pair(_frame(prompt, rng), plain, label, pmcid))
        sents = abstracts.setdefault(pmcid, _abstract(root, pmcid))
        outcome_words = _words(prompt["Outcome"])
        # a sentence that names the outcome and reads like a result may well report it, annotated or not
        candidates = [
            s
            for _sec, s in sents
            if not any(s[:50] in sp or sp[:50] in s for sp in spans_of[pmcid] if len(sp) > 20) and not (outcome_words & _words(s) and _RESULT_CUE.search(s))
        ]
        for s in rng.sample(candidates, min(neg_per_prompt, len(candidates))):
            out[split].append(Pair(_frame(prompt, rng), s, "not_reported", pmcid))
        # a result about another outcome is not a result about this one: the evidence span of another prompt of the
        # same abstract whose outcome shares no word with this one, and one from another article of the same split
        others = [
            " ".join(a["Annotations"].split())
            for q, anns2 in by_prompt_of[pmcid]
            if q != pid and not (_words(prompts[q]["Outcome"]) & outcome_words)
            for a in anns2[:1]
            if _sentence_like(a["Annotations"])
        ]
        if others:
            out[split].append(Pair(_frame(prompt, rng), rng.choice(others), "not_reported", pmcid))
        pool = spans_by_split[split]
        if pool:
            other_pmcid, span = pool[rng.randrange(len(pool))]
            if other_pmcid != pmcid:
                out[split].append(Pair(_frame(prompt, rng), span, "not_reported", pmcid))
    return out


def stats(data: dict[str, list[Pair]]) -> dict[str, dict[str, int]]:
    return {k: dict(collections.Counter(p.label for p in v)) for k, v in data.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--stats", action="store_true")
    ap.add_argument("--show", type=int, default=0, help="print N training pairs")
    a = ap.parse_args()
    data = build(Path(a.shared))
    print(stats(data))
    assert set(DIRECTIONS) >= {p.label for v in data.values() for p in v}
    for p in data["train"][: a.show]:
        print(f"[{p.label}] {p.frame}\n    {p.sentence}")


if __name__ == "__main__":
    main()

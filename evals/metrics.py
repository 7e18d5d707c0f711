"""Pure metric functions for the answer-quality suite.

Kept free of models and I/O so every number in a report can be checked by a unit test with
hand-made inputs; the runner supplies the model calls (retrieval, answers, the verifier's
entailment decision) as plain values or callables.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any


VERDICTS: tuple[str, str, str, str] = ("supported", "contradicted", "mixed", "no_evidence")

# -- retrieval -------------------------------------------------------------------------------------


def doc_ranking(doc_ids: Iterable[str]) -> list[str]:
    """Documents in order of their first passage: relevance is labelled per document, and a second
    passage of an already-found paper must not count as a second hit."""
    seen: dict[str, None] = {}
    for d in doc_ids:
        seen.setdefault(d, None)
    return list(seen)


def recall_at_k(ranked_docs: Sequence[str], relevant: Iterable[str], k: int) -> float | None:
    """Share of the labelled documents among the first ``k`` distinct documents; None when the
    question has no labelled documents (so it does not pull the mean towards 0 or 1)."""
    rel = set(relevant)
    if not rel:
        return None
    return len(rel & set(ranked_docs[:k])) / len(rel)


def reciprocal_rank(ranked_docs: Sequence[str], relevant: Iterable[str], k: int | None = None) -> float | None:
    rel = set(relevant)
    if not rel:
        return None
    for i, d in enumerate(ranked_docs[:k] if k else ranked_docs):
        if d in rel:
            return 1.0 / (i + 1)
    return 0.0


def ndcg_at_k(ranked_docs: Sequence[str], relevant: Iterable[str], k: int = 10) -> float | None:
    """Binary-gain nDCG (log2 discount), the BEIR convention, over distinct documents."""
    rel = set(relevant)
    if not rel:
        return None
    dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(ranked_docs[:k]) if d in rel)
    idcg = sum(1.0 / math.log2(i + 2) for i in range(min(len(rel), k)))
    return dcg / idcg


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip().lower()


def chunk_hit_rate(passage_texts: Iterable[str], must_contain: Sequence[str]) -> float | None:
    """Share of the labelled passage snippets that occur in some retrieved passage (whitespace-
    and case-insensitive, because ingest may re-flow lines)."""
    if not must_contain:
        return None
    hay = [_norm(t) for t in passage_texts]
    return sum(any(_norm(s) in h for h in hay) for s in must_contain) / len(must_contain)


# -- answer content ---------------------------------------------------------------------------------


def key_fact_hits(answer: str, key_facts: Sequence[Sequence[str]]) -> list[bool]:
    """One bool per fact: any of its accepted spellings occurs in the answer (case-insensitive)."""
    text = _norm(answer)
    return [any(_norm(alt) in text for alt in alts) for alts in key_facts]


def key_fact_coverage(answer: str, key_facts: Sequence[Sequence[str]]) -> float | None:
    hits = key_fact_hits(answer, key_facts)
    return sum(hits) / len(hits) if hits else None


def is_refusal(answer: dict[str, Any]) -> bool:
    return bool(answer.get("refused"))


def refusal_correct(answer: dict[str, Any], gap_facts: Sequence[Sequence[str]] = ()) -> bool:
    """For an unanswerable question: the answerer refused, or the question's own labelled facts say
    how a right answer admits the gap ("the summary breaks off ...") and the answer contains them all.

    Why not a generic "not reported" pattern: the digests are full of such hedges, so an
    extractive answer about something else would pass by accident.
    """
    if is_refusal(answer):
        return True
    return bool(gap_facts) and all(key_fact_hits(answer.get("answer", ""), gap_facts))


def is_flagged(answer: dict[str, Any]) -> bool:
    """The answer warns the reader: an article claim it cites is flagged, or the question, read as a
    claim, got a verdict other than `supported`."""
    if answer.get("flags"):
        return True
    v = answer.get("verdict")
    verdict = v.get("verdict") if isinstance(v, dict) else v
    return bool(verdict) and verdict != "supported"


def rate(flags: Iterable[bool]) -> float | None:
    xs = list(flags)
    return sum(xs) / len(xs) if xs else None


def mean(values: Iterable[float | None]) -> float | None:
    xs = [float(v) for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


# -- citation quality (ALCE, Gao et al. 2023) -------------------------------------------------------

_CITE = re.compile(r"\[(\d+(?:\s*[,;–-]\s*\d+)*)\](?:\s*\([^()]*\))?")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def _numbers(group: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group):
        if re.fullmatch(r"\d+\s*[–-]\s*\d+", part):
            a, b = (int(x) for x in re.split(r"\s*[–-]\s*", part))
            out.extend(range(a, b + 1))
        elif part.strip().isdigit():
            out.append(int(part))
    return out


def _is_heading(line: str) -> bool:
    s = line.strip()
    return s.endswith(":") or (not re.search(r"[.!?)\]]$", s) and len(s.split()) <= 6)


def answer_statements_text(answer: str, appendix_heading: str) -> str:
    """The answer without its appendix of audit flags (the lines after ``appendix_heading``).

    Why: ALCE asks whether each statement is entailed by the passages it cites. The flag lines are
    the claim audit's verdicts on article sentences ("the article's claim ... : no study states
    this"), shown in the app as badges beside the answer, not statements drawn from the cited
    passages; scored as statements they made up ~40 % of all statements and counted as uncited.
    """
    text = answer or ""
    i = text.find("\n" + appendix_heading)
    return text[:i].rstrip() if i >= 0 else text


def cited_sentences(answer: str) -> list[tuple[str, list[int]]]:
    """(sentence without markers, cited numbers) for every statement of an answer.

    Headings ("What the studies found") are not statements and are skipped; a statement with no
    marker is kept with an empty list, so it counts against citation recall as in ALCE.
    """
    from core.text import split_sentences

    out: list[tuple[str, list[int]]] = []
    for line in (answer or "").splitlines():
        line = _BULLET.sub("", line).strip()
        if not line or _is_heading(line):
            continue
        spans = split_sentences(line)
        pieces = [line[a:b] for a, b in spans] or [line]
        merged: list[str] = []
        for p in pieces:  # a marker split off as its own "sentence" belongs to the one before
            if merged and not _CITE.sub("", p).strip(" .;,"):
                merged[-1] += " " + p
            else:
                merged.append(p)
        for p in merged:
            nums = [n for m in _CITE.finditer(p) for n in _numbers(m.group(1))]
            text = re.sub(r"\s+", " ", _CITE.sub("", p)).strip()
            text = re.sub(r"\s+([.,;:!?])", r"\1", text)
            if text:
                out.append((text, sorted(set(nums))))
    return out


Entails = Callable[[str, str], bool]  # (premise, hypothesis) -> entailed?


def citation_quality(sentences: Sequence[tuple[str, list[int]]], passages: dict[int, str], entails: Entails) -> dict[str, Any]:
    """ALCE citation recall and precision for one answer.

    Recall: a statement counts when the concatenation of its cited passages entails it.
    Precision: a citation counts when its statement is entailed by all its citations and the
    citation is not redundant, i.e. it entails the statement alone, or removing it breaks the
    entailment by the rest. Citations of unsupported statements count as imprecise (ALCE).
    Unknown citation numbers are treated as citing nothing.
    """
    per: list[dict[str, Any]] = []
    n_cit = n_good = 0
    for text, nums in sentences:
        known = [n for n in nums if n in passages]
        joint = bool(known) and entails("\n".join(passages[n] for n in known), text)
        good = 0
        if joint and len(known) == 1:
            good = 1
        elif joint:
            for n in known:
                if entails(passages[n], text):
                    good += 1
                    continue
                rest = [m for m in known if m != n]
                if not entails("\n".join(passages[m] for m in rest), text):
                    good += 1
        n_cit += len(nums)
        n_good += good
        per.append({"sentence": text, "citations": list(nums), "supported": joint, "precise_citations": good})
    return {
        "recall": (sum(p["supported"] for p in per) / len(per)) if per else None,
        "precision": (n_good / n_cit) if n_cit else None,
        "n_statements": len(per),
        "n_citations": n_cit,
        "statements": per,
    }


# -- claim verdicts ---------------------------------------------------------------------------------


def confusion_matrix(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] = VERDICTS) -> list[list[int]]:
    """Rows = gold, columns = predicted, in ``labels`` order; unknown predictions are dropped from the
    matrix but still count as wrong in accuracy."""
    idx = {label: i for i, label in enumerate(labels)}
    m = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred):
        if g in idx and p in idx:
            m[idx[g]][idx[p]] += 1
    return m


def classification_summary(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] = VERDICTS) -> dict[str, Any]:
    """Accuracy, macro-F1 over ``labels`` (a class absent from both gold and predictions is skipped,
    not scored 0), per-class F1, confusion matrix and the count of false `supported` (the worst
    error: a claim the literature does not support shown as supported)."""
    if len(gold) != len(pred):
        raise ValueError("gold and pred differ in length")
    n = len(gold)
    acc = sum(g == p for g, p in zip(gold, pred)) / n if n else None
    per: dict[str, float] = {}
    for lab in labels:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred))
        fp = sum(g != lab and p == lab for g, p in zip(gold, pred))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred))
        if tp + fp + fn == 0:
            continue
        per[lab] = 2 * tp / (2 * tp + fp + fn)
    return {
        "accuracy": acc,
        "macro_f1": (sum(per.values()) / len(per)) if per else None,
        "f1": per,
        "confusion": confusion_matrix(gold, pred, labels),
        "labels": list(labels),
        "false_supported": sum(p == "supported" and g != "supported" for g, p in zip(gold, pred)),
        "n": n,
    }


# -- latency ----------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), without numpy."""
    xs = sorted(float(v) for v in values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def latency_summary(timings: Iterable[dict[str, float]]) -> dict[str, dict[str, float | int | None]]:
    """p50/p95/n per stage over many calls; a stage missing from some calls is summarised over the
    calls that have it."""
    by_stage: dict[str, list[float]] = {}
    for t in timings:
        for stage, ms in (t or {}).items():
            if isinstance(ms, (int, float)) and not isinstance(ms, bool):
                by_stage.setdefault(stage, []).append(float(ms))
    return {s: {"p50": percentile(v, 50), "p95": percentile(v, 95), "n": len(v)} for s, v in sorted(by_stage.items())}

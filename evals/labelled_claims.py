"""Our labelled claims (``evals/data/claims.jsonl``) judged against the store, once, by the audit's own code.

Shared by the decision layer's fitting (``training.fit_decision``) and the verifier-ceiling diagnostic
(``evals.evidence_ceiling``), so both read exactly the evidence and features the audit computes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from core.errors import ConfigError


class LabelledClaim(BaseModel):
    """One line of ``evals/data/claims.jsonl``."""

    id: str
    claim: str
    label: str = Field(description="4-way gold verdict: supported / contradicted / mixed / no_evidence.")
    finding: str = Field("", description="6-way gold finding.")
    deciding_docs: list[str] = Field(default_factory=list, description="Documents whose sentences decide the claim.")
    note: str = ""


def read_labelled(path: Path) -> list[LabelledClaim]:
    """Every claim of the file; a line that is not a labelled claim is a ``ConfigError`` naming the file, the line and
    the field (a typo in a hand-written label set must not end in a traceback or a silently skipped claim)."""
    out = []
    for no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(LabelledClaim.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{no}: not JSON ({exc.msg})") from exc
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigError(f"{path}:{no}: {'.'.join(map(str, err['loc'])) or 'line'}: {err['msg']}") from exc
    return out


@dataclass
class JudgedClaim:
    """A labelled claim with the evidence items and decision features the audit computed for it."""

    id: str
    claim: str  # as the audit reads it (``as_claim``)
    gold: str
    finding: str
    gap: Any = None  # the audit's not-covered Verdict when the claim names something no study mentions
    items: list = field(default_factory=list)  # chatbot.audit.stance.EvidenceItem
    features: dict[str, float] = field(default_factory=dict)


def judge_labelled(claims: list[LabelledClaim], settings) -> list[JudgedClaim]:
    """Evidence items and features of every labelled claim, judged once against the current store."""
    from chatbot.audit.pipeline import _gap_verdict, _profile, _retrieve, as_claim, judge_evidence, similarity_fn
    from core.store import open_snapshot
    from services import build_services

    services = build_services(settings)
    snap = open_snapshot(settings)
    retriever = services.retriever(snap)
    verifier = services.verifier
    direction = services.direction
    profile = _profile(retriever, settings)
    similarity = similarity_fn(retriever)
    out = []
    for c in claims:
        query = as_claim(c.claim)
        gap = _gap_verdict(c.claim, query, retriever, settings)
        passages = [] if gap else _retrieve(query, retriever, settings.audit.k, profile)
        items, feats = judge_evidence(query, passages, verifier, settings, profile, similarity, direction)
        out.append(JudgedClaim(id=c.id, claim=query, gold=c.label, finding=c.finding, gap=gap, items=items, features=feats))
    return out

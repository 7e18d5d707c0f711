"""Text that speaks to the reader or to the system instead of reporting anything.

A corpus document is evidence, never an instruction. A file (an upload, an unlisted drop-in) may
carry text aimed at whoever processes it: "ignore previous instructions", a fake "SYSTEM:" turn,
"you are now in developer mode". Such text must not reach an LLM prompt as if it were a finding,
and must not be quoted as evidence. ``suspect_reason`` names what a passage does in one short
phrase (shown on the source card and recorded per chunk at ingest); ``None`` means nothing found.

The patterns are general (no subject words): they describe addressing a model, overriding rules,
impersonating a chat role or hiding text, which no scientific report does.
"""

from __future__ import annotations

import re

__all__ = ["suspect_reason", "SUSPECT_PATTERNS"]

_I = re.IGNORECASE | re.MULTILINE

# (reason shown to the reader, pattern). Ordered: the first match names the reason.
SUSPECT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "tells the reader to ignore earlier instructions",
        re.compile(
            r"\b(?:ignore|disregard|forget|override|overrule|bypass|skip)\b[^.\n]{0,40}?\b(?:previous|prior|above|earlier|preceding|all|any|"
            r"your|the|these|those|other)\b[^.\n]{0,30}?\b(?:instructions?|prompts?|rules?|guidelines?|directions?|context|messages?|"
            r"guardrails?|polic(?:y|ies)|constraints?)\b",
            _I,
        ),
    ),
    (
        "tells the reader to disregard the text around it",
        re.compile(
            r"\b(?:disregard|ignore|forget)\s+(?:everything|all|anything|the\s+text|the)?\s*(?:(?:written|said|stated)\s+)?(?:above|before|below|so far|"
            r"previously)\b",
            _I,
        ),
    ),
    (
        "impersonates a chat role",
        re.compile(
            r"(?:^|(?<=[.!?\]>)\"'])\s|(?<=[\[<(]))\s*(?:system|assistant|developer)(?:\s+(?:prompt|message|note|override))?\s*:|"
            r"<\|?(?:im_start|im_end|system|endoftext|eot_id|start_header_id)\|?>|\[/?INST\]|<</?SYS>>",
            _I,
        ),
    ),
    (
        "tries to switch the reader into another mode",
        re.compile(r"\b(?:developer|debug|god|admin|jailbreak|unrestricted|dan)\s+mode\b|\bjailbreak\b|\bdo anything now\b", _I),
    ),
    (
        "tells the reader who it is now",
        re.compile(
            r"\byou\s+are\s+(?:now|no\s+longer)\b|\bfrom\s+now\s+on,?\s+you\b|\bact\s+as\s+(?:an?\s+)?(?:unfiltered|unrestricted|uncensored)\b|"
            r"\bpretend\s+(?:to\s+be|you\s+are)\b|\brole-?play\s+as\b",
            _I,
        ),
    ),
    (
        "gives orders to an AI model",
        re.compile(
            r"\b(?:as|dear|attention|note\s+to(?:\s+the)?)\s+(?:an?\s+)?(?:ai|llm|language\s+model|chatbot|assistant|model)\b[^.\n]{0,20}?"
            r"[,:]\s*(?:you\s+)?(?:must|should|will|shall|need|always|never|do|say|answer|respond|output|reply|rate|cite|tell)\b|"
            r"\b(?:ai|llm|language|chatbot|assistant)s?(?:\s+(?:models?|systems?|assistants?))?\s+(?:reading|processing|summari[sz]ing)\s+this\b",
            _I,
        ),
    ),
    (
        "asks to reveal or change the system prompt",
        re.compile(
            r"\b(?:reveal|print|show|repeat|output|leak|change|replace|update)\s+(?:your|the)\s+(?:system\s+prompt|hidden\s+"
            r"instructions?|initial\s+instructions?|instructions?\s+above)\b|\bnew\s+instructions?\s*:",
            _I,
        ),
    ),
    (
        "tells the reader what verdict to give",
        re.compile(
            r"\b(?:always|must|you\s+should|you\s+must)\s+(?:rate|mark|classify|label|treat|report|consider|cite)\s+(?:this|these|the)\s+"
            r"(?:(?:claim|article|study|paper|document|source|evidence)s?\s+)?as\b",
            _I,
        ),
    ),
)

_HIDDEN = re.compile(r"[\u200b\u200c\u200d\u2060\u2062\u2063\u2064\ufeff\U000E0000-\U000E007F]{3,}")


def suspect_reason(text: str) -> str | None:
    """Why ``text`` looks like it addresses the reader or the system (one short phrase), or ``None``."""
    if not text:
        return None
    if _HIDDEN.search(text):
        return "hides text in invisible characters"
    for reason, pattern in SUSPECT_PATTERNS:
        if pattern.search(text):
            return reason
    return None

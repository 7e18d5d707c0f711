"""A claim's negation, in plain English grammar: what the claim verifier is asked as a consistency check.

The verifier reads paraphrased support as refutation: on a PubMedQA corpus it was 0.96 sure that "All four ethnic
groups exhibit deprivation gradients in all-cause mortality" refutes "all ethnic groups in New Zealand exhibit
socio-economic mortality gradients". Asked about the claim's negation, a verifier that has read a real refutation
changes its mind (the sentence now supports what it is asked); one misreading a paraphrase refutes the negation just
as surely. ``chatbot.audit.stance`` asks it both.
"""

from __future__ import annotations

import re

# an auxiliary after the subject takes the "not": "X is associated with Y" -> "X is not associated with Y"
_AUX = re.compile(r"(?<=\s)(?:is|are|was|were|can|could|may|might|will|would|should|must|has|have|had|does|do|did)(?=\s)", re.I)
# a negation to take out: "does not reduce" -> "does reduce", "cannot" -> "can", "has no effect" -> "has an effect"
_NOT = re.compile(r"\s+not\b|n't\b|(?<=can)not\b", re.I)
_NO = re.compile(
    r"\bno(?=\s+(?:\w+\s+)?(?:effect|association|relation|relationship|difference|change|bearing|influence|impact|role|link|benefit|evidence)\b)",
    re.I,
)
_NEVER = re.compile(r"\s+never\b", re.I)
# "have" as the verb itself ("monocytes have a higher capacity" -> "monocytes do not have a higher capacity")
_HAVE = {"has": "does", "have": "do", "had": "did"}
# irregular past tenses an effect verb may take ("made people sleep better"): no base form to put after "do not"
_PAST = frozenset({"made", "led", "became", "cut", "shut", "took", "gave", "kept"})
# a present-tense verb in the third person ("reduces", "carries", "passes"), split into its stem and ending
_VERB_S = re.compile(r"(?<=\s)([a-z]+?)(ies|sses|shes|ches|xes|zes|oes|s)(?=\s)")


def _base(stem: str, ending: str) -> str:
    """A third-person verb's base form from its stem and ending: "carries" -> "carry", "passes" -> "pass", "lowers" -> "lower"."""
    if ending == "ies":
        return stem + "y"
    if ending == "s":
        return stem
    return stem + ending[:-2] if ending != "oes" else stem + "o"


def negate(claim: str, verb: str = "") -> str:
    """The claim's negation: its negation taken out ("X does not reduce Y" -> "X does reduce Y"), or a "not" after its
    first auxiliary, or "does not" before its present-tense verb (``verb``: the claim's effect verb when the caller
    knows it, ``core.direction.effect_verb``), else "It is not true that …"."""
    text = " ".join(claim.strip().split())
    body = text.rstrip(".!?")
    end = text[len(body) :]
    if _NOT.search(body):
        return _NOT.sub("", body, count=1) + end
    if _NO.search(body):
        return _NO.sub(lambda m: "an" if re.match(r"\s+[aeiou]", body[m.end() :], re.I) else "a", body, count=1) + end
    if _NEVER.search(body):
        return _NEVER.sub("", body, count=1) + end
    # the verb itself, not an adverb before it ("substantially reduces")
    first = next((w for w in verb.split() if not w.lower().endswith("ly")), "") if verb else ""
    aux = _AUX.search(body)
    spot = body.find(f" {first} ") + 1 if first else 0
    if aux and (not spot or aux.start() <= spot):
        after = body[aux.end() :].split()[:1]
        if aux.group(0).lower() in _HAVE and after and not re.search(r"(?:ed|en)$|^been$", after[0], re.I):  # "have" as the verb
            return f"{body[: aux.start()]}{_HAVE[aux.group(0).lower()]} not have{body[aux.end() :]}{end}"
        return f"{body[: aux.end()]} not{body[aux.end() :]}{end}"
    if spot:
        m = _VERB_S.match(body, spot)
        if m and m.group(0) == first:
            return f"{body[: m.start()]}does not {_base(m.group(1), m.group(2))}{body[m.end() :]}{end}"
        if first.isalpha() and first.islower() and not first.endswith(("ed", "s")) and first not in _PAST:  # a plural subject's verb ("Antidepressants reduce")
            return f"{body[:spot]}do not {body[spot:]}{end}"
    low = body[:1].lower() + body[1:] if body[:2] != body[:2].upper() else body
    return f"It is not true that {low}{end}"

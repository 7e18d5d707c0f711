"""Stance of each retrieved passage toward a claim: verifier probabilities plus explicit checks.

A whole passage is too long and too mixed for a 160-token cross-encoder, and scoring every
sentence of every passage is too slow for a 2-second ``check``; so each passage contributes its
few best sentences / two-sentence windows (lexically pre-selected), all scored in one batch,
and the most decisive window represents the passage.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from chatbot.audit import checks
from core.cards import classify_sentence, role_in_passage
from core.domain import NEUTRAL, DomainProfile
from core.safety import suspect_reason
from core.abbreviations import definitions, spelled_out
from core.direction import claim_core
from core.text import split_sentences, without_quantities
from core.types import Chunk

SUPPORTS, REFUTES, OTHER_CONDITIONS, NEI = "supports", "refutes", "supports_other_conditions", "not_enough_info"
STANCES = (SUPPORTS, REFUTES, OTHER_CONDITIONS, NEI)


@dataclass
class EvidenceItem:
    """One literature passage judged against one claim."""

    chunk: Chunk
    text: str  # the quoted sentence(s)
    probs: tuple[float, float, float]  # verifier P(SUPPORTS), P(REFUTES), P(NOT_ENOUGH_INFO)
    relevance: float  # share of the claim's content words found in the passage
    findings: list[checks.Finding] = field(default_factory=list)
    stance: str = NEI
    weight: float = 0.0  # study-type weight used in aggregation
    reasons: list[str] = field(default_factory=list)
    quote_relevance: float = 0.0  # share of the claim's content words (subject words aside) in the quoted sentence(s)
    similarity: float = 0.0  # cosine of claim and quoted sentence(s) in the embedding space (0 when not computed)
    opposite: bool = False  # the quoted sentence states the claim's effect in the other direction or negated
    direction: tuple[float, ...] = ()  # the direction classifier's P(increased, decreased, no_difference, not_reported) of the quote
    outcome_relevance: float = 0.0  # share of the claim's outcome words (core.direction.claim_frame) in the quote
    agree: float = 0.0  # the quote reports the direction the claim states (core.direction.agreement)
    oppose: float = 0.0  # the quote reports the other direction, or a null against a claimed change (and vice versa)
    frame_relevance: float = 0.0  # the quote's share of what acts and the outcome (core.direction.claim_core), conditions aside
    by_direction: bool = False  # the stance was set by the reported direction (gated on frame_relevance, not quote_relevance)
    negation_probs: tuple[float, ...] = ()  # the verifier's P for the claim's negation (core.negation) on the quote; () when not asked

    @property
    def p_support(self) -> float:
        return self.probs[0]

    @property
    def p_refute(self) -> float:
        return self.probs[1]

    @property
    def score(self) -> float:
        """Verifier probability behind the stance (refutes from numbers alone: that of the numbers)."""
        if self.stance in (SUPPORTS, OTHER_CONDITIONS):
            return self.probs[0]
        if self.stance == REFUTES:
            return max(self.probs[1], 0.9 if self.has("numeric", "contradicts") else 0.0)
        return self.probs[2]

    def has(self, kind: str | None = None, effect: str | None = None) -> bool:
        return any((kind is None or f.kind == kind) and (effect is None or f.effect == effect) for f in self.findings)

    def conditions(self) -> list[checks.Finding]:
        return [f for f in self.findings if f.kind in checks.CONDITION_KINDS and f.effect == "mismatch"]

    def to_json(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "doc_id": c.doc_id,
            "chunk_id": c.chunk_id,
            "title": c.title,
            "year": c.year,
            "study_type": c.study_type,
            "text": self.text,
            "stance": self.stance,
            "score": round(float(self.score), 3),
            "reasons": list(self.reasons),
        }


# ---------------------------------------------------------------------------- window selection

# words that frame a claim rather than state it ("research repeatedly demonstrates …"): a passage
# need not repeat them to be about the claim
_FRAMING = "research studies study show shows shown demonstrate demonstrates repeatedly real-world world use evidence prove proves"
# ... and function words the index's stopword list keeps: "during" (stemmed "dure") is no word of what acts that a
# result sentence must repeat ("depletion of Th17 cells during SIV infection" against "Th17 cells were depleted in
# SIV-infected macaques"); prepositions of time and place ("after", "under", "before") stay, as conditions
_FUNCTION = (
    "during within among amongst across throughout via upon despite toward towards versus vs whether although though "
    "while whereas however thus therefore also may might could would should can cannot"
)


# small counts written out ("one" is as often a pronoun): a claim says "under seven hours", the paper "under 7 hours"
_NUMBER_WORDS = {
    w: str(n)
    for n, w in enumerate(
        "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split(), 2
    )
}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.I)


def _toks(text: str, profile: DomainProfile = NEUTRAL) -> list[str]:
    """BM25's tokens, with the subject's symbols read as its word (papers write Mg2+, the article magnesium) and small
    counts as digits."""
    from core.lexical import tokenize

    return tokenize(_NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[m.group(1).lower()], profile.normalise_aliases(text)))


@functools.lru_cache(maxsize=1)
def _framing_tokens() -> frozenset[str]:
    return frozenset(_toks(_FRAMING + " " + _FUNCTION))


def is_provenance(sentence: str) -> bool:
    """A digest's note about its own source or gaps ("Read from the abstract…"): describes the document, not findings."""
    return classify_sentence(sentence) == "source_note"


def finding_text(window: str) -> str:
    """The window without its sentences that state no result (what a reason quotes as 'the closest reported result')."""
    sents = [window[a:b].strip() for a, b in split_sentences(window)]
    keep = [x for x in sents if x and classify_sentence(x) not in NON_FINDING_ROLES]
    return " ".join(keep) if keep else window


def relevance(claim: str, text: str, ignore: Sequence[str] = (), profile: DomainProfile = NEUTRAL) -> float:
    """Share of the claim's content words (stemmed) present in the passage.

    ``ignore``: the corpus's subject words (the profile's ``subject``). Every passage shares
    them, so they would let an off-topic sentence look a third relevant to a short claim.
    """
    skip = set(_toks(" ".join(ignore), profile)) if ignore else set()
    skip |= _framing_tokens()
    ct = set(_toks(claim, profile)) - skip
    if not ct:
        return 0.0
    return len(ct & set(_toks(text, profile))) / len(ct)


# what a study did or meant to do, and notes about the source, state no result: the verifier reads
# "Ten healthy men received magnesium sulfate …" as refuting "magnesium suppressed ACTH" (0.92), so such
# sentences never count for or against a claim (roles from core.cards.classify_sentence)
NON_FINDING_ROLES = frozenset({"objective", "method", "source_note"})


def states_finding(window: str) -> bool:
    """Does any sentence of the window report a result, a conclusion or a claim of fact?"""
    sents = [window[a:b] for a, b in split_sentences(window)] or [window]
    return any(classify_sentence(x) not in NON_FINDING_ROLES for x in sents)


def candidate_windows(claim: str, chunk: Chunk, n: int = 3) -> list[str]:
    """The passage's sentences most likely to decide the claim: the best single sentences (plus the best one with its
    neighbour when ``n`` >= 3; single sentences keep pairs short, which is most of the verifier's CPU cost)."""
    spans = chunk.sentences or split_sentences(chunk.text)
    sents = [chunk.text[a:b].strip() for a, b in spans if chunk.text[a:b].strip()]
    # digest provenance ("Read from the abstract…", "The abstract gives no numbers…") describes the document, not findings
    sents = [x for x in sents if not is_provenance(x)] or sents
    # text addressing the reader or the system (core.safety) is never evidence, whatever else the passage says
    clean = [x for x in sents if not suspect_reason(x)]
    if not clean:
        return [] if sents else ([chunk.text[:600]] if not suspect_reason(chunk.text) else [])
    sents = clean
    ct = set(_toks(claim))
    claim_pct = bool(re.search(r"\d\s*%", claim))

    def score(s: str) -> float:
        st = _toks(s)
        hit = len(ct & set(st))
        bonus = 1.5 if claim_pct and re.search(r"\d\s*%", s) else 0.0
        return (hit + bonus) / math.sqrt(len(st) + 4)

    ranked = sorted(range(len(sents)), key=lambda i: -score(sents[i]))
    if ct:
        hits = [i for i in ranked if ct & set(_toks(sents[i]))]
        ranked = hits or ranked[:1]  # a sentence sharing no word with the claim cannot decide it
    out: list[str] = []
    best = ranked[0]
    out.append(sents[best])
    nb = [j for j in (best - 1, best + 1) if 0 <= j < len(sents)]
    if nb and n >= 3:  # a two-sentence window roughly doubles the tokens: only when asked for 3+
        j = max(nb, key=lambda j: score(sents[j]))
        out.append(" ".join(sents[min(best, j) : max(best, j) + 1]))
    for i in ranked[1:]:
        if len(out) >= n:
            break
        if sents[i] not in out:
            out.append(sents[i])
    return out[:n]


def _with_numbers(claim: str, chunk: Chunk, windows: list[str], profile: DomainProfile = NEUTRAL) -> list[str]:
    """Add the passage's sentence that reports a number (or, against a claim of no effect, a significant effect) on
    the claim's topic, if the lexical pick missed it: the explicit checks are the most reliable signal there is."""
    has_pct = bool(re.search(r"\d\s*%", claim))
    claims_null = bool(checks._NULL_RE.search(claim))
    if not (has_pct or claims_null):
        return windows
    spans = chunk.sentences or split_sentences(chunk.text)
    for a, b in spans:
        sent = chunk.text[a:b].strip()
        if (
            sent
            and sent not in windows
            and not suspect_reason(sent)
            and (
                (has_pct and checks.numeric_consistency(claim, sent, profile=profile))
                or (claims_null and checks.effect_against_null_claim(claim, sent, profile))
            )
        ):
            return windows + [sent]
    return windows


# ---------------------------------------------------------------------------- stance


def study_weight(study_type: str, mechanism: bool, settings, curated: bool = True) -> float:
    """Study-type weight; cell and animal work counts as direct evidence for mechanism claims. A document the
    manifest does not list (``curated`` False) only declares its study type, so it weighs no more than
    ``uncurated_max_weight``: a file calling itself a meta-analysis cannot outweigh curated evidence."""
    st = (study_type or "").lower()
    w = settings.study_type_weights.get(st, settings.study_type_weights.get("other", 0.5))
    if mechanism and st in {"animal", "in-vitro"}:
        w = max(w, settings.mechanism_cell_weight)
    return w if curated else min(w, settings.uncurated_max_weight)


def decide_stance(
    probs: Sequence[float], findings: list[checks.Finding], settings, relevance: float = 1.0, agree: float = 0.0, oppose: float = 0.0
) -> tuple[str, list[str]]:
    """One passage's stance from explicit findings, the reported direction, and the verifier.

    Numbers far from the claim refute it unless the study concerns another form or species of the
    subject (then it is about something else). Next the direction classifier decides, when it reads
    a direction the claim states in the quote: the same direction supports, the other one (or no
    significant difference against a claimed change) refutes. Only when it reads none does the
    verifier's call count. A null result on the claim's topic refutes a claimed effect unless the
    verifier is confident of support; support under other conditions is kept apart from direct support.
    """
    p_s, p_r, p_n = (float(x) for x in probs)
    reasons: list[str] = []
    cond = [f for f in findings if f.kind in checks.CONDITION_KINDS and f.effect == "mismatch"]
    other_subject = [f for f in cond if f.kind in {"form", "species", "intervention"} and "not stated" not in f.reason]
    num_contra = [f for f in findings if f.kind in {"numeric", "sample_size", "effect"} and f.effect == "contradicts"]
    num_ok = [f for f in findings if f.kind in {"numeric", "sample_size"} and f.effect == "consistent"]
    nulls = [f for f in findings if f.kind == "null"]
    if num_contra and not other_subject:
        stance = REFUTES
    elif agree >= settings.direction_support_min and agree > oppose and not num_contra:
        stance = OTHER_CONDITIONS if cond else SUPPORTS
        reasons.append(f"reports the direction the claim states ({agree:.2f})")
    elif oppose >= settings.direction_refute_min and oppose > agree and not other_subject:
        stance = REFUTES
        reasons.append(f"reports the other direction, or no significant difference ({oppose:.2f})")
    elif p_r >= settings.refute_min and p_r > p_s:
        stance = REFUTES
    elif p_s >= settings.support_min and not num_contra:
        stance = OTHER_CONDITIONS if cond else SUPPORTS
    elif nulls and p_s < 0.5 and not other_subject:
        stance = REFUTES
    elif num_ok and p_r < settings.refute_min:
        stance = OTHER_CONDITIONS if cond else SUPPORTS
    else:
        stance = NEI
    if stance != NEI and relevance < settings.relevance_min and not num_contra and not num_ok:
        # a cross-encoder calls unrelated pairs "refutes" or "supports" often enough; a passage that
        # shares almost no content words with the claim cannot decide it
        stance = NEI
        reasons.append(f"passage shares few of the claim's words ({relevance:.0%}), so the verifier's call is not used")
    top = max(("supports", p_s), ("refutes", p_r), ("not enough info", p_n), key=lambda t: t[1])
    reasons.append(f"verifier: {top[0]} ({top[1]:.2f})")
    for f in findings:
        if f.effect in {"contradicts", "consistent", "mismatch"} or f.kind == "null" or (f.kind == "hedge" and stance != NEI):
            reasons.append(f.reason)
    if stance == OTHER_CONDITIONS:
        reasons.append("supports the claim only under other conditions")
    return stance, reasons


def _passage_windows(claim: str, passages: Sequence[Any], a, profile: DomainProfile) -> tuple[list[Chunk], list[list[str]], dict[str, float]]:
    """The literature passages worth verifying (enough of the claim's words) and the windows of each (``a``: Settings.audit)."""
    chunks = [p.chunk if hasattr(p, "chunk") else p for p in passages]
    chunks = [c for c in chunks if c.role == "literature"]
    topic = without_quantities(claim)  # a claim's figures and doses say nothing of whether a passage is on its topic
    rel = {c.chunk_id: relevance(topic, f"{c.title} {c.text}", profile=profile) for c in chunks}
    chunks = [c for c in chunks if rel[c.chunk_id] >= a.verify_min_relevance]
    windows = [_with_numbers(claim, c, candidate_windows(claim, c, a.windows_per_passage), profile) for c in chunks]
    kept = [(c, ws) for c, ws in zip(chunks, windows) if ws]  # a passage of nothing but suspect text has no window
    return [c for c, _ in kept], [ws for _, ws in kept], rel


def verifier_pairs(claim: str, passages: Sequence[Any], settings, profile: DomainProfile = NEUTRAL) -> list[tuple[str, str]]:
    """The (claim, window) pairs ``assess`` sends the verifier for these passages (windows are picked lexically, so
    they are known before any scoring: the whole-article audit scores every claim's pairs in one pass)."""
    _, windows, _ = _passage_windows(claim, passages, settings.audit, profile)
    return [(claim, w) for ws in windows for w in ws if states_finding(w)]


# general words for giving or using something, which name no agent (... nor adding it: "Including pharmacists in rounding
# teams" is named by "pharmacists", never by a database that "included more than 520,000 drug-ADE associations")
_GIVING = frozenset(
    checks.content_words(
        "taking take takes use using used intake supplementation supplement supplements supplemental treatment treatments "
        "therapy therapies administration administered dose doses dosing exposure oral daily regular chronic acute high low "
        "include includes including included inclusion add adds adding added addition"
    )
)


def _names_actor(actor_words: set[str], passage: str) -> bool:
    """The passage names something of what the claim says acts (``actor_words``: its content words less the corpus
    subject's), or the claim names nothing. A result on the claim's outcome from a passage that never names the claim's
    agent is another agent's: on SciFact, "levels of pol mu protein increase" after radiation was read as a result for
    "Pyridostatin induces double-strand breaks accumulation". Whole passage, not the sentence: a result sentence often
    leaves what acted implicit ("ACTH was suppressed")."""
    return not actor_words or bool(actor_words & checks.content_words(passage))


def _reports_result(sentence: str, section: str, passage: str = "", findings_before: bool = False) -> bool:
    return role_in_passage(sentence, section, passage, findings_before) in RESULT_ROLES


RESULT_ROLES = frozenset({"result", "conclusion"})
# a chunk's meta key, set at retrieval (chatbot.audit.pipeline): the authors said what they found in an earlier chunk of
# the same document, so the chunk's plain sentences are findings (core.cards.role_in_passage)
FINDINGS_BEFORE = "findings_before"


def _directions(
    claim: str, windows: list[list[str]], direction, how: str = "rules", keys: tuple[str, ...] = (), valence: bool = False
) -> tuple[np.ndarray, list[tuple[float, float]], bool]:
    """Each window's four direction probabilities and its (agree, oppose) with the claim (zeros without a classifier),
    and whether the claim states a direction at all."""
    flat = [w for ws in windows for w in ws]
    if direction is None or not flat:
        return np.zeros((len(flat), 4), dtype=np.float32), [(0.0, 0.0)] * len(flat), False
    from chatbot.audit.direction import agree_oppose, read

    # only a window that states a finding is read (the others agree and oppose with nothing, and their probabilities
    # stay zero): about half the windows, and the reading is most of a claim check's cost
    finding = [states_finding(w) for w in flat]
    cd, read_probs = read(claim, [w for w, f in zip(flat, finding) if f], direction, how, keys, valence)
    probs = np.zeros((len(flat), 4), dtype=np.float32)
    if len(read_probs):
        probs[np.asarray(finding)] = read_probs
    return probs, [agree_oppose(cd, p) if f else (0.0, 0.0) for f, p in zip(finding, probs)], cd.definite >= 0.5


# a name in a claim: an acronym or a gene, programme or drug code ("DESMOND", "DUSP4", "apoE4", "Ras-ERK")
_NAME = re.compile(r"\b[A-Za-z][\w-]*(?:[A-Z][\w-]*[A-Z0-9]|\d)[\w-]*\b")


def names_kept(claim: str, passage: str) -> bool:
    """The passage names something the claim names, when the claim names anything. A cross-encoder sure of a refutation
    still read "weight loss of >= 10 % in cachectic NSCLC patients" as refuting "the DESMOND programme had no impact on
    weight loss": a passage about none of the claim's names is about another study."""
    # a name the claim defines itself ("diastolic blood pressure (DBP)") is kept by its long form as well
    longer = {short.lower(): long.lower() for short, long in definitions(claim)}
    names = {m.group(0).lower() for m in _NAME.finditer(claim)}
    low = passage.lower()
    return not names or any(n in low or (n in longer and longer[n] in low) for n in names)


def verifier_sure_refutes(item: EvidenceItem, claim: str, settings) -> bool:
    """The verifier is sure the passage refutes the claim (``AuditSettings.verifier_refute_sure``), and the passage is
    about the claim as a whole: half its words, and one of the names it names. Such a refutation is heard for a claim
    that states a direction, and counts for "contradicted" from one study (``settings`` is ``Settings.audit``)."""
    return item.p_refute >= settings.verifier_refute_sure and _about_the_claims_topic(item, claim, settings)


def _about_the_claims_topic(item: EvidenceItem, claim: str, settings) -> bool:
    """The passage carries half the claim's words (``AuditSettings.topic_min``) and one of the names the claim names."""
    return item.relevance >= settings.topic_min and names_kept(claim, item.chunk.text)


def verifier_sure_supports(item: EvidenceItem, claim: str, settings) -> bool:
    """The verifier is sure the passage states the claim (``AuditSettings.verifier_support_sure``), and the passage is
    about the claim as a whole: half its words, a gated sentence, and one of the names it names. The mirror of
    ``verifier_sure_refutes``; the aggregate asks more of it before it makes a claim "supported" from one study."""
    return item.p_support >= settings.verifier_support_sure and about_the_whole_claim(item, claim, settings)


def about_the_whole_claim(item: EvidenceItem, claim: str, settings) -> bool:
    """The passage carries half the claim's words, its quoted sentence the gate's share, and one of the names the claim
    names: what either path to a sure "supported" asks before it believes the verifier."""
    return item.quote_relevance >= settings.relevance_min and _about_the_claims_topic(item, claim, settings)


# tentative wording: a restatement the authors only put forward ("magnesium appears to improve …") is not one they state
# ("more likely to" / "less likely to" is a result's comparison of risks, not a tentative reading)
TENTATIVE = re.compile(
    r"\b(?:appears?|appeared|seems?|seemed|may|might|could|possibly|probably|(?<!more )(?<!less )likely|suggests?|suggested|suggesting)\b", re.I
)


def restates_supported(item: EvidenceItem, claim: str, settings) -> bool:
    """The passage's sentence restates the claim and the verifier leans to support it (``AuditSettings.
    restated_support_min``, ``restated_similarity_min``), about the claim as a whole as in ``verifier_sure_supports``:
    the cross-encoder reads paraphrase as refutation as often as not, so a paraphrase it still reads as support, which
    the embedding model finds to be the same statement, is as sure as its P >= 0.9 alone."""
    return (
        item.p_support >= settings.restated_support_min
        and item.p_support > item.p_refute
        and item.similarity >= settings.restated_similarity_min
        and _states_the_whole_claim(item, claim, settings)
    )


def _states_the_whole_claim(item: EvidenceItem, claim: str, settings) -> bool:
    """What both second readings of support ask of the quote: not the other direction, not worded tentatively, and
    about the claim as a whole (``about_the_whole_claim``)."""
    return not item.opposite and not TENTATIVE.search(item.text) and about_the_whole_claim(item, claim, settings)


def negation_refuted(item: EvidenceItem, claim: str, settings) -> bool:
    """Two readings of the verifier agree the passage states the claim: it leans to support the claim
    (``support_min``) and is sure the passage refutes the claim's negation (``AuditSettings.negation_refuted_sure``),
    about the claim as a whole and worded as a statement, not tentatively, as in ``restates_supported``. The mirror of
    ``negation_flips``: the cross-encoder reads a paraphrase at P(SUPPORTS) 0.6-0.7 as often as at 0.9 ("in pediatric
    blood and tissues the main subset consists of naive recent thymic emigrants", 0.66) and refutes "It is not true
    that …" of it surely (0.96). The second reading is not independent of the first (it refutes the negation of many an
    on-topic sentence: on the SciFact fit half two claims without evidence had such quotes at 0.94-0.95, kept from
    "supported" by the other guards), hence a sure threshold and every guard of the sure paths."""
    if not item.negation_probs or not claim:
        return False
    n_support, n_refute = item.negation_probs[0], item.negation_probs[1]
    return (
        item.p_support >= settings.support_min
        and item.p_support > item.p_refute
        and n_refute >= settings.negation_refuted_sure
        and n_refute > n_support
        and _states_the_whole_claim(item, claim, settings)
    )


# words that name how an outcome is measured, not what it is: "levels of IME1 RNA" is reported as "reduced expression of
# IME1", "the amount of X" as "less X"
_MEASURE = (
    "level levels concentration concentrations amount amounts quantity quantities content degree extent magnitude "
    # ... or how likely it is: "the chance of cancer mortality" is reported as "cancer mortality"
    "chance chances likelihood probability odds risk risks "
    # ... or how much or how often: "the severity of migraines" is reported as "preventing migraine"
    "severity intensity frequency incidence prevalence number numbers"
)


@functools.lru_cache(maxsize=1)
def _measure_tokens() -> frozenset[str]:
    return frozenset(_toks(_MEASURE))


def _outcome_relevance(outcome: str, groups: set[str], sentence: str, subject: list[str], profile: DomainProfile) -> float:
    """Share of the claim's outcome words in the sentence, words of measure aside (``_MEASURE``) when others remain; 1 when
    it names the same outcome group of the corpus profile ("sleep onset latency" for "the time taken to fall asleep")."""
    if groups and groups & profile.outcome_groups(sentence):
        return 1.0
    named = set(_toks(outcome, profile)) - set(_toks(" ".join(subject), profile)) - _framing_tokens()
    return relevance(outcome, sentence, [*subject, _MEASURE] if named - _measure_tokens() else subject, profile)


# how a dose is given, not what is given: the route and form are the condition checks' business ("oral magnesium" and
# "magnesium" name the same agent), so a result sentence need not repeat them
_ADMINISTRATION = (
    "oral orally intravenous intravenously infusion infused supplement supplements supplemental supplementation "
    "tablet tablets capsule capsules daily dose doses taking taken given therapy therapies treatment treatments drug drugs "
    "medication medications "
    # ... and when or how long: "an overnight infusion" acted as "the infusion" did
    "overnight nightly night-long bedtime weekly chronic acute single long-term short-term "
    # ... the verbs of taking something in, relative pronouns, and the level of an exposure: "the people who took in the
    # most magnesium" is named by "People in the top quartile" (what acts only: "most forms" is what a claim is about)
    "took ate eat eats eaten consume consumes consumed consuming receive receives received receiving who whom whose which most least"
)


@functools.lru_cache(maxsize=8)
def _administration_tokens(forms: tuple[str, ...]) -> frozenset[str]:
    """Tokens of the administration words and the profile's form names (once per profile, not once per passage)."""
    return frozenset(_toks(_ADMINISTRATION + " " + " ".join(forms)))


def _actor_share(actor: str, sentence: str, subject: list[str], profile: DomainProfile) -> float:
    """Share of what acts that the sentence names. Its own words count before the corpus's subject words, which every
    passage shares: "magnesium deficiency" is not named by "magnesium did not affect anxiety", nor "Glycine (the amino
    acid bonded to magnesium)" by "17 minutes shorter with magnesium". Brackets and words of administration aside."""
    skip = _framing_tokens() | _administration_tokens(tuple(profile.forms))
    words = set(_toks(re.sub(r"\([^)]*\)", " ", actor), profile)) - skip
    own = words - set(_toks(" ".join(subject), profile))
    want = own or words
    return len(want & set(_toks(sentence, profile))) / len(want) if want else 0.0


def _frame_relevance(actor: str, sentence: str, outcome_relevance: float, subject: list[str], profile: DomainProfile, paper: str = "") -> float:
    """How much of a claim's core a result sentence names: the mean of its share of what acts (``_actor_share``, at
    least half of it, else 0) and its outcome relevance. A claim with no effect verb has no frame to go by (0: its quote
    relevance decides), since its "outcome" is the whole claim and one shared outcome word is not enough.

    ``paper``: the intervention the corpus records for the paper (its front matter). A result sentence often leaves
    what acted implicit ("ACTH was suppressed from 22:00 to 07:00" in a paper on magnesium infusion); what the paper
    gave counts for it then. Not the paper's title: on SciFact a title naming the claim's exposure lent its words to a
    sentence about another outcome ("infants screened for PDA were treated more often", read against "screening
    increases in-hospital mortality") and made one false "supported"."""
    if not actor:
        return 0.0
    share = _actor_share(actor, sentence, subject, profile)
    if share < 0.5 and paper:
        share = max(share, _actor_share(actor, paper, subject, profile))
    return (share + outcome_relevance) / 2 if share >= 0.5 else 0.0


def _best_window(
    claim: str, c: Chunk, ws: list[str], p: np.ndarray, ao: list[tuple[float, float]], a, profile: DomainProfile
) -> tuple[int, list[checks.Finding]]:
    """The window of a passage that decides it (a number against the claim first, then the surest verifier or direction
    reading) and the findings of every check on it."""
    best: tuple[float, int, list[checks.Finding]] | None = None
    for i, w in enumerate(ws):
        f = checks.numeric_consistency(claim, w, a.numeric_tolerance, profile) + checks.effect_against_null_claim(claim, w, profile)
        key = (2.0 if any(x.effect == "contradicts" for x in f) else 0.0) + float(max(p[i][0], p[i][1], *ao[i]))
        if best is None or key > best[0]:
            best = (key, i, f)
    assert best is not None
    _, i, numeric = best
    text = ws[i]
    meta = dict(c.meta or {})
    meta.setdefault("study_type", c.study_type)
    findings = numeric + checks.condition_checks(claim, text, meta, c.study_type, c.text, a.dose_tolerance, profile)
    # a null result counts against the claim only in the quoted sentence(s); hedges anywhere in the passage
    findings += [f for f in checks.hedges(text, claim, profile) if f.kind == "null"]
    findings += [f for f in checks.hedges(c.text, claim, profile) if f.kind == "hedge"]
    return i, findings


def _verifier_probs(claim: str, flat: list[str], verifier) -> np.ndarray:
    """The verifier's probabilities for each window; a window that states no finding reads NOT ENOUGH INFO whatever
    the verifier would say (``assess`` sets it so), so it is not scored."""
    finding = [states_finding(w) for w in flat]
    probs = np.tile(np.asarray([0.0, 0.0, 1.0], dtype=np.float32), (len(flat), 1))
    scored = [(claim, w) for w, f in zip(flat, finding) if f]
    if scored:
        probs[np.asarray(finding)] = np.asarray(verifier.score(scored), dtype=np.float32)
    return probs


@dataclass(frozen=True)
class _ClaimFrame:
    """What a claim's evidence is gated on: what acts (and its words less the corpus subject's), the outcome and the
    profile's outcome groups and keywords for it."""

    actor: str
    actor_words: frozenset[str]
    outcome: str
    groups: frozenset[str]
    keys: tuple[str, ...]
    subject: list[str]
    profile: DomainProfile

    @classmethod
    def of(cls, claim: str, keys: tuple[str, ...], profile: DomainProfile) -> "_ClaimFrame":
        # (figures out of the outcome only: their removal takes the comma that ends a leading condition phrase with it)
        actor, outcome = claim_core(claim)[0], claim_core(without_quantities(claim))[1]
        # what acts, by the words that name it: none when it is the corpus's subject (every passage's topic) or only
        # general words of giving ("taking", "supplementation")
        named = checks.content_words(actor)
        words = frozenset() if named & checks.subject_stems(profile) else frozenset(named - _GIVING)
        # the corpus profile's outcome groups: paraphrases of one outcome
        return cls(actor, words, outcome, frozenset(profile.outcome_groups(outcome)), keys, list(profile.subject), profile)


def _gated_directions(claim: str, c, xs: list[str], dirs: Sequence[tuple[float, float]], f: _ClaimFrame, a) -> tuple[list[float], list, str]:
    """For one passage's windows (``xs``, short forms spelled out): each one's outcome relevance, its (agree, oppose)
    where the gates let the reported direction count, and the intervention the corpus records for the paper.

    A direction counts from a reported result only (read with its section and what precedes it in the passage): "Sleep
    deprivation slows reaction time" in a paper's background is no finding about what caffeine did; and about the
    claim's outcome: a window whose sentence reports another outcome ("total sleep time did not differ" for a claim on
    sleep latency) must not win the window choice on its direction (a claim without an effect verb has the whole claim
    as its "outcome": its windows compete as they are); and in a passage that names what acts somewhere."""
    from chatbot.audit.direction import focus

    on = [_outcome_relevance(f.outcome, set(f.groups), focus(claim, x, f.keys), f.subject, f.profile) for x in xs]
    passage = spelled_out(c.text, definitions(c.text))
    paper = str((c.meta or {}).get("intervention") or "")  # what the corpus says the paper gave (not its title: _frame_relevance)
    before = bool((c.meta or {}).get(FINDINGS_BEFORE))
    reported = [d if _reports_result(focus(claim, x, f.keys), c.section or "", passage, before) else (0.0, 0.0) for x, d in zip(xs, dirs)]
    named = _names_actor(set(f.actor_words), f"{c.title} {passage} {paper}")
    ao = [d if (o >= a.direction_outcome_min or not f.actor) and named else (0.0, 0.0) for d, o in zip(reported, on)]
    return on, ao, paper


def assess(
    claim: str,
    passages: Sequence[Any],
    verifier,
    settings,
    profile: DomainProfile = NEUTRAL,
    similarity: Callable[[str, list[str]], Sequence[float]] | None = None,
    direction=None,
) -> list[EvidenceItem]:
    """Every literature passage judged against the claim, one verifier call (and one direction call) for all windows."""
    a = settings.audit
    chunks, windows, rel = _passage_windows(claim, passages, a, profile)
    if not chunks:
        return []
    probs = _verifier_probs(claim, [w for ws in windows for w in ws], verifier)
    from chatbot.audit.direction import focus, outcome_keys

    keys = outcome_keys(claim, profile)
    # the word-share gates and the direction read each window with the short forms its passage defines spelled out
    # ("more TMAO" is about "trimethylamine N-oxide"); the verifier and the quote keep the authors' words
    spelled = [[spelled_out(w, definitions(c.text)) for w in ws] for c, ws in zip(chunks, windows)]
    dprobs, dirs, directed = _directions(claim, spelled, direction, a.claim_direction, keys, a.valence_states_no_sign)
    # a claim that states a direction is decided from its parts (reported direction, outcome, conditions, numbers); the
    # verifier's reading of paraphrase counts only for claims that state none (AuditSettings.verifier_for_directed_claims)
    use_verifier = not directed or a.verifier_for_directed_claims
    mech = checks.is_mechanism_claim(claim, profile)
    frame = _ClaimFrame.of(claim, keys, profile)
    actor = frame.actor
    items: list[EvidenceItem] = []
    gates: list[tuple[list[checks.Finding], float]] = []
    k = 0
    for c, ws, xs in zip(chunks, windows, spelled):
        p = probs[k : k + len(ws)].copy()
        dp = dprobs[k : k + len(ws)]
        on, ao, paper = _gated_directions(claim, c, xs, dirs[k : k + len(ws)], frame, a)
        k += len(ws)
        for i, w in enumerate(ws):
            if not states_finding(w):
                p[i] = (0.0, 0.0, 1.0)
        i, findings = _best_window(claim, c, ws, p, ao, a, profile)
        text = ws[i]
        item = EvidenceItem(
            chunk=c,
            text=text,
            probs=tuple(float(x) for x in p[i]),  # type: ignore[arg-type]
            relevance=rel[c.chunk_id],
            findings=findings,
            weight=study_weight(c.study_type, mech, a, curated=(c.meta or {}).get("curated", True)),
        )
        # the gate looks at the quoted sentence(s): a relevant paper's off-topic sentence decides nothing
        item.quote_relevance = relevance(without_quantities(claim), xs[i], frame.subject, profile)
        item.opposite = checks.opposite_direction(claim, text)
        item.direction = tuple(round(float(x), 4) for x in dp[i])
        # the reported direction counts only for a sentence about the claim's outcome: the classifier reads which way a
        # result went, and is less sure whose result it is ("intracellular magnesium rose" is no result on cholesterol)
        read = focus(claim, xs[i], keys)  # the sentence the direction was read from
        item.outcome_relevance = on[i]
        item.frame_relevance = _frame_relevance(actor, read, item.outcome_relevance, frame.subject, profile, paper)
        item.agree, item.oppose = (round(float(x), 4) for x in (ao[i] if on[i] >= a.direction_outcome_min else (0.0, 0.0)))
        # a stance from the reported direction is gated on what acts and the outcome, not on the claim's condition words
        item.by_direction = max(item.agree, item.oppose) >= min(a.direction_support_min, a.direction_refute_min)
        gate = max(item.quote_relevance, item.frame_relevance) if item.by_direction else item.quote_relevance
        items.append(item)
        gates.append((findings, gate))
    # the quotes' cosines with the claim before the stances: a restatement the verifier leans to support is heard for a
    # claim with a direction too (``_heard``)
    if similarity is not None and items:
        for item, sim in zip(items, similarity(claim, [i.text for i in items])):
            item.similarity = float(sim)
    for item, (findings, gate) in zip(items, gates):
        heard = item.probs if use_verifier else _heard(item, claim, a)
        item.stance, item.reasons = decide_stance(heard, findings, a, gate, item.agree, item.oppose)
    _ask_negation(claim, items, verifier, a, frame.subject, profile)
    return items


def _ask_negation(claim: str, items: list[EvidenceItem], verifier, a, subject: Sequence[str] = (), profile: DomainProfile = NEUTRAL) -> None:
    """The verifier's reading of the claim's negation (``EvidenceItem.negation_probs``) on each quote it leans to refute
    (``AuditSettings.refute_min``), and on each whose supporting stance rests on its word alone (``support_holds`` reads
    no other), in one call: a few quotes per claim.

    A support's negation is read on the window's sentence that states the claim (``_claim_sentence``) when the verifier
    supports the claim from that sentence alone: the other sentence of a two-sentence window can negate something else
    ("Concurrent ablation of … ITK does not block spontaneous T cell activation"), and the verifier then supported
    "It is not true that CD28 signals regulate trafficking …" at 0.86 from the window, while it refuted it at 0.97 from
    "… the CD28 co-stimulatory pathway regulates the trafficking of self-reactive … T cells to tissues" alone."""
    asked = [i for i in items if (i.p_refute > i.p_support and i.p_refute >= a.refute_min) or _support_on_its_word(i, a)]
    if not asked or not a.negation_check:
        return
    from core.direction import effect_verb
    from core.negation import negate

    negated = negate(claim, effect_verb(claim))
    alone = {k: x for k, i in enumerate(asked) if _support_on_its_word(i, a) and (x := _claim_sentence(claim, i.text, a, subject, profile))}
    pairs = [(negated, i.text) for i in asked] + [(c, x) for x in alone.values() for c in (claim, negated)]
    scores = verifier.score(pairs)
    n = len(asked)
    # (the claim, its negation) on the stating sentence, in the order ``pairs`` put them after the quotes
    on_sentence = {k: (scores[n + 2 * j], scores[n + 2 * j + 1]) for j, k in enumerate(alone)}
    for k, item in enumerate(asked):
        p = scores[k]
        if k in on_sentence and _leans_support(on_sentence[k][0], a):
            p = on_sentence[k][1]
        item.negation_probs = tuple(round(float(x), 4) for x in p)


def _claim_sentence(claim: str, window: str, a, subject: Sequence[str] = (), profile: DomainProfile = NEUTRAL) -> str:
    """The sentence of a window of several that carries most of the claim's words, when it alone carries the gate's share
    (``AuditSettings.relevance_min``); "" for a one-sentence window or when none does."""
    sentences = [window[x:y].strip() for x, y in split_sentences(window)]
    sentences = [x for x in sentences if x]
    if len(sentences) < 2:
        return ""
    topic = without_quantities(claim)
    share, best = max((relevance(topic, x, subject, profile), x) for x in sentences)
    return best if share >= a.relevance_min else ""


def _leans_support(p: Sequence[float], a) -> bool:
    """The verifier's (P(SUPPORTS), P(REFUTES), P(NEI)) leans to support, at ``AuditSettings.support_min`` or more."""
    return float(p[0]) >= a.support_min and float(p[0]) > float(p[1])


def _support_on_its_word(item: EvidenceItem, a) -> bool:
    """The quote supports the claim (here or under other conditions) because the verifier leans to support it, with no
    reported direction or consistent number behind it: the supports ``aggregate._held`` asks ``support_holds`` of."""
    return (
        item.stance in (SUPPORTS, OTHER_CONDITIONS)
        and item.p_support > item.p_refute
        and item.p_support >= a.support_min
        and item.agree < a.direction_support_min
        and not item.has("numeric", "consistent")
    )


def negation_flips(item: EvidenceItem, claim: str, a) -> bool:
    """Two readings agree the quote refutes the claim: the verifier refutes the claim and supports its negation, from a
    passage about the claim as a whole (half its words, one of its names). Such a refutation counts from one study, as a
    sure one does (``verifier_sure_refutes``), so it asks a surer reading of the negation
    (``AuditSettings.negation_flip_sure``) than keeping a refutation does (``refutation_holds``)."""
    return _negation_supported(item, a.negation_flip_sure) and _about_the_claims_topic(item, claim, a)


def _negation_supported(item: EvidenceItem, at: float) -> bool:
    """Asked about the claim's negation, the verifier leans to support it, at ``at`` or more (False when not asked)."""
    if not item.negation_probs:
        return False
    p_s, p_r = item.negation_probs[0], item.negation_probs[1]
    return p_s >= at and p_s > p_r


def refutation_holds(item: EvidenceItem, claim: str, a) -> bool:
    """The verifier's refutation of the claim stands unless it refutes the claim's negation as well and the quote has no
    word that sets it against the claim (``checks.contrasts``: a negation, a figure, a word of the other direction).
    A verifier refuting a sentence's plain restatement and its negation alike is misreading a paraphrase: on a PubMedQA
    fit half it was 0.96 sure "All four ethnic groups exhibit deprivation gradients in all-cause mortality" refutes "all
    ethnic groups … exhibit socio-economic mortality gradients", and 0.95 sure it refutes "It is not true that all ethnic
    groups …". A real refutation either flips (it supports the negation: "Delivery mode did not affect …") or has a word
    against the claim; on SciFact, "DUSP4 downregulation activates the Ras-ERK pathway" refutes "… deactivates …" and,
    to the verifier, its negation too, and only the contrast of "activates" and "deactivates" keeps it."""
    if not item.negation_probs or not claim:
        return True
    return _negation_supported(item, a.negation_flip_min) or checks.contrasts(claim, item.text)


def support_holds(item: EvidenceItem, claim: str, a) -> bool:
    """The verifier's support stands unless it leans to support the claim's negation too (``negation_flip_min``, as
    ``refutation_holds`` asks of a refutation): a reader that finds a sentence states both a claim and its negation has
    read neither. On a PubMedQA corpus's fit half, the quotes behind 41 "supported" questions its authors answer "yes"
    gave the negation P(SUPPORTS) 0.22 at most; three behind "no" or "maybe" gave 0.53 to 0.87 ("It is not true that
    self-efficacy mediates …" from "more research is needed to examine the mechanisms …; self-efficacy …"). On the
    SciFact fit half the 12 supported claims' quotes gave 0.27 at most. A support the reported direction or a
    consistent number backs is not the verifier's word alone (``_support_on_its_word``) and stands. Nor does a support
    whose quote says one of the claim's words only with a prefix that negates it (``checks.negated_by_prefix``:
    "UCP1-independent" for "UCP1-dependent", read at 0.95)."""
    if not claim or not _support_on_its_word(item, a):
        return True
    return not _negation_supported(item, a.negation_flip_min) and not checks.negated_by_prefix(claim, item.text)


def _heard(item: EvidenceItem, claim: str, a) -> tuple[float, float, float]:
    """What the stance hears of the verifier for a claim that states a direction: its call only where it is sure, and no
    reported direction is against it. A sure refutation (``AuditSettings.verifier_refute_sure``) always; a sure support
    (``verifier_sure_supports``, or a restatement it leans to support: ``restates_supported``) where
    ``AuditSettings.verifier_sure_for_directed_claims``. The direction classifier reads no sign in many a plain
    statement of the claim ("rim1 mutations cause reduced expression of IME1" for "Mutations in RIM1 decrease levels of
    IME1 RNA": its outcome words are only a third in the sentence), and the sure paths keep every guard of a claim
    without a direction."""
    if verifier_sure_refutes(item, claim, a):
        return (0.0, item.p_refute, 1.0 - item.p_refute)
    sure = verifier_sure_supports(item, claim, a) or restates_supported(item, claim, a)
    if a.verifier_sure_for_directed_claims and sure and item.oppose < a.direction_refute_min:
        return (item.p_support, 0.0, 1.0 - item.p_support)
    return (0.0, 0.0, 1.0)

"""The one table of study designs: how each is named to a reader, counted in a reason, and ranked.

Why one table: the audit's reasons ("2 RCTs, 1 animal study"), the answer's citation labels, the app's
"strongest design" column and the audit's default weights each kept their own list, and a design added
to one (``case-control``) was unknown to the others. The weights stay a setting
(``AuditSettings.study_type_weights``, defaulting from ``default_weight`` here) because they change
verdicts; the words and the ranking are presentation and live here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StudyType:
    key: str  # as written in the manifest / front matter (lower case, hyphens)
    label: str  # a citation's label ("RCT", "in vitro"); "" says nothing
    noun: str  # counted in a reason: "1 RCT", "2 animal studies"
    rank: int  # place on the usual evidence hierarchy (higher = stronger design)
    default_weight: float | None = None  # the audit's default weight; None: not weighted by default ("other" applies)


STUDY_TYPES: tuple[StudyType, ...] = (
    StudyType("meta-analysis", "meta-analysis", "meta-analysis", 9, 1.0),
    StudyType("systematic-review", "systematic review", "systematic review", 8, 0.95),
    StudyType("rct", "RCT", "RCT", 7, 0.85),
    StudyType("crossover-trial", "crossover trial", "crossover trial", 7, 0.8),
    StudyType("cohort", "cohort study", "cohort study", 5, 0.55),
    StudyType("pharmacokinetic", "pharmacokinetic study", "pharmacokinetic study", 4, 0.6),
    StudyType("case-control", "case-control study", "case-control study", 4),
    StudyType("observational", "observational study", "observational study", 4),
    StudyType("cross-sectional", "cross-sectional study", "cross-sectional study", 3),
    StudyType("narrative-review", "narrative review", "narrative review", 2, 0.35),
    StudyType("fact-sheet", "fact sheet", "fact sheet", 2, 0.35),
    StudyType("animal", "animal study", "animal study", 1, 0.25),
    StudyType("in-vitro", "in vitro", "in-vitro study", 1, 0.2),
    StudyType("other", "", "study", 0, 0.5),
    StudyType("article", "", "article", 0),
)
BY_KEY: dict[str, StudyType] = {t.key: t for t in STUDY_TYPES}
_UNSTATED = {"", "unknown", "none"}


def _key(study_type: str | None) -> str:
    return (study_type or "").strip().lower()


def label(study_type: str | None) -> str:
    """A citation's label ("rct" -> "RCT"); a design not in the table passes through readable."""
    k = _key(study_type)
    if k in BY_KEY:
        return BY_KEY[k].label
    return k.replace("_", " ").replace("-", " ")


def noun(study_type: str | None) -> str:
    """What one study of this design is called when counted; "study" when the design is not stated."""
    k = _key(study_type)
    if k in BY_KEY:
        return BY_KEY[k].noun
    return "study" if k in _UNSTATED else k


def rank(study_type: str | None) -> int:
    """Place on the evidence hierarchy; 0 for unknown designs."""
    t = BY_KEY.get(_key(study_type))
    return t.rank if t else 0


def default_weights() -> dict[str, float]:
    """The audit's default study-type weights (``AuditSettings.study_type_weights``)."""
    return {t.key: t.default_weight for t in STUDY_TYPES if t.default_weight is not None}

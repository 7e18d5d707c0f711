"""The corpus profile: what one corpus's subject is called, so no module hard-codes a topic.

Every corpus is about something (magnesium, vitamin D, caffeine …). The claim audit needs a
little vocabulary about that subject: its forms or preparations ("glycinate", "oxide"), the
other agents a study may give instead of it or beside it ("glycine", "melatonin"), the outcome
groups within which numbers are comparable ("sleep latency"), units that convert to one dose
scale, and synonyms that bridge an article's words and the papers' words. That vocabulary is
*data* — ``domain.yaml`` beside the corpus (copied into each store version by ingest) — and a
corpus without one gets the neutral default below, with which every check still runs: numbers
are then compared by the words around them, and no form or agent checks fire.

General biomedical vocabulary (populations, species, in-vitro work, routes of administration,
null results, hedges) is not about one subject and stays in code (``chatbot.audit.checks``).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from core.errors import ConfigError

PROFILE_FILE = "domain.yaml"


class DomainProfileError(ConfigError):
    """``domain.yaml`` exists but is not a valid profile; the message says which field is wrong."""


class DomainProfile(BaseModel):
    """Vocabulary of one corpus's subject. Every field is optional: the default is topic-neutral."""

    name: str = Field("", description="Short name of the corpus's subject, shown in the app title (e.g. 'magnesium glycinate').")
    subject: list[str] = Field(
        default_factory=list,
        description="Words naming the subject itself (e.g. magnesium). Every passage shares them, so "
        "they do not count when judging whether a sentence is about a claim.",
    )
    subject_aliases: dict[str, str] = Field(
        default_factory=dict, description="Regular expression → subject word, for symbols papers use (e.g. 'Mg2+' → magnesium)."
    )
    forms: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Forms, salts or preparations of the subject: name → regular expressions. "
        "A claim about one form is extrapolated from evidence about another.",
    )
    form_label: str = Field("form", description="What a form is called in reasons ('magnesium form').")
    broad_forms: list[str] = Field(
        default_factory=list, description="Forms that are umbrella terms, dropped when a specific form is named beside them (e.g. 'amino-acid chelate')."
    )
    other_agents: list[str] = Field(
        default_factory=list,
        description="Agents that are not the subject (e.g. glycine, melatonin, zinc): a study of "
        "one of them alone does not show the subject's effect, and given with the subject they are co-interventions.",
    )
    outcomes: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Outcome groups: name → keywords. Numbers are compared only within one outcome; without groups, by the words next to each number.",
    )
    dose_units: dict[str, float] = Field(
        default_factory=lambda: {"mg": 1.0, "g": 1000.0}, description="Dose units → factor to one scale (mg). E.g. mmol of magnesium = 24.305 mg."
    )
    synonyms: dict[str, str] = Field(
        default_factory=dict,
        description="Word stem → extra query words, for a second retrieval query in the paper's vocabulary (e.g. 'bioavailab' → 'absorption absorbed').",
    )
    mechanism_terms: list[str] = Field(
        default_factory=list,
        description="Extra words that mark a mechanism claim (judged on cell and animal work), beside the general ones (receptor, channel, enzyme …).",
    )
    clinical_terms: list[str] = Field(
        default_factory=list, description="Extra words that mark a clinical claim (needs human studies), beside the general ones (patients, symptoms …)."
    )
    boilerplate: list[str] = Field(
        default_factory=list, description="Regular expressions for page furniture of this corpus's article (publisher, series names) that is never a claim."
    )
    example_questions: list[str] = Field(default_factory=list, description="Questions the app offers as examples.")

    # -- compiled views (cached per instance) -------------------------------------------------
    def form_patterns(self) -> dict[str, re.Pattern[str]]:
        return _compile_forms(tuple((k, tuple(v)) for k, v in self.forms.items()))

    def forms_in(self, text: str) -> set[str]:
        """Forms of the subject named in ``text`` (umbrella forms only when no specific one is named)."""
        found = {k for k, rx in self.form_patterns().items() if rx.search(text)}
        if found - set(self.broad_forms):
            found -= set(self.broad_forms)
        return found

    def agents_in(self, text: str) -> list[str]:
        low = text.lower()
        return [a for a in self.other_agents if re.search(r"\b" + re.escape(a.lower()) + r"\b", low)]

    def subject_re(self) -> re.Pattern[str] | None:
        """Matches a mention of the subject (its words, aliases or any form)."""
        parts = [r"\b" + re.escape(w) + r"\b" for w in self.subject] + list(self.subject_aliases)
        parts += [p for ps in self.forms.values() for p in ps]
        return re.compile("|".join(f"(?:{p})" for p in parts), re.I) if parts else None

    def mentions_subject(self, text: str) -> bool:
        rx = self.subject_re()
        return bool(rx and rx.search(text))

    def normalise_aliases(self, text: str) -> str:
        """Symbols read as the subject's word (papers write Mg2+, the article magnesium)."""
        for pattern, word in self.subject_aliases.items():
            text = re.sub(pattern, word, text)
        return text

    def outcome_groups(self, text: str) -> set[str]:
        """The outcome groups whose keywords the text mentions ("time taken to fall asleep" and "sleep onset latency" are
        both sleep_latency): paraphrases of one outcome that share no word."""
        low = text.lower()
        return {name for name, keys in self.outcomes.items() if any(re.search(r"\b" + re.escape(k.lower()), low) for k in keys)}

    def topic_synonyms(self, text: str) -> list[tuple[str, str]]:
        """The synonym entries whose term the text uses, less forms and the subject: those are conditions every
        passage of the corpus shares, not what the text is about ("gastrointestinal" → "side effects adverse events
        diarrhoea"; not "glycinate" → "diglycinate chelate")."""
        low = text.lower()
        return [(k, v) for k, v in self.synonyms.items() if k.lower() in low and not self.forms_in(k) and not self.mentions_subject(k)]

    def expand_query(self, text: str) -> str | None:
        low = text.lower()
        extra = [v for k, v in self.synonyms.items() if k.lower() in low]
        return f"{text} {' '.join(extra)}" if extra else None


@functools.lru_cache(maxsize=32)
def _compile_forms(forms: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, re.Pattern[str]]:
    return {k: re.compile("|".join(f"(?:{p})" for p in ps), re.I) for k, ps in forms}


NEUTRAL = DomainProfile()


def load_profile(folder: str | Path | None) -> DomainProfile:
    """The profile in ``folder/domain.yaml`` (a corpus folder or a store version), else the neutral one.

    A malformed file raises ``DomainProfileError`` naming the field: silently auditing with the
    neutral profile would hide the mistake behind worse verdicts.
    """
    if folder is None:
        return NEUTRAL
    path = Path(folder) / PROFILE_FILE
    if not path.is_file():
        return NEUTRAL
    return _load(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _load(path: str, _mtime: int) -> DomainProfile:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DomainProfileError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise DomainProfileError(f"{path}: expected a mapping of fields, got {type(data).__name__}")
    try:
        return DomainProfile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ()))
        raise DomainProfileError(f"{path}: field '{where}': {first.get('msg')}") from exc


def profile_for(snapshot=None, settings=None) -> DomainProfile:
    """The profile a reader uses: the one stored with the store version, else the corpus folder's."""
    path = getattr(snapshot, "path", None)
    if path is not None and (Path(path) / PROFILE_FILE).is_file():
        return load_profile(path)
    corpus = getattr(settings, "corpus_dir", None)
    if corpus is None and snapshot is not None:
        corpus = getattr(getattr(snapshot, "settings", None), "corpus_dir", None)
    return load_profile(corpus)

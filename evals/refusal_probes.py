"""`python -m evals refusal-probes [--file F]`: which answerable questions the answer service refuses.

Why: the suite's held-out third showed one false refusal, and its failures are not to be read. These questions
were written afterwards to probe, in general forms, what a refusal can come from. The first 100 (2026-12-06): role-play,
manner and form requests ("Write a tweet about …"), asking words ("what does the article *claim about* …"), a study named
by its author or by year and design, provenance ("Who published the article?"), the article's reliability as a whole,
the collection ("Which studies were done in animals?"), statistics asked for, follow-ups, and adversarial premises,
personas and injected instructions (the last 20 of them, written after the first 80 were fixed). p101-p120 (a later
session, written before any change in it): more adversarial ones, false premises, loaded and rhetorical questions,
introductions ("Skeptic here."); p121-p132, written after those were fixed: loaded premises in the style of the
suite's adversarial tuning questions ("Just confirm …", "Which study proves …", hearsay). Each is marked answerable or not
(one is not: the corpus names the RDA only in exclusion criteria, without its value). Their failures were read and
fixed, so they are tuning questions, not held-out ones; the command keeps them from regressing. The rhetorical
"Obviously the rat study proves glycinate is best, so why bother with human trials?" was answered once a study found by
its source note brought its results (``chatbot.answer.study_passages``), "Skeptic here. Which of the article's claims
rests on the weakest study?" once an introduction was dropped and "rests on" read as asking about the article's
reliability, "My naturopath says …" once hearsay was dropped, and "Given that the Japanese glycine studies were
industry funded, should their results be ignored?" once questions about funding and affiliations were answered from the
digests' source notes (``chatbot.answer.ties``). None is refused now.

p133-p155 (2026-12-06, written before the change they led to): other forms of asking — a chat label ("ELI5: …"), typos
("whats the evidnce that magnesium helps anxeity"), keyword-only queries, tables, follow-ups after a turn, comparisons.
Two answerable ones were refused: the label and the typos were read as terms no document mentions
(``chatbot.scope``: a one-word label before a question that names its own subject frames it; a word one edit, or one
swap of neighbouring letters, from a word of the corpus as typed is a misspelling). Two unanswerable ones are still
answered, and the command reports them: the RDA's value (the corpus names the RDA only in exclusion criteria) and
lithium for bipolar disorder (both ordinary English words, which the guard leaves alone so that a paraphrase such as
"tiredness" for "fatigue" is never refused; the answer's lead says no study addressing it tested glycinate).

p156-p205 (the same day, written before the changes they led to): keyword-only and polite forms, follow-ups after an
answer (pronouns, "the second source", "[2]"), place questions, a quoted article sentence, units, a question in
Spanish. p156-p185 were all answered. Of p186-p205, four were refused and three are fixed: "Tell me more about the
second source." (a source named by its number now brings what the last answer cited it for), "Explain the PEPT1 claim
in the article …" (read as a question about the article; framing words left out of the BM25 query), and the Spanish
question, which is now marked not answerable here: the corpus is English, and the refusal says to ask in English.
Still refused: "Is serum magnesium a reliable test?" — the fact sheet's "serum values correlate poorly with total body
magnesium" shares no topic word with "reliable test", and no signal here reads the one as the other.

p206-p225 (the same day, written before their fixes): effect sizes, p-values, doses, strong claims and follow-ups in other
words. Four were refused; three are fixed ("What happened to cortisol?" after an answer naming it is a follow-up;
"Were there any dropouts or side effects?" asks about the trial under discussion; "Give me the sample sizes of every
sleep trial" is no artefact request and reads as asking who and how many). Still refused: "What fraction of magnesium
oxide was absorbed in the isotope study of patients with short bowel?" — no document says "bowel" (the digest says
"ileal resection"), and the out-of-corpus guard refuses a specific word no document has, by design.

p226-p245 (the same day, written before their fixes): comparisons, pros and cons, hypotheticals, the corpus itself, the
fact sheet. Two were refused, both fixed: "What does the fact sheet say magnesium is needed for?" (the fact sheet's
"What the attributed excerpts say" section was read as a note about the source, so no sentence of it could be quoted;
it is now background, and this also answers "Is serum magnesium a reliable test?", p203) and "Are these summaries the
full papers or just abstracts?" (answered from the documents' records: what each digest was read from).

p246-p260 (the same day, after those fixes, before any further change): none of the answerable ones was refused; p254
("Is there any evidence in children?") is answered "No study in the corpus included children." and marked not answerable.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

DEFAULT = Path(__file__).parent / "data" / "refusal_probes.jsonl"


def read_probes(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str]) -> int:
    from core.settings import get_settings
    from core.store import open_snapshot
    from services import build_services

    p = argparse.ArgumentParser(prog="python -m evals refusal-probes", description=__doc__.splitlines()[0])
    p.add_argument("--file", type=Path, default=DEFAULT, help="JSONL of {id, question, history, answerable, group}")
    a = p.parse_args(argv[1:])
    s = get_settings()
    services = build_services(s)
    answers = services.answerer(services.retriever(open_snapshot(s)))
    probes = read_probes(a.file)
    wrong = []
    for q in probes:
        ans = answers.answer(q["question"], history=q.get("history") or None)
        if bool(ans.refused) == bool(q["answerable"]):
            wrong.append(q)
            print(f"{'refused' if ans.refused else 'answered'}: {q['id']} {q['question']}")
    answerable = [q for q in probes if q["answerable"]]
    falsely = sum(1 for q in wrong if q["answerable"])
    print(f"{len(probes)} probes: answerable refused {falsely}/{len(answerable)}, unanswerable answered {len(wrong) - falsely}/{len(probes) - len(answerable)}")
    return 1 if wrong else 0

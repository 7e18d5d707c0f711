"""`python -m evals <command>`: dispatches to the module that owns each command (listed in COMMANDS)."""

from __future__ import annotations

import sys

from core.cli import entry_point

COMMANDS = {
    "beir": ("evals.beir", "Retrieval metrics on a BEIR-format folder (throw-away index)"),
    "verify-pairs": ("evals.verify_pairs", "Label {claim, evidence} JSONL lines with the verifier"),
    "run": ("evals.runner", "Run the answer-quality suite and write a report"),
    "compare": ("evals.compare", "Compare two results.json files; non-zero exit on regression"),
    "audit-corpus": ("evals.audit_corpus", "Claim audit of a corpus built from SciFact claims vs their gold labels"),
    "audit-quotes": ("evals.audit_quotes", "What the claim audit quotes as the closest reported result, by sentence role"),
    "evidence-ceiling": ("evals.evidence_ceiling", "How well the verifier separates labelled findings, given the right studies and via the audit"),
    "qa-corpus": ("evals.qa_corpus", "Answers on a corpus built from the PubMedQA expert set: false refusals, cited abstracts"),
    "refusal-probes": ("evals.refusal_probes", "Which answerable probe questions the answer service refuses"),
}


main = entry_point("python -m evals", COMMANDS)


if __name__ == "__main__":
    sys.exit(main())

"""`python -m evals {beir,verify-pairs,run,compare}`: dispatches to the module that owns each command."""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "beir": ("evals.beir", "Retrieval metrics on a BEIR-format folder (throw-away index)"),
    "verify-pairs": ("evals.verify_pairs", "Label {claim, evidence} JSONL lines with the verifier"),
    "run": ("evals.runner", "Run the answer-quality suite and write a report"),
    "compare": ("evals.compare", "Compare two results.json files; non-zero exit on regression"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in COMMANDS:
        print("usage: python -m evals {" + ",".join(COMMANDS) + "} ...\n")
        for name, (_, desc) in COMMANDS.items():
            print(f"  {name:13s} {desc}")
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return int(module.main(argv) or 0)


if __name__ == "__main__":
    sys.exit(main())

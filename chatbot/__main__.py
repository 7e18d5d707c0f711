"""`python -m chatbot {ask,check,audit}`: dispatches to the module that owns each command."""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "ask": ("chatbot.cli_ask", "Answer a question with numbered citations"),
    "check": ("chatbot.audit.cli", "Verdict for one free-text claim against the literature"),
    "audit": ("chatbot.audit.cli", "All extracted claims of the article with their verdicts"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in COMMANDS:
        print("usage: python -m chatbot {" + ",".join(COMMANDS) + "} ...\n")
        for name, (_, desc) in COMMANDS.items():
            print(f"  {name:8s} {desc}")
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return int(module.main(argv) or 0)


if __name__ == "__main__":
    sys.exit(main())

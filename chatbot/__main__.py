"""`python -m chatbot {ask,check,audit}`: dispatches to the module that owns each command."""

from __future__ import annotations

import sys

from core.cli import entry_point

COMMANDS = {
    "ask": ("chatbot.cli_ask", "Answer a question with numbered citations"),
    "check": ("chatbot.audit.cli", "Verdict for one free-text claim against the literature"),
    "audit": ("chatbot.audit.cli", "All extracted claims of the article with their verdicts"),
}


main = entry_point("python -m chatbot", COMMANDS)


if __name__ == "__main__":
    sys.exit(main())

"""`python -m cli {ask,check,audit,ingest,manifest}`: dispatches to the module that owns each command."""

from __future__ import annotations

import sys

from core.cli import entry_point

COMMANDS = {
    "ask": ("cli.ask", "Answer a question with numbered citations"),
    "check": ("cli.audit", "Verdict for one free-text claim against the literature"),
    "audit": ("cli.audit", "All extracted claims of the article with their verdicts"),
    "ingest": ("cli.ingest", "Bring the store in line with the corpus folder (unchanged documents are skipped)"),
    "manifest": ("cli.manifest", "Regenerate corpus/manifest.yaml from the documents' front matter"),
}


main = entry_point("python -m cli", COMMANDS)


if __name__ == "__main__":
    sys.exit(main())

"""`python -m cli ask "QUESTION" [--json] [--k N] [--llm NAME] [--role article|literature]`.

Why plain output lists sources separately: a reader checks a claim by its number, so each number
must lead to a title, year, study type, location and a link without reading JSON.
"""

from __future__ import annotations

import argparse
import json
import sys

from chatbot.render_text import answer_json, format_plain
from chatbot.retrieval import Filters
from core.cli import utf8_text
from core.errors import LLMUnavailableError, StoreMissingError, StoreUnavailableError
from services import Services, build_services


def passage_count(text: str) -> int:
    """``--k``: a whole number of passages, 1 or more (0 used to mean the default and -1 one passage, silently)."""
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of passages, 1 or more (got {text!r})") from None
    if k < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more passages (got {k}); leave it out for the default")
    return k


def main(argv: list[str], services: Services | None = None) -> int:
    """``argv`` starts with the command name (``core.cli.dispatch`` passes it); ``services`` defaults to the
    one built from the environment's settings, so tests hand in fakes and the command wires the real parts."""
    p = argparse.ArgumentParser(prog="python -m cli ask", description="Answer a question with numbered citations.")
    p.add_argument("question", type=utf8_text)
    p.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    p.add_argument(
        "--k",
        type=passage_count,
        default=None,
        help="passages to retrieve, 1 or more (default: settings.retrieval.k; more than the store holds means all of them)",
    )
    p.add_argument("--llm", default=None, metavar="NAME", help="answer with an LLM: llamacpp[:GGUF], ollama[:MODEL], openai[:MODEL] or 'default' (settings)")
    p.add_argument("--role", choices=["article", "literature"], default=None, help="search only one side")
    a = p.parse_args(argv[1:])

    if services is None:
        services = build_services()
    filters = Filters(role=a.role) if a.role else None
    answerer = a.llm or "deterministic"
    try:
        if a.k is not None:
            held = len(services.retriever().snapshot.chunks)
            if a.k > held:  # asking for more only costs time (100000 took 21 s)
                print(f"note: --k {a.k} is more than the {held} passages in the store; using {held}", file=sys.stderr)
                a.k = held
        service = services.answerer()
        if a.json or answerer == "deterministic":
            ans = service.answer(a.question, k=a.k, filters=filters, answerer=answerer)
        else:  # stream tokens to the terminal, then print the checked answer
            stream = service.stream(a.question, k=a.k, filters=filters, answerer=answerer)
            for piece in stream:
                print(piece, end="", file=sys.stderr, flush=True)
            print(file=sys.stderr)
            ans = stream.record()
    except StoreMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (StoreUnavailableError, LLMUnavailableError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if a.json:
        print(json.dumps(answer_json(ans), ensure_ascii=False, indent=1))
    else:
        print(format_plain(ans))
    return 0

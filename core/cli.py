"""The one command dispatcher: ``python -m cli {ask,check,audit,ingest,manifest}``, ``python -m evals {...}``.

Each package's ``__main__`` holds a plain dict, command name → (module, one-line description);
adding a command is adding an entry. The module is imported only when its command runs (so
``--help`` and a typo cost nothing) and its ``main(argv)`` receives argv *including* the command
name, so one module can serve several commands.
"""

from __future__ import annotations

import importlib
import sys

Commands = dict[str, tuple[str, str]]


def usage(prog: str, commands: Commands) -> str:
    width = max([8] + [len(n) + 1 for n in commands])
    lines = [f"usage: {prog} {{" + ",".join(commands) + "} ...", ""]
    lines += [f"  {name:{width}s} {desc}" for name, (_, desc) in commands.items()]
    return "\n".join(lines)


def dispatch(prog: str, commands: Commands, argv: list[str] | None = None) -> int:
    """Run the command named by ``argv[0]``; usage (exit 2, or 0 for -h/--help) otherwise."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in commands:
        print(usage(prog, commands))
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    from core.errors import MagcheckError

    module = importlib.import_module(commands[argv[0]][0])
    try:
        return int(module.main(argv) or 0)
    except MagcheckError as exc:  # our own errors say what failed and how to fix it: one line, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2


def entry_point(prog: str, commands: Commands):
    """The ``main(argv=None) -> int`` of a package's ``__main__``: one style for every front end."""

    def main(argv: list[str] | None = None) -> int:
        return dispatch(prog, commands, argv)

    main.__doc__ = f"`{prog} {{{','.join(commands)}}}`"
    return main


def utf8_text(value: str) -> str:
    """An argparse ``type`` for free text: bytes that are not UTF-8 reach Python as lone surrogates and used to
    end in a tokenizer traceback; say what is wrong instead."""
    import argparse

    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        shown = value.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
        raise argparse.ArgumentTypeError(f"is not valid UTF-8 text ({shown!r}); pass the text in UTF-8") from None
    if not value.strip():
        raise argparse.ArgumentTypeError("is empty; give some text")
    return value

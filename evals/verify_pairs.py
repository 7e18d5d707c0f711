"""`python -m evals verify-pairs IN.jsonl OUT.jsonl [--model PATH]`: label claim/evidence pairs.

This is how the verifier is measured on any labelled dataset (gold labels pass through untouched
beside the predicted ``label`` and ``scores``). Lines are streamed in blocks, so a large file
never sits in memory, and each block is length-sorted inside the verifier to keep padding low.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Iterator, TextIO


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def _blocks(fh: TextIO, size: int) -> Iterator[list[dict]]:
    block: list[dict] = []
    for n, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"line {n}: not JSON ({exc})") from exc
        if not isinstance(row, dict) or "claim" not in row or "evidence" not in row:
            raise SystemExit(f'line {n}: needs "claim" and "evidence" fields')
        block.append(row)
        if len(block) >= size:
            yield block
            block = []
    if block:
        yield block


def label_file(inp: Path, out: Path, verifier, block_size: int = 256, progress: bool = True) -> int:
    """Write every input line plus ``label`` and ``scores``; returns the number of lines written."""
    from tqdm import tqdm

    from chatbot.audit.verifier import LABELS

    total = _count_lines(inp)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    written = 0
    with (
        inp.open(encoding="utf-8") as fin,
        tmp.open("w", encoding="utf-8") as fout,
        tqdm(total=total, unit="pair", desc="verify-pairs", disable=not progress, file=sys.stderr) as bar,
    ):
        for block in _blocks(fin, block_size):
            probs = verifier.score([(str(r["claim"]), str(r["evidence"])) for r in block])
            for row, p in zip(block, probs):
                scores = {lab: round(float(x), 4) for lab, x in zip(LABELS, p)}
                row = dict(row, label=max(scores, key=scores.get), scores=scores)
                fout.write(json.dumps(row, ensure_ascii=False) + "\n")
            written += len(block)
            bar.update(len(block))
    tmp.replace(out)
    return written


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "verify-pairs":
        argv = argv[1:]
    ap = argparse.ArgumentParser(prog="python -m evals verify-pairs", description="Label {claim, evidence} JSONL lines with the verifier")
    ap.add_argument("input", type=Path)
    ap.add_argument("output", type=Path)
    ap.add_argument("--model", type=Path, default=None, help="verifier folder (default: settings.verifier_model)")
    ap.add_argument("--batch-size", type=int, default=None, help="pairs per forward pass")
    ap.add_argument("--block", type=int, default=256, help="lines read and written per block")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    from chatbot.audit.verifier import VerifierMissingError, get_verifier
    from core.settings import get_settings

    if not args.input.exists():
        print(f"error: {args.input} does not exist", file=sys.stderr)
        return 1
    try:
        verifier = get_verifier(get_settings(), path=args.model)
    except VerifierMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.batch_size:
        verifier.batch_size = args.batch_size
    n = label_file(args.input, args.output, verifier, args.block, progress=not args.no_progress)
    print(f"wrote {n} labelled pairs to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

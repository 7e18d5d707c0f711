"""The trained 3-way claim verifier (cross-encoder over (claim, evidence) pairs).

Loaded once per process because loading costs far more than scoring a claim's evidence.
Weights ship in fp16 to stay small, but fp16 matmuls on CPU are slow and lossy, so the model
is cast to fp32 after loading.

Each pair is padded to the next multiple of ``pad_multiple`` tokens, a length that depends on the
pair alone, and scored in batches of that *equal padded length*. A pair's probabilities then depend
on the pair alone, not on which other pairs share its batch: they equal scoring it by itself, bit
for bit (checked in tests/test_verifier_batching.py). Padding each batch to its longest pair did
not: in bf16 a pair's probabilities moved by up to 0.011 with its batch-mates, and the padded half
of every batch (48% of the tokens on the default article's 3,988 pairs) cost more than the tokens
themselves. Exact lengths (``pad_multiple`` 1) left a chat claim check's ~17 pairs in ~15 batches of
one or two; a multiple of 16 pads ~12% and runs its claim check's two models in about 65% of the time
(``AuditSettings.pad_multiple``). Because scores are per pair, ``PrescoredVerifier`` can score a whole
article's pairs in one pass, where most lengths fill whole batches (benchmarks/audit_bench.py).
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from core.errors import ModelUnavailableError
from core.settings import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

LABELS: tuple[str, str, str] = ("SUPPORTS", "REFUTES", "NOT_ENOUGH_INFO")
MAX_LENGTH = 160


class VerifierMissingError(ModelUnavailableError):
    """The verifier weights are not where settings say."""


def _newest_checkpoint(root: Path) -> Path | None:
    runs = root / "training" / "runs" / "verifier"
    cks = sorted(runs.glob("checkpoint-*"), key=lambda p: p.stat().st_mtime) if runs.exists() else []
    return cks[-1] if cks else None


def resolve_model_path(path: str | os.PathLike) -> Path:
    """Path of the verifier to load; raises with a fix-it message rather than a transformers trace."""
    p = Path(path)
    if not (p / "config.json").exists():
        from core.settings import PROJECT_ROOT

        hint = ""
        ck = _newest_checkpoint(PROJECT_ROOT)
        if ck is not None:
            hint = f" An intermediate checkpoint exists: MGC_VERIFIER_MODEL={ck}"
        raise VerifierMissingError(
            f"Claim verifier not found at {p} (no config.json). Train it with "
            f"`python -m training.train_verifier --out models/verifier` or set MGC_VERIFIER_MODEL "
            f"to a Hugging Face cross-encoder folder.{hint}"
        )
    return p


class Verifier:
    """Scores (claim, evidence) pairs; probabilities always come back in ``LABELS`` order."""

    def __init__(
        self, path: Path, batch_size: int = 32, max_length: int = MAX_LENGTH, bf16: bool = False, labels: Sequence[str] = LABELS, pad_multiple: int = 1
    ):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from core.embeddings import apply_torch_threads

        apply_torch_threads()
        self.path = Path(path)
        self.batch_size = batch_size
        self.max_length = max_length
        self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(self.path, local_files_only=True)
        self.model = model.to(torch.float32).eval()
        id2label = {int(i): str(label).upper() for i, label in self.model.config.id2label.items()}
        self.labels = tuple(labels)
        if sorted(id2label.values()) != sorted(lab.upper() for lab in self.labels):
            raise VerifierMissingError(f"{self.path} is not a {len(self.labels)}-way classifier of {', '.join(self.labels)}: labels {id2label}")
        self._order = [next(i for i, label in id2label.items() if label == lab.upper()) for lab in self.labels]
        self.fingerprint = _fingerprint(self.path)
        self.bf16 = bf16  # autocast matmuls to bf16 (weights stay fp32); see core.precision
        self.pad_multiple = max(1, int(pad_multiple))

    def score(self, pairs: Sequence[tuple[str, str]], batch_size: int | None = None) -> np.ndarray:
        """(n, 3) probabilities in ``LABELS`` order; each row depends on its pair only (see the module docstring)."""
        import contextlib

        import torch

        n = len(pairs)
        out = np.zeros((n, len(self.labels)), dtype=np.float32)
        if not n:
            return out
        bs = batch_size or self.batch_size
        enc = self.tokenizer([a for a, _ in pairs], [b for _, b in pairs], truncation="longest_first", max_length=self.max_length)
        ids, types = enc["input_ids"], enc.get("token_type_ids")
        m = self.pad_multiple
        by_len: dict[int, list[int]] = {}
        for i, x in enumerate(ids):
            by_len.setdefault(-(-len(x) // m) * m, []).append(i)
        cast = torch.autocast("cpu", dtype=torch.bfloat16) if self.bf16 else contextlib.nullcontext()
        with torch.no_grad(), cast:
            for length in sorted(by_len):
                group = by_len[length]
                for j in range(0, len(group), bs):
                    rows = group[j : j + bs]
                    logits = self.model(**self._batch([ids[i] for i in rows], [types[i] for i in rows] if types is not None else None, length)).logits
                    out[rows] = torch.softmax(logits.float(), -1).numpy()[:, self._order]
        return out

    def _batch(self, ids: list[list[int]], types: list[list[int]] | None, length: int) -> dict:
        """Tensors of ``ids`` padded to ``length`` (the pad token, type 0, masked out)."""
        import torch

        pad = self.tokenizer.pad_token_id or 0
        mask = torch.tensor([[1] * len(x) + [0] * (length - len(x)) for x in ids])
        batch = {"input_ids": torch.tensor([x + [pad] * (length - len(x)) for x in ids]), "attention_mask": mask}
        if types is not None:
            batch["token_type_ids"] = torch.tensor([t + [0] * (length - len(t)) for t in types])
        return batch

    def label(self, probs: np.ndarray) -> list[str]:
        return [self.labels[int(i)] for i in np.argmax(probs, axis=-1)]


class PrescoredVerifier:
    """A verifier whose pairs were scored ahead, all together: ``score`` answers from those rows.

    The whole-article audit knows every claim's (claim, window) pairs before it judges any claim
    (windows are picked lexically), so it scores them in one call, where equal-length batches are
    full, instead of one small call per claim. Rows equal what ``score`` would return per claim,
    because a pair's scores do not depend on its batch (``Verifier.score``); a pair that was not
    scored ahead is scored on demand. Everything else (``fingerprint``, ``path`` …) is the
    wrapped verifier's.
    """

    def __init__(self, verifier, pairs: Sequence[tuple[str, str]] = ()):
        self._verifier = verifier
        self._rows: dict[tuple[str, str], np.ndarray] = {}
        self._width = len(getattr(verifier, "labels", LABELS))
        self.add(pairs)

    def add(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Score the pairs not seen yet, in one call."""
        todo = list(dict.fromkeys(p for p in pairs if p not in self._rows))
        if todo:
            self._rows.update(zip(todo, np.asarray(self._verifier.score(todo), dtype=np.float32)))

    def score(self, pairs: Sequence[tuple[str, str]], batch_size: int | None = None) -> np.ndarray:
        pairs = [tuple(p) for p in pairs]
        self.add(pairs)  # type: ignore[arg-type]
        if not pairs:
            return np.zeros((0, self._width), dtype=np.float32)
        return np.stack([self._rows[p] for p in pairs])  # type: ignore[index]

    def __getattr__(self, name: str):
        return getattr(self._verifier, name)


def _fingerprint(path: Path) -> str:
    """Identifies the weights, so an audit computed with other weights is recomputed."""
    h = hashlib.sha256()
    for name in sorted(os.listdir(path)):
        f = path / name
        if f.is_file() and (name.endswith(".safetensors") or name.endswith(".bin") or name == "config.json"):
            st = f.stat()
            h.update(f"{name}:{st.st_size}".encode())
            with f.open("rb") as fh:  # head + tail: cheap, and changes whenever the weights do
                h.update(fh.read(1 << 16))
                fh.seek(max(0, st.st_size - (1 << 16)))
                h.update(fh.read())
    return h.hexdigest()[:12]


@functools.lru_cache(maxsize=4)
def _load(path: str, batch_size: int, bf16: bool = False, labels: tuple[str, ...] = LABELS, pad_multiple: int = 1) -> Verifier:
    return Verifier(Path(path), batch_size=batch_size, bf16=bf16, labels=labels, pad_multiple=pad_multiple)


def get_verifier(settings: Settings, path: str | os.PathLike | None = None) -> Verifier:
    """The verifier named by ``settings`` (or ``path``), loaded once per process. A factory for the composition
    root (``services``) and the tools: the settings are always handed in, never read from the environment here."""
    s = settings
    p = resolve_model_path(path if path is not None else s.verifier_model)
    from core.precision import use_bf16

    return _load(str(p.resolve()), s.audit.batch_size, use_bf16(s.inference_precision), LABELS, s.audit.pad_multiple)

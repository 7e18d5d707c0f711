"""Fixed, order-independent data splits shared by training and evaluation.

The claim verifier trains on SciFact train claims whose ``claim_split`` is "train" and never sees
the "dev" ones; the audit evaluation (``evals.audit_corpus``) reports on those dev claims. Both
sides must compute the same split, so it lives here, below both.
"""

from __future__ import annotations


def _bucket(claim_id) -> int:
    """A stable place in 0..999 for a claim id, int or str alike (a multiplicative hash of the id)."""
    return int.from_bytes(str(claim_id).encode(), "little") * 2654435761 % 1000


def claim_split(claim_id, dev_fraction: float = 0.2) -> str:
    """'dev' for a stable ~``dev_fraction`` of claim ids, else 'train'."""
    return "dev" if _bucket(claim_id) < dev_fraction * 1000 else "train"


def claim_fold(claim_id, folds: int) -> int:
    """The claim's fold of ``folds`` for cross-fitting, on the same hash: fold 0 of 5 is the 'dev' split."""
    return _bucket(claim_id) * folds // 1000

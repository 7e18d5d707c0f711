"""Fixed, order-independent data splits shared by training and evaluation.

The claim verifier trains on SciFact train claims whose ``claim_split`` is "train" and never sees
the "dev" ones; the audit evaluation (``evals.audit_corpus``) reports on those dev claims. Both
sides must compute the same split, so it lives here, below both.
"""

from __future__ import annotations


def claim_split(claim_id, dev_fraction: float = 0.2) -> str:
    """'dev' for a stable ~``dev_fraction`` of claim ids (a multiplicative hash of the id), else 'train'."""
    h = int.from_bytes(str(claim_id).encode(), "little") * 2654435761 % 1000
    return "dev" if h < dev_fraction * 1000 else "train"

"""An unlisted document's study type is only what it says about itself: it never outweighs curated evidence."""

from __future__ import annotations

from chatbot.audit.stance import study_weight
from core.settings import AuditSettings

S = AuditSettings()


def test_uncurated_document_never_outweighs_curated_evidence():
    curated_min = min(study_weight(t, mech, S) for t in S.study_type_weights for mech in (False, True))
    for t in list(S.study_type_weights) + ["", "unknown-design"]:
        for mech in (False, True):
            assert study_weight(t, mech, S, curated=False) <= curated_min
    assert study_weight("meta-analysis", False, S, curated=False) < study_weight("in-vitro", False, S) + 1e-9
    assert study_weight("meta-analysis", False, S) == 1.0  # curated weights are unchanged

"""One table of study designs: labels, counted nouns, ranks and the audit's default weights agree everywhere."""

from __future__ import annotations

from core import study_types
from core.settings import AuditSettings


def test_default_weights_are_the_audit_settings_defaults():
    w = AuditSettings().study_type_weights
    assert w == study_types.default_weights()
    assert w["meta-analysis"] > w["rct"] > w["cohort"] > w["narrative-review"] > w["animal"] > w["in-vitro"]
    assert "other" in w  # the fallback weight for designs without one


def test_label_noun_rank():
    assert study_types.label("RCT") == "RCT" and study_types.label("in-vitro") == "in vitro"
    assert study_types.label("other") == "" and study_types.label("quasi_experimental") == "quasi experimental"
    assert study_types.noun("in-vitro") == "in-vitro study" and study_types.noun("") == "study" and study_types.noun("unknown") == "study"
    assert study_types.noun("registry") == "registry"
    assert study_types.rank("meta-analysis") > study_types.rank("rct") > study_types.rank("animal") > study_types.rank("nonsense") == 0


def test_audit_reason_and_app_use_the_same_table():
    from app.render import strongest_study_type, study_label
    from chatbot.audit.aggregate import type_word

    assert type_word("animal") == study_types.noun("animal")
    assert study_label("rct") == "RCT" and study_label("other") == "other"  # the app never shows an empty badge
    assert strongest_study_type([{"study_type": "animal"}, {"study_type": "case-control"}, {"study_type": ""}]) == "case-control"

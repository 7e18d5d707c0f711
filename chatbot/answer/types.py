"""What an answer is, independent of who composed it (deterministic or LLM): the types of ``core.contracts``.

One shape for the CLI's JSON, the app and the evals, so a consumer never needs to know which
answerer ran. Citations carry enough provenance (title, year, study type, section/page, link)
for a person to check each numbered claim without opening the store. ``Answer`` is the
``AnswerRecord`` (no presentation text: ``chatbot.render_text`` renders it for the CLI and the
evals, ``app.components`` for the app); ``Finding`` is the older name of a quoted ``Statement``.
"""

from __future__ import annotations

from core.contracts import AnswerRecord, AnswerStream, Citation, ClaimCheck, Statement, source_url, study_label

Answer = AnswerRecord
Finding = Statement

__all__ = ["Answer", "AnswerRecord", "AnswerStream", "Citation", "ClaimCheck", "Finding", "Statement", "source_url", "study_label"]

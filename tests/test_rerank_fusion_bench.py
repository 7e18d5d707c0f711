"""Smoke test of benchmarks/rerank_fusion_bench.py on cached candidates, so the benchmark behind the
reranker's fusion weights does not rot (it is not a quality test: the real run needs five fold models)."""

from __future__ import annotations

import importlib.util
import json
import random
import sys

import numpy as np

from core.settings import PROJECT_ROOT


def _bench():
    spec = importlib.util.spec_from_file_location("rerank_fusion_bench", PROJECT_ROOT / "benchmarks" / "rerank_fusion_bench.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("rerank_fusion_bench", mod)
    spec.loader.exec_module(mod)
    return mod


def test_nested_choice_never_looks_at_the_fold_it_scores():
    bench = _bench()
    folds = np.array([0, 0, 1, 1])
    # parameter 0 is best on fold 1, parameter 1 on fold 0: each fold gets the other's pick
    table = np.array([[0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0]])
    score, picks = bench.nested(table, folds, ["a", "b"])
    assert picks == ["a", "b"] and score == 0.0


def test_bench_runs_on_cached_candidates(tmp_path, capsys):
    rng = random.Random(0)
    rows = {}
    for q in range(20):  # the cited abstract d3 has the highest logit; cosine and BM25 are noise
        rows[str(q)] = {
            "fold": q % 5,
            "docs": [f"d{i}" for i in range(6)],
            "dense": [rng.random() for _ in range(6)],
            "bm25": [rng.random() * 10 for _ in range(6)],
            "ce": [0.0, 0.1, 0.2, 5.0, 0.3, 0.4],
            "qrels": {"d3": 1},
        }
    cache = tmp_path / "rows.json"
    cache.write_text(json.dumps(rows))
    models = []
    for k in range(5):
        (tmp_path / f"m{k}").mkdir()
        (tmp_path / f"m{k}" / "config.json").write_text("{}")
        models.append(str(tmp_path / f"m{k}"))
    assert _bench().main(["--models", *models, "--cache", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "reranker alone    1.0000" in out
    line = next(x for x in out.splitlines() if x.startswith("standardised"))
    assert "nested 1.0000" in line and "(1.0, 0.0, 0.0)" in line  # noise gets no weight


def test_a_damaged_cache_is_a_one_line_error(tmp_path, capsys):
    import pytest

    cache = tmp_path / "rows.json"
    cache.write_text("{bad")
    model = tmp_path / "m"
    model.mkdir()
    (model / "config.json").write_text("{}")
    with pytest.raises(SystemExit) as exc:
        _bench().main(["--models", *[str(model)] * 5, "--cache", str(cache)])
    assert exc.value.code == 2
    assert "is not this benchmark's JSON" in capsys.readouterr().err
    assert cache.read_text() == "{bad"  # nothing overwritten

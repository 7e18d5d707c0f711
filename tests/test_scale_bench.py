"""Smoke test of benchmarks/scale_bench.py at a tiny size, so the benchmark does not rot (it is not a performance test)."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from core.settings import PROJECT_ROOT


def _bench():
    spec = importlib.util.spec_from_file_location("scale_bench", PROJECT_ROOT / "benchmarks" / "scale_bench.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("scale_bench", mod)  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def test_scale_bench_runs_at_a_tiny_size_in_embedded_mode(tmp_path, capsys):
    if not (PROJECT_ROOT / "corpus" / "literature").is_dir():
        pytest.skip("no default corpus (corpus/literature) to draw sentences from")
    out = tmp_path / "res"
    assert _bench().main(["--sizes", "300", "--modes", "embedded", "--queries", "12", "--out", str(out), "--workdir", str(tmp_path)]) == 0
    data = json.loads(out.with_suffix(".json").read_text())
    (r,) = data["results"]
    assert r["size"] == 300 and r["mode"] == "embedded" and r["insert_per_s"] > 0 and r["disk_mb"] > 0
    assert 300 < r["mean_chars"] < 1500  # realistic chunk lengths around Settings.chunk.size
    read = r["read"]
    assert read["mean_hits"]["plain"] == 6 and read["mean_hits"]["filtered"] > 0
    for label in ("plain", "filtered"):
        for stage in ("dense", "bm25", "hybrid"):
            lat = read["latency_ms"][label][stage]
            assert 0 <= lat["p50"] <= lat["p95"]
    assert read["bm25_index_mb"] > 0 and read["rss_end_mb"] > read["rss_start_mb"]
    assert "| 300 | embedded |" in out.with_suffix(".md").read_text()
    assert out.with_suffix(".png").stat().st_size > 10_000
    assert list(tmp_path.glob("scale_bench_*")) == []  # the temporary stores are removed

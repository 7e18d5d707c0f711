"""Scale benchmark: a synthetic store of 10k-200k chunks, in embedded Chroma and in a `chroma run` server.

    python benchmarks/scale_bench.py [--sizes 10000,50000,200000] [--modes embedded,server] [--queries 200]
                                     [--out benchmarks/scale_results] [--workdir DIR]

What is synthetic, and why: the text of every chunk is real sentences of corpus/literature
recombined (lengths drawn around Settings.chunk.size), so BM25 sees a realistic vocabulary and
document lengths; the vectors are synthetic (each source sentence gets a random unit vector, a
chunk the normalised sum of its sentences' vectors plus noise), because embedding 200k chunks with
MiniLM takes hours on this machine. A query is the start of a real sentence and its vector that
sentence's vector, so the dense neighbours are the chunks that contain it. Dense timings are
therefore HNSW search costs, not embedding costs (the query embedding is a dictionary look-up
here; the real one is measured by benchmarks/embed_bench.py).

Measured per size and mode: insert throughput into Chroma (precomputed vectors, batches of 1000
as core.store.write_version uses), BM25 index build and save time (once per size: the same index
serves both modes), disk size; then, in a fresh subprocess as a reader would see it: load time and
RSS of the snapshot's chunks, the BM25 index and the Chroma collection (first query included),
and retrieval p50/p95 of the dense stage, the BM25 stage and the whole hybrid search (with and
without a filter) through chatbot.retrieval.HybridRetriever. Writes <out>.json, <out>.md and
<out>.png. Targets (issue 13): 200k chunks, server mode, hybrid p95 <= 300 ms; BM25 index <= 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DIM = 384  # all-MiniLM-L6-v2
STUDY_TYPES = ["rct", "meta-analysis", "cohort", "systematic-review", "animal", "in-vitro", "narrative-review", "pharmacokinetic", "other"]
SECTIONS = ["Abstract", "Introduction", "Methods", "Results", "Discussion", "Conclusion"]
CHUNKS_PER_DOC = 20
INSERT_BATCH = 1000  # what core.store.write_version uses


# -- synthetic corpus ------------------------------------------------------------------------------


@dataclass
class SyntheticCorpus:
    """Chunks of recombined real sentences, their synthetic vectors, and queries with known vectors."""

    texts: list[str]
    vectors: np.ndarray  # (n, DIM) float32, unit rows
    queries: list[str]
    query_vectors: np.ndarray


def _real_sentences() -> list[str]:
    from core.text import split_sentences

    sents: list[str] = []
    for p in sorted((ROOT / "corpus" / "literature").glob("*.md")):
        text = p.read_text(encoding="utf-8").split("---", 2)[-1]
        sents += [" ".join(text[a:b].split()) for a, b in split_sentences(text) if 40 < b - a < 600]
    if len(sents) < 50:
        raise SystemExit("scale_bench needs the default corpus (corpus/literature/*.md) to draw sentences from")
    return sents


def make_corpus(n: int, n_queries: int, seed: int = 13) -> SyntheticCorpus:
    from core.settings import Settings

    target = Settings().chunk.size
    sents = _real_sentences()
    rnd = random.Random(seed)
    rng = np.random.default_rng(seed)
    sent_vecs = rng.standard_normal((len(sents), DIM)).astype(np.float32)
    texts: list[str] = []
    vectors = np.empty((n, DIM), dtype=np.float32)
    for i in range(n):
        length = int(min(1.6 * target, max(0.2 * target, rnd.gauss(0.85 * target, 0.3 * target))))
        picked: list[int] = []
        size = 0
        while size < length:
            j = rnd.randrange(len(sents))
            picked.append(j)
            size += len(sents[j]) + 1
        texts.append(" ".join(sents[j] for j in picked))
        v = sent_vecs[picked].sum(0) + 0.5 * rng.standard_normal(DIM).astype(np.float32)
        vectors[i] = v / np.linalg.norm(v)
    qi = [rnd.randrange(len(sents)) for _ in range(n_queries)]
    queries = [" ".join(sents[j].split()[:12]) for j in qi]
    qv = sent_vecs[qi] / np.linalg.norm(sent_vecs[qi], axis=1, keepdims=True)
    return SyntheticCorpus(texts, vectors, queries, qv.astype(np.float32))


def make_chunks(texts: list[str]):
    from core.types import Chunk

    rnd = random.Random(7)
    out = []
    for i, t in enumerate(texts):
        d = i // CHUNKS_PER_DOC
        role = "article" if d == 0 else "literature"
        out.append(
            Chunk(
                chunk_id=f"s{i:07d}",
                doc_id=f"doc{d:06d}",
                text=t,
                start=0,
                end=len(t),
                sentences=[(0, len(t))],
                title=f"Synthetic study {d}",
                year=1990 + d % 35,
                role=role,
                study_type="article" if role == "article" else STUDY_TYPES[d % len(STUDY_TYPES)],
                section=SECTIONS[rnd.randrange(len(SECTIONS))],
            )
        )
    return out


# -- building a store ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """A `chroma run` server on loopback, started and stopped by this benchmark."""

    def __init__(self, path: Path):
        self.path, self.port = path, _free_port()
        exe = Path(sys.executable).with_name("chroma")
        path.mkdir(parents=True, exist_ok=True)
        self.log = open(path.parent / "chroma_server.log", "w")
        self.proc = subprocess.Popen(
            [str(exe if exe.exists() else "chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        import chromadb
        from chromadb.config import Settings as ChromaConfig

        deadline = time.monotonic() + 120
        while True:  # wait for the condition (a heartbeat answers), not for a fixed time
            if self.proc.poll() is not None:
                raise SystemExit(f"chroma run exited with {self.proc.returncode}; see {self.log.name}")
            try:
                chromadb.HttpClient(host="127.0.0.1", port=self.port, settings=ChromaConfig(anonymized_telemetry=False)).heartbeat()
                break
            except Exception:  # not listening yet
                if time.monotonic() > deadline:
                    raise SystemExit("chroma run did not answer within 120 s")
                time.sleep(0.2)

    def rss_mb(self) -> float:
        return _rss_mb(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def _settings(store: Path, port: int | None):
    from core.settings import ChromaSettings, Settings

    chroma = ChromaSettings(host="127.0.0.1", port=port, collection="scale") if port else ChromaSettings(collection="scale")
    return Settings(store_dir=store, chroma=chroma, embedding_model="scale-bench", fetch_online=False)


def build_store(settings, chunks, vectors: np.ndarray, bm25_dir: Path) -> float:
    """Insert chunks + precomputed vectors as version v1 (seconds spent in Chroma returned); BM25 copied from ``bm25_dir``."""
    from core.records import StoreManifest
    from core.store import chroma_client, chroma_mode, collection_name, get_collection, set_current, snapshots_dir

    client = chroma_client(settings)
    name = collection_name(settings, "v1")
    coll = get_collection(client, name, create=True)
    t = time.perf_counter()
    for i in range(0, len(chunks), INSERT_BATCH):
        part = chunks[i : i + INSERT_BATCH]
        coll.add(
            ids=[c.chunk_id for c in part],
            embeddings=vectors[i : i + INSERT_BATCH],
            documents=[c.text for c in part],
            metadatas=[c.chroma_metadata() for c in part],
        )
    insert_s = time.perf_counter() - t
    snap = snapshots_dir(settings) / "v1"
    snap.mkdir(parents=True)
    with (snap / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for c in chunks:
            fh.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
    shutil.copytree(bm25_dir, snap / "bm25")
    manifest = StoreManifest(version="v1", collection=name, chroma_mode=chroma_mode(settings), embedding_model="synthetic")
    (snap / "manifest.json").write_text(manifest.model_dump_json(), encoding="utf-8")
    set_current(settings, "v1")
    return insert_s


def _du_mb(*paths: Path) -> float:
    total = 0
    for root in paths:
        for dirpath, _, files in os.walk(root):
            total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    return total / 2**20


def _rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- reading (run in a fresh subprocess) --------------------------------------------------------------


class LookupEmbedder:
    """Query vectors known in advance (see the module docstring); refuses to embed documents."""

    def __init__(self, queries: list[str], vectors: np.ndarray):
        self._by_text = {q: v.tolist() for q, v in zip(queries, vectors)}

    def embed_query(self, text: str) -> list[float]:
        return self._by_text[text]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise RuntimeError("the scale benchmark stores synthetic vectors; nothing is embedded")


def _pct(xs: list[float], q: float) -> float:
    return round(float(np.percentile(xs, q)), 2)


def reader(spec_path: Path) -> dict:
    """Open the store as the app would, then time searches (this process is fresh, so RSS deltas are the store's)."""
    from chatbot.retrieval import Filters
    from services import build_services
    from core.lexical import LexicalIndex
    from core.store import open_snapshot

    spec = json.loads(spec_path.read_text())
    qv = np.load(spec["query_vectors"])
    settings = _settings(Path(spec["store"]), spec.get("port"))
    out: dict = {"rss_start_mb": round(_rss_mb(), 1)}
    t = time.perf_counter()
    snap = open_snapshot(settings)
    out["load_chunks_s"], out["rss_after_chunks_mb"] = round(time.perf_counter() - t, 3), round(_rss_mb(), 1)
    t = time.perf_counter()
    lex = LexicalIndex.load(snap.path / "bm25")
    out["load_bm25_s"], out["rss_after_bm25_mb"] = round(time.perf_counter() - t, 3), round(_rss_mb(), 1)
    out["bm25_index_mb"] = round(lex.nbytes / 2**20, 1)
    retriever = build_services(settings, embedder=LookupEmbedder(spec["queries"], qv)).retriever(snap)
    t = time.perf_counter()
    retriever.search(spec["queries"][0], k=6)  # opens the collection and loads the HNSW index
    out["first_query_s"], out["rss_after_first_query_mb"] = round(time.perf_counter() - t, 3), round(_rss_mb(), 1)
    runs: dict[str, dict[str, list[float]]] = {"plain": {}, "filtered": {}}
    filt = Filters(role="literature", year_min=2000)  # a broad filter, as the app's sidebar sets it
    t = time.perf_counter()
    retriever.search(spec["queries"][0], k=6, filters=filt)  # builds the filter columns (once per store version)
    out["first_filtered_query_s"] = round(time.perf_counter() - t, 3)
    for q in spec["queries"][1:6]:  # warm-up
        retriever.search(q, k=6)
        retriever.search(q, k=6, filters=filt)
    hits: dict[str, list[int]] = {"plain": [], "filtered": []}
    for label, f in (("plain", None), ("filtered", filt)):
        for q in spec["queries"]:
            tm: dict[str, float] = {}
            hits[label].append(len(retriever.search(q, k=6, filters=f, timings=tm)))
            for key in ("dense", "bm25", "total"):
                runs[label].setdefault(key, []).append(tm[key])
    out["latency_ms"] = {
        label: {("hybrid" if k == "total" else k): {"p50": _pct(v, 50), "p95": _pct(v, 95)} for k, v in r.items()} for label, r in runs.items()
    }
    out["mean_hits"] = {label: round(statistics.mean(h), 2) for label, h in hits.items()}  # k=6 asked: a store that answers
    out["queries"] = len(spec["queries"])
    out["rss_end_mb"] = round(_rss_mb(), 1)
    return out


# -- driver ------------------------------------------------------------------------------------------


@dataclass
class SizeResult:
    size: int
    mode: str
    mean_chars: float
    insert_s: float
    insert_per_s: float
    bm25_build_s: float
    disk_mb: float
    server_rss_mb: float | None
    read: dict = field(default_factory=dict)


def run_size(n: int, corpus: SyntheticCorpus, modes: list[str], work: Path, n_queries: int) -> list[SizeResult]:
    from core.lexical import LexicalIndex
    from core.store import lexical_text

    texts, vecs = corpus.texts[:n], corpus.vectors[:n]
    chunks = make_chunks(texts)
    t = time.perf_counter()
    idx = LexicalIndex.build([c.chunk_id for c in chunks], [lexical_text(c) for c in chunks])
    bm25_dir = work / f"bm25_{n}"
    idx.save(bm25_dir)
    bm25_s = time.perf_counter() - t
    del idx
    mean_chars = round(statistics.mean(len(x) for x in texts), 1)
    qfile = work / "query_vectors.npy"
    np.save(qfile, corpus.query_vectors[:n_queries])
    results = []
    for mode in modes:
        store = work / f"{mode}_{n}" / "store"
        server = ChromaServer(work / f"{mode}_{n}" / "chroma") if mode == "server" else None
        try:
            settings = _settings(store, server.port if server else None)
            insert_s = build_store(settings, chunks, vecs, bm25_dir)
            spec = work / f"spec_{mode}_{n}.json"
            spec.write_text(
                json.dumps({"store": str(store), "port": server.port if server else None, "queries": corpus.queries[:n_queries], "query_vectors": str(qfile)})
            )
            proc = subprocess.run([sys.executable, __file__, "--reader", str(spec)], capture_output=True, text=True)
            if proc.returncode:
                raise SystemExit(f"reader failed for {mode} {n}:\n{proc.stderr[-4000:]}")
            read = json.loads(proc.stdout.strip().splitlines()[-1])
            disk = _du_mb(store, *([server.path] if server else []))
            res = SizeResult(
                n,
                mode,
                mean_chars,
                round(insert_s, 2),
                round(n / insert_s, 1),
                round(bm25_s, 2),
                round(disk, 1),
                round(server.rss_mb(), 1) if server else None,
                read,
            )
        finally:
            if server:
                server.stop()
        results.append(res)
        print(json.dumps(asdict(res)), file=sys.stderr, flush=True)
        shutil.rmtree(work / f"{mode}_{n}", ignore_errors=True)
    shutil.rmtree(bm25_dir, ignore_errors=True)
    return results


def write_reports(results: list[SizeResult], out: Path, meta: dict) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "results": [asdict(r) for r in results]}, indent=1))
    lines = [
        f"# Scale benchmark ({meta['date']})",
        "",
        meta["note"],
        "",
        f"Command: `{meta['command']}`",
        "",
        "| chunks | mode | insert/s | BM25 build s | disk MB | load s (chunks + BM25 + first query) | RSS MB reader (BM25 arrays) "
        "| server RSS MB | dense p50/p95 ms | BM25 p50/p95 ms | hybrid p50/p95 ms | filtered hybrid p50/p95 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rd, lat = r.read, r.read["latency_ms"]
        load = rd["load_chunks_s"] + rd["load_bm25_s"] + rd["first_query_s"]
        pp = lambda d: f"{d['p50']} / {d['p95']}"  # noqa: E731
        lines.append(
            f"| {r.size} | {r.mode} | {r.insert_per_s} | {r.bm25_build_s} | {r.disk_mb} | {load:.2f} ({rd['load_chunks_s']} + "
            f"{rd['load_bm25_s']} + {rd['first_query_s']}) | {rd['rss_end_mb']} ({rd['bm25_index_mb']}) | {r.server_rss_mb or ''} "
            f"| {pp(lat['plain']['dense'])} | {pp(lat['plain']['bm25'])} | {pp(lat['plain']['hybrid'])} | {pp(lat['filtered']['hybrid'])} |"
        )
    sizes = sorted({r.size for r in results})
    if len(sizes) > 1:
        lines += ["", f"Growth from {sizes[0]} to {sizes[-1]} chunks (x{sizes[-1] / sizes[0]:.0f} the data):", ""]
        for mode in sorted({r.mode for r in results}):
            a = next((r for r in results if r.mode == mode and r.size == sizes[0]), None)
            b = next((r for r in results if r.mode == mode and r.size == sizes[-1]), None)
            if a and b:
                g = lambda f: f(b) / f(a) if f(a) else float("nan")  # noqa: E731
                lines.append(
                    f"- {mode}: hybrid p95 x{g(lambda r: r.read['latency_ms']['plain']['hybrid']['p95']):.1f}, "
                    f"BM25 p95 x{g(lambda r: r.read['latency_ms']['plain']['bm25']['p95']):.1f}, "
                    f"dense p95 x{g(lambda r: r.read['latency_ms']['plain']['dense']['p95']):.1f}, "
                    f"reader RSS x{g(lambda r: r.read['rss_end_mb']):.1f}, disk x{g(lambda r: r.disk_mb):.1f}, "
                    f"BM25 build x{g(lambda r: r.bm25_build_s):.1f}"
                )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    _plot(results, out.with_suffix(".png"))


def _plot(results: list[SizeResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for mode, style in (("embedded", "-"), ("server", "--")):
        rs = sorted((r for r in results if r.mode == mode), key=lambda r: r.size)
        if not rs:
            continue
        x = [r.size for r in rs]
        for key, color in (("dense", "tab:blue"), ("bm25", "tab:orange"), ("hybrid", "tab:green")):
            axes[0].plot(x, [r.read["latency_ms"]["plain"][key]["p95"] for r in rs], style, marker="o", color=color, label=f"{key} p95 ({mode})")
        axes[1].plot(x, [r.read["rss_end_mb"] for r in rs], style, marker="o", color="tab:purple", label=f"reader RSS ({mode})")
        axes[1].plot(x, [r.disk_mb for r in rs], style, marker="s", color="tab:gray", label=f"disk ({mode})")
        if mode == "server":
            axes[1].plot(x, [r.server_rss_mb for r in rs], style, marker="^", color="tab:red", label="chroma server RSS")
        axes[2].plot(x, [r.insert_per_s for r in rs], style, marker="o", color="tab:blue", label=f"insert chunks/s ({mode})")
    rs = sorted({(r.size, r.read["bm25_index_mb"]) for r in results})
    axes[1].plot([s for s, _ in rs], [m for _, m in rs], ":", marker="x", color="tab:orange", label="BM25 arrays")
    axes[0].axhline(300, color="k", lw=0.8, ls=":", label="target hybrid p95 (server, 200k)")
    axes[0].set_yscale("log")  # the stages differ by orders of magnitude; the target line stays visible
    for ax, title, unit in ((axes[0], "retrieval latency", "ms"), (axes[1], "memory and disk", "MB"), (axes[2], "insert throughput", "chunks/s")):
        ax.set_xscale("log")
        ax.set_title(title)
        ax.set_xlabel("chunks")
        ax.set_ylabel(unit)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,50000,200000", help="comma-separated chunk counts")
    ap.add_argument("--modes", default="embedded,server", help="embedded and/or server")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "scale_results", help="writes OUT.json, OUT.md, OUT.png")
    ap.add_argument("--workdir", type=Path, default=None, help="where the stores are built (default: a temporary folder, removed after)")
    ap.add_argument(
        "--append",
        action="store_true",
        help="merge with the results already in OUT.json (a size/mode measured again replaces "
        "the old entry), e.g. to add the 200k server run to an earlier 10k/50k run",
    )
    ap.add_argument("--reader", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    if args.reader:
        print(json.dumps(reader(args.reader)))
        return 0
    sizes = sorted(int(x) for x in args.sizes.split(","))
    modes = [m for m in args.modes.split(",") if m]
    if any(m not in ("embedded", "server") for m in modes) or not sizes or min(sizes) < 50:
        ap.error("--modes takes embedded,server; --sizes at least 50 chunks each")
    work = Path(tempfile.mkdtemp(prefix="scale_bench_", dir=args.workdir))
    t0 = time.perf_counter()
    try:
        corpus = make_corpus(max(sizes), max(args.queries, 10))
        gen_s = time.perf_counter() - t0
        earlier: list[SizeResult] = []
        if args.append and args.out.with_suffix(".json").exists():
            earlier = [SizeResult(**r) for r in json.loads(args.out.with_suffix(".json").read_text())["results"]]
        results: list[SizeResult] = []
        for n in sizes:
            results += run_size(n, corpus, modes, work, max(args.queries, 10))
            done = {(r.size, r.mode) for r in results}
            merged = sorted([r for r in earlier if (r.size, r.mode) not in done] + results, key=lambda r: (r.size, r.mode))
            meta = {
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "command": "python benchmarks/scale_bench.py " + " ".join(sys.argv[1:] if argv is None else argv),
                "cpus_allowed": len(os.sched_getaffinity(0)),
                "loadavg": os.getloadavg(),
                "corpus_generation_s": round(gen_s, 1),
                "dim": DIM,
                "note": "Text: real sentences of corpus/literature recombined; vectors: synthetic (not embedded). Latencies exclude "
                "query embedding. RSS of the reader process after loading and querying; BM25 arrays = bytes of the index.",
            }
            if earlier:
                meta["note"] += f" Merged with earlier results in {args.out.with_suffix('.json').name} (--append); their dates may differ."
            write_reports(merged, args.out, meta)  # after every size, so a long run leaves usable partial results
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(args.out.with_suffix(".md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

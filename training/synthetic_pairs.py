"""Synthetic contrastive (claim, evidence) pairs made from real evidence sentences, by rule.

Why: the verifier read a close paraphrase of its evidence as REFUTES and missed small but decisive
edits. Each source sentence yields a *claim form* (hedges, statistics and lead-ins removed, past
tense turned present) that SUPPORTS the sentence, and edits of that same claim form that REFUTE it
(a number changed a lot, the direction flipped, a negation inserted or removed), so the only thing
that tells the labels apart is what the edit changed. NOT_ENOUGH_INFO pairs put the claim form
against a different sentence on the same topic (same abstract, or another abstract sharing a
rare content word).

Sources: SciFact corpus abstracts (excluding every abstract cited by a held-out dev claim, see
`_claim_split`), the evidence passages of HealthVer train SUPPORTS pairs, and the sentences of
corpus/literature/*.md. Nothing from a dev split is used.

    python -m training.synthetic_pairs --show 20     # print samples of each kind
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
from pathlib import Path

from training.verifier_data import _claim_split, _read, _sentences

# ---- claim form ---------------------------------------------------------------------------
_LEADINS = re.compile(
    r"^(?:(?:in conclusion|in summary|overall|taken together|collectively|together|importantly|moreover|furthermore|"
    r"additionally|in addition|finally|however|thus|therefore|consequently|notably|interestingly|conclusions?|results?|"
    r"in this study|in this trial|in our study|in this work|in this review|in this paper|here|"
    r"(?:[A-Z][A-Z/&]+(?: AND [A-Z/&]+)?)(?=[:\s]+[A-Z]))\s*[,:]?\s*)+"
)
_THAT = re.compile(
    r"^(?:(?:these|our|the) (?:results|data|findings|observations|analyses|studies|experiments)|this (?:study|trial|analysis)|"
    r"we|it was|it is)\s+(?:\w+\s+){0,2}?(?:show|shows|showed|shown|demonstrate|demonstrates|demonstrated|suggest|suggests|"
    r"suggested|indicate|indicates|indicated|found|find|observed|reveal|reveals|revealed|confirm|confirms|confirmed|report|"
    r"reported|conclude|concluded|establish|established|provide evidence|provides evidence)\s+that\s+",
    re.I,
)
_STATS = re.compile(r"\s*[\(\[][^()\[\]]*(?:\bp\s*[<=>≤]|\bCI\b|95\s*%|\bOR\b|\bRR\b|\bHR\b|\bSD\b|\bSE\b|±|n\s*=|r\s*=|\bvs\b|ref\.?)[^()\[\]]*[\)\]]", re.I)
_HEDGES = re.compile(
    r"\b(?:possibly|potentially|likely|partly|partially|"
    r"significantly|markedly|substantially|slightly|modestly|somewhat)\s+",
    re.I,
)

# past -> present (3rd person) for the claim form; also used to build "did not <base>"
VERBS = {
    "increased": ("increases", "increase"),
    "decreased": ("decreases", "decrease"),
    "reduced": ("reduces", "reduce"),
    "improved": ("improves", "improve"),
    "lowered": ("lowers", "lower"),
    "raised": ("raises", "raise"),
    "prevented": ("prevents", "prevent"),
    "caused": ("causes", "cause"),
    "induced": ("induces", "induce"),
    "inhibited": ("inhibits", "inhibit"),
    "enhanced": ("enhances", "enhance"),
    "promoted": ("promotes", "promote"),
    "suppressed": ("suppresses", "suppress"),
    "blocked": ("blocks", "block"),
    "shortened": ("shortens", "shorten"),
    "prolonged": ("prolongs", "prolong"),
    "predicted": ("predicts", "predict"),
    "protected": ("protects", "protect"),
    "attenuated": ("attenuates", "attenuate"),
    "restored": ("restores", "restore"),
    "activated": ("activates", "activate"),
    "impaired": ("impairs", "impair"),
    "delayed": ("delays", "delay"),
    "accelerated": ("accelerates", "accelerate"),
    "affected": ("affects", "affect"),
    "altered": ("alters", "alter"),
    "worsened": ("worsens", "worsen"),
    "triggered": ("triggers", "trigger"),
    "mediated": ("mediates", "mediate"),
    "regulated": ("regulates", "regulate"),
    "required": ("requires", "require"),
    "stimulated": ("stimulates", "stimulate"),
    "elevated": ("elevates", "elevate"),
    "abolished": ("abolishes", "abolish"),
    "ameliorated": ("ameliorates", "ameliorate"),
    "exacerbated": ("exacerbates", "exacerbate"),
    "alleviated": ("alleviates", "alleviate"),
    "augmented": ("augments", "augment"),
    "diminished": ("diminishes", "diminish"),
    "showed": ("shows", "show"),
    "led": ("leads", "lead"),
    "had": ("has", "have"),
    "resulted": ("results", "result"),
    "contributed": ("contributes", "contribute"),
    "correlated": ("correlates", "correlate"),
    "depended": ("depends", "depend"),
}
_TENSE_SKIP = {"had", "led", "resulted", "elevated", "impaired", "required"}
_NOT_CLAIM = re.compile(
    r"^(?:we (?:examined|investigated|aimed|assessed|evaluated|studied|sought|asked|analy[sz]ed|performed|"
    r"conducted|used|describe|review|discuss|propose|developed)|to |the (?:aim|purpose|objective|goal)|"
    r"objectives?|aims?|purpose|background|methods?|design|setting|participants)\b",
    re.I,
)
_CUT = re.compile(r",? (?:suggesting|indicating|which suggests|which indicates|implying|whereas|while) .*$|; .*$")


def _present(m: re.Match) -> str:
    prev, verb = m.group(1), m.group(2)
    pres, base = VERBS[verb.lower()]
    plural = prev.lower().endswith("s") and not prev.lower().endswith(("ss", "is", "us", "'s")) or prev.lower() in {"we", "they", "and"}
    return f"{prev} {base if plural else pres}"


_TENSE_RE = re.compile(r"\b(\w+) (" + "|".join(v for v in VERBS if v not in _TENSE_SKIP) + r")\b")

# direction words, both ways; applied to the first match only
_DIR_PAIRS = [
    ("increased", "decreased"),
    ("increases", "decreases"),
    ("increase", "decrease"),
    ("increasing", "decreasing"),
    ("higher", "lower"),
    ("greater", "smaller"),
    ("more likely", "less likely"),
    ("improved", "worsened"),
    ("improves", "worsens"),
    ("improve", "worsen"),
    ("improvement", "deterioration"),
    ("reduced", "increased"),
    ("reduces", "increases"),
    ("reduction", "increase"),
    ("lowers", "raises"),
    ("lowered", "raised"),
    ("shorter", "longer"),
    ("shortened", "prolonged"),
    ("shortens", "prolongs"),
    ("faster", "slower"),
    ("enhanced", "impaired"),
    ("enhances", "impairs"),
    ("promotes", "inhibits"),
    ("promoted", "inhibited"),
    ("activates", "inhibits"),
    ("activated", "suppressed"),
    ("upregulated", "downregulated"),
    ("up-regulated", "down-regulated"),
    ("upregulation", "downregulation"),
    ("elevated", "reduced"),
    ("positively", "negatively"),
    ("positive", "negative"),
    ("beneficial", "harmful"),
    ("protective", "detrimental"),
    ("gain", "loss"),
    ("rise", "fall"),
    ("above", "below"),
    ("accelerated", "delayed"),
    ("accelerates", "delays"),
    ("attenuated", "amplified"),
    ("attenuates", "amplifies"),
    ("suppresses", "stimulates"),
    ("suppressed", "stimulated"),
    ("prevents", "causes"),
    ("prevented", "caused"),
    ("decreases", "increases"),
    ("decreased", "increased"),
    ("decrease", "increase"),
    ("lower", "higher"),
    ("smaller", "larger"),
    ("larger", "smaller"),
    ("less", "more"),
    ("more", "less"),
    ("longer", "shorter"),
    ("worse", "better"),
    ("better", "worse"),
    ("low", "high"),
    ("high", "low"),
    ("inhibits", "promotes"),
    ("inhibited", "promoted"),
    ("impaired", "enhanced"),
    ("impairs", "enhances"),
    ("downregulated", "upregulated"),
    ("down-regulated", "up-regulated"),
    ("negatively", "positively"),
    ("negative", "positive"),
    ("harmful", "beneficial"),
    ("worsened", "improved"),
    ("worsens", "improves"),
    ("prolonged", "shortened"),
    ("prolongs", "shortens"),
    ("slower", "faster"),
    ("loss", "gain"),
    ("fall", "rise"),
    ("below", "above"),
    ("raised", "lowered"),
    ("raises", "lowers"),
    ("risk factor", "protective factor"),
    ("protective factor", "risk factor"),
]
_DIR_PAIRS += [
    ("lengthened", "shortened"),
    ("lengthens", "shortens"),
    ("lowering", "raising"),
    ("reducing", "increasing"),
    ("elevates", "lowers"),
    ("boosts", "reduces"),
    ("cuts", "raises"),
]
_DIR = {a: b for a, b in _DIR_PAIRS}

# same-direction rewordings: a SUPPORTS claim need not reuse the evidence's verb ("reduced" -> "lowers")
SYNONYMS = {
    "reduces": ["lowers", "decreases", "cuts"],
    "decreases": ["reduces", "lowers"],
    "lowers": ["reduces", "decreases"],
    "increases": ["raises", "elevates", "boosts"],
    "raises": ["increases", "elevates"],
    "elevates": ["raises", "increases"],
    "improves": ["enhances", "betters"],
    "enhances": ["improves", "increases"],
    "shortens": ["reduces", "cuts"],
    "prolongs": ["lengthens", "extends"],
    "inhibits": ["suppresses", "blocks"],
    "suppresses": ["inhibits", "reduces"],
    "promotes": ["stimulates", "enhances"],
    "worsens": ["aggravates", "exacerbates"],
    "prevents": ["protects against"],
    "reduction": ["decrease", "drop"],
    "decrease": ["reduction", "fall"],
    "increase": ["rise", "elevation"],
    "higher": ["greater", "elevated"],
    "greater": ["higher", "larger"],
    "lower": ["reduced", "decreased"],
    "shorter": ["reduced"],
    "longer": ["extended", "prolonged"],
    "patients": ["people", "participants"],
    "subjects": ["participants", "people"],
    "individuals": ["people"],
    "associated with": ["linked to", "related to"],
}
_SYN_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, SYNONYMS), key=len, reverse=True)) + r")\b")


def reword(c: str, rng: random.Random) -> str:
    """Swap up to two words for same-meaning ones (never changes direction)."""
    ms = list(_SYN_RE.finditer(c))
    rng.shuffle(ms)
    for m in sorted(ms[:2], key=lambda m: m.start(), reverse=True):
        c = c[: m.start()] + rng.choice(SYNONYMS[m.group(1)]) + c[m.end() :]
    return c


_DIR_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _DIR), key=len, reverse=True)) + r")\b", re.I)

# negation: remove first (if present), else insert
_NEG_REMOVE = [
    (r"\b(was|were|is|are|did|does|do|has|have|had|could|can|would|will)\s+not\s+", r"\1 "),
    (r"\b(is|are|was|were)n't\s+", r"\1 "),
    (r"\bhad no (significant )?effect\b", r"had a \1effect"),
    (r"\bhas no (significant )?effect\b", r"has a \1effect"),
    (r"\bno significant\b", "a significant"),
    (r"\bno (association|difference|effect|change|benefit|improvement|reduction|increase|relationship|correlation)\b", r"an \1"),
    (r"\bfailed to\s+", ""),
    (r"\bfails to\s+", ""),
    (r"\bwithout\b", "with"),
    (r"\bcannot\b", "can"),
    (r"\bunaffected\b", "affected"),
    (r"\bunchanged\b", "changed"),
    (r"\bunknown\b", "known"),
    (r"\bunclear\b", "clear"),
    (r"\bnot\s+", ""),
]
_COPULA_NEG = re.compile(r"\b(is|are|was|were|can|may|will|could|should|has been|have been)\s+(?!not\b)", re.I)

_NUM = re.compile(
    r"(?<![\w.±/-])(\d+(?:\.\d+)?)"
    r"(\s*(?:%|percent|mg|g|kg|mmol|µg|mcg|ug|ml|mL|years?|months?|weeks?|days?|hours?|h|fold|-fold|times"
    r"|patients|participants|subjects|mice|cases))",
    re.I,
)


def claim_form(sent: str, keep_numbers: bool, rng: random.Random | None = None) -> str | None:
    s = sent.strip()
    if "?" in s or _NOT_CLAIM.match(_LEADINS.sub("", s)):
        return None
    s = _LEADINS.sub("", s)
    s = _THAT.sub("", s)
    s = _STATS.sub("", s)
    s = _HEDGES.sub("", s)
    s = re.sub(r"\s*\[\d[\d,\s-]*\]", "", s)  # citation marks
    s = re.sub(r"\bwas\b", "is", s)
    s = re.sub(r"\bwere\b", "are", s)
    s = _TENSE_RE.sub(lambda m: _present(m) if m.group(1).lower() not in {"is", "are", "be", "been", "being", "has", "have"} else m.group(0), s)
    if rng is not None and rng.random() < 0.5:
        s = _CUT.sub("", s)
    if not keep_numbers:
        s = re.sub(r",?\s*(?:from|by|to)\s+\d[\d.]*\s*%?(?:\s*(?:to|vs\.?|versus)\s+\d[\d.]*\s*%?)?", "", s)
    s = re.sub(r"\s+([,.;:])", r"\1", re.sub(r"\s{2,}", " ", s)).strip(" ,;:")
    if not s:
        return None
    s = s[0].upper() + s[1:]
    if not s.endswith("."):
        s += "."
    n = len(s.split())
    return s if 6 <= n <= 45 else None


def flip_direction(c: str) -> str | None:
    m = _DIR_RE.search(c)
    if not m:
        return None
    w = m.group(1)
    rep = _DIR[w.lower()]
    if w[0].isupper():
        rep = rep[0].upper() + rep[1:]
    out = c[: m.start()] + rep + c[m.end() :]
    return re.sub(r"\b([Aa])n? (\w)", lambda k: k.group(1) + ("n " if k.group(2).lower() in "aeiou" else " ") + k.group(2), out)


def flip_negation(c: str, rng: random.Random) -> str | None:
    for pat, rep in _NEG_REMOVE:
        new, k = re.subn(pat, rep, c, count=1, flags=re.I)
        if k:
            new = re.sub(r"\s{2,}", " ", new).strip()
            return new if new != c else None
    # insert: "reduces X" -> "does not reduce X"; "is associated" -> "is not associated"
    words = c.split()
    for i, w in enumerate(words):
        lw = w.lower().strip(",.;")
        for past, (pres, base) in VERBS.items():
            if lw == pres and i > 0:
                words[i] = "does not " + base + w[len(lw) :] if w[len(lw) :] else "does not " + base
                return " ".join(words)
            if lw == past and i > 0 and words[i - 1].lower() not in {"was", "were", "is", "are", "been", "be", "has", "have", "had"}:
                words[i] = "did not " + base
                return " ".join(words)
    m = _COPULA_NEG.search(c)
    if m:
        return c[: m.end()] + "not " + c[m.end() :]
    return None


def change_number(c: str, rng: random.Random) -> str | None:
    ms = list(_NUM.finditer(c))
    if not ms:
        return None
    m = rng.choice(ms)
    raw = m.group(1)
    x = float(raw)
    if x == 0:
        return None
    pct = "%" in m.group(2) or "percent" in m.group(2).lower()
    for _ in range(10):
        f = rng.choice([2, 2.5, 3, 4, 5, 0.5, 0.33, 0.25, 0.2])
        y = x * f
        if pct and y > 100:
            y = x * rng.choice([0.5, 0.33, 0.25, 0.2]) if x > 20 else min(99.0, x * 3)
        if abs(y - x) / max(x, 1e-9) >= 0.5:
            break
    y_s = f"{y:.{len(raw.split('.')[1])}f}" if "." in raw else str(max(1, round(y)))
    if y_s == raw:
        return None
    return c[: m.start(1)] + y_s + c[m.end(1) :]


# ---- sentence sources --------------------------------------------------------------------
_STOP = set(
    """about above after again against among analysis another associated because before being between both
cells could during each effect effects either found further group groups having however identified important
including increased decreased levels might other patients possible reduced related results should showed shown
significant significantly similar since study studies their there these those though through treatment under
using which while within without would years clinical compared control data evidence higher lower human""".split()
)


def _content_words(s: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z0-9-]{5,}", s.lower()) if w not in _STOP}


def _literature_docs(root: Path) -> list[list[str]]:
    docs = []
    for f in sorted(root.glob("*.md")):
        text = f.read_text(encoding="utf-8")
        text = re.sub(r"^---.*?---", "", text, count=1, flags=re.S)
        paras = [re.sub(r"\*\*[^*]+\*\*\s*", "", p).strip() for p in text.split("\n\n")]
        sents = [s for p in paras if p and not p.startswith("#") for s in _sentences(p)]
        docs.append(sents)
    return docs


def source_docs(shared: Path, corpus_literature: Path | None) -> list[tuple[str, list[str]]]:
    """[(source, sentences of one abstract)], dev-safe."""
    ds = shared / "datasets"
    sf_pairs = _read(ds / "scifact/pairs_train.jsonl")
    dev_docs = {str(r["doc_id"]) for r in sf_pairs if _claim_split(r["claim_id"]) == "dev"}
    docs = []
    for r in _read(ds / "scifact/allenai_release/corpus.jsonl"):
        if str(r["doc_id"]) not in dev_docs:
            docs.append(("scifact_corpus", [s.strip() for s in r["abstract"]]))
    for r in _read(ds / "healthver/train_abstract_pairs.jsonl"):
        if r["label"] == "SUPPORTS":
            docs.append(("healthver_train", _sentences(r.get("abstract") or r["evidence"])))
    if corpus_literature is not None and corpus_literature.exists():
        docs += [("literature", d) for d in _literature_docs(corpus_literature)]
    # dedupe abstracts (HealthVer repeats an abstract once per claim)
    seen, out = set(), []
    for src, sents in docs:
        key = " ".join(sents[:2])[:200]
        if sents and key not in seen:
            seen.add(key)
            out.append((src, sents))
    return out


def make_pairs(shared: Path, n_per_kind: dict[str, int], seed: int = 31, corpus_literature: Path | None = Path("corpus/literature")) -> list[dict]:
    rng = random.Random(seed)
    docs = source_docs(shared, corpus_literature)
    rng.shuffle(docs)
    # Literature is small but in our domain: put its sentences first so all of them are used.
    docs.sort(key=lambda d: d[0] != "literature")
    index: dict[str, list[int]] = collections.defaultdict(list)
    for di, (_, sents) in enumerate(docs):
        for w in _content_words(" ".join(sents)):
            index[w].append(di)
    want = dict(n_per_kind)
    got = collections.Counter()
    out: list[dict] = []

    def evid(sents: list[str], i: int) -> str:
        # the sentence alone, or with a neighbour, so the model learns to find it in context
        r = rng.random()
        if r < 0.55 or len(sents) == 1:
            return sents[i]
        if r < 0.8 and i > 0:
            return sents[i - 1] + " " + sents[i]
        return " ".join(sents[i : i + 2])

    def add(kind: str, claim: str, ev: str, label: str, src: str) -> None:
        if got[kind] < want.get(kind, 0) and claim and ev and claim.strip(" .") != ev.strip(" ."):
            got[kind] += 1
            out.append({"claim": claim, "evidence": ev, "label": label, "source": f"synthetic-{kind}", "origin": src})

    for di, (src, sents) in enumerate(docs):
        if all(got[k] >= v for k, v in want.items()):
            break
        cand = [
            i
            for i, s in enumerate(sents)
            if 8 <= len(s.split()) <= 50 and s[:1].isupper() and not re.search(r"(?:\+/-|±|\(n|=)\s*\.?$", s) and s.count("(") == s.count(")")
        ]
        rng.shuffle(cand)
        for i in cand[:3]:
            s = sents[i]
            has_num = bool(_NUM.search(s))
            c = claim_form(s, keep_numbers=has_num and rng.random() < 0.7, rng=rng)
            if not c:
                continue
            if rng.random() < 0.6:
                c = reword(c, rng)
            ev = evid(sents, i)
            # the edits below are made from the same claim form, so the pair differs by the edit alone
            if has_num and got["number"] < want.get("number", 0):
                cn = change_number(c, rng)
                if cn:
                    add("number", cn, ev, "REFUTES", src)
                    add("paraphrase", c, ev, "SUPPORTS", src)
                    continue
            kinds = ["direction", "negation"]
            rng.shuffle(kinds)
            done = False
            for k in kinds:
                cr = flip_direction(c) if k == "direction" else flip_negation(c, rng)
                if cr and cr != c and got[k] < want.get(k, 0):
                    add(k, cr, ev, "REFUTES", src)
                    done = True
                    break
            add("paraphrase", c, ev, "SUPPORTS", src)
            # NOT_ENOUGH_INFO: another sentence of the same abstract with little overlap, or a
            # sentence of another abstract that shares a rare content word
            cw = _content_words(c)
            if rng.random() < 0.5:
                others = [j for j in range(len(sents)) if abs(j - i) > 1 and len(sents[j].split()) >= 8 and len(_content_words(sents[j]) & cw) <= 2]
                if others:
                    add("unrelated", c, sents[rng.choice(others)], "NOT_ENOUGH_INFO", src)
            else:
                rare = sorted(cw, key=lambda w: len(index.get(w, ())))
                for w in rare:
                    pool = [d for d in index.get(w, ()) if d != di]
                    if 2 <= len(pool):
                        od = docs[rng.choice(pool)][1]
                        cands = [x for x in od if w in x.lower() and 8 <= len(x.split()) <= 50] or od
                        add("unrelated", c, rng.choice(cands), "NOT_ENOUGH_INFO", src)
                        break
            del done
    rng.shuffle(out)
    return out


def _same_rng_claim(sent: str, keep_numbers: bool, seed: int) -> str | None:
    """The claim form of ``sent`` made with a fixed seed, so a sentence and its edited twin get the same cuts and rewording."""
    rng = random.Random(seed)
    c = claim_form(sent, keep_numbers=keep_numbers, rng=rng)
    if c and rng.random() < 0.6:
        c = reword(c, rng)
    return c


def _edit_sentence(s: str, kind: str, rng: random.Random) -> str | None:
    if kind == "direction":
        return flip_direction(s)
    if kind == "negation":
        return flip_negation(s, rng)
    return change_number(s, rng)


def make_mirrored_pairs(shared: Path, n_groups: int, seed: int = 47, corpus_literature: Path | None = Path("corpus/literature")) -> list[dict]:
    """Contrast groups in which the claim's wording alone says nothing about the label.

    Why: the stage-3 verifier learned from one-sided edits that a claim containing "fell", "did not"
    or an unusual number is a refutation, whatever the evidence says; it even read a sentence quoted
    verbatim as REFUTES (0.82). Here every edit is applied to the *evidence* sentence too, and each
    group holds four pairs: (claim, sentence) SUPPORTS, (edited claim, sentence) REFUTES,
    (edited claim, edited sentence) SUPPORTS, (claim, edited sentence) REFUTES. Every claim text then
    appears once with each label, so only comparing it with the evidence can tell them apart.
    A fifth pair quotes a sentence (or its first clause) verbatim as SUPPORTS.
    """
    rng = random.Random(seed)
    docs = source_docs(shared, corpus_literature)
    rng.shuffle(docs)
    docs.sort(key=lambda d: d[0] != "literature")
    out: list[dict] = []
    groups = 0
    quota = {"direction": 0.5, "number": 0.25, "negation": 0.25}
    made: collections.Counter = collections.Counter()
    quotes = 0

    def row(claim: str, ev: str, label: str, kind: str, src: str) -> dict:
        return {"claim": claim, "evidence": ev, "label": label, "source": f"mirrored-{kind}", "origin": src}

    for src, sents in docs:
        if groups >= n_groups:
            break
        cand = [i for i, s in enumerate(sents) if 8 <= len(s.split()) <= 45 and s[:1].isupper() and s.count("(") == s.count(")")]
        rng.shuffle(cand)
        for i in cand[:2]:
            s = sents[i]
            # direction and number edits read cleanly; inserted negations are often ungrammatical, so they are capped
            kinds = [k for k in ("number", "direction", "negation") if made[k] < quota[k] * n_groups]
            if "number" in kinds and not _NUM.search(s):
                kinds.remove("number")
            for kind in kinds:
                s2 = _edit_sentence(s, kind, random.Random(rng.random()))
                if not s2 or s2 == s:
                    continue
                k_seed, keep = rng.randrange(1 << 30), rng.random() < 0.7
                c, c2 = _same_rng_claim(s, keep, k_seed), _same_rng_claim(s2, keep, k_seed)
                if not c or not c2 or c == c2:
                    continue
                # the neighbouring sentence (when given) is the same in both evidence texts
                ctx = rng.random()
                if ctx < 0.6 or len(sents) == 1:
                    ev, ev2 = s, s2
                elif i > 0:
                    ev, ev2 = sents[i - 1] + " " + s, sents[i - 1] + " " + s2
                else:
                    ev, ev2 = s + " " + sents[i + 1], s2 + " " + sents[i + 1]
                out += [
                    row(c, ev, "SUPPORTS", kind, src),
                    row(c2, ev, "REFUTES", kind, src),
                    row(c2, ev2, "SUPPORTS", kind, src),
                    row(c, ev2, "REFUTES", kind, src),
                ]
                groups += 1
                made[kind] += 1
                break
            # verbatim quote, or its first clause, supports
            q = s if rng.random() < 0.5 else re.split(r"[,;] (?:and |but |while |whereas |which )?", s)[0]
            if len(q.split()) >= 6 and quotes < 0.3 * n_groups:
                quotes += 1
                out.append(row(q.rstrip(".") + ".", s, "SUPPORTS", "quote", src))
    rng.shuffle(out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--show", type=int, default=5)
    args = ap.parse_args()
    pairs = make_pairs(Path(args.shared), {"paraphrase": 2600, "number": 900, "direction": 1300, "negation": 1100, "unrelated": 1500})
    print(collections.Counter(p["source"] for p in pairs), collections.Counter(p["origin"] for p in pairs))
    by = collections.defaultdict(list)
    for p in pairs:
        by[p["source"]].append(p)
    for k, v in by.items():
        print(f"\n=== {k}")
        for p in v[: args.show]:
            print(json.dumps({"claim": p["claim"], "evidence": p["evidence"][:220]}, ensure_ascii=False))


if __name__ == "__main__":
    main()

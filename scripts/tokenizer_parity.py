#!/usr/bin/env python3
"""Corpus parity of hfcpp's tokenizers with the Python `tokenizers` library (issue #3 item 6).

For every tokenizer of ../shared/models/tokenizers and every trained one (tests/fixtures/tokenizers, plus those this
script trains into benchmarks/.corpus/tokenizers for the model types the fixtures lack), encodes every corpus document
with both (special tokens added) and compares ids, character offsets and decode(ids) (skip_special_tokens, no
clean-up). Prints every mismatch: the document, its source, the first differing position and the tokens around it.

  python3 scripts/make_tokenizer_corpus.py                    # once: benchmarks/.corpus/corpus.jsonl
  python3 scripts/tokenizer_parity.py --build-dir build [--only gpt2,t5-small] [--limit 2000] [--show 5]
  python3 scripts/tokenizer_parity.py --build-dir build --write-fixtures   # tests/fixtures/tokenizers/corpus/

Which tokenizer.json each side loads:
  - a shared folder with tokenizer.json: that file (hfcpp Tokenizer::from_file, tokenizers Tokenizer.from_file);
  - a legacy shared folder (vocab.json + merges.txt, spiece.model): hfcpp Tokenizer::from_pretrained(folder) against
    the backend tokenizer transformers builds from the same folder (AutoTokenizer), and also the tokenizer.json
    that transformers saves, loaded by both sides ("<name>.json").
Exit status 1 when any tokenizer mismatches. Mismatching documents are appended to
benchmarks/.corpus/parity/bug_docs.jsonl; once a bug they show is fixed, add them to BUG_TEXTS below so that
--write-fixtures puts them into the committed fixtures.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CORPUS_DIR = os.path.join(ROOT, "benchmarks", ".corpus")
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared", "models", "tokenizers"))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "tokenizers")
FIXTURE_OUT = os.path.join(FIXTURES, "corpus")


# ---- the tokenizers under test ------------------------------------------------------------------------------------

def training_texts(docs, sources, limit=400_000):
    """Text to train the extra tokenizers on: messages, prose and code of the corpus."""
    out, used = [], 0
    for name, first, count in sources:
        if name in ("messages", "prose", "code", "locales"):
            for d in docs[first:first + count][:800]:
                if used < limit:
                    out.append(d)
                    used += len(d)
    return out


# Tokenizers whose files another fixture already holds: BERT's uncased vocabulary, roberta-base's files.
SAME_FILES = ("all-MiniLM-L6-v2", "distilbert-base-uncased-distilled-squad", "distilroberta-base-legacy")
TRAINED = ("wordpiece-trained.json", "unigram-bytefallback.json", "bpe-metaspace-bytefallback.json")


def train_extra(docs, sources):
    """Model types the committed fixtures lack: WordPiece, Unigram with byte_fallback, Metaspace BPE + byte_fallback."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    folder = os.path.join(CORPUS_DIR, "tokenizers")
    os.makedirs(folder, exist_ok=True)
    texts = training_texts(docs, sources)
    paths = {}

    path = os.path.join(folder, "wordpiece-trained.json")
    if not os.path.exists(path):
        special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
        tok.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tok.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=3000, special_tokens=special))
        tok.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
            special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
        tok.decoder = decoders.WordPiece()
        tok.save(path)
    paths["wordpiece-trained"] = path

    path = os.path.join(folder, "unigram-bytefallback.json")
    if not os.path.exists(path):
        special = ["<pad>", "</s>", "<unk>"]
        tok = Tokenizer(models.Unigram())
        tok.normalizer = normalizers.Sequence([normalizers.Replace(" ", "\u2581"), normalizers.Prepend("\u2581")])
        tok.train_from_iterator(texts, trainers.UnigramTrainer(vocab_size=2000, special_tokens=special,
                                                               unk_token="<unk>"))
        # UnigramTrainer has no byte_fallback: add the 256 <0xXX> pieces (below every trained score) and set it.
        data = json.loads(tok.to_str())
        low = min(score for _, score in data["model"]["vocab"]) - 1.0
        data["model"]["vocab"] += [["<0x%02X>" % b, low] for b in range(256)]
        data["model"]["byte_fallback"] = True
        tok = Tokenizer.from_str(json.dumps(data))
        tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B:1 </s>:1",
                                                           special_tokens=[("</s>", tok.token_to_id("</s>"))])
        tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(),
                                         decoders.Strip(" ", 1, 0)])
        tok.save(path)
    paths["unigram-bytefallback"] = path

    path = os.path.join(folder, "bpe-metaspace-bytefallback.json")
    if not os.path.exists(path):
        special = ["<unk>", "<s>", "</s>"]
        tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=False)
        bytes_ = ["<0x%02X>" % b for b in range(256)]
        tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=3000, special_tokens=special + bytes_))
        tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B:1",
                                                           special_tokens=[("<s>", tok.token_to_id("<s>"))])
        tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(),
                                         decoders.Strip(" ", 1, 0)])
        tok.save(path)
    paths["bpe-metaspace-bytefallback"] = path
    return paths


CONVERT = """
import json, os, sys, transformers
folder, out = sys.argv[1], sys.argv[2]
try:
    tok = transformers.AutoTokenizer.from_pretrained(folder)
except Exception:  # no tokenizer_config.json: the class of config.json's model_type (RobertaTokenizer, ...)
    model_type = json.load(open(os.path.join(folder, "config.json"))).get("model_type")
    if model_type is None:  # as hfcpp's loader: RoBERTa when the vocabulary has its special tokens, else GPT-2
        vocab = json.load(open(os.path.join(folder, "vocab.json"), encoding="utf-8"))
        model_type = "roberta" if all(t in vocab for t in ("<s>", "</s>", "<mask>")) else "gpt2"
    name = type(transformers.AutoConfig.for_model(model_type)).__name__.replace("Config", "Tokenizer")
    tok = getattr(transformers, name).from_pretrained(folder)
tok.backend_tokenizer.save(out)
"""

SLOW = """
import json, sys, transformers
tok = transformers.AutoTokenizer.from_pretrained(sys.argv[1], use_fast=False)
for line in open(sys.argv[2], encoding="utf-8"):
    ids = tok(json.loads(line))["input_ids"]
    print(json.dumps({"ids": ids, "offsets": None, "tokens": tok.convert_ids_to_tokens(ids),
                      "decoded": tok.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)}))
"""


def legacy_json(folder, slow_python):
    """The tokenizer.json transformers builds from a legacy folder (saved under benchmarks/.corpus/tokenizers), and
    whether this Python's transformers built it. SentencePiece folders need the sentencepiece + protobuf converters:
    when this Python lacks them, the transformers 4.x venv of tests/fixtures/make_unigram_fixtures.py converts."""
    out = os.path.join(CORPUS_DIR, "tokenizers", os.path.basename(folder) + ".json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    if subprocess.run([sys.executable, "-c", CONVERT, folder, out], stderr=subprocess.DEVNULL).returncode == 0:
        return out, True
    subprocess.run([slow_python, "-c", CONVERT, folder, out], check=True, stderr=subprocess.DEVNULL)
    return out, False


def tokenizer_list(docs, sources, slow_python):
    """[(name, hfcpp path (file or folder), tokenizer.json path for Python)]"""
    out = []
    for folder in sorted(glob.glob(os.path.join(SHARED, "*"))):
        name = os.path.basename(folder)
        tj = os.path.join(folder, "tokenizer.json")
        if os.path.exists(tj):
            out.append((name, tj, tj))
        else:
            converted, current = legacy_json(folder, slow_python)
            # transformers 4.x loads SentencePiece folders with its slow (sentencepiece) classes, which hfcpp's
            # legacy loader reproduces: compare ids and decode with those (slow classes give no offsets).
            out.append((name + "-legacy", folder, converted if current else ("slow", folder)))
            out.append((name + ".json", converted, converted))
    for path in sorted(glob.glob(os.path.join(FIXTURES, "**", "*.json"), recursive=True)):
        if path.startswith(FIXTURE_OUT):
            continue
        try:
            data = json.load(open(path, encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(data, dict) and "model" in data and "added_tokens" in data:
            out.append((os.path.splitext(os.path.relpath(path, FIXTURES))[0].replace(os.sep, "-"), path, path))
    for name, path in sorted(train_extra(docs, sources).items()):
        out.append((name, path, path))
    return out


# ---- the two sides ------------------------------------------------------------------------------------------------

def slow_side(slow_python, folder, corpus):
    run = subprocess.run([slow_python, "-c", SLOW, folder, corpus], check=True, capture_output=True, text=True)
    return [json.loads(line) for line in run.stdout.splitlines()]


def python_side(tokenizer_json, docs, special=True):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(tokenizer_json)
    # transformers ignores the truncation / padding sections of tokenizer.json (its call arguments decide), and so
    # does hfcpp (EncodeOptions): compare without them.
    tok.no_truncation()
    tok.no_padding()
    out = []
    for start in range(0, len(docs), 2000):
        encs = tok.encode_batch(docs[start:start + 2000], add_special_tokens=special)
        decoded = tok.decode_batch([e.ids for e in encs], skip_special_tokens=True)
        for e, d in zip(encs, decoded):
            out.append({"ids": e.ids, "offsets": [list(o) for o in e.offsets], "decoded": d, "tokens": e.tokens})
    return out


def hfcpp_side(bench, path, corpus, special=True):
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as f:
        out = f.name
    try:
        cmd = [bench, "--dump", "--tokenizer", path, "--corpus", corpus, "--out", out]
        if not special:
            cmd.append("--no-special")
        subprocess.run(cmd, check=True)
        with open(out, encoding="utf-8") as f:
            return [json.loads(line) for line in f]
    finally:
        os.unlink(out)


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b)) if len(a) != len(b) else None


def source_of(i, sources):
    for name, first, count in sources:
        if first <= i < first + count:
            return name
    return "?"


def compare(name, mine, theirs, docs, indices, sources, show):
    bad = []
    for k, (m, t) in enumerate(zip(mine, theirs)):
        what = [f for f in ("ids", "offsets", "decoded") if t[f] is not None and m[f] != t[f]]
        if what:
            bad.append((k, what))
    if len(mine) != len(theirs):
        print(f"  {name}: {len(mine)} hfcpp results for {len(theirs)} documents")
    for k, what in bad[:show]:
        m, t, text = mine[k], theirs[k], docs[k]
        print(f"  doc {indices[k]} ({source_of(indices[k], sources)}, {len(text)} chars) differs in {what}")
        if "ids" in what or "offsets" in what:
            field = "ids" if "ids" in what else "offsets"
            p = first_difference(m[field], t[field])
            lo = max(0, p - 3)
            toks = t["tokens"][lo:p + 4]
            offs = t["offsets"] if t["offsets"] is not None and p < len(t["offsets"]) else m["offsets"]
            off = offs[p] if p < len(offs) else [0, 0]
            print(f"    first {field} difference at token {p}: hfcpp {m[field][lo:p + 4]} tokenizers {t[field][lo:p + 4]}"
                  f" (tokens {toks})")
            print(f"    text near it: {text[max(0, off[0] - 20):off[1] + 20]!r}")
        if "decoded" in what:
            p = first_difference(m["decoded"], t["decoded"])
            print(f"    decode differs at char {p}: hfcpp {m['decoded'][max(0, p - 10):p + 20]!r} "
                  f"tokenizers {t['decoded'][max(0, p - 10):p + 20]!r}")
    return bad


# ---- fixtures -----------------------------------------------------------------------------------------------------

# Documents that exposed bugs (kept in the fixtures whatever the sample draws):
BUG_TEXTS = [
    # NFC / NFKC composed the composition exclusions (utf8proc without UTF8PROC_STABLE): U+2ADC must stay
    # U+2ADD U+0338, U+0958 U+0915 U+093C, ... (found by bpe/trained/suffix.json on the "unicode" documents)
    "\u2adba\u2adca\u2adda \u2add\u0338 \u0958 \u0915\u093c \u09dc \u0b5c \u0f43 \ufb1d \U0001d15e "
    "\u0344 \u0f73 \u2adc\u0338",
    # Unigram scores as serde_json reads them (1 ulp off for 17-digit scores) decide this Viterbi tie between
    # equal-scoring splits of the run of spaces (unigram-bytefallback.json)
    " !             Azpishell bat sortu\n",
]


def fixture_docs(docs, sources, per_source=2, max_chars=200):
    """A few documents of every source, cut to max_chars, plus the (cut) documents that exposed bugs."""
    import random
    rng = random.Random(3)
    picked = []
    for name, first, count in sources:
        for i in sorted(rng.sample(range(first, first + count), min(per_source, count))):
            picked.append(docs[i][:max_chars])
    picked += BUG_TEXTS
    seen, out = set(), []
    for d in picked:
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out


def write_fixtures(bench, tokenizers, docs, sources):
    """tests/fixtures/tokenizers/corpus/docs.json: the documents; <name>.json: {"tokenizer": path relative to the
    fixtures or to shared/, "cases": [{"ids", "offsets" (flat, characters), "decoded"}] (one per document)} for
    tokenizers whose files CI has or shared/ holds."""
    os.makedirs(FIXTURE_OUT, exist_ok=True)
    texts = fixture_docs(docs, sources)
    with open(os.path.join(FIXTURE_OUT, "docs.json"), "w", encoding="utf-8") as f:
        json.dump({"about": "documents of scripts/make_tokenizer_corpus.py (a sample per source, cut to 200 chars) "
                            "and the documents that exposed bugs (scripts/tokenizer_parity.py BUG_TEXTS)",
                   "docs": texts}, f, ensure_ascii=False, indent=0)
        f.write("\n")
    from tokenizers import __version__ as tokenizers_version
    total = 0
    for name, hf_path, py_path in tokenizers:
        if name in SAME_FILES:
            continue  # the same files as another fixture's tokenizer (checked on the whole corpus all the same)
        if isinstance(py_path, tuple):
            continue  # slow transformers classes: covered by tests/fixtures/make_unigram_fixtures.py
        if hf_path.startswith(CORPUS_DIR) and os.path.basename(hf_path) not in TRAINED:
            continue  # a converted legacy file: not available to CI (the "-legacy" run covers its folder)
        if hf_path.startswith(CORPUS_DIR):
            # trained here: commit the tokenizer.json next to the fixture (small vocabularies)
            dst = os.path.join(FIXTURE_OUT, "trained", os.path.basename(hf_path))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(hf_path, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as g:
                json.dump(json.load(f), g, ensure_ascii=False, separators=(",", ":"))
            hf_path = py_path = dst
        if hf_path.startswith(SHARED):
            where = {"shared": os.path.relpath(hf_path, SHARED)}
        elif hf_path.startswith(ROOT):
            where = {"fixture": os.path.relpath(hf_path, FIXTURES)}
        else:
            continue  # a converted legacy file: not available to CI
        theirs = python_side(py_path, texts)
        cases = [{"ids": r["ids"], "offsets": [x for o in r["offsets"] for x in o], "decoded": r["decoded"]}
                 for r in theirs]
        data = {"versions": {"tokenizers": tokenizers_version}, "tokenizer": where,
                "from_pretrained": os.path.isdir(hf_path), "cases": cases}
        out = os.path.join(FIXTURE_OUT, name + ".json")
        with open(out, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
        total += os.path.getsize(out)
        print(f"  {out}: {len(cases)} cases, {os.path.getsize(out) / 1e3:.0f} kB")
    print(f"fixtures: {total / 1e6:.2f} MB")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--corpus", default=os.path.join(CORPUS_DIR, "corpus.jsonl"))
    ap.add_argument("--only", default="", help="comma-separated tokenizer names")
    ap.add_argument("--limit", type=int, default=0, help="every n-th document so that about this many remain")
    ap.add_argument("--show", type=int, default=5, help="mismatching documents printed per tokenizer")
    ap.add_argument("--write-fixtures", action="store_true")
    ap.add_argument("--slow-python", default=os.environ.get("HFCPP_SLOW_PYTHON", "/tmp/tf4/bin/python"),
                    help="a Python with transformers, sentencepiece and protobuf, to convert spiece.model folders")
    args = ap.parse_args()
    bench = os.path.join(ROOT, args.build_dir, "benchmarks", "tokenizer_bench")
    docs = [json.loads(line) for line in open(args.corpus, encoding="utf-8")]
    sources = json.load(open(args.corpus + ".sources.json"))
    tokenizers = tokenizer_list(docs, sources, args.slow_python)
    if args.only:
        keep = set(args.only.split(","))
        tokenizers = [t for t in tokenizers if t[0] in keep]
    if args.write_fixtures:
        write_fixtures(bench, tokenizers, docs, sources)
        return 0
    indices = list(range(len(docs)))
    if args.limit and args.limit < len(docs):
        step = len(docs) / args.limit
        indices = sorted({int(k * step) for k in range(args.limit)})
    subset = [docs[i] for i in indices]
    corpus = args.corpus
    if len(subset) != len(docs):
        corpus = os.path.join(CORPUS_DIR, "subset.jsonl")
        with open(corpus, "w", encoding="utf-8") as f:
            for d in subset:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
    os.makedirs(os.path.join(CORPUS_DIR, "parity"), exist_ok=True)
    failed = 0
    summary = []
    for name, hf_path, py_path in tokenizers:
        print(f"{name}: {os.path.relpath(hf_path, ROOT) if hf_path.startswith(ROOT) else hf_path}"
              f"{' vs transformers 4.x slow tokenizer (ids, decode)' if isinstance(py_path, tuple) else ''}",
              flush=True)
        if isinstance(py_path, tuple):
            theirs = slow_side(args.slow_python, py_path[1], corpus)
        else:
            theirs = python_side(py_path, subset)
        mine = hfcpp_side(bench, hf_path, corpus)
        bad = compare(name, mine, theirs, subset, indices, sources, args.show)
        summary.append((name, len(subset) - len(bad), len(subset)))
        if bad:
            failed += 1
            with open(os.path.join(CORPUS_DIR, "parity", "bug_docs.jsonl"), "a", encoding="utf-8") as f:
                for k, what in bad[:3]:
                    f.write(json.dumps({"tokenizer": name, "text": subset[k][:600], "what": what},
                                       ensure_ascii=False) + "\n")
    print("\n| tokenizer | identical documents |\n|---|---|")
    for name, ok, n in summary:
        print(f"| {name} | {ok} / {n} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

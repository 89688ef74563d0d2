#!/usr/bin/env python3
"""Tokenizer speed side by side (issue #3 item 7): hfcpp (benchmarks/tokenizer_bench, encode_batch), the Rust
`tokenizers` library through its Python binding (Tokenizer.encode_batch) and `tiktoken` (a GPT-2 encoding built here
from vocab.json + merges.txt), in one run on the same corpus, with 1 and 2 threads; then hfcpp's encode time of single
1 / 5 / 10 MB strings (linear growth) and the resident memory that loading the GPT-2 tokenizer costs.

  python3 scripts/make_tokenizer_corpus.py          # once: benchmarks/.corpus/corpus.jsonl
  python3 benchmarks/compare_tokenizers.py --build-dir build [--threads 1,2] [--repeat 3] [--batch 1000]

Each engine runs in its own process so its thread settings hold from the start: hfcpp --threads N
(hfcpp::set_num_threads; OMP_NUM_THREADS too), tokenizers RAYON_NUM_THREADS=N with TOKENIZERS_PARALLELISM
(false for 1 thread), tiktoken encode_ordinary_batch(num_threads=N). Every engine encodes the corpus in batches of
--batch documents, special tokens as each tokenizer adds them; the best of --repeat passes counts.
Targets: WordPiece >= 5x tokenizers; byte-level BPE >= 1.5x tiktoken and >= 3x tokenizers; load RSS <= 2x files.
"""
import argparse
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CORPUS_DIR = os.path.join(ROOT, "benchmarks", ".corpus")
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared", "models", "tokenizers"))

# name, kind, hfcpp path (tokenizer.json or folder), tokenizer.json for `tokenizers`, tiktoken vocab folder
MODELS = [
    ("bert-base-uncased", "WordPiece", "bert-base-uncased/tokenizer.json", "bert-base-uncased/tokenizer.json", None),
    ("gpt2", "byte-level BPE", "gpt2/tokenizer.json", "gpt2/tokenizer.json", "gpt2"),
    ("roberta-base", "byte-level BPE", "roberta-base", None, None),
    ("t5-small", "Unigram", "t5-small/tokenizer.json", "t5-small/tokenizer.json", None),
    ("albert-base-v2", "Unigram", "albert-base-v2", None, None),
]

HF = """
import json, sys, time
from tokenizers import Tokenizer
path, corpus, batch, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
tok = Tokenizer.from_file(path)
tok.no_truncation(); tok.no_padding()
docs = [json.loads(line) for line in open(corpus, encoding="utf-8")]
batches = [docs[i:i + batch] for i in range(0, len(docs), batch)]
best = 1e300
for _ in range(repeat):
    t = time.perf_counter(); n = 0
    for b in batches:
        n += sum(len(e.ids) for e in tok.encode_batch(b))
    best = min(best, time.perf_counter() - t)
print(json.dumps({"seconds": best, "tokens": n}))
"""

TIKTOKEN = """
import json, sys, time
import tiktoken
folder, corpus, batch, repeat, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\\xa1"), ord("\\xac") + 1)) + \\
         list(range(ord("\\xae"), ord("\\xff") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return dict(zip(bs, map(chr, cs)))

# mergeable_ranks as tiktoken builds GPT-2's (data_gym_to_mergeable_bpe_ranks): the 256 bytes in bytes_to_unicode
# order, then one token per line of merges.txt; for GPT-2 these ranks are the vocab.json ids.
byte_of = {c: b for b, c in bytes_to_unicode().items()}
ranks = {bytes([b]): i for i, b in enumerate(bytes_to_unicode())}
for line in open(folder + "/merges.txt", encoding="utf-8").read().split("\\n")[1:]:
    if line:
        a, b = line.split(" ")
        ranks[bytes(byte_of[c] for c in a + b)] = len(ranks)
vocab = json.load(open(folder + "/vocab.json", encoding="utf-8"))
assert all(vocab["".join(bytes_to_unicode()[b] for b in k)] == r for k, r in ranks.items()), "ranks != vocab ids"
special = {"<|endoftext|>": vocab["<|endoftext|>"]}
enc = tiktoken.Encoding(name="gpt2-local", mergeable_ranks=ranks, special_tokens=special,
    pat_str=r"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+")
docs = [json.loads(line) for line in open(corpus, encoding="utf-8")]
batches = [docs[i:i + batch] for i in range(0, len(docs), batch)]
best = 1e300
for _ in range(repeat):
    t = time.perf_counter(); n = 0
    for b in batches:
        n += sum(len(x) for x in enc.encode_ordinary_batch(b, num_threads=threads))
    best = min(best, time.perf_counter() - t)
print(json.dumps({"seconds": best, "tokens": n}))
"""

HF_MEMORY = """
import json, os, sys
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGESIZE")
from tokenizers import Tokenizer
before = rss(); tok = Tokenizer.from_file(sys.argv[1]); after = rss()
print(json.dumps({"load_rss": after - before}))
"""


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def env_for(threads, engine):
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(threads)
    env["OMP_WAIT_POLICY"] = "passive"
    env["RAYON_NUM_THREADS"] = str(threads)
    env["TOKENIZERS_PARALLELISM"] = "true" if threads > 1 else "false"
    return env


def converted_json(folder):
    """tokenizer.json of a legacy folder as transformers builds it (made by scripts/tokenizer_parity.py)."""
    path = os.path.join(CORPUS_DIR, "tokenizers", os.path.basename(folder) + ".json")
    return path if os.path.exists(path) else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--corpus", default=os.path.join(CORPUS_DIR, "corpus.jsonl"))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--models", default="bert-base-uncased,gpt2,roberta-base,t5-small,albert-base-v2")
    ap.add_argument("--sizes", default="1,5,10", help="MB of the single-string encodes")
    args = ap.parse_args()
    bench = os.path.join(ROOT, args.build_dir, "benchmarks", "tokenizer_bench")
    corpus_mb = os.path.getsize(args.corpus) / 1e6
    n_docs = sum(1 for _ in open(args.corpus, encoding="utf-8"))
    wanted = args.models.split(",")
    import tokenizers
    import tiktoken
    print(f"corpus {args.corpus}: {n_docs} documents; batches of {args.batch}; best of {args.repeat}")
    print(f"tokenizers {tokenizers.__version__}, tiktoken {tiktoken.__version__}, {platform.processor() or ''} "
          f"{os.cpu_count()} CPUs")
    rows = []
    for name, kind, hf_rel, py_rel, tiktoken_dir in MODELS:
        if name not in wanted:
            continue
        folder = os.path.join(SHARED, name)
        if not os.path.isdir(folder):
            print(f"{name}: {folder} absent, skipped")
            continue
        hf_path = os.path.join(SHARED, hf_rel) if hf_rel else converted_json(folder)
        py_path = os.path.join(SHARED, py_rel) if py_rel else converted_json(folder)
        if not hf_path or not py_path:
            print(f"{name}: no tokenizer.json (run scripts/tokenizer_parity.py to convert the legacy files), skipped")
            continue
        for threads in [int(t) for t in args.threads.split(",")]:
            mine = run_json([bench, "--bench", "--tokenizer", hf_path, "--corpus", args.corpus, "--threads",
                             str(threads), "--batch", str(args.batch), "--repeat", str(args.repeat)],
                            env_for(threads, "hfcpp"))
            theirs = run_json([sys.executable, "-c", HF, py_path, args.corpus, str(args.batch), str(args.repeat)],
                              env_for(threads, "tokenizers"))
            tik = None
            if tiktoken_dir:
                tik = run_json([sys.executable, "-c", TIKTOKEN, os.path.join(SHARED, tiktoken_dir), args.corpus,
                                str(args.batch), str(args.repeat), str(threads)], env_for(threads, "tiktoken"))
            mb = mine["mb"]
            row = {"model": name, "kind": kind, "threads": threads, "hfcpp_mb_s": mb / mine["seconds"],
                   "hfcpp_docs_s": n_docs / mine["seconds"], "hf_mb_s": mb / theirs["seconds"],
                   "vs_hf": theirs["seconds"] / mine["seconds"], "tokens": mine["tokens"],
                   "hf_tokens": theirs["tokens"]}
            if tik:
                row.update(tiktoken_mb_s=mb / tik["seconds"], vs_tiktoken=tik["seconds"] / mine["seconds"],
                           tiktoken_tokens=tik["tokens"])
            rows.append(row)
            print(json.dumps(row), flush=True)

    print("\n| model | type | threads | hfcpp MB/s | hfcpp docs/s | tokenizers MB/s | tiktoken MB/s | "
          "vs tokenizers | vs tiktoken |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        tk = f"{r['tiktoken_mb_s']:.2f}" if "tiktoken_mb_s" in r else "-"
        vt = f"{r['vs_tiktoken']:.2f}x" if "vs_tiktoken" in r else "-"
        print(f"| {r['model']} | {r['kind']} | {r['threads']} | {r['hfcpp_mb_s']:.2f} | {r['hfcpp_docs_s']:.0f} | "
              f"{r['hf_mb_s']:.2f} | {tk} | {r['vs_hf']:.2f}x | {vt} |")

    sizes = args.sizes
    print(f"\nsingle-string encode (hfcpp Tokenizer::encode, {sizes} MB of corpus text):")
    print("| model | MB | seconds | MB/s | tokens |\n|---|---|---|---|---|")
    for name, _, hf_rel, _, _ in MODELS:
        if name not in ("bert-base-uncased", "gpt2") or name not in wanted:
            continue
        out = run_json([bench, "--long", "--tokenizer", os.path.join(SHARED, hf_rel), "--corpus", args.corpus,
                        "--sizes", sizes], env_for(1, "hfcpp"))
        for r in out["long"]:
            print(f"| {name} | {r['mb']:.2f} | {r['seconds']:.3f} | {r['mb'] / r['seconds']:.2f} | {r['tokens']} |")

    gpt2 = os.path.join(SHARED, "gpt2")
    if os.path.isdir(gpt2):
        mem = run_json([bench, "--memory", "--tokenizer", gpt2])
        hf_mem = run_json([sys.executable, "-c", HF_MEMORY, os.path.join(gpt2, "tokenizer.json")])
        print(f"\nGPT-2 load (Tokenizer::from_pretrained, tokenizer.json {mem['file_bytes'] / 1e6:.2f} MB): "
              f"RSS +{mem['load_rss'] / 1e6:.2f} MB right after loading, +{mem['held_rss'] / 1e6:.2f} MB held "
              f"after malloc_trim = {mem['ratio']:.2f}x the files (heap +{mem['held_anon_rss'] / 1e6:.2f} MB, "
              f"malloc'd +{mem['held_malloc'] / 1e6:.2f} MB, code pages +{mem['held_file_rss'] / 1e6:.2f} MB; "
              f"peak during load +{(mem['peak_load_rss'] or 0) / 1e6:.2f} MB) "
              f"(tokenizers Tokenizer.from_file: +{hf_mem['load_rss'] / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()

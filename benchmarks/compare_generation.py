#!/usr/bin/env python3
"""Side-by-side GPT-2 decoding: hfcpp vs transformers' generate() (PyTorch) vs llama.cpp (llama-cpp-python, GGUF).

Builds GPT-2 124M with random weights (seeded) of the real gpt2 configuration (../shared/models) into
benchmarks/.models/gpt2-random, converts the same weights to GGUF f32, f16 and q8_0 (benchmarks/make_gguf.py, needs
`gguf`), then runs every engine on the same 32 prompt ids: greedy, 128 new tokens, batch 1, with 1 and 2 threads,
for each compute type of --dtypes against its llama.cpp counterpart: hfcpp float32 / llama.cpp f32 (and
transformers float32), hfcpp bfloat16 / llama.cpp f16, hfcpp int8 / llama.cpp q8_0. Each engine runs in its own
process (own thread pool, own peak RSS); hfcpp and llama.cpp alternate for --rounds processes.
Printed (markdown):
  - decode tokens/s (the steps after the first token; median and best of all generations) and ratios hfcpp / peer;
  - whether the greedy tokens agree (first index where they differ);
  - ms per token at context 128/256/512/1024 (prefill C-8 positions, then 8 single-token steps; median);
  - hfcpp's peak RSS against weights + KV cache.

    python3 benchmarks/compare_generation.py [--build-dir build] [--llama-python /path/venv/bin/python]
                                             [--repeat 3] [--rounds 3] [--threads-list 1,2]

llama-cpp-python is found in --llama-python (default: this interpreter); without it the llama.cpp columns are empty.
Install: pip install llama-cpp-python gguf safetensors numpy (a source build: CMAKE_ARGS="-DGGML_NATIVE=ON" for this CPU).
"""
import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "models"
TOKENIZER_DIR = SHARED / "tokenizers" / "gpt2"  # real gpt2 config.json, vocab.json, merges.txt
MODEL_DIR = ROOT / "benchmarks" / ".models" / "gpt2-random"
# hfcpp dtype -> the llama.cpp type of the same width (GGUF matrices; make_gguf.py --type)
LLAMA_TYPE = {"float32": "f32", "bfloat16": "f16", "int8": "q8_0"}
WEIGHT_BYTES = {"float32": 4, "bfloat16": 2, "int8": 1}
CONTEXTS = (128, 256, 512, 1024)
STEPS = 8  # single-token steps timed at each context


def build_model():
    if not (MODEL_DIR / "model.safetensors").exists():
        import torch
        from transformers import GPT2Config, GPT2LMHeadModel
        config = GPT2Config.from_dict(json.loads((TOKENIZER_DIR / "config.json").read_text()))
        torch.manual_seed(0)
        model = GPT2LMHeadModel(config).eval()
        MODEL_DIR.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(MODEL_DIR)
        for name in ("vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json"):
            shutil.copy(TOKENIZER_DIR / name, MODEL_DIR / name)


def gguf_path(llama_type):
    return MODEL_DIR / f"model-{llama_type}.gguf"


def build_gguf(python, llama_type):
    path = gguf_path(llama_type)
    if path.exists():
        return True
    script = ROOT / "benchmarks" / "make_gguf.py"
    done = subprocess.run([python, str(script), str(MODEL_DIR), str(TOKENIZER_DIR), str(path), "--type", llama_type])
    return done.returncode == 0 and path.exists()


def weights_mb(dtype):
    """The checkpoint's weights in hfcpp's storage for `dtype`: the blocks' linear weights and the (tied) LM head in
    the compute type, everything else (embeddings of positions, LayerNorms, biases) float32."""
    header = MODEL_DIR / "model.safetensors"
    with open(header, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        meta = json.loads(f.read(size))
    total = 0
    for name, info in meta.items():
        if name == "__metadata__":
            continue
        count = 1
        for d in info["shape"]:
            count *= d
        reduced = name.endswith("wte.weight") or (len(info["shape"]) == 2 and ".h." in "." + name)
        total += count * (WEIGHT_BYTES[dtype] if reduced else 4)
    return total / (1 << 20)


def prompt_ids(n=32, vocab=50257):
    rng = random.Random(0)
    return [rng.randrange(vocab - 1) for _ in range(n)]


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ---- workers: each runs in a fresh process and prints one JSON line ----------------------------------------------

def worker_transformers(ids, threads, new, repeat, contexts):
    import torch
    from transformers import GPT2LMHeadModel, LogitsProcessor, LogitsProcessorList
    torch.set_num_threads(threads)
    model = GPT2LMHeadModel.from_pretrained(str(MODEL_DIR), dtype=torch.float32).eval()
    model.generation_config.eos_token_id = None  # never stop early, as the other engines
    model.generation_config.pad_token_id = 0
    stamps = []

    class Stamp(LogitsProcessor):  # called once per step, right after the forward pass
        def __call__(self, input_ids, scores):
            stamps.append(time.perf_counter())
            return scores

    input_ids = torch.tensor([ids])
    mask = torch.ones_like(input_ids)
    kwargs = dict(attention_mask=mask, do_sample=False, use_cache=True, logits_processor=LogitsProcessorList([Stamp()]))
    model.generate(input_ids, max_new_tokens=2, **kwargs)
    rates, tokens = [], None
    for _ in range(repeat):
        stamps.clear()
        out = model.generate(input_ids, max_new_tokens=new, **kwargs)
        rates.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
        tokens = out[0, len(ids):].tolist()
    rss = peak_rss_mb()  # before the context sweep, as hfcpp's
    at = {}
    with torch.inference_mode():
        for c in contexts:
            prefix = torch.tensor([[(1 + 7919 * i) % 50256 for i in range(c - STEPS)]])
            past = model(prefix, use_cache=True).past_key_values
            ms = []
            for s in range(STEPS):
                start = time.perf_counter()
                past = model(torch.tensor([[(7 + 131 * s) % 50257]]), past_key_values=past, use_cache=True).past_key_values
                ms.append((time.perf_counter() - start) * 1000)
            at[str(c)] = statistics.median(ms)
    return {"decode_tokens_per_s": statistics.median(rates), "decode_tokens_per_s_runs": rates, "tokens": tokens,
            "ms_per_token_at": at, "peak_rss_mb": rss, "version": __import__("transformers").__version__,
            "torch": torch.__version__}


def worker_llama(ids, threads, new, repeat, contexts, llama_type):
    import numpy as np
    import llama_cpp
    llm = llama_cpp.Llama(model_path=str(gguf_path(llama_type)), n_ctx=max(CONTEXTS + (len(ids) + new,)), n_threads=threads,
                          n_threads_batch=threads, n_batch=512, verbose=False)
    n_vocab = llm.n_vocab()

    def last_logits():
        return np.ctypeslib.as_array(llama_cpp.llama_get_logits(llm.ctx), shape=(n_vocab,))

    def greedy(n):
        llm.reset()
        llm.eval(ids)
        out, stamps = [], []
        for _ in range(n):
            token = int(np.argmax(last_logits()))
            stamps.append(time.perf_counter())
            out.append(token)
            if len(out) < n:
                llm.eval([token])
        return out, stamps

    greedy(2)
    rates, tokens = [], None
    for _ in range(repeat):
        tokens, stamps = greedy(new)
        rates.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
    rss = peak_rss_mb()  # before the context sweep, as hfcpp's
    at = {}
    for c in contexts:
        llm.reset()
        llm.eval([(1 + 7919 * i) % 50256 for i in range(c - STEPS)])
        ms = []
        for s in range(STEPS):
            start = time.perf_counter()
            llm.eval([(7 + 131 * s) % 50257])
            ms.append((time.perf_counter() - start) * 1000)
        at[str(c)] = statistics.median(ms)
    return {"decode_tokens_per_s": statistics.median(rates), "decode_tokens_per_s_runs": rates, "tokens": tokens,
            "ms_per_token_at": at, "peak_rss_mb": rss, "version": llama_cpp.__version__}


# ---- driver --------------------------------------------------------------------------------------------------------

def run_worker(python, engine, ids, threads, new, repeat, contexts, llama_type="f32"):
    cmd = [python, str(Path(__file__).resolve()), "--worker", engine, "--ids", ",".join(map(str, ids)),
           "--threads", str(threads), "--new", str(new), "--repeat", str(repeat), "--contexts",
           ",".join(map(str, contexts)), "--llama-type", llama_type]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        print(f"[{engine} failed]\n{done.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_hfcpp(build_dir, ids, threads, new, repeat, contexts, dtype):
    exe = build_dir / "benchmarks" / "generate_bench"
    cmd = [str(exe), "--model", str(MODEL_DIR), "--ids", ",".join(map(str, ids)), "--threads", str(threads),
           "--new", str(new), "--repeat", str(repeat), "--contexts", ",".join(map(str, contexts)), "--steps",
           str(STEPS), "--dtype", dtype]
    # OMP_WAIT_POLICY as the caller's environment has it (--omp-wait-policy): libgomp's default unless set.
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])


def merge_runs(results):
    """One result from several processes of an engine: every generation's rate, their median; the rest (tokens,
    context sweep, RSS) from the first process."""
    merged = dict(results[0])
    merged["decode_tokens_per_s_runs"] = [x for r in results for x in r["decode_tokens_per_s_runs"]]
    merged["decode_tokens_per_s"] = statistics.median(merged["decode_tokens_per_s_runs"])
    merged["tokens_agree"] = all(r["tokens"] == results[0]["tokens"] for r in results)
    return merged


def agreement(a, b):
    if a is None or b is None:
        return "n/a"
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"differ from token {i}"
    return f"identical ({min(len(a), len(b))})"


def fmt(x, spec=".2f"):
    return "n/a" if x is None else format(x, spec)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=str(ROOT / "build"))
    parser.add_argument("--llama-python", default=sys.executable, help="interpreter that has llama_cpp and gguf")
    parser.add_argument("--threads-list", default="1,2")
    parser.add_argument("--dtypes", default="float32,bfloat16,int8", help="hfcpp compute types to run")
    parser.add_argument("--new", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=3, help="generations per engine process")
    parser.add_argument("--rounds", type=int, default=3,
                        help="hfcpp and llama.cpp processes per thread count, interleaved (transformers: one)")
    parser.add_argument("--omp-wait-policy", default="default", choices=["default", "passive", "active"],
                        help="OMP_WAIT_POLICY for every engine; default = libgomp's own (spin a while, then sleep); "
                             "passive when the cores are shared with other work")
    parser.add_argument("--contexts", default=",".join(map(str, CONTEXTS)), help=argparse.SUPPRESS)
    parser.add_argument("--worker", choices=("transformers", "llama"), help=argparse.SUPPRESS)
    parser.add_argument("--llama-type", default="f32", help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        ids = [int(x) for x in args.ids.split(",")]
        contexts = tuple(int(c) for c in args.contexts.split(",") if c)
        if args.worker == "transformers":
            result = worker_transformers(ids, args.threads, args.new, args.repeat, contexts)
        else:
            result = worker_llama(ids, args.threads, args.new, args.repeat, contexts, args.llama_type)
        print(json.dumps(result))
        return 0

    if args.omp_wait_policy == "default":  # inherited by every engine's process
        os.environ.pop("OMP_WAIT_POLICY", None)
    else:
        os.environ["OMP_WAIT_POLICY"] = args.omp_wait_policy
    build_model()
    dtypes = [d for d in args.dtypes.split(",") if d]
    have_llama = {d: build_gguf(args.llama_python, LLAMA_TYPE[d]) for d in dtypes}
    ids = prompt_ids()
    rows = []  # (dtype, threads, transformers, hfcpp, llama)
    for dtype in dtypes:
        for threads in (int(t) for t in args.threads_list.split(",")):
            hf = (run_worker(sys.executable, "transformers", ids, threads, args.new, args.repeat, CONTEXTS)
                  if dtype == "float32" else None)
            ours, llama = [], []
            # Interleaved rounds so that load from other processes hits both engines alike; the context sweep and
            # the RSS reading come from the first round.
            for r in range(args.rounds):
                contexts = CONTEXTS if r == 0 else ()
                ours.append(run_hfcpp(Path(args.build_dir), ids, threads, args.new, args.repeat, contexts, dtype))
                if have_llama[dtype]:
                    llama.append(run_worker(args.llama_python, "llama", ids, threads, args.new, args.repeat, contexts,
                                            LLAMA_TYPE[dtype]))
            llama = [x for x in llama if x]
            rows.append((dtype, threads, hf, merge_runs(ours), merge_runs(llama) if llama else None))

    def rate(r):
        return r["decode_tokens_per_s"] if r else None

    def best(r):
        return max(r["decode_tokens_per_s_runs"]) if r else None

    def ratio(a, b, of=rate):
        return f"{of(a) / of(b):.2f}x" if a and b else "n/a"

    hf0 = next((r[2] for r in rows if r[2]), None)
    llama0 = next((r[4] for r in rows if r[4]), None)
    print(f"GPT-2 124M (real gpt2 config, random weights seed 0), batch 1, {len(ids)}-token prompt, "
          f"{args.new} new tokens greedy; decode tokens/s = steps after the first token, median (and best) of "
          f"{args.rounds} x {args.repeat} generations for hfcpp and llama.cpp, {args.repeat} for transformers; "
          f"OMP_WAIT_POLICY {args.omp_wait_policy}; load average {os.getloadavg()[0]:.2f} at the end")
    print(f"peers: transformers {hf0['version'] if hf0 else '?'} / torch {hf0['torch'] if hf0 else '?'} generate() "
          f"(float32); llama-cpp-python {llama0['version'] if llama0 else 'not available'} (GGUF of the same weights: "
          "f32, f16, q8_0)")
    print()
    print("| hfcpp dtype | llama.cpp type | threads | hfcpp tok/s | llama.cpp tok/s | transformers tok/s | "
          "hfcpp / llama.cpp | best hfcpp / best llama.cpp | hfcpp / transformers |")
    print("|---|---|---|---|---|---|---|---|---|")
    for dtype, threads, hf, ours, llama in rows:
        print(f"| {dtype} | {LLAMA_TYPE[dtype]} | {threads} | {fmt(rate(ours), '.1f')} ({fmt(best(ours), '.1f')}) | "
              f"{fmt(rate(llama), '.1f')} ({fmt(best(llama), '.1f')}) | "
              f"{fmt(rate(hf), '.1f')}{f' ({best(hf):.1f})' if hf else ''} | {ratio(ours, llama)} | "
              f"{ratio(ours, llama, best)} | {ratio(ours, hf)} |")
    print()
    print(f"Greedy tokens ({args.new} new):")
    f32_tokens = {t: o["tokens"] for d, t, _, o, _ in rows if d == "float32"}
    for dtype, threads, hf, ours, llama in rows:
        parts = []
        if hf:
            parts.append(f"vs transformers {agreement(ours['tokens'], hf['tokens'])}")
        parts.append(f"vs llama.cpp {LLAMA_TYPE[dtype]} {agreement(ours['tokens'], llama and llama['tokens'])}")
        if dtype != "float32" and threads in f32_tokens:
            parts.append(f"vs hfcpp float32 {agreement(ours['tokens'], f32_tokens[threads])}")
        print(f"- hfcpp {dtype}, {threads} thread(s): " + "; ".join(parts))
    print()
    print(f"ms per token at context C (prefill C-{STEPS}, median of {STEPS} single-token steps):")
    print()
    print("| hfcpp dtype | threads | engine | " + " | ".join(f"C={c}" for c in CONTEXTS) + " |")
    print("|---|---|---|" + "---|" * len(CONTEXTS))
    for dtype, threads, hf, ours, llama in rows:
        for name, r in (("hfcpp", ours), ("transformers", hf), (f"llama.cpp {LLAMA_TYPE[dtype]}", llama)):
            if r:
                print(f"| {dtype} | {threads} | {name} | " +
                      " | ".join(fmt(r["ms_per_token_at"][str(c)]) for c in CONTEXTS) + " |")
    print()
    print("Peak RSS (MB) after load + one generation; weights = the checkpoint's tensors as hfcpp stores them for "
          f"the dtype (blocks' linears and the tied LM head in it, the rest float32); hfcpp's float32 KV cache for "
          f"{len(ids)} + {args.new} positions:")
    print()
    print("| hfcpp dtype | threads | hfcpp peak RSS | weights + KV | hfcpp / (weights + KV) | transformers peak RSS | "
          "llama.cpp peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for dtype, threads, hf, ours, llama in rows:
        # the context sweep runs after the RSS reading, so the KV cache here is the generation's
        budget = weights_mb(dtype) + ours["kv_cache_mb"]
        print(f"| {dtype} | {threads} | {ours['peak_rss_mb']:.0f} | {budget:.0f} | {ours['peak_rss_mb'] / budget:.2f} | "
              f"{fmt(hf and hf['peak_rss_mb'], '.0f')} | {fmt(llama and llama['peak_rss_mb'], '.0f')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

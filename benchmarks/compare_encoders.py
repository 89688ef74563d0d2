#!/usr/bin/env python3
"""Encoders side by side: hfcpp vs PyTorch eager, ONNX Runtime (optimized fp32, int8 dynamic) and CTranslate2 (fp32,
int8), in one run, on the same token ids.

Sets up the peers from PyPI in a virtual environment (.venv-bench at the repository root, on top of the system's
torch + transformers), builds random weights of the real bert-base-uncased and distilbert-base-uncased(-sst-2)
configurations as *ForSequenceClassification checkpoints into benchmarks/.models, exports them to ONNX, optimizes
them with onnxruntime.transformers.optimizer (model_type bert), quantizes them (quantize_dynamic, int8 weights) and
converts them to CTranslate2, then times the model forward for batch 1 x seq 128 and batch 8 x seq 128 on 1 and 2
threads, each engine in its own fresh process. Also: DistilBERT sentiment end to end (text -> JSON; 1 text and 32
texts), cold load (fresh processes) and peak RSS against the size of the weights. Outputs are compared across
engines (max abs difference of the logits against PyTorch) so the comparison is fair.

    python3 benchmarks/compare_encoders.py [--build-dir build] [--quick] [--threads 1,2] [--models bert,distilbert]
                                           [--dtypes float32,int8] [--markdown FILE]
                                           [--sections forward,e2e,load] [--load-rounds 7]

CTranslate2 has no BERT classification head: it runs the encoder (with BERT's pooler) and its time is the encoder
forward; the classifier it lacks is one [768 x 2] product. Its agreement is checked on last_hidden_state.
"""
import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no load reports / progress bars in the tables' output
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
warnings.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "models"
MODELS_DIR = ROOT / "benchmarks" / ".models"
WORK_DIR = MODELS_DIR / "encoders-work"
VENV = ROOT / ".venv-bench"  # gitignored (/.venv*/)
PEER_PACKAGES = ["onnxruntime", "onnx", "onnxscript", "ctranslate2"]
REFERENCE_PACKAGES = ["torch", "transformers", "tokenizers", "safetensors"]  # when the system has none
TOKENIZER_DIR = SHARED / "tokenizers" / "bert-base-uncased"

MODELS = {
    "bert": {"config": SHARED / "tokenizers" / "bert-base-uncased" / "config.json",
             "dir": MODELS_DIR / "bert-base-seqcls-random", "class": "BertForSequenceClassification",
             "tokenizer_class": "BertTokenizer", "token_type_ids": True},
    "distilbert": {"config": SHARED / "configs" / "distilbert-base-uncased-finetuned-sst-2-english" / "config.json",
                   "dir": MODELS_DIR / "distilbert-sst2-random", "class": "DistilBertForSequenceClassification",
                   "tokenizer_class": "DistilBertTokenizer", "token_type_ids": False},
}
FP32_ENGINES = ["torch", "ort-fp32", "ct2-fp32"]
INT8_ENGINES = ["ort-int8", "ct2-int8"]
SEQ = 128
WORDS = ("the movie was really good and the actors played their parts with great energy but the story felt slow "
         "in the middle while the music kept everything together I would watch it again with friends because "
         "some scenes were funny others were sad and the ending surprised everyone in the theatre").split()


# ---- environment -------------------------------------------------------------------------------------------------

def in_venv():
    return Path(sys.prefix).resolve() == VENV.resolve()


def ensure_venv():
    """Re-runs this script under .venv-bench (made with --system-site-packages for torch + transformers; the peers
    installed from PyPI by pip)."""
    if in_venv():
        return
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV} (system site packages: torch, transformers)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(VENV)], check=True)
    for packages in (REFERENCE_PACKAGES, PEER_PACKAGES):
        probe = subprocess.run([str(python), "-c", "import " + ", ".join(packages)], capture_output=True)
        if probe.returncode != 0:
            print(f"installing {' '.join(packages)} into {VENV}", file=sys.stderr)
            subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def versions():
    import ctranslate2
    import onnxruntime
    import torch
    import transformers
    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "onnxruntime": onnxruntime.__version__, "ctranslate2": ctranslate2.__version__}


def cpu_description():
    name, flags = platform.processor() or "?", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    isa = [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "avx_vnni", "amx_bf16", "amx_int8")
           if f in flags]
    return f"{name}, {os.cpu_count()} logical CPUs, ISA: {' '.join(isa) or 'baseline'}"


# ---- models --------------------------------------------------------------------------------------------------------

def build_checkpoint(name):
    """Random weights (seed 0) of the real configuration, saved as transformers saves them, with the real
    bert-base-uncased tokenizer."""
    spec = MODELS[name]
    out = spec["dir"]
    if (out / "model.safetensors").exists():
        return out
    import torch
    import transformers
    config_dict = json.loads(spec["config"].read_text())
    config_dict["architectures"] = [spec["class"]]
    config_dict.setdefault("id2label", {"0": "NEGATIVE", "1": "POSITIVE"})
    config_dict.setdefault("label2id", {"NEGATIVE": 0, "POSITIVE": 1})
    config = transformers.AutoConfig.for_model(config_dict.pop("model_type"), **config_dict)
    torch.manual_seed(0)
    model = getattr(transformers, spec["class"])(config).eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    for file in ("tokenizer.json", "vocab.txt"):
        shutil.copy(TOKENIZER_DIR / file, out / file)
    (out / "tokenizer_config.json").write_text(json.dumps(
        {"do_lower_case": True, "model_max_length": 512, "tokenizer_class": spec["tokenizer_class"]}))
    return out


def input_names(name):
    return ["input_ids", "attention_mask"] + (["token_type_ids"] if MODELS[name]["token_type_ids"] else [])


def build_onnx(name, log):
    """model.onnx (torch.onnx.export, eager attention so the optimizer recognises it), model.opt.onnx
    (onnxruntime.transformers.optimizer, model_type bert), model.int8.onnx (quantize_dynamic of the optimized graph,
    int8 weights)."""
    import torch
    import transformers
    out = MODELS[name]["dir"] / "onnx"
    raw, opt, int8 = out / "model.onnx", out / "model.opt.onnx", out / "model.int8.onnx"
    if not raw.exists():
        out.mkdir(parents=True, exist_ok=True)
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            MODELS[name]["dir"], attn_implementation="eager").eval()
        names = input_names(name)
        # A padded example row, so the trace keeps the attention-mask path (transformers drops an all-ones mask).
        mask = torch.ones(2, 16, dtype=torch.int64)
        mask[1, 12:] = 0
        example = {"input_ids": torch.full((2, 16), 1000, dtype=torch.int64), "attention_mask": mask,
                   "token_type_ids": torch.zeros(2, 16, dtype=torch.int64)}
        example = tuple(example[n] for n in names)
        with torch.inference_mode():
            torch.onnx.export(model, example, str(raw), input_names=names, output_names=["logits"], opset_version=17,
                              dynamic_axes={**{n: {0: "batch", 1: "seq"} for n in names}, "logits": {0: "batch"}},
                              dynamo=False)
    if not opt.exists():
        from onnxruntime.transformers import optimizer
        config = json.loads((MODELS[name]["dir"] / "config.json").read_text())
        heads = config.get("num_attention_heads", config.get("n_heads"))
        hidden = config.get("hidden_size", config.get("dim"))
        optimized = optimizer.optimize_model(str(raw), model_type="bert", num_heads=heads, hidden_size=hidden)
        optimized.save_model_to_file(str(opt))
        (out / "fusions.json").write_text(json.dumps(optimized.get_fused_operator_statistics()))
    if not int8.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic
        import onnx
        # Fused contrib ops (Attention, SkipLayerNormalization) have no ONNX shape inference: name the float type.
        quantize_dynamic(str(opt), str(int8), weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    fusions = json.loads((out / "fusions.json").read_text())
    log(f"ORT optimizer fusions for {name}: " + ", ".join(f"{k} {v}" for k, v in fusions.items() if v))
    return raw, opt, int8


def build_ct2(name):
    """CTranslate2's converter turns the checkpoint's BertModel / DistilBertModel into a TransformerEncoderModel
    (the classifier is dropped: CTranslate2 has no BERT classification head). Saved float32; int8 is chosen at load
    (compute_type)."""
    out = MODELS[name]["dir"] / "ct2"
    if not (out / "model.bin").exists():
        from ctranslate2.converters import TransformersConverter
        TransformersConverter(str(MODELS[name]["dir"])).convert(str(out), force=True)
    return out


def weight_bytes(name):
    """Bytes of the weights in each compute type: float32 = every tensor in 4 bytes; int8 = the transformer
    blocks' linear weights in 1 byte plus a float32 scale per output channel, everything else float32 (what
    LoadOptions::dtype "int8" quantizes); bfloat16 = the same block weights in 2 bytes."""
    import re
    from safetensors import safe_open
    fp32 = int8 = bf16 = 0
    block_linear = re.compile(r"(encoder\.layer|transformer\.layer)\.\d+\..*\.weight$")
    with safe_open(str(MODELS[name]["dir"] / "model.safetensors"), "np") as f:
        for key in f.keys():
            t = f.get_slice(key)
            shape = t.get_shape()
            numel = 1
            for d in shape:
                numel *= d
            fp32 += 4 * numel
            in_block = len(shape) == 2 and block_linear.search(key)
            int8 += (numel + 4 * shape[0]) if in_block else 4 * numel
            bf16 += 2 * numel if in_block else 4 * numel
    return {"float32": fp32, "int8": int8, "bfloat16": bf16}


# ---- inputs ------------------------------------------------------------------------------------------------------

def make_ids(batch, seq, seed=0):
    """[CLS] + random ids of ordinary vocabulary entries (1000.. in bert-base-uncased: no [unused] / special) +
    [SEP], the same for every engine."""
    import numpy as np
    rng = np.random.RandomState(seed)
    ids = rng.randint(1000, 30522, size=(batch, seq)).astype(np.int64)
    ids[:, 0], ids[:, -1] = 101, 102
    return ids


def make_texts(n):
    import random
    rng = random.Random(0)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 110))) + "." for _ in range(n)]


# ---- workers (each engine in a fresh process) ------------------------------------------------------------------

def peak_rss_mb():
    """VmHWM: this process's own high-water mark (ru_maxrss would include the parent that forked it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_calls(fn, warmup, iters):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"median_ms": statistics.median(times), "p90_ms": times[min(len(times) - 1, round(0.9 * (len(times) - 1)))],
            "min_ms": times[0]}


def worker_forward(engine, threads, jobs, out_dir):
    """Times one engine on every (model, ids) job; saves the output of each job for the agreement check."""
    import numpy as np
    results = []
    if engine == "torch":
        import torch
        torch.set_num_threads(threads)
        import transformers
    elif engine.startswith("ort"):
        import onnxruntime as ort
    elif engine.startswith("ct2"):
        import ctranslate2
    loaded = {}
    for job in jobs:
        name, ids = job["model"], np.array(json.loads(Path(job["ids"]).read_text()), dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if MODELS[name]["token_type_ids"]:
            feeds["token_type_ids"] = np.zeros_like(ids)
        if name not in loaded:
            if engine == "torch":
                loaded[name] = transformers.AutoModelForSequenceClassification.from_pretrained(
                    MODELS[name]["dir"]).eval()
            elif engine.startswith("ort"):
                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                # ORT's own thread pool: no spin-waiting when every engine runs with OMP_WAIT_POLICY=passive;
                # otherwise its default (spinning).
                if os.environ.get("OMP_WAIT_POLICY", "").lower() == "passive":
                    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                path = MODELS[name]["dir"] / "onnx" / ("model.opt.onnx" if engine == "ort-fp32" else "model.int8.onnx")
                loaded[name] = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            else:
                loaded[name] = ctranslate2.Encoder(str(MODELS[name]["dir"] / "ct2"), device="cpu",
                                                   compute_type="float32" if engine == "ct2-fp32" else "int8",
                                                   inter_threads=1, intra_threads=threads)
        model = loaded[name]
        if engine == "torch":
            tensors = {k: torch.from_numpy(v) for k, v in feeds.items()}

            def run():
                with torch.inference_mode():
                    return model(**tensors).logits.numpy()
        elif engine.startswith("ort"):
            wanted = {i.name for i in model.get_inputs()}
            ort_feeds = {k: v for k, v in feeds.items() if k in wanted}

            def run():
                return model.run(["logits"], ort_feeds)[0]
        else:
            id_lists = ids.tolist()
            types = np.zeros_like(ids).tolist() if MODELS[name]["token_type_ids"] else None

            def run():
                out = model.forward_batch(id_lists, token_type_ids=types)
                return np.array(out.last_hidden_state)
        output = run()
        np.save(Path(out_dir) / f"{engine}-{name}-{job['tag']}.npy", output)
        if engine == "torch":  # reference hidden states for CTranslate2 (not timed)
            with torch.inference_mode():
                hidden = model(**tensors, output_hidden_states=True).hidden_states[-1].numpy()
            np.save(Path(out_dir) / f"torch-hidden-{name}-{job['tag']}.npy", hidden)
        timing = time_calls(run, job["warmup"], job["iters"])
        results.append({"engine": engine, "model": name, "tag": job["tag"], "threads": threads, **timing})
    return results


def worker_gemm(threads, rows_list, hidden, intermediate, iters, dtypes):
    """The matmul rate of this CPU on the FFN shape of the model ([B*S, hidden] x [hidden, intermediate],
    torch.matmul = MKL/oneDNN, in float32 and, where asked, bfloat16 (oneDNN's AVX512-BF16/AMX kernels)): the
    ceiling the forward's GFLOP/s is read against."""
    import torch
    torch.set_num_threads(threads)
    out = {}
    for dtype in dtypes:
        torch_dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}.get(dtype)
        if torch_dtype is None:
            continue
        for rows in rows_list:
            a, b = torch.randn(rows, hidden).to(torch_dtype), torch.randn(hidden, intermediate).to(torch_dtype)
            timing = time_calls(lambda: torch.matmul(a, b), 2, iters)
            out[f"{dtype}-{rows}"] = 2 * rows * hidden * intermediate / timing["median_ms"] / 1e6  # GFLOP/s
    return out


def forward_gflop(name, batch, seq):
    """Multiply-adds x 2 of the transformer blocks (linear layers + attention scores and mix), per forward."""
    config = json.loads((MODELS[name]["dir"] / "config.json").read_text())
    layers = config.get("num_hidden_layers", config.get("n_layers"))
    hidden = config.get("hidden_size", config.get("dim"))
    inter = config.get("intermediate_size", config.get("hidden_dim"))
    tokens = batch * seq
    return layers * (2 * tokens * (4 * hidden * hidden + 2 * hidden * inter) + 4 * tokens * seq * hidden) / 1e9


def worker_pipeline(threads, model_dir, texts_file, batch_size, warmup, iters, load_only):
    """transformers' pipeline end to end, text in -> JSON out, as hfcpp bench --end-to-end times it."""
    start = time.perf_counter()
    import torch
    import transformers
    import_ms = (time.perf_counter() - start) * 1000
    torch.set_num_threads(threads)
    start = time.perf_counter()
    pipe = transformers.pipeline("text-classification", model=str(model_dir), device=-1, dtype=torch.float32)
    load_ms = (time.perf_counter() - start) * 1000
    texts = [t for t in Path(texts_file).read_text().splitlines() if t]
    inputs = texts[0] if len(texts) == 1 else texts
    result = {"engine": "transformers", "threads": threads, "import_ms": import_ms, "load_ms": load_ms}
    if not load_only:
        result.update(time_calls(lambda: json.dumps(pipe(inputs, batch_size=batch_size)), warmup, iters))
    else:
        json.dumps(pipe(inputs))
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def run_worker(args_list):
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args_list], capture_output=True, text=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if out.returncode != 0:
        raise RuntimeError(f"worker {' '.join(args_list)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_hfcpp(exe, args_list):
    out = subprocess.run([str(exe), "bench", *args_list], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"hfcpp bench {' '.join(args_list)} failed:\n{out.stdout}{out.stderr}")
    return next(json.loads(line) for line in out.stdout.splitlines() if line.startswith("{"))


# ---- the comparison ----------------------------------------------------------------------------------------------

def fmt_ratio(peer, ours):
    return f"{peer / ours:.2f}x" if peer and ours else "-"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=str(ROOT / "build"), help="hfcpp build folder (holds ./hfcpp)")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--models", default="bert,distilbert")
    parser.add_argument("--dtypes", default="float32,int8,bfloat16",
                        help="hfcpp compute types (bfloat16 runs as float32 on CPUs without AVX512-BF16/AMX)")
    parser.add_argument("--engines", default=",".join(FP32_ENGINES + INT8_ENGINES))
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--markdown", help="also write the tables to this file")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the forward timings, keep each engine's best median (damps other load)")
    parser.add_argument("--sections", default="forward,e2e,load",
                        help="what to run: forward (model forward, GFLOP/s, agreement, RSS), e2e (DistilBERT "
                             "sentiment end to end), load (DistilBERT cold load)")
    parser.add_argument("--load-rounds", type=int, default=7,
                        help="fresh-process cold loads per engine, alternating which engine goes first")
    parser.add_argument("--omp-wait-policy", default="default", choices=["default", "passive", "active"],
                        help="OMP_WAIT_POLICY for every engine (ORT: allow_spinning 0 when passive); default = "
                             "each engine's own; passive when the cores are shared with other work")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-args", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:  # inside a fresh process (see run_worker)
        w = json.loads(args.worker_args)
        if args.worker == "pipeline":
            result = worker_pipeline(**w)
        elif args.worker == "gemm":
            result = worker_gemm(**w)
        else:
            result = worker_forward(args.worker, **w)
        print(json.dumps(result))
        return 0

    ensure_venv()
    if args.omp_wait_policy == "default":  # inherited by every engine's process
        os.environ.pop("OMP_WAIT_POLICY", None)
    else:
        os.environ["OMP_WAIT_POLICY"] = args.omp_wait_policy
    exe = Path(args.build_dir) / "hfcpp"
    if not exe.exists():
        sys.exit(f"{exe} not found: build it first (cmake --build {args.build_dir} --target hfcpp)")
    threads_list = [int(t) for t in args.threads.split(",")]
    models = args.models.split(",")
    dtypes = args.dtypes.split(",")
    engines = args.engines.split(",")
    batches = [int(b) for b in args.batches.split(",")]
    sections = set(args.sections.split(","))
    lines = []

    def log(text=""):
        print(text, flush=True)
        lines.append(text)

    load_before = os.getloadavg()
    started = time.time()
    print(f"# {cpu_description()}; load average {load_before[0]:.2f}", flush=True)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    for name in models:
        build_checkpoint(name)
        if any(e.startswith("ort") for e in engines):
            build_onnx(name, print)
        if any(e.startswith("ct2") for e in engines):
            build_ct2(name)

    # -- model forward ------------------------------------------------------------------------------------------
    def iters_for(batch):
        if args.quick:
            return (1, 3) if batch > 1 else (1, 5)
        return (2, 8) if batch > 1 else (3, 20)

    jobs = []
    for name in models:
        for batch in batches:
            ids = make_ids(batch, SEQ)
            path = WORK_DIR / f"ids-b{batch}-s{SEQ}.json"
            path.write_text(json.dumps(ids.tolist()))
            warmup, iters = iters_for(batch)
            jobs.append({"model": name, "ids": str(path), "tag": f"b{batch}", "warmup": warmup, "iters": iters})
    timings = {}  # (engine, model, tag, threads) -> result
    rss = {}  # (model, dtype, tag) -> peak RSS MiB of hfcpp bench
    gemm = {}  # threads -> {"dtype-rows": GFLOP/s of torch.matmul on [rows, 768] x [768, 3072]}
    def keep_best(key, result):
        if key not in timings or result["median_ms"] < timings[key]["median_ms"]:
            timings[key] = result

    def measure_hfcpp(threads):
        for dtype in dtypes:
            for job in jobs:
                out_file = WORK_DIR / f"hfcpp-{dtype}-{job['model']}-{job['tag']}.json"
                r = run_hfcpp(exe, ["--model", str(MODELS[job["model"]]["dir"]), "--task", "text-classification",
                                    "--dtype", dtype, "--threads", str(threads), "--warmup", str(job["warmup"]),
                                    "--iters", str(job["iters"]), "--input-ids", job["ids"], "--save-output",
                                    str(out_file)])
                keep_best((f"hfcpp-{dtype}", job["model"], job["tag"], threads), r)
                key = (job["model"], dtype, job["tag"])
                rss[key] = max(rss.get(key, 0), r["peak_rss_mb"])
                if r["compute_type"] != dtype:
                    print(f"note: hfcpp --dtype {dtype} ran as {r['compute_type']} on this CPU", flush=True)

    def measure_peers(threads):
        for engine in engines:
            for r in run_worker(["--worker", engine, "--worker-args",
                                 json.dumps({"threads": threads, "jobs": jobs, "out_dir": str(WORK_DIR)})]):
                keep_best((engine, r["model"], r["tag"], threads), r)
        rates = run_worker(["--worker", "gemm", "--worker-args", json.dumps(
            {"threads": threads, "rows_list": [b * SEQ for b in batches], "hidden": 768, "intermediate": 3072,
             "iters": 3 if args.quick else 10, "dtypes": dtypes})])
        gemm[threads] = {k: max(v, gemm.get(threads, {}).get(k, 0)) for k, v in rates.items()}

    for round_index in range(args.rounds if "forward" in sections else 0):
        for threads in threads_list:
            # Alternate who goes first, so a change of load during the run does not favour one side.
            if round_index % 2 == 0:
                measure_hfcpp(threads)
                measure_peers(threads)
            else:
                measure_peers(threads)
                measure_hfcpp(threads)
            print(f"... round {round_index + 1}, {threads} thread(s) done ({time.time() - started:.0f} s)", flush=True)

    import numpy as np
    v = versions()
    log(f"CPU: {cpu_description()}")
    log(f"Peers: torch {v['torch']}, transformers {v['transformers']}, onnxruntime {v['onnxruntime']}, "
        f"ctranslate2 {v['ctranslate2']}. Load average at start {load_before[0]:.2f}, at end "
        f"{os.getloadavg()[0]:.2f} (above ~0.5 on this 2-vCPU VM means another process competed).")
    if "forward" in sections:
        log()
        log(f"### Model forward, seq {SEQ}, median ms (lower is better; best of {args.rounds} round(s), "
            f"OMP_WAIT_POLICY={args.omp_wait_policy}); speed-up = peer ms / hfcpp ms "
            "(fp32 peers vs hfcpp float32, int8 peers vs hfcpp int8; bf16 columns: hfcpp bfloat16 against the fp32 "
            "peers)")
        log()
        has_int8 = "int8" in dtypes
        cols = [f"hfcpp {d}" for d in dtypes] + engines
        ratio_cols = [e for e in engines]
        bf16_cols = [e for e in engines if e in FP32_ENGINES] if "bfloat16" in dtypes else []
        log("| model | batch | threads | " + " | ".join(cols) + " | " + " | ".join(f"vs {e}" for e in ratio_cols) +
            "".join(f" | bf16 vs {e}" for e in bf16_cols) + " |")
        log("|" + "---|" * (3 + len(cols) + len(ratio_cols) + len(bf16_cols)))
        for name in models:
            for batch in batches:
                tag = f"b{batch}"
                for threads in threads_list:
                    def ms(engine):
                        r = timings.get((engine, name, tag, threads))
                        return r["median_ms"] if r else None
                    cells = [f"{ms(c if c in engines else 'hfcpp-' + c.split()[1]):.1f}" for c in cols]
                    ratios = []
                    for e in ratio_cols:
                        ours = ms("hfcpp-int8") if (e in INT8_ENGINES and has_int8) else ms("hfcpp-float32")
                        ratios.append(fmt_ratio(ms(e), ours))
                    ratios += [fmt_ratio(ms(e), ms("hfcpp-bfloat16")) for e in bf16_cols]
                    log(f"| {name} | {batch} | {threads} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
        log()
        log("hfcpp GFLOP/s (transformer blocks) against the matmul rate of this CPU in the same type on the FFN shape "
            "([batch*128, 768] x [768, 3072], torch.matmul, same threads):")
        log()
        log("| model | dtype | batch | threads | hfcpp GFLOP/s | matmul GFLOP/s | fraction |")
        log("|---|---|---|---|---|---|---|")
        for name in models:
            for dtype in [d for d in dtypes if d in ("float32", "bfloat16")]:
                for batch in batches:
                    for threads in threads_list:
                        r = timings.get((f"hfcpp-{dtype}", name, f"b{batch}", threads))
                        peak = gemm.get(threads, {}).get(f"{dtype}-{batch * SEQ}")
                        if r and peak:
                            rate = forward_gflop(name, batch, SEQ) / r["median_ms"] * 1000
                            log(f"| {name} | {dtype} | {batch} | {threads} | {rate:.1f} | {peak:.1f} | "
                                f"{rate / peak:.0%} |")
        log()
        log("### Agreement (same ids; max abs difference against PyTorch fp32: logits; CTranslate2: last_hidden_state)")
        log()
        log("| model | batch | " + " | ".join(f"hfcpp {d}" for d in dtypes) + " | " +
            " | ".join(e for e in engines if e != "torch") + " |")
        log("|" + "---|" * (2 + len(dtypes) + len([e for e in engines if e != "torch"])))
        for name in models:
            for batch in batches:
                tag = f"b{batch}"
                ref = np.load(WORK_DIR / f"torch-{name}-{tag}.npy")
                ref_hidden = np.load(WORK_DIR / f"torch-hidden-{name}-{tag}.npy")
                cells = []
                for d in dtypes:
                    saved = json.loads((WORK_DIR / f"hfcpp-{d}-{name}-{tag}.json").read_text())
                    got = np.array(saved["data"], dtype=np.float32).reshape(saved["shape"])
                    cells.append(f"{np.abs(got - ref).max():.2e}")
                for e in engines:
                    if e == "torch":
                        continue
                    got = np.load(WORK_DIR / f"{e}-{name}-{tag}.npy")
                    cells.append(f"{np.abs(got - (ref_hidden if e.startswith('ct2') else ref)).max():.2e}")
                log(f"| {name} | {batch} | " + " | ".join(cells) + " |")
        log(f"(logits of these random-weight models are about {np.abs(ref).max():.2f} in size; hidden states about "
            f"{np.abs(ref_hidden).max():.1f})")

    # -- DistilBERT sentiment end to end ----------------------------------------------------------------------------
    distil = MODELS["distilbert"]["dir"] if "distilbert" in models else None
    if distil and "e2e" in sections:
        log()
        log("### DistilBERT sentiment end to end (text -> JSON), texts of 20-110 words, batch_size 8, median ms")
        log()
        e2e_dtypes = ["float32"] + [d for d in dtypes if d != "float32"]
        log("| threads | texts | transformers pipeline | " + " | ".join(f"hfcpp {d}" for d in e2e_dtypes) + " | " +
            " | ".join(f"speed-up {d}" for d in e2e_dtypes) + " |")
        log("|" + "---|" * (3 + 2 * len(e2e_dtypes)))
        warmup, iters = (1, 3) if args.quick else (2, 10)
        for threads in threads_list:
            for n in (1, 32):
                texts_file = WORK_DIR / f"texts-{n}.txt"
                texts_file.write_text("\n".join(make_texts(n)) + "\n")
                hf = run_worker(["--worker", "pipeline", "--worker-args", json.dumps(
                    {"threads": threads, "model_dir": str(distil), "texts_file": str(texts_file), "batch_size": 8,
                     "warmup": warmup, "iters": iters, "load_only": False})])
                ours = [run_hfcpp(exe, ["--model", str(distil), "--task", "sentiment-analysis", "--end-to-end",
                                        "--texts", str(texts_file), "--batch", "8", "--threads", str(threads),
                                        "--dtype", d, "--warmup", str(warmup), "--iters", str(iters)])["median_ms"]
                        for d in e2e_dtypes]
                log(f"| {threads} | {n} | {hf['median_ms']:.1f} | " + " | ".join(f"{o:.1f}" for o in ours) + " | " +
                    " | ".join(fmt_ratio(hf["median_ms"], o) for o in ours) + " |")

    # -- cold load and memory -------------------------------------------------------------------------------------
    if distil and "load" in sections:
        # Load times on this VM swing 2-3x from one fresh process to the next (the kernel zeroing fresh pages runs
        # at the hypervisor's pace), so each engine loads load_rounds times, alternating which goes first, and
        # both the median and the best are shown.
        rounds = args.load_rounds
        log()
        log(f"### DistilBERT cold load (fresh processes, files in the page cache; {rounds} loads each, alternating "
            "order; median and best) and peak RSS")
        log()
        one = WORK_DIR / "texts-1.txt"
        one.write_text("\n".join(make_texts(1)) + "\n")
        hf_runs, our_runs, our_wall, hf_wall = [], [], [], []

        def load_hf():
            start = time.perf_counter()
            hf_runs.append(run_worker(["--worker", "pipeline", "--worker-args", json.dumps(
                {"threads": threads_list[-1], "model_dir": str(distil), "texts_file": str(one), "batch_size": 1,
                 "warmup": 0, "iters": 1, "load_only": True})]))
            hf_wall.append((time.perf_counter() - start) * 1000)

        def load_ours():
            start = time.perf_counter()
            our_runs.append(run_hfcpp(exe, ["--model", str(distil), "--task", "sentiment-analysis", "--end-to-end",
                                            "--texts", str(one), "--threads", str(threads_list[-1]), "--warmup", "0",
                                            "--iters", "1"]))
            our_wall.append((time.perf_counter() - start) * 1000)

        for i in range(rounds):
            for load in ((load_hf, load_ours) if i % 2 == 0 else (load_ours, load_hf)):
                load()
        med = statistics.median
        hf_load, our_load = [r["load_ms"] for r in hf_runs], [r["load_ms"] for r in our_runs]
        log("| | transformers median (best) | hfcpp median (best) | ratio of medians (of bests) |")
        log("|---|---|---|---|")
        log(f"| pipeline() construction ms (from_pretrained + tokenizer) | {med(hf_load):.0f} ({min(hf_load):.0f}) | "
            f"{med(our_load):.1f} ({min(our_load):.1f}) | {fmt_ratio(med(hf_load), med(our_load))} "
            f"({fmt_ratio(min(hf_load), min(our_load))}) |")
        log(f"| whole process to first result ms (Python: with `import torch, transformers` "
            f"{med(r['import_ms'] for r in hf_runs):.0f} ms) | {med(hf_wall):.0f} ({min(hf_wall):.0f}) | "
            f"{med(our_wall):.0f} ({min(our_wall):.0f}) | {fmt_ratio(med(hf_wall), med(our_wall))} "
            f"({fmt_ratio(min(hf_wall), min(our_wall))}) |")
        log(f"| peak RSS MiB, one text | {med(r['peak_rss_mb'] for r in hf_runs):.0f} | "
            f"{med(r['peak_rss_mb'] for r in our_runs):.0f} | |")
    if "forward" in sections:
        log()
        log("### hfcpp peak RSS against the weights in their compute type (model forward runs above)")
        log()
        log("| model | dtype | weights MiB | " + " | ".join(f"peak RSS batch {b} MiB | ratio" for b in batches) + " |")
        log("|" + "---|" * (3 + 2 * len(batches)))
        for name in models:
            sizes = weight_bytes(name)
            for d in dtypes:
                w = sizes.get(d, sizes["float32"]) / 2**20
                cells = []
                for batch in batches:
                    r = rss.get((name, d, f"b{batch}"))
                    cells += [f"{r:.0f}", f"{r / w:.2f}x"] if r else ["-", "-"]
                log(f"| {name} | {d} | {w:.0f} | " + " | ".join(cells) + " |")
    log()
    log(f"(run took {time.time() - started:.0f} s)")
    if args.markdown:
        Path(args.markdown).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

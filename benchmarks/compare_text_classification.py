#!/usr/bin/env python3
"""Side-by-side: hfcpp vs transformers' pipeline on the same DistilBERT SST-2-sized model and the same texts.

Builds a random-weight checkpoint of the real distilbert-base-uncased-finetuned-sst-2-english configuration
(../shared/models/configs) with the real bert-base-uncased tokenizer, then runs both engines end to end
(text -> labels), batch 1, with 1 and 2 threads, and prints a markdown table with ratios.

    python3 benchmarks/compare_text_classification.py [--build-dir build] [--texts 24] [--repeat 3]
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "models"
MODEL_DIR = ROOT / "benchmarks" / ".models" / "distilbert-sst2-random"

WORDS = ("the movie was really good and the actors played their parts with great energy but the story felt slow "
         "in the middle while the music kept everything together I would watch it again with friends because "
         "some scenes were funny others were sad and the ending surprised everyone in the theatre").split()


def make_texts(n):
    rng = random.Random(0)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 110))) + "." for _ in range(n)]


def build_model():
    if (MODEL_DIR / "model.safetensors").exists():
        return
    import torch
    from transformers import DistilBertConfig, DistilBertForSequenceClassification
    config_path = SHARED / "configs" / "distilbert-base-uncased-finetuned-sst-2-english" / "config.json"
    config_dict = json.loads(config_path.read_text())
    config_dict["architectures"] = ["DistilBertForSequenceClassification"]
    config = DistilBertConfig.from_dict(config_dict)
    torch.manual_seed(0)
    model = DistilBertForSequenceClassification(config).eval()
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(MODEL_DIR)
    tok_dir = SHARED / "tokenizers" / "bert-base-uncased"
    for name in ("tokenizer.json", "vocab.txt"):
        shutil.copy(tok_dir / name, MODEL_DIR / name)
    (MODEL_DIR / "tokenizer_config.json").write_text(json.dumps(
        {"do_lower_case": True, "model_max_length": 512, "tokenizer_class": "DistilBertTokenizer"}))


def time_transformers(texts, threads, repeat):
    import torch
    from transformers import pipeline
    torch.set_num_threads(threads)
    start = time.perf_counter()
    pipe = pipeline("text-classification", model=str(MODEL_DIR), device=-1, dtype=torch.float32)
    load_ms = (time.perf_counter() - start) * 1000
    pipe(texts[0], truncation=True)
    per_text = []
    for _ in range(repeat):
        for t in texts:
            s = time.perf_counter()
            pipe(t, truncation=True)
            per_text.append((time.perf_counter() - s) * 1000)
    per_text.sort()
    return {"engine": "transformers", "threads": threads, "load_ms": load_ms,
            "median_ms_per_text": per_text[len(per_text) // 2], "p90_ms_per_text": per_text[len(per_text) * 9 // 10]}


def time_hfcpp(build_dir, texts_file, threads, repeat):
    exe = build_dir / "benchmarks" / "text_classification_bench"
    out = subprocess.run([str(exe), "--model", str(MODEL_DIR), "--texts", str(texts_file), "--threads",
                          str(threads), "--repeat", str(repeat)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=str(ROOT / "build"))
    parser.add_argument("--texts", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    build_model()
    texts = make_texts(args.texts)
    texts_file = MODEL_DIR.parent / "texts.txt"
    texts_file.write_text("\n".join(texts) + "\n")
    rows = []
    for threads in (1, 2):
        hf = time_transformers(texts, threads, args.repeat)
        ours = time_hfcpp(Path(args.build_dir), texts_file, threads, args.repeat)
        rows.append((threads, hf, ours))
    print(f"DistilBERT SST-2 config, random weights, fp32, batch 1, {len(texts)} texts of 20-110 words, "
          f"end to end (text -> labels), {args.repeat} passes")
    print()
    print("| threads | transformers median ms | hfcpp median ms | speed-up | transformers p90 | hfcpp p90 | "
          "load transformers ms | load hfcpp ms | load ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for threads, hf, ours in rows:
        print(f"| {threads} | {hf['median_ms_per_text']:.2f} | {ours['median_ms_per_text']:.2f} | "
              f"{hf['median_ms_per_text'] / ours['median_ms_per_text']:.2f}x | {hf['p90_ms_per_text']:.2f} | "
              f"{ours['p90_ms_per_text']:.2f} | {hf['load_ms']:.0f} | {ours['load_ms']:.0f} | "
              f"{hf['load_ms'] / ours['load_ms']:.1f}x |")


if __name__ == "__main__":
    sys.exit(main())

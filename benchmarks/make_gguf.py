#!/usr/bin/env python3
"""Writes a GPT-2 safetensors checkpoint (transformers' GPT2LMHeadModel layout) as a GGUF file for llama.cpp.

The tensors are the checkpoint's own values: matrices in float32, float16 or q8_0 (--type), everything else float32;
the same weights, so llama.cpp and hfcpp can be compared on identical models. Tensor names and metadata follow llama.cpp's "gpt2" architecture:

    token_embd, position_embd, output_norm, blk.N.{attn_norm, attn_qkv, attn_output, ffn_norm, ffn_up, ffn_down}

transformers' Conv1D weights are [in, out]; GGUF (like nn.Linear) wants [out, in], so they are transposed. The LM
head is tied: llama.cpp reuses token_embd when no `output` tensor is present. The tokenizer vocabulary and merges
come from a GPT-2 tokenizer directory (vocab.json + merges.txt); llama.cpp needs them to load the file, the benchmark
itself feeds token ids.

    python3 benchmarks/make_gguf.py MODEL_DIR TOKENIZER_DIR OUT.gguf [--type f32|f16|q8_0]

Needs the `gguf` package from PyPI (pip install gguf), numpy and safetensors.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np


def convert(model_dir: Path, tokenizer_dir: Path, out: Path, matrix_type: str = "f32") -> None:
    import gguf
    from safetensors.numpy import load_file

    config = json.loads((model_dir / "config.json").read_text())
    tensors = load_file(str(model_dir / "model.safetensors"))
    # checkpoints save GPT2LMHeadModel with the "transformer." prefix, GPT2Model without it
    prefix = "transformer." if any(k.startswith("transformer.") for k in tensors) else ""
    n_embd, n_layer = config.get("n_embd", 768), config.get("n_layer", 12)
    n_ctx = config.get("n_positions", config.get("n_ctx", 1024))
    n_inner = config.get("n_inner") or 4 * n_embd
    if config.get("activation_function", "gelu_new") not in ("gelu_new", "gelu_pytorch_tanh"):
        sys.exit("make_gguf: llama.cpp's gpt2 graph uses tanh-GELU; this config uses "
                 f"{config['activation_function']}")

    writer = gguf.GGUFWriter(str(out), "gpt2")
    writer.add_name(model_dir.name)
    writer.add_block_count(n_layer)
    writer.add_context_length(n_ctx)
    writer.add_embedding_length(n_embd)
    writer.add_feed_forward_length(n_inner)
    writer.add_head_count(config.get("n_head", 12))
    writer.add_layer_norm_eps(config.get("layer_norm_epsilon", 1e-5))
    file_types = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
                  "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}
    writer.add_file_type(file_types[matrix_type])

    vocab = json.loads((tokenizer_dir / "vocab.json").read_text(encoding="utf-8"))
    n_vocab = config.get("vocab_size", 50257)
    tokens = [f"[PAD{i}]" for i in range(n_vocab)]
    for token, i in vocab.items():
        if i < n_vocab:
            tokens[i] = token
    merges = [line for line in (tokenizer_dir / "merges.txt").read_text(encoding="utf-8").splitlines()
              if line and not line.startswith("#version")]
    eos = config.get("eos_token_id", 50256)
    token_types = [gguf.TokenType.CONTROL if i == eos else gguf.TokenType.NORMAL for i in range(n_vocab)]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(token_types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(config.get("bos_token_id", eos))
    writer.add_eos_token_id(eos)
    writer.add_add_bos_token(False)

    def add(name, array, matrix=False):
        if matrix and matrix_type == "q8_0":  # blocks of 32 weights with one f16 scale, as llama-quantize writes
            q = gguf.quants.quantize(np.ascontiguousarray(array, dtype=np.float32), gguf.GGMLQuantizationType.Q8_0)
            writer.add_tensor(name, q, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
            return
        array = np.ascontiguousarray(array, dtype=np.float16 if (matrix and matrix_type == "f16") else np.float32)
        writer.add_tensor(name, array)

    add("token_embd.weight", tensors[prefix + "wte.weight"], matrix=True)
    add("position_embd.weight", tensors[prefix + "wpe.weight"])
    add("output_norm.weight", tensors[prefix + "ln_f.weight"])
    add("output_norm.bias", tensors[prefix + "ln_f.bias"])
    if "lm_head.weight" in tensors and not config.get("tie_word_embeddings", True):
        add("output.weight", tensors["lm_head.weight"], matrix=True)
    parts = {"ln_1": "attn_norm", "ln_2": "ffn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output",
             "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"}
    for i in range(n_layer):
        for hf, gg in parts.items():
            w = tensors[f"{prefix}h.{i}.{hf}.weight"]
            conv1d = w.ndim == 2
            add(f"blk.{i}.{gg}.weight", w.T if conv1d else w, matrix=conv1d)  # Conv1D [in, out] -> [out, in]
            add(f"blk.{i}.{gg}.bias", tensors[f"{prefix}h.{i}.{hf}.bias"])

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("tokenizer_dir", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--type", choices=("f32", "f16", "q8_0"), default="f32",
                        help="the matrices' type (llama.cpp f32, f16 or q8_0); vectors stay float32")
    args = parser.parse_args()
    convert(args.model_dir, args.tokenizer_dir, args.out, args.type)


if __name__ == "__main__":
    sys.exit(main())

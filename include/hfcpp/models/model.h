// Model: an immutable, loaded network. forward() is const and safe to call from many threads at once; all
// per-call state (activations) lives in the call.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hfcpp/core/tensor.h"
#include "hfcpp/io/config.h"

namespace hfcpp {

// What sits on top of the base model, named after transformers' Auto classes.
enum class Head { Base, SequenceClassification, TokenClassification, QuestionAnswering, MaskedLM, CausalLM };
std::string head_name(Head head);  // "SequenceClassification" ...

struct ModelInputs {
  Tensor input_ids;       // [batch, seq] I64
  Tensor attention_mask;  // [batch, seq] I64, 1 = token, 0 = padding; undefined = all ones
  Tensor token_type_ids;  // [batch, seq] I64; undefined = zeros
  Tensor position_ids;    // [batch, seq] I64; undefined = the model's default
  // The caller reads no output at padding positions (attention_mask 0): an encoder may then run the real tokens
  // only, packed without padding (variable-length attention, CPU), and its outputs at padding positions are zeros
  // instead of transformers' values there. Every other output is the same. Pipelines set it; they pad on the right,
  // so the first token, which sequence heads pool, is always real.
  bool skip_padding = false;
};

struct ModelOutputs {
  Tensor last_hidden_state;  // [batch, seq, hidden]
  Tensor pooler_output;      // [batch, hidden] where the model has a pooler
  // Head output: [batch, num_labels] (sequence classification), [batch, seq, num_labels] (token classification),
  // [batch, seq, vocab] (masked LM).
  Tensor logits;
  Tensor start_logits;       // question answering: [batch, seq], answer-span start score per token
  Tensor end_logits;         // question answering: [batch, seq], answer-span end score per token
};

struct LoadOptions;
class Model;
std::shared_ptr<const Model> load_model(const std::string& model_dir, std::optional<Head> head,
                                        const LoadOptions& options);

class Model {
 public:
  virtual ~Model() = default;
  virtual ModelOutputs forward(const ModelInputs& inputs) const = 0;
  virtual Head head() const = 0;
  virtual const std::string& architecture() const = 0;  // e.g. "BertForSequenceClassification"
  virtual const JsonConfig& config() const = 0;
  // Longest sequence the position embeddings allow.
  virtual int64_t max_positions() const = 0;
  // The compute type the transformer blocks' linear layers run in, after load_model resolved LoadOptions::dtype on
  // this machine: "float32", "bfloat16" or "int8" (e.g. "float32" when "bfloat16" was asked on a CPU without it).
  const std::string& compute_type() const { return compute_type_; }

 private:
  friend std::shared_ptr<const Model> load_model(const std::string&, std::optional<Head>, const LoadOptions&);
  std::string compute_type_ = "float32";
};

struct LoadOptions {
  std::string device = "cpu";  // "cpu", "cuda", "cuda:N"
  // Compute type of the linear layers in the transformer blocks (CTranslate2's compute_type). Embeddings, LayerNorm,
  // attention, poolers and classifier heads stay float32, and so do every model's inputs and outputs.
  //   "float32"   the reference.
  //   "bfloat16"  encoders: bfloat16 weights, float32 accumulation (oneDNN; AVX512-BF16 or AMX). Elsewhere — this
  //               includes AVX2-only CPUs and CUDA — the model loads as float32 (compute_type() says so): never an
  //               illegal instruction.
  //   "int8"      encoders: weights int8 per output channel (quantized at load), activations uint8 per token
  //               (quantized at every call), int32 accumulation (VNNI/AMX, or AVX2 with 7-bit weights). CPU only;
  //               CUDA falls back to float32.
  //   decoders (GPT-2, BLOOM) on CPU, "bfloat16" and "int8": the blocks' linear weights AND the LM head (the tied
  //               token embedding with it) are stored as bfloat16 / int8 per output channel (8 bits), and the math
  //               is float32 on unquantized activations — decoding reads every weight once per token, so the
  //               storage width sets its speed. Every CPU runs it. Decoders in "float32" keep float32 weights in
  //               the same panel layout and kernels (ops::LinearCompute::Float32Panels).
  //   "auto"      the fastest type that passes the accuracy check on this device (docs/performance.md, "Compute
  //               types"): encoders int8 where int8 keeps 8-bit weights (VNNI/AMX), else bfloat16 where the CPU runs
  //               it natively, else float32; decoders bfloat16 on every CPU; CUDA float32.
  std::string dtype = "float32";
};

// AutoModel: reads config.json in `model_dir` and builds the model through the registry.
// With a head, the class is chosen by config "model_type" and the head (AutoModelFor<Head> semantics);
// without one, by config "architectures"[0]. Errors name the architecture and list the supported ones.
std::shared_ptr<const Model> load_model(const std::string& model_dir, std::optional<Head> head = std::nullopt,
                                        const LoadOptions& options = {});

// Architecture strings the registry knows, for messages and docs.
std::vector<std::string> supported_architectures();

}  // namespace hfcpp

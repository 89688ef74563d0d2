// load_model(): config.json -> registry entry -> factory (transformers' AutoModel / AutoModelFor<Head>).
#include <filesystem>

#include "hfcpp/core/error.h"
#include "hfcpp/models/model.h"
#include "hfcpp/ops/ops.h"
#include "models/registry.h"

namespace hfcpp {

std::string head_name(Head head) {
  switch (head) {
    case Head::Base: return "Base";
    case Head::SequenceClassification: return "SequenceClassification";
    case Head::TokenClassification: return "TokenClassification";
    case Head::QuestionAnswering: return "QuestionAnswering";
    case Head::MaskedLM: return "MaskedLM";
    case Head::CausalLM: return "CausalLM";
  }
  return "Unknown";
}

std::vector<std::string> supported_architectures() {
  std::vector<std::string> names;
  for (const ModelEntry& e : model_registry()) names.emplace_back(e.architecture);
  return names;
}

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// A checkpoint saved from a head class (config "architectures"[0]) holds that head's weights, not another head's.
// transformers would initialise the missing head randomly; worse, a same-named one would load silently (BERT's
// sequence and token classifiers are both "classifier"). Base models and classes hfcpp does not know (e.g.
// BertForPreTraining, which holds the masked-LM head) are not judged here: missing weights fail by name at load.
void check_checkpoint_head(const JsonConfig& config, Head head) {
  const std::vector<std::string> architectures = config.get_string_list("architectures");
  if (head == Head::Base || architectures.empty()) return;
  for (const ModelEntry& e : model_registry())
    if (architectures.front() == e.architecture && e.head != Head::Base && e.head != head)
      fail(config.source(), ": the checkpoint is a ", e.architecture, " (config \"architectures\"); its ",
           head_name(e.head), " head cannot serve as a ", head_name(head),
           " head. Use a checkpoint trained for that task, or Head::Base for the encoder alone");
}

const ModelEntry& find_entry(const JsonConfig& config, std::optional<Head> head) {
  const auto& entries = model_registry();
  const std::string model_type = config.get_string("model_type", "");
  if (head) {
    for (const ModelEntry& e : entries)
      if (model_type == e.model_type && e.head == *head) {
        check_checkpoint_head(config, *head);
        return e;
      }
    std::vector<std::string> fitting;
    for (const ModelEntry& e : entries)
      if (e.head == *head) fitting.emplace_back(e.architecture);
    fail(config.source(), ": model_type '", model_type, "' has no ", head_name(*head),
         " head in hfcpp. Architectures with that head: ", join(fitting));
  }
  const std::vector<std::string> architectures = config.get_string_list("architectures");
  HFCPP_CHECK(!architectures.empty(), config.source(), ": no \"architectures\" entry; supported: ",
              join(supported_architectures()));
  for (const ModelEntry& e : entries)
    if (architectures.front() == e.architecture) return e;
  fail(config.source(), ": unknown architecture '", architectures.front(), "'. Supported: ",
       join(supported_architectures()));
}

// LoadOptions::dtype -> the linear layers' compute type on this device (F32, BF16 or I8), falling back to float32
// where the device cannot run the requested one (model.h documents the rule; ops::linear_compute_supported asks
// oneDNN what this CPU runs). Decoders on CPU run the weight-only forms, which every CPU runs.
DType resolve_linear_dtype(const std::string& name, const DeviceSpec& device, bool weight_only) {
  auto if_supported = [&](ops::LinearCompute compute, ops::LinearCompute weight_only_compute, DType dtype) {
    return ops::linear_compute_supported(weight_only ? weight_only_compute : compute, device) ? dtype : DType::F32;
  };
  using LC = ops::LinearCompute;
  if (name == "float32") return DType::F32;
  if (name == "bfloat16") return if_supported(LC::BFloat16, LC::BFloat16WeightOnly, DType::BF16);
  if (name == "int8") return if_supported(LC::Int8, LC::Int8WeightOnly, DType::I8);
  if (name == "auto") {
    // The fastest type that meets the accuracy target (label agreement >= 99.5% against float32 on real weights,
    // docs/performance.md "Compute types"): int8 for encoders where its weights keep 8 bits; else bfloat16 where
    // native. Decoders take bfloat16 weights: their int8 (weight-only) form is faster but has no such check yet.
    if (!weight_only && ops::int8_full_range(device)) return DType::I8;
    return if_supported(LC::BFloat16, LC::BFloat16WeightOnly, DType::BF16);
  }
  fail("dtype '", name, "' is not supported; use auto, float32, bfloat16 or int8");
}

}  // namespace

std::shared_ptr<const Model> load_model(const std::string& model_dir, std::optional<Head> head,
                                        const LoadOptions& options) {
  namespace fs = std::filesystem;
  HFCPP_CHECK(fs::is_directory(model_dir), "model folder '", model_dir, "' does not exist or is not a folder");
  const JsonConfig config = JsonConfig::from_file((fs::path(model_dir) / "config.json").string());
  const ModelEntry& entry = find_entry(config, head);
  const DeviceSpec device = parse_device(options.device);
  const bool weight_only = entry.decoder && device.type == Device::CPU;
  const DType linear_dtype = resolve_linear_dtype(options.dtype, device, weight_only);
  auto checkpoint = std::make_shared<const SafeTensorsCheckpoint>(SafeTensorsCheckpoint::open_dir(model_dir));
  const WeightLoader weights = WeightLoader(checkpoint, DType::F32, device)
                                   .with_linear_dtype(linear_dtype)
                                   .with_weight_only_linears(weight_only);
  std::shared_ptr<const Model> model = entry.create(ModelContext{config, weights, entry.architecture, entry.head});
  // The factory made a non-const object; this is its one write after construction, before anyone else sees it.
  std::const_pointer_cast<Model>(model)->compute_type_ = std::string(dtype_name(linear_dtype));
  return model;
}

}  // namespace hfcpp

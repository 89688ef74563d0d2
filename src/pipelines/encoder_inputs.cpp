// Tokenize -> pad -> tensors for encoder models (see encoder_inputs.h).
#include "pipelines/encoder_inputs.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"

namespace hfcpp {

size_t max_input_tokens(const Tokenizer& tokenizer, const Model& model) {
  return std::min(tokenizer.model_max_length(), static_cast<size_t>(model.max_positions()));
}

Encoding encode_for_model(const Tokenizer& tokenizer, const std::string& text, const std::optional<std::string>& pair,
                          size_t max_tokens, bool truncation, size_t input_index) {
  EncodeOptions options;
  if (truncation) options.truncation = TruncationOptions{max_tokens, TruncationStrategy::LongestFirst, 0, Side::Right};
  // transformers' tokenizer __call__ treats an empty text_pair like no pair at all.
  const bool has_pair = pair && !pair->empty();
  Encoding encoding = has_pair ? tokenizer.encode_pair(text, *pair, options) : tokenizer.encode(text, options);
  HFCPP_CHECK(encoding.size() <= max_tokens, "input ", input_index, " has ", encoding.size(),
              " tokens but the model accepts at most ", max_tokens,
              "; pass truncation=true (CLI: --truncation) to cut it as transformers' truncation=True does");
  return encoding;
}

ModelInputs make_model_inputs(const std::vector<const Encoding*>& batch, int32_t pad_id, bool token_type_ids) {
  HFCPP_CHECK(!batch.empty(), "make_model_inputs: empty batch");
  size_t seq = 0;
  for (const Encoding* e : batch) seq = std::max(seq, e->size());
  const int64_t b = static_cast<int64_t>(batch.size()), s = static_cast<int64_t>(seq);
  ModelInputs in;
  in.input_ids = Tensor::empty({b, s}, DType::I64);
  in.attention_mask = Tensor::empty({b, s}, DType::I64);
  in.token_type_ids = Tensor::empty({b, s}, DType::I64);
  int64_t* ids = in.input_ids.data<int64_t>();
  int64_t* mask = in.attention_mask.data<int64_t>();
  int64_t* types = in.token_type_ids.data<int64_t>();
  for (int64_t row = 0; row < b; ++row) {
    const Encoding& e = *batch[row];
    for (int64_t col = 0; col < s; ++col) {
      const bool real = col < static_cast<int64_t>(e.size());
      ids[row * s + col] = real ? e.ids[col] : pad_id;
      mask[row * s + col] = real ? e.attention_mask[col] : 0;
      types[row * s + col] = real ? e.type_ids[col] : 0;
    }
  }
  if (!token_type_ids) in.token_type_ids = Tensor();
  // Every encoder pipeline drops the outputs at padding positions. HFCPP_PADDED_BATCHES=1 keeps the padding, to
  // measure what packing saves (docs/performance.md).
  static const bool padded = [] {
    const char* v = std::getenv("HFCPP_PADDED_BATCHES");
    return v && std::string(v) == "1";
  }();
  in.skip_padding = !padded;
  return in;
}

bool default_clean_up_tokenization_spaces(const std::string& model_dir) {
  namespace fs = std::filesystem;
  const auto read = [](const fs::path& path) {
    std::ifstream in(path);
    return in ? nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false) : nlohmann::json();
  };
  const nlohmann::json config = read(fs::path(model_dir) / "tokenizer_config.json");
  if (!config.is_object() || !config.contains("clean_up_tokenization_spaces") ||
      !config["clean_up_tokenization_spaces"].is_boolean() || !config["clean_up_tokenization_spaces"].get<bool>())
    return false;
  // transformers 5 skips the clean-up for BPE tokenizers (it would strip real spaces before punctuation).
  const nlohmann::json tokenizer = read(fs::path(model_dir) / "tokenizer.json");
  if (tokenizer.is_object() && tokenizer.contains("model") && tokenizer["model"].is_object() &&
      tokenizer["model"].value("type", "") == "BPE")
    return config.contains("clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output") &&
           config["clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output"] == true;
  return true;
}

bool uses_token_type_ids(const std::string& model_dir) {
  namespace fs = std::filesystem;
  std::ifstream in(fs::path(model_dir) / "tokenizer_config.json");
  const nlohmann::json config = in ? nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false) : nlohmann::json();
  if (config.is_object() && config.contains("model_input_names") && config["model_input_names"].is_array()) {
    for (const auto& name : config["model_input_names"])
      if (name == "token_type_ids") return true;
    return false;
  }
  std::string cls = config.is_object() && config.contains("tokenizer_class") && config["tokenizer_class"].is_string()
                        ? config["tokenizer_class"].get<std::string>()
                        : std::string();
  if (cls.empty()) {  // no tokenizer_config.json class: AutoTokenizer goes by config.json model_type
    std::ifstream model_config(fs::path(model_dir) / "config.json");
    const nlohmann::json mc = model_config ? nlohmann::json::parse(model_config, nullptr, false) : nlohmann::json();
    const std::string type = mc.is_object() && mc.contains("model_type") && mc["model_type"].is_string()
                                 ? mc["model_type"].get<std::string>() : std::string();
    return type == "bert" || type == "electra" || type == "mobilebert" || type == "squeezebert" || type == "funnel" ||
           type == "deberta" || type == "deberta-v2" || type == "convbert" || type == "xlnet" || type == "roformer" ||
           type == "ernie" || type == "layoutlm";
  }
  // Tokenizer classes whose model_input_names include token_type_ids.
  for (const char* prefix : {"BertTokenizer", "BertJapaneseTokenizer", "ElectraTokenizer", "MobileBertTokenizer",
                             "SqueezeBertTokenizer", "FunnelTokenizer", "DebertaTokenizer", "DebertaV2Tokenizer",
                             "ConvBertTokenizer", "XLNetTokenizer", "RoFormerTokenizer", "LayoutLMTokenizer",
                             "XLMTokenizer", "TapasTokenizer", "MarkupLMTokenizer", "LxmertTokenizer"})
    if (cls.rfind(prefix, 0) == 0) return true;
  return false;
}

}  // namespace hfcpp

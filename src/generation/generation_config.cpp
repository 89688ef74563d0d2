// GenerationConfig: transformers' generation_config.json keys, and the "set here, else defaults" merge.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "hfcpp/generation/generation.h"

namespace hfcpp {
namespace {

using json = nlohmann::json;

template <class T>
void merge_field(std::optional<T>& field, const std::optional<T>& fallback) {
  if (!field && fallback) field = fallback;
}

class Reader {
 public:
  Reader(const json& doc, const std::string& source) : doc_(doc), source_(source) {}

  const json* find(const char* key) const {
    const auto it = doc_.find(key);
    return it == doc_.end() || it->is_null() ? nullptr : &*it;
  }
  [[noreturn]] void wrong(const char* key, const char* expected) const {
    fail(source_, ": \"", key, "\" must be ", expected, ", got ", find(key)->dump());
  }
  void read(const char* key, std::optional<int64_t>& out) const {
    if (const json* v = find(key)) {
      if (!v->is_number_integer()) wrong(key, "an integer");
      out = v->get<int64_t>();
    }
  }
  void read(const char* key, std::optional<double>& out) const {
    if (const json* v = find(key)) {
      if (!v->is_number()) wrong(key, "a number");
      out = v->get<double>();
    }
  }
  void read(const char* key, std::optional<bool>& out) const {
    if (const json* v = find(key)) {
      if (!v->is_boolean()) wrong(key, "true or false");
      out = v->get<bool>();
    }
  }
  void read(const char* key, std::optional<std::vector<int64_t>>& out) const {  // int or list of ints
    if (const json* v = find(key)) {
      if (v->is_number_integer()) {
        out = std::vector<int64_t>{v->get<int64_t>()};
        return;
      }
      if (!v->is_array()) wrong(key, "an integer or a list of integers");
      std::vector<int64_t> ids;
      for (const json& x : *v) {
        if (!x.is_number_integer()) wrong(key, "an integer or a list of integers");
        ids.push_back(x.get<int64_t>());
      }
      out = ids;
    }
  }
  void read(const char* key, std::optional<std::vector<std::vector<int64_t>>>& out) const {
    if (const json* v = find(key)) {
      if (!v->is_array()) wrong(key, "a list of lists of token ids");
      std::vector<std::vector<int64_t>> lists;
      for (const json& seq : *v) {
        if (!seq.is_array()) wrong(key, "a list of lists of token ids");
        std::vector<int64_t> ids;
        for (const json& x : seq) {
          if (!x.is_number_integer()) wrong(key, "a list of lists of token ids");
          ids.push_back(x.get<int64_t>());
        }
        lists.push_back(ids);
      }
      out = lists;
    }
  }
  void read(const char* key, std::optional<std::vector<std::string>>& out) const {  // str or list of str
    if (const json* v = find(key)) {
      if (v->is_string()) {
        out = std::vector<std::string>{v->get<std::string>()};
        return;
      }
      if (!v->is_array()) wrong(key, "a string or a list of strings");
      std::vector<std::string> texts;
      for (const json& x : *v) {
        if (!x.is_string()) wrong(key, "a string or a list of strings");
        texts.push_back(x.get<std::string>());
      }
      out = texts;
    }
  }
  void read(const char* key, std::optional<EarlyStopping>& out) const {
    if (const json* v = find(key)) {
      if (v->is_boolean()) {
        out = v->get<bool>() ? EarlyStopping::True : EarlyStopping::False;
      } else if (v->is_string() && v->get<std::string>() == "never") {
        out = EarlyStopping::Never;
      } else {
        wrong(key, "true, false or \"never\"");
      }
    }
  }

 private:
  const json& doc_;
  const std::string& source_;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  HFCPP_CHECK(in, "cannot open ", path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

GenerationConfig GenerationConfig::merged_with(const GenerationConfig& d) const {
  GenerationConfig c = *this;
  merge_field(c.max_length, d.max_length);
  merge_field(c.max_new_tokens, d.max_new_tokens);
  merge_field(c.min_length, d.min_length);
  merge_field(c.min_new_tokens, d.min_new_tokens);
  merge_field(c.do_sample, d.do_sample);
  merge_field(c.num_beams, d.num_beams);
  merge_field(c.num_return_sequences, d.num_return_sequences);
  merge_field(c.length_penalty, d.length_penalty);
  merge_field(c.early_stopping, d.early_stopping);
  merge_field(c.temperature, d.temperature);
  merge_field(c.top_k, d.top_k);
  merge_field(c.top_p, d.top_p);
  merge_field(c.min_p, d.min_p);
  merge_field(c.typical_p, d.typical_p);
  merge_field(c.epsilon_cutoff, d.epsilon_cutoff);
  merge_field(c.eta_cutoff, d.eta_cutoff);
  merge_field(c.repetition_penalty, d.repetition_penalty);
  merge_field(c.no_repeat_ngram_size, d.no_repeat_ngram_size);
  merge_field(c.bad_words_ids, d.bad_words_ids);
  merge_field(c.renormalize_logits, d.renormalize_logits);
  merge_field(c.stop_strings, d.stop_strings);
  merge_field(c.eos_token_id, d.eos_token_id);
  merge_field(c.pad_token_id, d.pad_token_id);
  merge_field(c.bos_token_id, d.bos_token_id);
  return c;
}

GenerationConfig GenerationConfig::from_json(const std::string& json_text, const std::string& source_name) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {
    fail(source_name, ": not valid JSON (", e.what(), ")");
  }
  HFCPP_CHECK(doc.is_object(), source_name, ": expected a JSON object");
  const Reader r(doc, source_name);
  GenerationConfig c;
  r.read("max_length", c.max_length);
  r.read("max_new_tokens", c.max_new_tokens);
  r.read("min_length", c.min_length);
  r.read("min_new_tokens", c.min_new_tokens);
  r.read("do_sample", c.do_sample);
  r.read("num_beams", c.num_beams);
  r.read("num_return_sequences", c.num_return_sequences);
  r.read("length_penalty", c.length_penalty);
  r.read("early_stopping", c.early_stopping);
  r.read("temperature", c.temperature);
  r.read("top_k", c.top_k);
  r.read("top_p", c.top_p);
  r.read("min_p", c.min_p);
  r.read("typical_p", c.typical_p);
  r.read("epsilon_cutoff", c.epsilon_cutoff);
  r.read("eta_cutoff", c.eta_cutoff);
  r.read("repetition_penalty", c.repetition_penalty);
  r.read("no_repeat_ngram_size", c.no_repeat_ngram_size);
  r.read("bad_words_ids", c.bad_words_ids);
  r.read("renormalize_logits", c.renormalize_logits);
  r.read("stop_strings", c.stop_strings);
  r.read("eos_token_id", c.eos_token_id);
  r.read("pad_token_id", c.pad_token_id);
  r.read("bos_token_id", c.bos_token_id);
  return c;
}

GenerationConfig GenerationConfig::from_pretrained(const std::string& model_dir) {
  namespace fs = std::filesystem;
  const fs::path dir(model_dir);
  HFCPP_CHECK(fs::is_directory(dir), "model folder '", model_dir, "' does not exist or is not a folder");
  for (const char* name : {"generation_config.json", "config.json"}) {
    const fs::path path = dir / name;
    if (fs::exists(path)) return from_json(read_file(path), path.string());
  }
  return {};
}

}  // namespace hfcpp

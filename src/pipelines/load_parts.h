// The model and the tokenizer of a pipeline are independent files: the tokenizer (JSON parse, vocabulary tables,
// tens of ms for a 30k-token vocabulary) loads on a second thread while the calling thread loads and packs the
// weights, which is most of a cold pipeline() construction.
#pragma once

#include <future>
#include <string>
#include <tuple>
#include <utility>

#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp {

// Returns {load_model(), Tokenizer::from_pretrained(model_dir)}. Errors keep the sequential order: a model error is
// thrown first (the tokenizer thread is joined before it propagates), then a tokenizer error.
template <class LoadModel>
auto load_model_and_tokenizer(const std::string& model_dir, LoadModel&& load_model) {
  std::future<Tokenizer> tokenizer =
      std::async(std::launch::async, [model_dir] { return Tokenizer::from_pretrained(model_dir); });
  auto model = load_model();
  return std::pair{std::move(model), tokenizer.get()};
}

}  // namespace hfcpp

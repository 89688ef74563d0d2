// The architecture registry: config.json "architectures" / ("model_type", Head) -> factory.
// The table itself is in registry.cpp, one line per head class.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hfcpp/io/config.h"
#include "hfcpp/io/weights.h"
#include "hfcpp/models/model.h"

namespace hfcpp {

// Everything a model factory needs: the parsed config and a loader at the checkpoint root.
struct ModelContext {
  JsonConfig config;
  WeightLoader weights;
  std::string architecture;  // the registry entry being built, e.g. "BertForSequenceClassification"
  Head head;
};

using ModelFactory = std::shared_ptr<const Model> (*)(const ModelContext& context);

struct ModelEntry {
  const char* architecture;  // HF class name
  const char* model_type;    // config.json "model_type"
  Head head;
  ModelFactory create;
  // Decoder-only (GPT-2, BLOOM): on CPU its int8/bfloat16 linears keep reduced weights and compute in float32
  // (WeightLoader::weight_only_linears), LM head included.
  bool decoder = false;
};

const std::vector<ModelEntry>& model_registry();

}  // namespace hfcpp

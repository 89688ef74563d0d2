// Stopping criteria (transformers' MaxLengthCriteria + EosTokenCriteria + any extra ones) and the processor-chain helper.
#include <algorithm>

#include "generation/generate_internal.h"

namespace hfcpp::generation {

bool StoppingCriteria::done(std::span<const int64_t> row) const {
  if (static_cast<int64_t>(row.size()) >= max_length) return true;
  if (!row.empty() && std::find(eos.begin(), eos.end(), row.back()) != eos.end()) return true;
  for (const auto& criterion : extra)
    if ((*criterion)(row)) return true;
  return false;
}

void apply(const ProcessorList& processors, const TokenRows& sequences, ScoresView scores) {
  for (const auto& p : processors) (*p)(sequences, scores);
}

}  // namespace hfcpp::generation

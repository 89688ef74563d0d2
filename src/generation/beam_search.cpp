// Beam search, mirroring transformers' GenerationMixin._beam_search (v5.23, the vectorised beam search). Per batch
// item it keeps num_beams running hypotheses and the num_beams best finished ones. Each step takes the best
// max(2, 1 + n_eos) * num_beams continuations of the running beams (or samples them, with do_sample); those that hit
// a stopping criterion compete for the finished slots with score / new_length ** length_penalty, the others become
// the next running beams. early_stopping True / False / "never" decides when a batch item can stop improving.
// Arithmetic is float32 with transformers' -1e9 sentinels so that the same comparisons are made.
#include <algorithm>
#include <cmath>

#include "generation/generate_internal.h"

namespace hfcpp::generation {
namespace {

constexpr float kOff = -1.0e9f;  // transformers' "impossible" score offset

struct Hypothesis {
  std::vector<int64_t> ids;          // [max_length]: prompt, generated tokens, then the fill value
  std::vector<int64_t> beam_origin;  // [max_length - prompt]: the global row each token was appended to, or -1
};

float length_normalizer(int64_t length, float length_penalty) {
  return static_cast<float>(std::pow(static_cast<double>(length), static_cast<double>(length_penalty)));
}

}  // namespace

GenerationOutput beam_search(Decoder& decoder, const Settings& s, const ProcessorList& processors,
                             const StoppingCriteria& stopping, Sampler* sampler) {
  const int64_t nb = s.num_beams, rows = decoder.rows(), batch = rows / nb, vocab = decoder.vocab();
  const int64_t prompt = s.prompt_length, max_length = s.max_length;
  const int64_t keep = std::max<int64_t>(2, 1 + static_cast<int64_t>(s.eos.size())) * nb;  // beams_to_keep
  // transformers' output_fill_value: `pad_token_id or eos_token_id[0] if eos_token_id is not None else -1`
  const int64_t fill = s.eos.empty() ? -1 : (s.pad && *s.pad != 0 ? *s.pad : s.eos[0]);

  std::vector<std::vector<Hypothesis>> running(batch), finished(batch);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < nb; ++i) {
      Hypothesis h{std::vector<int64_t>(max_length, fill), std::vector<int64_t>(max_length - prompt, -1)};
      const std::vector<int64_t>& row = decoder.sequences()[b * nb + i];
      std::copy(row.begin(), row.end(), h.ids.begin());
      running[b].push_back(h);
      finished[b].push_back(h);
    }
  std::vector<float> running_scores(rows, kOff), finished_scores(rows, kOff);
  for (int64_t b = 0; b < batch; ++b) running_scores[b * nb] = 0.0f;
  std::vector<char> is_finished(rows, 0), improvable(batch, 1);

  for (int64_t cur = prompt;; ++cur) {
    std::vector<float> log_probs = decoder.step();  // [rows, vocab]
    for (int64_t r = 0; r < rows; ++r) log_softmax_row(&log_probs[r * vocab], &log_probs[r * vocab], vocab);
    apply(processors, decoder.sequences(), ScoresView{log_probs.data(), rows, vocab});

    bool all_hit = true;
    std::vector<int64_t> next_rows(rows), next_tokens(rows);
    const float normalizer = length_normalizer(cur + 1 - prompt, s.length_penalty);
    for (int64_t b = 0; b < batch; ++b) {
      // _get_top_k_continuations over the running beams' accumulated log-probabilities [num_beams * vocab]
      std::vector<float> acc(nb * vocab);
      for (int64_t i = 0; i < nb; ++i)
        for (int64_t v = 0; v < vocab; ++v)
          acc[i * vocab + v] = log_probs[(b * nb + i) * vocab + v] + running_scores[b * nb + i];
      const std::vector<int64_t> picks =
          sampler ? sampler->sample_without_replacement(acc.data(), nb * vocab, keep) : topk_indices(acc.data(), nb * vocab, keep);
      std::vector<Hypothesis> cand;
      std::vector<float> cand_scores, next_scores;
      std::vector<char> hit;
      for (int64_t idx : picks) {
        const int64_t beam = idx / vocab;
        Hypothesis h = running[b][beam];
        h.ids[cur] = idx % vocab;
        h.beam_origin[cur - prompt] = b * nb + beam;
        const bool done = stopping.done(std::span<const int64_t>(h.ids.data(), static_cast<size_t>(cur + 1)));
        cand_scores.push_back(acc[idx]);
        next_scores.push_back(acc[idx] + (done ? kOff : 0.0f));
        hit.push_back(done);
        all_hit = all_hit && done;
        cand.push_back(std::move(h));
      }
      // _get_running_beams_for_next_iteration: the best num_beams candidates that did not stop
      const std::vector<int64_t> next = topk_indices(next_scores.data(), keep, nb);
      for (int64_t i = 0; i < nb; ++i) {
        running[b][i] = cand[next[i]];
        running_scores[b * nb + i] = next_scores[next[i]];
        next_rows[b * nb + i] = running[b][i].beam_origin[cur - prompt];
        next_tokens[b * nb + i] = running[b][i].ids[cur];
      }
      // _update_finished_beams: the top num_beams candidates that stopped compete for the finished slots
      bool full = s.early_stopping == EarlyStopping::True;
      for (int64_t i = 0; i < nb; ++i) full = full && is_finished[b * nb + i];
      std::vector<float> merged(finished_scores.begin() + b * nb, finished_scores.begin() + (b + 1) * nb);
      std::vector<char> merged_finished(is_finished.begin() + b * nb, is_finished.begin() + (b + 1) * nb);
      for (int64_t c = 0; c < keep; ++c) {
        const bool just_finished = hit[c] && c < nb;
        float score = cand_scores[c] / normalizer;
        score += full ? kOff : -0.0f;
        score += improvable[b] ? -0.0f : kOff;
        score += just_finished ? -0.0f : kOff;
        merged.push_back(score);
        merged_finished.push_back(just_finished);
      }
      std::vector<Hypothesis> old = finished[b];
      const std::vector<int64_t> best = topk_indices(merged.data(), nb + keep, nb);
      for (int64_t i = 0; i < nb; ++i) {
        finished[b][i] = best[i] < nb ? old[best[i]] : cand[best[i] - nb];
        finished_scores[b * nb + i] = merged[best[i]];
        is_finished[b * nb + i] = merged_finished[best[i]];
      }
    }
    decoder.reorder(next_rows);
    decoder.append(next_tokens);

    // _check_early_stop_heuristic, then _beam_search_has_unfinished_sequences
    const int64_t best_length =
        s.early_stopping == EarlyStopping::Never && s.length_penalty > 0 ? max_length - prompt : cur + 1 - prompt;
    bool any_improvable = false, all_finished = true;
    for (int64_t b = 0; b < batch; ++b) {
      const float best_possible = running_scores[b * nb] / length_normalizer(best_length, s.length_penalty);
      const float worst = *std::min_element(finished_scores.begin() + b * nb, finished_scores.begin() + (b + 1) * nb);
      bool beatable = false;
      for (int64_t i = 0; i < nb; ++i) beatable = beatable || best_possible > (is_finished[b * nb + i] ? worst : kOff);
      improvable[b] = improvable[b] && beatable;
      any_improvable = any_improvable || improvable[b];
      for (int64_t i = 0; i < nb; ++i) all_finished = all_finished && is_finished[b * nb + i];
    }
    const bool open_beams = !(all_finished && s.early_stopping == EarlyStopping::True);
    if (!(any_improvable && open_beams && !all_hit)) break;
  }

  GenerationOutput out;
  out.prompt_length = prompt;
  int64_t generated = 0;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < s.num_return_sequences; ++i) {
      const auto& origin = finished[b][i].beam_origin;
      generated = std::max<int64_t>(generated, std::count_if(origin.begin(), origin.end(), [](int64_t x) { return x != -1; }));
    }
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < s.num_return_sequences; ++i) {
      const auto& ids = finished[b][i].ids;
      out.sequences.emplace_back(ids.begin(), ids.begin() + prompt + generated);
      out.sequences_scores.push_back(finished_scores[b * nb + i]);
    }
  return out;
}

}  // namespace hfcpp::generation

// generate(): resolves and validates the GenerationConfig (transformers' GenerationMixin.generate: defaults,
// lengths, special tokens, attention mask and position ids), builds the logits-processor chain in transformers'
// order and runs greedy search / sampling (GenerationMixin._sample) or beam search (beam_search.cpp).
#include <algorithm>
#include <cmath>

#include "generation/generate_internal.h"
#include "hfcpp/core/error.h"

namespace hfcpp {
namespace generation {
namespace {

// transformers' GenerationConfig._get_default_generation_params (the fields generate() uses).
GenerationConfig library_defaults() {
  GenerationConfig d;
  d.max_length = 20, d.min_length = 0, d.do_sample = false, d.early_stopping = EarlyStopping::False;
  d.num_beams = 1, d.num_return_sequences = 1, d.temperature = 1.0, d.top_k = 50, d.top_p = 1.0, d.typical_p = 1.0;
  d.repetition_penalty = 1.0, d.length_penalty = 1.0, d.no_repeat_ngram_size = 0, d.epsilon_cutoff = 0.0;
  d.eta_cutoff = 0.0, d.renormalize_logits = false;
  return d;
}

Settings resolve(const CausalLM& model, const GenerationConfig& user, int64_t prompt_length) {
  const bool has_default_max_length = !user.max_length.has_value();
  GenerationConfig c = user;
  // special tokens the caller's config leaves unset come from the model's config.json
  const GenerationConfig from_model = GenerationConfig::from_json(model.config().dump(), model.config().source());
  if (!c.eos_token_id) c.eos_token_id = from_model.eos_token_id;
  if (!c.pad_token_id) c.pad_token_id = from_model.pad_token_id;
  if (!c.bos_token_id) c.bos_token_id = from_model.bos_token_id;
  c = c.merged_with(library_defaults());

  Settings s;
  s.prompt_length = prompt_length;
  HFCPP_CHECK(!c.max_new_tokens || *c.max_new_tokens > 0, "generate: max_new_tokens must be greater than 0, but is ",
              c.max_new_tokens.value_or(0));
  // GenerationMixin._prepare_generated_length
  if (c.max_new_tokens) {
    s.max_length = prompt_length + *c.max_new_tokens;
  } else if (has_default_max_length) {
    s.max_length = std::min(*c.max_length + prompt_length, model.max_positions());
  } else {
    s.max_length = *c.max_length;
  }
  HFCPP_CHECK(c.min_new_tokens.value_or(0) >= 0 && *c.min_length >= 0,
              "generate: min_new_tokens and min_length have to be non-negative");
  s.min_length = c.min_new_tokens ? *c.min_new_tokens + prompt_length : *c.min_length;
  s.min_new_tokens = c.min_new_tokens;
  HFCPP_CHECK(prompt_length < s.max_length, "generate: the prompt has ", prompt_length,
              " tokens but max_length is ", s.max_length, "; increase max_length or set max_new_tokens");
  HFCPP_CHECK(prompt_length <= model.max_positions(), "generate: the prompt has ", prompt_length, " tokens but ",
              model.architecture(), " accepts at most ", model.max_positions(), " positions (n_positions)");
  HFCPP_CHECK(s.max_length - 1 <= model.max_positions(), "generate: max_length ", s.max_length, " needs ",
              s.max_length - 1, " positions but ", model.architecture(), " accepts at most ", model.max_positions(),
              " (n_positions); lower max_new_tokens / max_length");

  s.do_sample = *c.do_sample;
  s.num_beams = *c.num_beams;
  s.num_return_sequences = *c.num_return_sequences;
  s.length_penalty = static_cast<float>(*c.length_penalty);
  s.early_stopping = *c.early_stopping;
  HFCPP_CHECK(s.num_beams >= 1, "generate: num_beams must be at least 1, but is ", s.num_beams);
  HFCPP_CHECK(s.num_return_sequences >= 1, "generate: num_return_sequences must be at least 1, but is ",
              s.num_return_sequences);
  HFCPP_CHECK(s.num_beams > 1 || s.do_sample || s.num_return_sequences == 1,
              "generate: greedy search (do_sample=false, num_beams=1) cannot return ", s.num_return_sequences,
              " sequences; set do_sample=true or num_beams >= num_return_sequences");
  HFCPP_CHECK(s.num_beams == 1 || s.num_return_sequences <= s.num_beams, "generate: num_return_sequences (",
              s.num_return_sequences, ") has to be smaller or equal to num_beams (", s.num_beams, ")");
  if (s.do_sample) {
    HFCPP_CHECK(*c.temperature > 0, "generate: temperature (=", *c.temperature,
                ") has to be a strictly positive float when sampling; for greedy decoding set do_sample=false");
    HFCPP_CHECK(*c.top_k >= 0, "generate: top_k has to be >= 0 (0 = off), but is ", *c.top_k);
    HFCPP_CHECK(*c.top_p >= 0 && *c.top_p <= 1, "generate: top_p has to be in [0, 1], but is ", *c.top_p);
    HFCPP_CHECK(!c.min_p || (*c.min_p >= 0 && *c.min_p <= 1), "generate: min_p has to be in [0, 1], but is ",
                c.min_p.value_or(0));
    HFCPP_CHECK(*c.typical_p > 0 && *c.typical_p <= 1, "generate: typical_p has to be in (0, 1], but is ",
                *c.typical_p);
  }
  HFCPP_CHECK(*c.repetition_penalty > 0, "generate: repetition_penalty has to be strictly positive, but is ",
              *c.repetition_penalty);
  HFCPP_CHECK(*c.no_repeat_ngram_size >= 0, "generate: no_repeat_ngram_size has to be >= 0, but is ",
              *c.no_repeat_ngram_size);
  const int64_t vocab = model.vocab_size();
  if (c.bad_words_ids) {
    HFCPP_CHECK(!c.bad_words_ids->empty(), "generate: bad_words_ids has to be a non-empty list of token id lists");
    for (const auto& seq : *c.bad_words_ids)
      for (int64_t id : seq)
        HFCPP_CHECK(id >= 0 && id < vocab, "generate: bad_words_ids holds token ", id,
                    " but the model's vocabulary size is ", vocab);
  }
  s.eos = c.eos_token_id.value_or(std::vector<int64_t>{});
  for (int64_t id : s.eos) HFCPP_CHECK(id >= 0, "generate: eos_token_id has to be non-negative, got ", id);
  s.pad = c.pad_token_id;
  if (!s.pad && !s.eos.empty()) s.pad = s.eos[0];
  s.config = c;
  return s;
}

ProcessorList build_processors(const Settings& s, const std::vector<std::vector<int64_t>>& mask,
                               const GenerateOptions& options) {
  const GenerationConfig& c = s.config;
  ProcessorList list;
  if (*c.repetition_penalty != 1.0) {
    std::vector<int64_t> padding;  // left padding per row: index of the first real token, as (mask != 0).argmax
    for (const auto& m : mask) {
      const auto first = std::find_if(m.begin(), m.end(), [](int64_t x) { return x != 0; });
      padding.push_back(first == m.end() ? 0 : first - m.begin());
    }
    list.push_back(std::make_shared<RepetitionPenaltyLogitsProcessor>(static_cast<float>(*c.repetition_penalty), padding));
  }
  if (*c.no_repeat_ngram_size > 0) list.push_back(std::make_shared<NoRepeatNGramLogitsProcessor>(*c.no_repeat_ngram_size));
  if (c.bad_words_ids) list.push_back(std::make_shared<NoBadWordsLogitsProcessor>(*c.bad_words_ids, s.eos));
  if (s.min_length > 0 && !s.eos.empty()) list.push_back(std::make_shared<MinLengthLogitsProcessor>(s.min_length, s.eos));
  if (s.min_new_tokens && *s.min_new_tokens > 0 && !s.eos.empty())
    list.push_back(std::make_shared<MinNewTokensLengthLogitsProcessor>(s.prompt_length, *s.min_new_tokens, s.eos));
  list.insert(list.end(), options.logits_processors.begin(), options.logits_processors.end());
  if (s.do_sample) {
    // beams need one non-eos token left to continue (transformers: len(eos) + 1, or 2 without eos)
    const int64_t keep = s.num_beams > 1 ? (s.eos.empty() ? 2 : static_cast<int64_t>(s.eos.size()) + 1) : 1;
    if (*c.temperature != 1.0) list.push_back(std::make_shared<TemperatureLogitsWarper>(static_cast<float>(*c.temperature)));
    if (*c.top_k != 0) list.push_back(std::make_shared<TopKLogitsWarper>(*c.top_k, keep));
    if (*c.top_p < 1.0) list.push_back(std::make_shared<TopPLogitsWarper>(static_cast<float>(*c.top_p), keep));
    if (c.min_p) list.push_back(std::make_shared<MinPLogitsWarper>(static_cast<float>(*c.min_p), keep));
    if (*c.typical_p < 1.0) list.push_back(std::make_shared<TypicalLogitsWarper>(static_cast<float>(*c.typical_p), keep));
    if (*c.epsilon_cutoff > 0 && *c.epsilon_cutoff < 1)
      list.push_back(std::make_shared<EpsilonLogitsWarper>(static_cast<float>(*c.epsilon_cutoff), keep));
    if (*c.eta_cutoff > 0 && *c.eta_cutoff < 1)
      list.push_back(std::make_shared<EtaLogitsWarper>(static_cast<float>(*c.eta_cutoff), keep));
  }
  if (*c.renormalize_logits) list.push_back(std::make_shared<LogitNormalization>());
  return list;
}

// GenerationMixin._sample: greedy search or multinomial sampling, one token per running sequence and step.
GenerationOutput sample(Decoder& decoder, const Settings& s, const ProcessorList& processors,
                        const StoppingCriteria& stopping, const GenerateOptions& options) {
  const int64_t rows = decoder.rows(), vocab = decoder.vocab();
  const bool has_eos = !s.eos.empty();
  Sampler sampler(options.seed);
  std::vector<char> unfinished(static_cast<size_t>(rows), 1);
  std::vector<int64_t> tokens(static_cast<size_t>(rows));
  while (true) {
    std::vector<float> scores = decoder.step();
    apply(processors, decoder.sequences(), ScoresView{scores.data(), rows, vocab});
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = scores.data() + r * vocab;
      tokens[r] = s.do_sample ? sampler.sample(row, vocab) : argmax_row(row, vocab);
      if (has_eos && !unfinished[r]) tokens[r] = *s.pad;
    }
    decoder.append(tokens);
    bool any_left = false;
    for (int64_t r = 0; r < rows; ++r) {
      if (unfinished[r] && stopping.done(decoder.sequences()[r])) unfinished[r] = 0;
      any_left = any_left || unfinished[r];
    }
    bool keep_going = !options.on_tokens || options.on_tokens(tokens);
    if (options.streamer) keep_going = options.streamer->put(tokens[0]) && keep_going;  // one row (checked)
    if (!any_left || !keep_going) break;
  }
  if (options.streamer) options.streamer->end();
  GenerationOutput out;
  out.sequences = decoder.sequences();
  out.prompt_length = s.prompt_length;
  return out;
}

}  // namespace
}  // namespace generation

GenerationOutput generate(const CausalLM& model, const Tensor& input_ids, const Tensor& attention_mask,
                          const GenerationConfig& config, const GenerateOptions& options) {
  using namespace generation;
  HFCPP_CHECK(input_ids.defined() && input_ids.rank() == 2 && input_ids.dim(0) > 0 && input_ids.dim(1) > 0,
              "generate: input_ids must be a non-empty [batch, seq] tensor, got ", input_ids.describe());
  HFCPP_CHECK(input_ids.dtype() == DType::I64 || input_ids.dtype() == DType::I32,
              "generate: input_ids must be int64 or int32, got ", dtype_name(input_ids.dtype()));
  const int64_t batch = input_ids.dim(0), length = input_ids.dim(1);
  const Settings s = resolve(model, config, length);
  HFCPP_CHECK(!options.on_tokens || s.num_beams == 1,
              "generate: a token callback (streamer) cannot be used with beam search; set num_beams to 1");
  HFCPP_CHECK(!options.streamer || s.num_beams == 1,
              "generate: a streamer cannot be used with beam search; set num_beams to 1");
  HFCPP_CHECK(!options.streamer || batch * s.num_return_sequences == 1,
              "generate: a streamer follows one sequence only (as transformers' TextStreamer: batch size 1), but ",
              batch, " prompt(s) x ", s.num_return_sequences, " return sequence(s) were asked for");

  const std::vector<int64_t> ids = input_ids.to(DeviceSpec{}).to(DType::I64).to_vector<int64_t>();
  std::vector<int64_t> mask;
  if (attention_mask.defined()) {
    HFCPP_CHECK(attention_mask.shape() == input_ids.shape(), "generate: attention_mask ", attention_mask.describe(),
                " must match input_ids ", shape_to_string(input_ids.shape()));
    mask = attention_mask.to(DeviceSpec{}).to(DType::I64).to_vector<int64_t>();
  } else {  // GenerationMixin._prepare_attention_mask_for_generation
    const bool pad_in_prompt = s.pad && std::find(ids.begin(), ids.end(), *s.pad) != ids.end();
    const bool pad_is_eos = s.pad && std::find(s.eos.begin(), s.eos.end(), *s.pad) != s.eos.end();
    for (int64_t id : ids) mask.push_back(pad_in_prompt && !pad_is_eos ? (id != *s.pad ? 1 : 0) : 1);
  }

  // _expand_inputs_for_generation: each prompt repeated num_beams (or num_return_sequences) times, interleaved
  const int64_t expand = std::max(s.num_beams, s.num_return_sequences);
  TokenRows rows, masks;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t e = 0; e < expand; ++e) {
      rows.emplace_back(ids.begin() + b * length, ids.begin() + (b + 1) * length);
      masks.emplace_back(mask.begin() + b * length, mask.begin() + (b + 1) * length);
    }
  const ProcessorList processors = build_processors(s, masks, options);
  StoppingCriteria stopping{s.max_length, s.eos, options.stopping_criteria};
  if (s.config.stop_strings) {  // GenerationMixin._get_stopping_criteria
    HFCPP_CHECK(options.tokenizer != nullptr,
                "generate: there are stop strings in the generation config but no tokenizer; pass the model's "
                "tokenizer in GenerateOptions::tokenizer to generate with stop strings");
    stopping.extra.push_back(std::make_shared<StopStringCriteria>(*s.config.stop_strings, *options.tokenizer));
  }
  Decoder decoder(model, std::move(rows), std::move(masks), s.max_length, expand);
  if (s.num_beams > 1) {
    Sampler sampler(options.seed);
    return beam_search(decoder, s, processors, stopping, s.do_sample ? &sampler : nullptr);
  }
  return sample(decoder, s, processors, stopping, options);
}

GenerationOutput generate(const CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                          const GenerationConfig& config, const GenerateOptions& options) {
  HFCPP_CHECK(!prompts.empty(), "generate: no prompts given");
  size_t width = 0;
  for (const auto& p : prompts) width = std::max(width, p.size());
  HFCPP_CHECK(width > 0, "generate: every prompt is empty");
  const GenerationConfig from_model = GenerationConfig::from_json(model.config().dump(), model.config().source());
  const std::vector<int64_t> eos = config.eos_token_id.value_or(from_model.eos_token_id.value_or(std::vector<int64_t>{}));
  const int64_t pad = config.pad_token_id.value_or(from_model.pad_token_id.value_or(eos.empty() ? 0 : eos[0]));
  std::vector<int64_t> ids, mask;
  for (const auto& p : prompts) {
    HFCPP_CHECK(!p.empty(), "generate: a prompt is empty");
    ids.insert(ids.end(), width - p.size(), pad);
    ids.insert(ids.end(), p.begin(), p.end());
    mask.insert(mask.end(), width - p.size(), 0);
    mask.insert(mask.end(), p.size(), 1);
  }
  const Shape shape{static_cast<int64_t>(prompts.size()), static_cast<int64_t>(width)};
  return generate(model, Tensor::from_vector(ids, shape), Tensor::from_vector(mask, shape), config, options);
}

}  // namespace hfcpp

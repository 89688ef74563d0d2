// Tokenizer: encode (added tokens -> normalizer -> pre-tokenizer -> model -> truncation -> post-processor -> padding)
// and decode, following `tokenizers`' TokenizerImpl and transformers' call conventions.
#include "hfcpp/tokenizers/tokenizer.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <mutex>

#include "hfcpp/core/error.h"
#include "hfcpp/core/threads.h"
#include "tokenizers/bpe.h"
#include "tokenizers/bpe_files.h"
#include "tokenizers/byte_level_bpe_encoder.h"
#include "tokenizers/wordpiece.h"
#include "tokenizers/sentencepiece_files.h"
#include "tokenizers/tokenizer_impl.h"
#include "tokenizers/unicode.h"

namespace hfcpp {

using tok::RawEncoding;

// ---- Impl ----------------------------------------------------------------------------------------------------------

RawEncoding Tokenizer::Impl::encode_sequence(std::string_view text, int32_t type_id) const {
  if (byte_level_bpe)
    if (auto e = byte_level_bpe->encode(text, type_id)) return std::move(*e);
  tok::PreTokenizedString pre = added.extract_and_normalize(normalizer.get(), text);
  if (bert_wordpiece) return encode_bert_words(pre, text, type_id);
  if (pre_tokenizer) pre_tokenizer->pre_tokenize(pre);
  pre.tokenize([&](const tok::NormalizedString& n) { return model->tokenize(n.get()); });
  // PreTokenizedString::into_encoding: word index = split index, offsets back in the original text.
  RawEncoding e;
  size_t n = 0;
  for (const tok::Split& s : pre.splits()) n += s.tokens->size();
  e.reserve(n);
  const auto& splits = pre.splits();
  for (size_t w = 0; w < splits.size(); ++w)
    for (const tok::Token& t : *splits[w].tokens)
      e.push(t.id, t.value, splits[w].normalized.original_offsets(t.offsets.first, t.offsets.second),
             static_cast<int32_t>(w), type_id, 0);
  e.original = text;
  return e;
}

void Tokenizer::Impl::choose_fast_paths() {
  byte_level_bpe = tok::ByteLevelBpeEncoder::create(*this);
  bert_wordpiece = dynamic_cast<const tok::BertPreTokenizer*>(pre_tokenizer.get()) != nullptr
                       ? dynamic_cast<const tok::WordPiece*>(model.get())
                       : nullptr;
}

// What pre_tokenize + tokenize + into_encoding give for BertPreTokenizer and WordPiece, without a NormalizedString
// per word: word w is the w-th split after pre-tokenization (an added token's split counts as one), each token's
// offsets are its normalized bytes mapped back through the split's alignments.
RawEncoding Tokenizer::Impl::encode_bert_words(const tok::PreTokenizedString& pre, std::string_view text,
                                               int32_t type_id) const {
  RawEncoding e;
  e.reserve(text.size() / 3 + 8);
  int32_t word = 0;
  for (const tok::Split& split : pre.splits()) {
    const tok::NormalizedString& n = split.normalized;
    if (split.tokens) {
      for (const tok::Token& t : *split.tokens)
        e.push(t.id, t.value, n.original_offsets(t.offsets.first, t.offsets.second), word, type_id, 0);
      ++word;
      continue;
    }
    const std::string& normalized = n.get();
    tok::BertPreTokenizer::for_each_word(normalized, [&](size_t begin, size_t end) {
      const std::string_view w(normalized.data() + begin, end - begin);
      bert_wordpiece->for_each_piece(w, [&](int32_t id, size_t b, size_t e_) {
        e.push(id, std::string(bert_wordpiece->piece_text(id)), n.original_offsets(begin + b, begin + e_), word,
               type_id, 0);
      });
      ++word;
    });
  }
  e.original = text;
  return e;
}

std::optional<int32_t> Tokenizer::Impl::token_to_id(std::string_view token) const {
  if (auto id = added.token_to_id(token)) return id;
  return model->token_to_id(token);
}

std::optional<std::string_view> Tokenizer::Impl::id_to_token(int32_t id) const {
  if (const std::string* s = added.decode_string(id)) return *s;
  return model->id_to_token(id);
}

namespace {

using Impl = Tokenizer::Impl;

size_t n_added_tokens(const Impl& impl, bool is_pair) {
  return impl.post_processor ? impl.post_processor->added_tokens(is_pair) : 0;
}

// truncate_encodings (utils/truncation.rs).
void truncate_encodings(RawEncoding& a, std::optional<RawEncoding>& b, size_t max_length, TruncationStrategy strategy,
                        size_t stride, Side direction) {
  if (max_length == 0) {
    a.truncate(0, stride, direction);
    if (b) b->truncate(0, stride, direction);
    return;
  }
  const size_t total = a.size() + (b ? b->size() : 0);
  if (total <= max_length) return;
  const size_t to_remove = total - max_length;
  if (strategy == TruncationStrategy::LongestFirst) {
    if (!b) {
      a.truncate(total - to_remove, stride, direction);
      return;
    }
    size_t n1 = a.size(), n2 = b->size();
    const bool swap = n1 > n2;
    if (swap) std::swap(n1, n2);
    n2 = n1 > max_length ? n1 : std::max(n1, max_length - n1);
    if (n1 + n2 > max_length) {
      n1 = max_length / 2;
      n2 = n1 + max_length % 2;
    }
    if (swap) std::swap(n1, n2);
    a.truncate(n1, stride, direction);
    b->truncate(n2, stride, direction);
    return;
  }
  RawEncoding* target = strategy == TruncationStrategy::OnlyFirst ? &a : (b ? &*b : nullptr);
  HFCPP_CHECK(target, "Truncation error: Second sequence not provided (truncation only_second on a single text)");
  HFCPP_CHECK(target->size() > to_remove,
              "Truncation error: Sequence to truncate too short to respect the provided max_length");
  target->truncate(target->size() - to_remove, stride, direction);
}

struct PadParams {
  bool batch_longest;
  size_t length;
  size_t multiple;
  Side side;
  int32_t pad_id;
  std::string pad_token;
};

std::optional<PadParams> resolve_padding(const Impl& impl, const PaddingOptions& p) {
  if (p.strategy == PaddingStrategy::None) return std::nullopt;
  PadParams params{p.strategy == PaddingStrategy::Longest, 0, p.pad_to_multiple_of, p.side.value_or(impl.padding_side),
                   -1, ""};
  if (!params.batch_longest) {
    params.length = p.max_length ? p.max_length : impl.model_max_length;
    if (params.length == Tokenizer::kUnknownMaxLength) return std::nullopt;  // transformers: no padding
  }
  auto pad = impl.special_tokens.find("pad");
  std::optional<int32_t> id = pad != impl.special_tokens.end() ? impl.token_to_id(pad->second) : std::nullopt;
  HFCPP_CHECK(id.has_value(), "Tokenizer '", impl.source,
              "': asked to pad but the tokenizer has no padding token (pad_token)");
  params.pad_id = *id;
  params.pad_token = pad->second;
  return params;
}

void pad_encodings(std::vector<RawEncoding>& encodings, const PadParams& p) {
  if (encodings.empty()) return;
  size_t length = p.length;
  if (p.batch_longest) {
    length = 0;
    for (const RawEncoding& e : encodings) length = std::max(length, e.size());
  }
  if (p.multiple > 0 && length % p.multiple > 0) length += p.multiple - length % p.multiple;
  for (RawEncoding& e : encodings) e.pad(length, p.pad_id, 0, p.pad_token, p.side);
}

// Encodes one input without padding (TokenizerImpl::encode + post_process steps 1 and 2).
RawEncoding post_process_unpadded(const Impl& impl, RawEncoding a, std::optional<RawEncoding> b,
                                  const EncodeOptions& options) {
  if (const auto& t = options.truncation) {
    const size_t max_length = t->max_length ? t->max_length : impl.model_max_length;
    if (max_length != Tokenizer::kUnknownMaxLength) {
      // The Rust library computes these differences in usize: a max_length below the number of special tokens
      // wraps around to a huge length (no truncation) instead of failing; so do we.
      const size_t added_single = n_added_tokens(impl, false);
      HFCPP_CHECK(max_length - added_single >= t->stride, "tokenizer stride set to ", t->stride,
                  ", which is greater than or equal to its effective max length of ", max_length - added_single,
                  " (= ", max_length, " original max length - ", added_single, " added special tokens)");
      const size_t n_added = n_added_tokens(impl, b.has_value());
      const size_t effective = options.add_special_tokens && n_added > 0 ? max_length - n_added : max_length;
      truncate_encodings(a, b, effective, t->strategy, t->stride, t->direction);
    }
  }
  if (impl.post_processor) return impl.post_processor->process(std::move(a), std::move(b), options.add_special_tokens);
  if (!b) return a;  // default_process of a single encoding leaves it as is
  a.set_sequence_id(0);
  b->set_sequence_id(1);
  a.merge_with(std::move(*b), false);
  return a;
}

RawEncoding encode_unpadded(const Impl& impl, std::string_view text, const std::string_view* pair,
                            const EncodeOptions& options) {
  RawEncoding a = impl.encode_sequence(text, 0);
  std::optional<RawEncoding> b;
  if (pair) b = impl.encode_sequence(*pair, 1);
  return post_process_unpadded(impl, std::move(a), std::move(b), options);
}

// InputSequence::PreTokenized: every word runs through the pipeline alone, its tokens get the word's index, and the
// offsets stay relative to the word (Encoding::merge without growing offsets).
RawEncoding encode_words_sequence(const Impl& impl, const std::vector<std::string>& words, int32_t type_id) {
  std::vector<RawEncoding> parts;
  parts.reserve(words.size());
  for (size_t w = 0; w < words.size(); ++w) {
    RawEncoding e = impl.encode_sequence(words[w], type_id);
    e.words.assign(e.size(), static_cast<int32_t>(w));
    parts.push_back(std::move(e));
  }
  RawEncoding merged = RawEncoding::merge(std::move(parts), false);
  merged.word_texts.assign(words.begin(), words.end());
  return merged;
}

}  // namespace

namespace {

// Runs fn(i) for every i in [0, n) on up to `threads` OpenMP threads (hfcpp::num_threads() when <= 0), sharing the
// pool of hfcpp's ops. Inside a parallel region it runs serially: a nested team would multiply the threads.
// Exceptions cannot cross an OpenMP region: the one of the smallest failing index (what a serial loop throws) is
// kept, later indices are skipped, and it is rethrown here.
template <class Fn>
void parallel_for(size_t n, int threads, const Fn& fn) {
  const size_t team = std::min(n, static_cast<size_t>(threads > 0 ? threads : num_threads()));
  if (team <= 1 || omp_in_parallel()) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> first_failed{n};
  std::exception_ptr error;
  std::mutex error_mutex;
#pragma omp parallel for num_threads(static_cast<int>(team)) schedule(dynamic, 1)
  for (size_t i = 0; i < n; ++i) {
    if (i > first_failed.load(std::memory_order_relaxed)) continue;
    try {
      fn(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (i < first_failed.load()) {
        first_failed.store(i);
        error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace

// ---- public API ----------------------------------------------------------------------------------------------------

std::vector<size_t> utf8_char_index(std::string_view text) {
  std::vector<size_t> index(text.size() + 1, 0);
  size_t chars = 0;
  tok::for_each_utf8_char(text, [&](const tok::DecodedChar& d) {
    for (size_t b = d.begin; b < d.end; ++b) index[b] = chars;
    ++chars;
  });
  index[text.size()] = chars;
  return index;
}

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(const Tokenizer&) = default;
Tokenizer& Tokenizer::operator=(const Tokenizer&) = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

namespace {
const Tokenizer::Impl& checked(const std::shared_ptr<const Tokenizer::Impl>& impl) {
  HFCPP_CHECK(impl != nullptr, "Tokenizer: used before loading (call Tokenizer::from_file or from_pretrained)");
  return *impl;
}
}  // namespace

Tokenizer Tokenizer::from_file(const std::string& tokenizer_json_path) {
  auto impl = tok::load_tokenizer_json(tokenizer_json_path);
  tok::apply_tokenizer_config(*impl, "");  // no folder: only BERT's default roles
  impl->choose_fast_paths();
  Tokenizer t;
  t.impl_ = std::move(impl);
  return t;
}

Tokenizer Tokenizer::from_pretrained(const std::string& model_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  HFCPP_CHECK(fs::is_directory(model_dir, ec), "Tokenizer::from_pretrained: '", model_dir, "' is not a folder");
  const fs::path json_path = fs::path(model_dir) / "tokenizer.json";
  std::shared_ptr<Impl> impl;
  if (fs::is_regular_file(json_path, ec)) {
    impl = tok::load_tokenizer_json(json_path.string());
  } else if (fs::is_regular_file(fs::path(model_dir) / "vocab.txt", ec)) {
    impl = tok::load_legacy_wordpiece(model_dir);
  } else if (tok::has_legacy_bpe_files(model_dir)) {
    impl = tok::load_legacy_bpe(model_dir);
  } else if (auto spm = tok::find_sentencepiece_file(model_dir)) {
    impl = tok::load_legacy_sentencepiece(model_dir, *spm);
  } else {
    fail("Tokenizer::from_pretrained: '", model_dir,
         "' has neither tokenizer.json nor vocab.txt nor vocab.json + merges.txt nor spiece.model / "
         "sentencepiece.bpe.model");
  }
  tok::apply_tokenizer_config(*impl, model_dir);
  impl->choose_fast_paths();
  Tokenizer t;
  t.impl_ = std::move(impl);
  return t;
}

Encoding Tokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  const Impl& impl = checked(impl_);
  std::vector<RawEncoding> one;
  one.push_back(encode_unpadded(impl, text, nullptr, options));
  if (auto pad = resolve_padding(impl, options.padding)) pad_encodings(one, *pad);
  return std::move(one[0]).to_public();
}

Encoding Tokenizer::encode_pair(std::string_view text, std::string_view pair, const EncodeOptions& options) const {
  const Impl& impl = checked(impl_);
  std::vector<RawEncoding> one;
  one.push_back(encode_unpadded(impl, text, &pair, options));
  if (auto pad = resolve_padding(impl, options.padding)) pad_encodings(one, *pad);
  return std::move(one[0]).to_public();
}

Encoding Tokenizer::encode_words(const std::vector<std::string>& words, const EncodeOptions& options,
                                  const std::vector<std::string>* pair_words) const {
  const Impl& impl = checked(impl_);
  std::optional<RawEncoding> b;
  if (pair_words) b = encode_words_sequence(impl, *pair_words, 1);
  std::vector<RawEncoding> one;
  one.push_back(post_process_unpadded(impl, encode_words_sequence(impl, words, 0), std::move(b), options));
  if (auto pad = resolve_padding(impl, options.padding)) pad_encodings(one, *pad);
  return std::move(one[0]).to_public();
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<std::string>& texts, const EncodeOptions& options,
                                              const std::vector<std::string>* pairs) const {
  const Impl& impl = checked(impl_);
  HFCPP_CHECK(!pairs || pairs->size() == texts.size(), "Tokenizer::encode_batch: ", texts.size(), " texts but ",
              pairs->size(), " pairs");
  const std::optional<PadParams> pad = resolve_padding(impl, options.padding);  // its errors before any work
  std::vector<RawEncoding> raw(texts.size());
  parallel_for(texts.size(), options.num_threads, [&](size_t i) {
    const bool has_pair = pairs && !(*pairs)[i].empty();
    const std::string_view pair = has_pair ? std::string_view((*pairs)[i]) : std::string_view();
    raw[i] = encode_unpadded(impl, texts[i], has_pair ? &pair : nullptr, options);
  });
  if (pad) pad_encodings(raw, *pad);
  std::vector<Encoding> out;
  out.reserve(raw.size());
  for (RawEncoding& e : raw) out.push_back(std::move(e).to_public());
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens,
                              bool clean_up_tokenization_spaces) const {
  const Impl& impl = checked(impl_);
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    const std::optional<std::string_view> s = impl.id_to_token(id);
    if (!s || (skip_special_tokens && impl.added.is_special(*s))) continue;
    tokens.emplace_back(*s);
  }
  std::string text;
  if (impl.decoder) {
    text = impl.decoder->decode(std::move(tokens));
  } else {
    for (size_t i = 0; i < tokens.size(); ++i) text += (i ? " " : "") + tokens[i];
  }
  // transformers skips the cleanup for BPE models: it would remove real spaces before punctuation.
  const bool bpe = dynamic_cast<const tok::Bpe*>(impl.model.get()) != nullptr;
  return clean_up_tokenization_spaces && !bpe ? tok::clean_up_tokenization(text) : text;
}

std::vector<std::string> Tokenizer::batch_decode(const std::vector<std::vector<int32_t>>& sequences,
                                                bool skip_special_tokens, bool clean_up_tokenization_spaces,
                                                int num_threads) const {
  checked(impl_);
  std::vector<std::string> out(sequences.size());
  parallel_for(sequences.size(), num_threads, [&](size_t i) {
    out[i] = decode(sequences[i], skip_special_tokens, clean_up_tokenization_spaces);
  });
  return out;
}

std::string Tokenizer::convert_tokens_to_string(const std::vector<std::string>& tokens) const {
  const Impl& impl = checked(impl_);
  if (impl.decoder) return impl.decoder->decode(tokens);
  std::string text;
  for (size_t i = 0; i < tokens.size(); ++i) text += (i ? " " : "") + tokens[i];
  return text;
}

std::string Tokenizer::continuing_subword_prefix() const { return checked(impl_).model->continuing_subword_prefix(); }

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const { return checked(impl_).token_to_id(token); }

std::optional<std::string> Tokenizer::id_to_token(int32_t id) const {
  const std::optional<std::string_view> s = checked(impl_).id_to_token(id);
  return s ? std::optional<std::string>(*s) : std::nullopt;
}

size_t Tokenizer::vocab_size(bool with_added_tokens) const {
  const Impl& impl = checked(impl_);
  if (!with_added_tokens) return impl.model->vocab_size();
  size_t overlapping = 0;
  for (const auto& [id, t] : impl.added.tokens()) overlapping += impl.model->token_to_id(t.content).has_value();
  return impl.model->vocab_size() + impl.added.size() - overlapping;
}

size_t Tokenizer::model_max_length() const { return checked(impl_).model_max_length; }

int32_t Tokenizer::pad_token_id() const { return special_token_id("pad").value_or(-1); }

std::optional<std::string> Tokenizer::special_token(std::string_view role) const {
  const Impl& impl = checked(impl_);
  auto it = impl.special_tokens.find(role);
  return it == impl.special_tokens.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::optional<int32_t> Tokenizer::special_token_id(std::string_view role) const {
  auto content = special_token(role);
  return content ? checked(impl_).token_to_id(*content) : std::nullopt;
}

Side Tokenizer::padding_side() const { return checked(impl_).padding_side; }

size_t Tokenizer::num_special_tokens_to_add(bool is_pair) const { return n_added_tokens(checked(impl_), is_pair); }

bool Tokenizer::is_special_id(int32_t id) const {
  const tok::AddedToken* t = checked(impl_).added.by_id(id);
  return t && t->special;
}

}  // namespace hfcpp

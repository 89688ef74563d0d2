// The hfcpp command-line tool: `hfcpp run <task> --model DIR [options] TEXT...` prints what Python's
// transformers.pipeline(task, model)(inputs, **kwargs) returns, as json.dumps prints it.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "hfcpp/hfcpp.h"

namespace {

constexpr const char* kUsage = R"(usage:
  hfcpp run <task> [--model DIR_OR_REPO_ID] [options] TEXT...   run a pipeline, print its JSON result
  hfcpp tasks                                                   list tasks, aliases and default models
)" HFCPP_TOKENIZE_USAGE HFCPP_BENCH_USAGE R"(
TEXT "-" reads one input per line from standard input. One TEXT gives Python's single-input shape;
several give the list shape.

options (text-classification / sentiment-analysis):
  --top-k K                 K best labels; "all" for every label (Python top_k=None)
  --function-to-apply F     sigmoid | softmax | none
  --text-pair TEXT          classify the pair (TEXT, this) for the single TEXT given
  --truncation              cut inputs longer than the model maximum instead of failing
options (token-classification / ner):
  --aggregation-strategy S  none | simple | first | average | max
  --ignore-labels A,B       labels to drop (default O; "" drops none)
  --stride N                overlapping windows for long texts
  --is-split-into-words     the TEXT arguments are the words of one input (Python is_split_into_words=True)
  --delimiter D             joins those words for start/end (default " ")
options (fill-mask):
  --top-k K                 predictions per mask (default 5)
  --targets A,B             only score these tokens
  --truncation              cut inputs longer than the model maximum (tokenizer_kwargs truncation)
options (question-answering; no TEXT):
  --question Q              the question (repeat for several questions on one context)
  --context C               the context to extract the answer from
  --top-k K                 answers to return (default 1)
  --doc-stride N            overlap of the context windows (default min(max_seq_len/2, 128))
  --max-seq-len N           tokens per window (default min(model_max_length, 384))
  --max-answer-len N        longest answer in tokens (default 15)
  --handle-impossible-answer  allow the empty answer
options (zero-shot-classification):
  --candidate-labels A,B,C  the labels to choose from
  --hypothesis-template T   default "This example is {}."
  --multi-label             score every label independently
options (text-generation; defaults as transformers: 256 new tokens, sampling at temperature 0.7 unless the
model's generation_config.json says otherwise):
  --max-new-tokens N        tokens to generate
  --do-sample [true|false]  sample (true when given without a value) or decode greedily (false)
  --temperature T  --top-k K  --top-p P   sampling settings
  --num-beams B             beam search
  --num-return-sequences N  sequences per prompt
  --seed S                  sampling seed (same seed, same text; default: a random seed)
  --return-full-text true|false   prompt + new text (default) or the new text only
  --stop STR                stop once the text ends with STR (repeat for several)
  --stream                  print the text as it is generated (one TEXT; plain text, not JSON)
common:
  --device D                cpu (default), cuda, cuda:N
  --batch-size N            inputs per forward pass (default 8)
  --threads N               CPU threads (default: OMP_NUM_THREADS or all cores)
  --dtype D                 auto, float32 (default), bfloat16 or int8: compute type of the transformer layers
                            (bfloat16 needs AVX512-BF16/AMX, else float32 runs; see docs/performance.md)
)";

struct Args {
  std::string command, task, model, device = "cpu", text_pair;
  nlohmann::ordered_json kwargs = nlohmann::ordered_json::object();
  std::vector<std::string> texts;
  int batch_size = 8;
  int threads = 0;
  std::string dtype = "float32";
  bool stream = false;  // text-generation --stream
};

std::string need_value(int& i, int argc, char** argv) {
  if (i + 1 >= argc) hfcpp::fail("option ", argv[i], " needs a value");
  return argv[++i];
}

int parse_int(const std::string& text, const char* option) {
  try {
    size_t used = 0;
    const int value = std::stoi(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  hfcpp::fail("option ", option, " expects an integer, got '", text, "'");
}

double parse_double(const std::string& text, const char* option) {
  try {
    size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  hfcpp::fail("option ", option, " expects a number, got '", text, "'");
}

bool parse_bool(const std::string& text, const char* option) {
  if (text == "true" || text == "True") return true;
  if (text == "false" || text == "False") return false;
  hfcpp::fail("option ", option, " expects true or false, got '", text, "'");
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2) hfcpp::fail("missing command\n", kUsage);
  a.command = argv[1];
  int i = 2;
  if (a.command == "run") {
    if (argc < 3) hfcpp::fail("run: missing task\n", kUsage);
    a.task = argv[i++];
  }
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--model") a.model = need_value(i, argc, argv);
    else if (arg == "--device") a.device = need_value(i, argc, argv);
    else if (arg == "--threads") a.threads = parse_int(need_value(i, argc, argv), "--threads");
    else if (arg == "--dtype") a.dtype = need_value(i, argc, argv);
    else if (arg == "--batch-size") {
      a.batch_size = parse_int(need_value(i, argc, argv), "--batch-size");
      if (a.task == "text-generation") a.kwargs["batch_size"] = a.batch_size;  // batching changes generated text
    }
    else if (arg == "--top-k") {
      const std::string v = need_value(i, argc, argv);
      if (v == "all" || v == "none" || v == "None") a.kwargs["top_k"] = nullptr;
      else a.kwargs["top_k"] = parse_int(v, "--top-k");
    } else if (arg == "--function-to-apply") a.kwargs["function_to_apply"] = need_value(i, argc, argv);
    else if (arg == "--text-pair") a.text_pair = need_value(i, argc, argv);
    else if (arg == "--truncation") a.kwargs["truncation"] = true;
    else if (arg == "--aggregation-strategy") a.kwargs["aggregation_strategy"] = need_value(i, argc, argv);
    else if (arg == "--ignore-labels") {  // "" = drop nothing (Python ignore_labels=[])
      const std::string v = need_value(i, argc, argv);
      a.kwargs["ignore_labels"] = v.empty() ? std::vector<std::string>{} : split_commas(v);
    }
    else if (arg == "--stride") a.kwargs["stride"] = parse_int(need_value(i, argc, argv), "--stride");
    else if (arg == "--is-split-into-words") a.kwargs["is_split_into_words"] = true;
    else if (arg == "--delimiter") a.kwargs["delimiter"] = need_value(i, argc, argv);
    else if (arg == "--targets") a.kwargs["targets"] = split_commas(need_value(i, argc, argv));
    else if (arg == "--question") {
      const std::string q = need_value(i, argc, argv);
      if (!a.kwargs.contains("question")) a.kwargs["question"] = q;
      else if (a.kwargs["question"].is_string()) a.kwargs["question"] = {a.kwargs["question"], q};
      else a.kwargs["question"].push_back(q);
    } else if (arg == "--context") a.kwargs["context"] = need_value(i, argc, argv);
    else if (arg == "--doc-stride") a.kwargs["doc_stride"] = parse_int(need_value(i, argc, argv), "--doc-stride");
    else if (arg == "--max-seq-len") a.kwargs["max_seq_len"] = parse_int(need_value(i, argc, argv), "--max-seq-len");
    else if (arg == "--max-answer-len") a.kwargs["max_answer_len"] = parse_int(need_value(i, argc, argv), "--max-answer-len");
    else if (arg == "--handle-impossible-answer") a.kwargs["handle_impossible_answer"] = true;
    else if (arg == "--candidate-labels") a.kwargs["candidate_labels"] = need_value(i, argc, argv);
    else if (arg == "--hypothesis-template") a.kwargs["hypothesis_template"] = need_value(i, argc, argv);
    else if (arg == "--multi-label") a.kwargs["multi_label"] = true;
    else if (arg == "--max-new-tokens") a.kwargs["max_new_tokens"] = parse_int(need_value(i, argc, argv), "--max-new-tokens");
    else if (arg == "--do-sample") {
      const bool has_value = i + 1 < argc && (std::strcmp(argv[i + 1], "true") == 0 || std::strcmp(argv[i + 1], "false") == 0);
      a.kwargs["do_sample"] = has_value ? parse_bool(argv[++i], "--do-sample") : true;
    } else if (arg == "--temperature") a.kwargs["temperature"] = parse_double(need_value(i, argc, argv), "--temperature");
    else if (arg == "--top-p") a.kwargs["top_p"] = parse_double(need_value(i, argc, argv), "--top-p");
    else if (arg == "--num-beams") a.kwargs["num_beams"] = parse_int(need_value(i, argc, argv), "--num-beams");
    else if (arg == "--num-return-sequences")
      a.kwargs["num_return_sequences"] = parse_int(need_value(i, argc, argv), "--num-return-sequences");
    else if (arg == "--seed") {
      const int seed = parse_int(need_value(i, argc, argv), "--seed");
      if (seed < 0) hfcpp::fail("option --seed expects a non-negative integer, got ", seed);
      a.kwargs["seed"] = static_cast<unsigned>(seed);
    } else if (arg == "--return-full-text")
      a.kwargs["return_full_text"] = parse_bool(need_value(i, argc, argv), "--return-full-text");
    else if (arg == "--stop") a.kwargs["stop_sequence"].push_back(need_value(i, argc, argv));
    else if (arg == "--stream") a.stream = true;
    else if (arg == "-h" || arg == "--help") { std::cout << kUsage; std::exit(0); }
    else if (arg == "-") {
      for (std::string line; std::getline(std::cin, line);) a.texts.push_back(line);
    } else if (arg.rfind("--", 0) == 0) hfcpp::fail("unknown option ", arg, "\n", kUsage);
    else a.texts.push_back(arg);
  }
  return a;
}

int run(const Args& a) {
  if (a.command == "tasks") {
    for (const hfcpp::TaskInfo& t : hfcpp::supported_tasks()) {
      std::cout << t.task;
      for (const auto& alias : t.aliases) std::cout << " (alias " << alias << ")";
      std::cout << "  default model: " << t.default_model << "@" << t.default_revision << "\n";
    }
    return 0;
  }
  if (a.command != "run") hfcpp::fail("unknown command '", a.command, "'\n", kUsage);
  // question-answering takes its inputs as --question / --context (Python: pipe(question=..., context=...)).
  const bool qa_kwargs = a.kwargs.contains("question") || a.kwargs.contains("context");
  if (a.texts.empty() && !qa_kwargs) hfcpp::fail("run: no input text given\n", kUsage);
  if (!a.texts.empty() && qa_kwargs) hfcpp::fail("run: --question / --context take the place of TEXT arguments");
  hfcpp::PipelineOptions options;
  options.device = a.device;
  options.batch_size = a.batch_size;
  options.num_threads = a.threads;
  options.dtype = a.dtype;
  const auto pipe = hfcpp::pipeline(a.task, a.model, options);
  if (a.stream) {  // text-generation: print each piece as it comes (the CLI prints the prompt itself first)
    const auto* generator = dynamic_cast<const hfcpp::TextGenerationPipeline*>(pipe.get());
    if (!generator) hfcpp::fail("--stream is for text-generation");
    if (a.texts.size() != 1) hfcpp::fail("--stream takes exactly one TEXT");
    hfcpp::TextGenerationOptions stream_options = hfcpp::TextGenerationPipeline::options_from_json(a.kwargs.dump());
    if (stream_options.return_tensors) hfcpp::fail("--stream prints text, not token ids");
    if (stream_options.return_full_text.value_or(true)) std::cout << a.texts[0] << std::flush;
    stream_options.on_text = [](std::string_view piece) {
      std::cout << piece << std::flush;
      return true;
    };
    (*generator)(a.texts[0], stream_options);
    std::cout << "\n";
    return 0;
  }
  nlohmann::ordered_json inputs;  // null: the inputs are in kwargs (question-answering)
  nlohmann::ordered_json kwargs = a.kwargs;
  if (a.task == "fill-mask" && kwargs.contains("truncation")) {  // Python: tokenizer_kwargs={"truncation": True}
    kwargs["tokenizer_kwargs"] = {{"truncation", kwargs["truncation"]}};
    kwargs.erase("truncation");
  }
  if (!a.text_pair.empty()) {
    if (a.texts.size() != 1) hfcpp::fail("--text-pair goes with exactly one TEXT");
    inputs = {{"text", a.texts[0]}, {"text_pair", a.text_pair}};
  } else if (kwargs.contains("is_split_into_words")) {
    inputs = a.texts;  // the words of one sentence
  } else if (a.texts.size() == 1) {
    inputs = a.texts[0];
  } else if (!qa_kwargs) {
    inputs = a.texts;
  }
  // Inputs may hold any bytes: serialise them without validating UTF-8 (the tokenizer replaces bad bytes).
  std::cout << pipe->run_json(inputs.dump(-1, ' ', false, nlohmann::json::error_handler_t::ignore),
                              kwargs.dump(-1, ' ', false, nlohmann::json::error_handler_t::ignore))
            << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // Tokenizer commands have their own options (src/cli/tokenize_command.cpp).
    if (argc >= 2 && std::strcmp(argv[1], "tokenize") == 0) return hfcpp::cli::tokenize_command(argc - 1, argv + 1);
    if (argc >= 2 && std::strcmp(argv[1], "detokenize") == 0) return hfcpp::cli::detokenize_command(argc - 1, argv + 1);
    if (argc >= 2 && std::strcmp(argv[1], "bench") == 0) return hfcpp::cli::bench_command(argc - 1, argv + 1);
    return run(parse(argc, argv));
  } catch (const hfcpp::Error& e) {
    std::cerr << "hfcpp: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "hfcpp: unexpected error: " << e.what() << "\n";
    return 2;
  }
}

// Subcommands of the hfcpp tool that main.cpp dispatches to by name (argv[1]).
#pragma once

// Usage lines of the commands below (a string literal, so main.cpp's usage literal can include it).
#define HFCPP_TOKENIZE_USAGE                                                                       \
  "  hfcpp tokenize --model DIR [--pair TEXT] [--no-special-tokens] [--offsets] TEXT...\n"      \
  "                                                                print {\"ids\", \"tokens\""    \
  "[, \"offsets\"]} per TEXT as JSON\n"                                                          \
  "  hfcpp detokenize --model DIR [--skip-special-tokens] [--clean-up | --no-clean-up] IDS...\n" \
  "                                                                print the text of the ids\n"

#define HFCPP_BENCH_USAGE                                                                                  \
  "  hfcpp bench --model DIR --task T [--batch B] [--seq S] [--dtype D] [--threads N] [--warmup W] [--iters I]\n" \
  "              [--end-to-end] [--input-ids FILE] [--save-output FILE] [--new N (text-generation)]\n"       \
  "                                                                time B inputs of S tokens; print latency\n" \
  "                                                                (median, p90) and throughput as JSON + text\n"

namespace hfcpp::cli {

// `hfcpp tokenize ...` / `hfcpp detokenize ...`; argv[0] is the command's name. Return the exit status; errors are
// thrown as hfcpp::Error (main prints them).
int tokenize_command(int argc, char** argv);
int detokenize_command(int argc, char** argv);
// `hfcpp bench ...` (src/cli/bench_command.cpp).
int bench_command(int argc, char** argv);

}  // namespace hfcpp::cli

// Helpers shared by the test suites: fixture paths, JSON loading, tolerant comparisons.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <sys/wait.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hfcpp/core/tensor.h"
#include "hfcpp/pipelines/pipeline.h"

namespace hfcpp::testing {

inline std::string fixture_model(const std::string& name) {
  return std::string(HFCPP_FIXTURES_DIR) + "/models/" + name;
}

inline nlohmann::ordered_json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::ordered_json::parse(in);
}

inline std::vector<std::string> fixture_models_with(const std::string& key_path_first) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(HFCPP_FIXTURES_DIR) + "/models")) {
    const auto expected = entry.path() / "expected.json";
    if (!std::filesystem::exists(expected)) continue;
    if (read_json(expected.string()).contains(key_path_first)) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Flattens a nested JSON array of numbers.
inline void flatten(const nlohmann::ordered_json& j, std::vector<double>& out) {
  if (j.is_array()) {
    for (const auto& x : j) flatten(x, out);
  } else {
    out.push_back(j.get<double>());
  }
}

inline Shape json_shape(const nlohmann::ordered_json& j) {
  Shape shape;
  const nlohmann::ordered_json* cur = &j;
  while (cur->is_array()) {
    shape.push_back(static_cast<int64_t>(cur->size()));
    if (cur->empty()) break;
    cur = &(*cur)[0];
  }
  return shape;
}

inline Tensor json_to_i64_tensor(const nlohmann::ordered_json& j) {
  std::vector<double> flat;
  flatten(j, flat);
  std::vector<int64_t> values(flat.begin(), flat.end());
  return Tensor::from_vector(values, json_shape(j));
}

// Max |actual - expected| over all elements, after checking the shapes agree.
inline double max_abs_error(const Tensor& actual, const nlohmann::ordered_json& expected) {
  EXPECT_EQ(shape_to_string(actual.shape()), shape_to_string(json_shape(expected)));
  std::vector<double> want;
  flatten(expected, want);
  const std::vector<float> got = actual.to(DType::F32).to_vector<float>();
  if (got.size() != want.size()) return INFINITY;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(static_cast<double>(got[i]) - want[i]));
  return worst;
}

using ordered_json = nlohmann::ordered_json;

// Inputs may be recorded as a generator spec ({"repeat": s, "times": n}) instead of a huge literal.
inline ordered_json materialise(const ordered_json& inputs) {
  if (inputs.is_object() && inputs.contains("repeat")) {
    std::string text;
    for (int i = 0; i < inputs["times"].get<int>(); ++i) text += inputs["repeat"].get<std::string>();
    return text;
  }
  return inputs;
}

// Same JSON structure and strings; numbers within `tolerance`.
inline void expect_same_json(const ordered_json& got, const ordered_json& want, const std::string& where,
                             double tolerance = 1e-4) {
  ASSERT_EQ(got.type_name(), std::string(want.type_name())) << where << ": got " << got.dump() << " want " << want.dump();
  if (want.is_array()) {
    ASSERT_EQ(got.size(), want.size()) << where << ": got " << got.dump() << " want " << want.dump();
    for (size_t i = 0; i < want.size(); ++i) expect_same_json(got[i], want[i], where + "[" + std::to_string(i) + "]", tolerance);
  } else if (want.is_object()) {
    ASSERT_EQ(got.size(), want.size()) << where;
    for (const auto& [key, value] : want.items()) {
      ASSERT_TRUE(got.contains(key)) << where << ": missing " << key;
      expect_same_json(got[key], value, where + "." + key, tolerance);
    }
  } else if (want.is_number()) {
    EXPECT_NEAR(got.get<double>(), want.get<double>(), tolerance) << where;
  } else {
    EXPECT_EQ(got, want) << where;
  }
}

// tests/fixtures/pipelines/<task>/<model>.json, written by make_pipeline_fixtures.py / make_qa_fixtures.py.
inline std::string pipeline_fixture(const std::string& task, const std::string& model) {
  return std::string(HFCPP_FIXTURES_DIR) + "/pipelines/" + task + "/" + model + ".json";
}

// Replays every recorded transformers.pipeline call on `pipe` through run_json: recorded errors must be
// hfcpp::Errors, recorded outputs must match (structure and strings exactly, numbers within `tolerance`).
// Returns the number of cases checked.
inline size_t expect_recorded_cases_match(const Pipeline& pipe, const ordered_json& cases, double tolerance = 1e-4) {
  size_t checked = 0;
  for (const auto& c : cases) {
    const std::string name = c["name"].get<std::string>();
    SCOPED_TRACE(name);
    const std::string inputs = materialise(c["call"]["inputs"]).dump();
    const std::string kwargs = c["call"]["kwargs"].dump();
    if (c.contains("error")) {
      EXPECT_THROW(pipe.run_json(inputs, kwargs), Error) << "transformers failed with " << c["error"].dump();
    } else {
      expect_same_json(ordered_json::parse(pipe.run_json(inputs, kwargs)), c["output"], name, tolerance);
    }
    ++checked;
  }
  return checked;
}

// Runs `command` through the shell; returns its exit status and what it printed (stdout and stderr together).
struct CommandResult {
  int status;
  std::string out;
};
inline CommandResult run_command(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, ""};
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// gtest parameter names from fixture folder names ("bert-seqcls-2" -> "bert_seqcls_2").
inline std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

}  // namespace hfcpp::testing

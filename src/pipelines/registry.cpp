// THE task table (transformers' SUPPORTED_TASKS + TASK_ALIASES). One entry per task.
#include "pipelines/registry.h"

#include "hfcpp/pipelines/feature_extraction.h"
#include "hfcpp/pipelines/fill_mask.h"
#include "hfcpp/pipelines/question_answering.h"
#include "hfcpp/pipelines/text_classification.h"
#include "hfcpp/pipelines/text_generation.h"
#include "hfcpp/pipelines/token_classification.h"
#include "hfcpp/pipelines/zero_shot_classification.h"

namespace hfcpp {

namespace {
template <class P>
std::shared_ptr<Pipeline> make(const std::string& model_dir, const PipelineOptions& options) {
  return std::make_shared<P>(model_dir, options);
}
}  // namespace

const std::vector<TaskEntry>& task_registry() {
  static const std::vector<TaskEntry> entries = {
      {"text-classification", {"sentiment-analysis"}, Head::SequenceClassification,
       "distilbert/distilbert-base-uncased-finetuned-sst-2-english", "714eb0f", make<TextClassificationPipeline>},
      {"token-classification", {"ner"}, Head::TokenClassification, "dbmdz/bert-large-cased-finetuned-conll03-english",
       "4c53496", make<TokenClassificationPipeline>},
      {"feature-extraction", {}, Head::Base, "distilbert/distilbert-base-cased", "6ea8117", make<FeatureExtractionPipeline>},
      {"question-answering", {}, Head::QuestionAnswering, "distilbert/distilbert-base-cased-distilled-squad", "564e9b5",
       make<QuestionAnsweringPipeline>},
      {"fill-mask", {}, Head::MaskedLM, "distilbert/distilroberta-base", "fb53ab8", make<FillMaskPipeline>},
      {"zero-shot-classification", {}, Head::SequenceClassification, "facebook/bart-large-mnli", "d7645e1",
       make<ZeroShotClassificationPipeline>},
      // transformers 5.23 defaults to HuggingFaceTB/SmolLM3-3B (an architecture hfcpp does not run yet); earlier
      // versions, and pipeline-spec.md, use GPT-2
      {"text-generation", {}, Head::CausalLM, "openai-community/gpt2", "607a30d", make<TextGenerationPipeline>},
  };
  return entries;
}

}  // namespace hfcpp

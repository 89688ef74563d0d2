// THE list of supported architectures: one line per HF head class. Adding a model = one line here per head.
#include "models/registry.h"

#include "models/bert.h"
#include "models/bloom.h"
#include "models/distilbert.h"
#include "models/gpt2.h"
#include "models/roberta.h"

namespace hfcpp {

const std::vector<ModelEntry>& model_registry() {
  constexpr bool kDecoder = true;
  static const std::vector<ModelEntry> entries = {
      {"BertModel", "bert", Head::Base, make_bert},
      {"BertForSequenceClassification", "bert", Head::SequenceClassification, make_bert},
      {"BertForTokenClassification", "bert", Head::TokenClassification, make_bert},
      {"BertForQuestionAnswering", "bert", Head::QuestionAnswering, make_bert},
      {"BertForMaskedLM", "bert", Head::MaskedLM, make_bert},
      {"DistilBertModel", "distilbert", Head::Base, make_distilbert},
      {"DistilBertForSequenceClassification", "distilbert", Head::SequenceClassification, make_distilbert},
      {"DistilBertForTokenClassification", "distilbert", Head::TokenClassification, make_distilbert},
      {"DistilBertForQuestionAnswering", "distilbert", Head::QuestionAnswering, make_distilbert},
      {"DistilBertForMaskedLM", "distilbert", Head::MaskedLM, make_distilbert},
      {"RobertaModel", "roberta", Head::Base, make_roberta},
      {"RobertaForSequenceClassification", "roberta", Head::SequenceClassification, make_roberta},
      {"RobertaForTokenClassification", "roberta", Head::TokenClassification, make_roberta},
      {"RobertaForQuestionAnswering", "roberta", Head::QuestionAnswering, make_roberta},
      {"RobertaForMaskedLM", "roberta", Head::MaskedLM, make_roberta},
      {"XLMRobertaModel", "xlm-roberta", Head::Base, make_roberta},
      {"XLMRobertaForSequenceClassification", "xlm-roberta", Head::SequenceClassification, make_roberta},
      {"XLMRobertaForTokenClassification", "xlm-roberta", Head::TokenClassification, make_roberta},
      {"XLMRobertaForQuestionAnswering", "xlm-roberta", Head::QuestionAnswering, make_roberta},
      {"XLMRobertaForMaskedLM", "xlm-roberta", Head::MaskedLM, make_roberta},
      {"GPT2Model", "gpt2", Head::Base, make_gpt2, kDecoder},
      {"GPT2LMHeadModel", "gpt2", Head::CausalLM, make_gpt2, kDecoder},
      {"BloomModel", "bloom", Head::Base, make_bloom, kDecoder},
      {"BloomForCausalLM", "bloom", Head::CausalLM, make_bloom, kDecoder},
  };
  return entries;
}

}  // namespace hfcpp

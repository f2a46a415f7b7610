// The server's own QE checks that querysafe enforces in more than one place, each with its
// server code and words, written once. The analyzer's rules (the files named below) report them
// in Django's terms; the later stages re-check what reaches them by other ways than a compiled
// query (crypt/request_check.cc: any encryption request, e.g. from the C API's explicit
// encryption; exec/client.cc: an update command before it is sent) and report the same code and
// message. The messages are the server's (src/mongo/db/query/fle/ and fle_crud.cpp in MongoDB's
// source), so a user sees what query analysis would have said.
//
// Only this header may be included by later stages from lib/analyze/rules/ (lib/README.md).
#ifndef QUERYSAFE_LIB_ANALYZE_RULES_SERVER_RULES_H_
#define QUERYSAFE_LIB_ANALYZE_RULES_SERVER_RULES_H_

#include <cstdint>
#include <format>
#include <string>
#include <string_view>

namespace querysafe::analyze::rules {

struct ServerRule {
  std::string_view code;  // the diagnostic's code
  int32_t server_code;
  std::string_view message;
};

// qe_multi_update.cc: updates on an encrypted database touch one document.
inline constexpr ServerRule kMultiDocumentUpdate{
    "qe.multi_document_update", 6329900,
    "Multi-document updates are not allowed with Queryable Encryption"};
// One statement per update command (fle_crud.cpp); lowering never makes more.
inline constexpr ServerRule kMultipleUpdateStatements{"qe.multiple_update_statements", 6371502,
                                                      "Only single document updates are permitted"};
// Pipeline-style updates (`u` an array) cannot be rewritten for QE (fle_crud.cpp).
inline constexpr ServerRule kPipelineUpdate{
    "qe.pipeline_update", 6371517, "FLE only supports modifier and replacement style updates"};

// qe_range_bounds.cc: a NaN range bound; 6991000 for a lower bound, 6991001 for an upper one.
inline constexpr std::string_view kNaNBoundMessage = "Query bound cannot be NaN.";
inline constexpr int32_t kNaNLowerBoundServerCode = 6991000;
inline constexpr int32_t kNaNUpperBoundServerCode = 6991001;

// qe_lookup_allowed.cc: an equality query on a field encrypted without an equality index.
inline constexpr std::string_view kNoEqualityIndexMessage =
    "Can only execute encrypted equality queries with an encrypted equality index";
inline constexpr int32_t kNoEqualityIndexServerCode = 63165;

// qe_encrypt_null.cc: a value of a type nothing can encrypt (null, undefined, minKey...).
inline constexpr int32_t kUnencryptableTypeServerCode = 31041;
inline std::string UnencryptableTypeMessage(std::string_view type) {
  return std::format("Cannot encrypt element of type: {}", type);
}

// qe_value_type.cc: a value whose BSON type is not the encrypted field's.
inline constexpr int32_t kValueTypeServerCode = 31118;
inline std::string ValueTypeMessage(std::string_view value_type, std::string_view field_type) {
  return std::format(
      "Cannot encrypt element of type {} because schema requires that type is one of: [ {} ]",
      value_type, field_type);
}

}  // namespace querysafe::analyze::rules

#endif  // QUERYSAFE_LIB_ANALYZE_RULES_SERVER_RULES_H_

// What lowering asks encryption for: one request per encrypted value in a command. Lowering
// never encrypts; it leaves a placeholder where each payload goes and describes the payload here,
// with every option the server will check it against (the field's effective contention, range
// bounds, sparsity, trim factor, precision). lib/crypt turns requests into payloads; `explain`
// and execution replace the placeholders with them.
//
// Placeholders in a command are documents whose only key is "$encrypt":
//   {"$encrypt": {"id": <request id>, "role": "value" | "lower" | "upper", "path": ...,
//                 "queryType": ..., "contention": ..., ...}}
// "value" is the payload of an equality find or an insert; "lower" and "upper" are the two
// payloads (full payload and stub) of a range find, in the places encrypt_expression puts them.
#ifndef QUERYSAFE_LIB_LOWER_ENCRYPTION_REQUEST_H_
#define QUERYSAFE_LIB_LOWER_ENCRYPTION_REQUEST_H_

#include <cstdint>
#include <optional>
#include <string>

#include "lib/common/bson_util.h"
#include "lib/schema/model.h"
#include "querysafe/diagnostic.h"

namespace querysafe::lower {

// libmongocrypt's explicit encryption algorithms.
enum class Algorithm : uint8_t {
  kIndexed,    // equality-queryable: find payload type 12, insert payload type 11
  kRange,      // range-queryable: find payload type 13, insert payload type 11
  kUnindexed,  // not queryable: encrypted value type 16
  // The 8.2 text previews (prefixPreview/suffixPreview/substringPreview): libmongocrypt's
  // "textPreview" algorithm (1.15-1.18; "string" from 1.19). Find payload type 18.
  kTextPreview,
  // MongoDB 9.0's text types (prefix/suffix, substring): the "string" algorithm of
  // libmongocrypt 1.19 (substring 1.20). Find payload type 18.
  kString,
};

// kTextPreview or kString.
inline bool IsText(Algorithm a) { return a == Algorithm::kTextPreview || a == Algorithm::kString; }

// The algorithm's name in a request ({"$encrypt": {"algorithm": ...}}, what translate shows):
// libmongocrypt's explicit-encryption names, with the two text generations told apart.
// crypt/encryptor.cc passes libmongocrypt the same names, except that for both text
// generations it passes the name the linked library has ("textPreview" in 1.15-1.18, "string"
// from 1.19): the request says which generation the field's index is, the library decides
// which name encrypts it.
constexpr std::string_view AlgorithmName(Algorithm a) {
  switch (a) {
    case Algorithm::kIndexed:
      return "Indexed";
    case Algorithm::kRange:
      return "Range";
    case Algorithm::kUnindexed:
      return "Unindexed";
    case Algorithm::kTextPreview:
      return "TextPreview";
    case Algorithm::kString:
      return "String";
  }
  return "";
}

enum class RangeOperator : uint8_t { kGt, kGte, kLt, kLte };

// The operator's MQL name: "$gt"... (a NUL-terminated literal).
constexpr std::string_view RangeOperatorName(RangeOperator op) {
  switch (op) {
    case RangeOperator::kGt:
      return "$gt";
    case RangeOperator::kGte:
      return "$gte";
    case RangeOperator::kLt:
      return "$lt";
    case RangeOperator::kLte:
      return "$lte";
  }
  return "";
}

struct EncryptionRequest {
  uint32_t id = 0;
  Algorithm algorithm = Algorithm::kIndexed;
  // A find payload (queryType set: "equality" or "range") or a value to store (insert/update).
  bool is_query = true;

  std::string path;  // the dotted db path in the collection: "patient_record.ssn"
  schema::BsonType bson_type = schema::BsonType::kString;
  schema::KeyRef key;
  // The field's effective contention (kIndexed, kRange): a find made with a different one
  // misses documents.
  int64_t contention = 0;
  // kRange: {"min", "max", "sparsity" (int64), "trimFactor" (int32), "precision" (int32, only
  // for double/decimal)}: the options of mongocrypt_ctx_setopt_algorithm_range, from the
  // field's effective index. min/max are absent only for double/decimal without bounds.
  BsonDoc range_options;
  // The query type of a find ("equality", "range", "prefix", "prefixPreview"...).
  std::string query_type;
  // kTextPreview, kString: libmongocrypt's text options (lib/lower/text_options.h): the one index
  // of a find, every text index of the field for a stored value.
  BsonDoc text_options;

  // The values, already coerced to `bson_type`.
  //   equality find, inserts: {"v": value}
  //   range find: {"lower": value, "upper": value}, either may be absent (one-sided)
  BsonDoc operands;
  RangeOperator lower_operator = RangeOperator::kGte;  // kGt or kGte
  RangeOperator upper_operator = RangeOperator::kLte;  // kLt or kLte

  // Where the value came from in the query text, for diagnostics raised while encrypting.
  Span span;
};

}  // namespace querysafe::lower

#endif  // QUERYSAFE_LIB_LOWER_ENCRYPTION_REQUEST_H_

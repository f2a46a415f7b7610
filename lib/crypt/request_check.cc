#include "lib/crypt/request_check.h"

#include <cmath>
#include <format>
#include <string>

#include "lib/analyze/rules/server_rules.h"
#include "lib/common/bson_type_name.h"
#include "lib/crypt/capabilities.h"
#include "lib/crypt/failure.h"

namespace querysafe::crypt {
namespace {

using lower::Algorithm;
using lower::EncryptionRequest;
using lower::RangeOperator;

// Types query analysis accepts for each index kind
// (isFLE2EqualityIndexedSupportedType and the range list in
// encryption_fields_validation.cpp).
bool IsEqualityIndexedType(bson_type_t type) {
  switch (type) {
    case BSON_TYPE_BINARY:
    case BSON_TYPE_CODE:
    case BSON_TYPE_REGEX:
    case BSON_TYPE_UTF8:
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_BOOL:
    case BSON_TYPE_TIMESTAMP:
    case BSON_TYPE_DATE_TIME:
    case BSON_TYPE_OID:
    case BSON_TYPE_SYMBOL:
    case BSON_TYPE_DBPOINTER:
      return true;
    default:
      return false;
  }
}

bool IsRangeIndexedType(bson_type_t type) {
  return type == BSON_TYPE_INT32 || type == BSON_TYPE_INT64 || type == BSON_TYPE_DOUBLE ||
         type == BSON_TYPE_DECIMAL128 || type == BSON_TYPE_DATE_TIME;
}

bool IsNeverEncryptable(bson_type_t type) {
  return type == BSON_TYPE_NULL || type == BSON_TYPE_UNDEFINED || type == BSON_TYPE_MINKEY ||
         type == BSON_TYPE_MAXKEY || type == BSON_TYPE_EOD;
}

bool IsNaN(const bson_iter_t* iter) {
  if (BSON_ITER_HOLDS_DOUBLE(iter)) return std::isnan(bson_iter_double(iter));
  if (BSON_ITER_HOLDS_DECIMAL128(iter)) {
    bson_decimal128_t value;
    bson_iter_decimal128(iter, &value);
    // The combination field 11111 0 marks NaN (IEEE 754-2008 BID).
    return ((value.high >> 58) & 0x1F) == 0x1F;
  }
  return false;
}

// min < max for the range types other than decimal; both iterators hold the
// same type.
bool LessThan(const bson_iter_t* a, const bson_iter_t* b) {
  switch (bson_iter_type(a)) {
    case BSON_TYPE_INT32:
      return bson_iter_int32(a) < bson_iter_int32(b);
    case BSON_TYPE_INT64:
      return bson_iter_int64(a) < bson_iter_int64(b);
    case BSON_TYPE_DATE_TIME:
      return bson_iter_date_time(a) < bson_iter_date_time(b);
    case BSON_TYPE_DOUBLE:
      return bson_iter_double(a) < bson_iter_double(b);
    default:
      return true;
  }
}

class Checker {
 public:
  explicit Checker(const EncryptionRequest& request)
      : request_(request), field_type_(static_cast<bson_type_t>(request.bson_type)) {}

  absl::Status Run() {
    if (absl::Status s = CheckShape(); !s.ok()) return s;
    if (absl::Status s = CheckFieldType(); !s.ok()) return s;
    if (absl::Status s = CheckValues(); !s.ok()) return s;
    if (request_.algorithm == Algorithm::kRange) return CheckRangeOptions();
    return absl::OkStatus();
  }

 private:
  absl::Status Fail(absl::StatusCode code, Category category, std::string_view diag_code,
                    int32_t server_code, std::string_view reason) const {
    return RequestFailure(code, request_, FailureKind{category, diag_code, server_code}, reason);
  }
  // A request lowering should never have built: a bug upstream, not a user
  // error.
  absl::Status Malformed(std::string_view reason) const {
    return Fail(absl::StatusCode::kInternal, Category::kDatabaseError, "crypt.bad_request", 0,
                reason);
  }
  absl::Status BadOption(int32_t server_code, std::string_view reason) const {
    return Fail(absl::StatusCode::kInvalidArgument, Category::kImproperlyConfigured,
                "crypt.range_options", server_code, reason);
  }

  // The text types need the text API of the linked libmongocrypt: the 8.2
  // previews 1.15 to 1.20 ("textPreview"; 1.21 removed them), 9.0's prefix/suffix 1.19
  // ("string"), 9.0's substring 1.20. Without it libmongocrypt would say "unsupported algorithm
  // string".
  absl::Status CheckTextSupported() const {
    const CryptCapabilities& caps = LinkedCapabilities();
    if (request_.algorithm == Algorithm::kTextPreview && caps.text_preview_removed) {
      return Fail(absl::StatusCode::kInvalidArgument, Category::kNotSupportedError,
                  "crypt.text_unsupported", 0,
                  std::format("'{}' queries are the 8.2 text previews, which libmongocrypt 1.21 "
                              "removed; querysafe is linked with libmongocrypt {}",
                              request_.query_type, caps.version));
    }
    std::string_view needed;
    if (request_.algorithm == Algorithm::kTextPreview && !caps.text_preview) {
      needed = "1.15";
    } else if (request_.algorithm == Algorithm::kString && request_.query_type == "substring" &&
               !caps.text_substring) {
      needed = "1.20";
    } else if (request_.algorithm == Algorithm::kString && !caps.text) {
      needed = "1.19";
    }
    if (needed.empty()) return absl::OkStatus();
    return Fail(absl::StatusCode::kInvalidArgument, Category::kNotSupportedError,
                "crypt.text_unsupported", 0,
                std::format("'{}' queries need libmongocrypt {} or later; querysafe is linked "
                            "with libmongocrypt {}",
                            request_.query_type.empty() ? "text" : request_.query_type, needed,
                            caps.version));
  }

  bool range_find() const { return request_.algorithm == Algorithm::kRange && request_.is_query; }

  absl::Status CheckShape() {
    if (lower::IsText(request_.algorithm)) {
      if (absl::Status s = CheckTextSupported(); !s.ok()) return s;
    }
    if (request_.algorithm == Algorithm::kUnindexed && request_.is_query) {
      return Fail(absl::StatusCode::kInvalidArgument, Category::kNotSupportedError,
                  "crypt.unindexed_query", analyze::rules::kNoEqualityIndexServerCode,
                  analyze::rules::kNoEqualityIndexMessage);
    }
    if (request_.algorithm != Algorithm::kUnindexed && request_.contention < 0) {
      return Fail(absl::StatusCode::kInvalidArgument, Category::kImproperlyConfigured,
                  "crypt.contention", 0,
                  std::format("contention must be non-negative, got {}", request_.contention));
    }
    bson_iter_t iter;
    if (!bson_iter_init(&iter, request_.operands.get())) return Malformed("operands: bad BSON");
    bool has_lower = false, has_upper = false, has_v = false;
    while (bson_iter_next(&iter)) {
      std::string_view key = bson_iter_key(&iter);
      bool* seen = range_find() ? (key == "lower"   ? &has_lower
                                   : key == "upper" ? &has_upper
                                                    : nullptr)
                                : (key == "v" ? &has_v : nullptr);
      if (seen == nullptr || *seen) {
        return Malformed(
            std::format("unexpected operand '{}' for a {}", key,
                        range_find() ? "range find ('lower', 'upper')" : "single value ('v')"));
      }
      *seen = true;
    }
    if (range_find()) {
      if (!has_lower && !has_upper) return Malformed("a range find needs 'lower' or 'upper'");
      if (request_.lower_operator != RangeOperator::kGt &&
          request_.lower_operator != RangeOperator::kGte) {
        return Malformed("the lower bound's operator must be $gt or $gte");
      }
      if (request_.upper_operator != RangeOperator::kLt &&
          request_.upper_operator != RangeOperator::kLte) {
        return Malformed("the upper bound's operator must be $lt or $lte");
      }
    } else if (!has_v) {
      return Malformed("the value to encrypt ('v') is missing");
    }
    return absl::OkStatus();
  }

  absl::Status CheckFieldType() {
    std::string_view name = BsonTypeName(field_type_);
    if (request_.algorithm == Algorithm::kIndexed && !IsEqualityIndexedType(field_type_)) {
      return BadOption(6338405,
                       std::format("Type '{}' is not a supported equality indexed type", name));
    }
    if (request_.algorithm == Algorithm::kRange && !IsRangeIndexedType(field_type_)) {
      return BadOption(6775201,
                       std::format("Type '{}' is not a supported range indexed type", name));
    }
    if (lower::IsText(request_.algorithm) && field_type_ != BSON_TYPE_UTF8) {
      return BadOption(9783400,
                       std::format("Type '{}' is not a supported type for text search indexed "
                                   "encrypted field {}",
                                   name, request_.path));
    }
    if (request_.algorithm == Algorithm::kUnindexed && IsNeverEncryptable(field_type_)) {
      return BadOption(analyze::rules::kUnencryptableTypeServerCode,
                       analyze::rules::UnencryptableTypeMessage(name));
    }
    return absl::OkStatus();
  }

  absl::Status CheckValues() {
    bson_iter_t iter;
    bson_iter_init(&iter, request_.operands.get());
    while (bson_iter_next(&iter)) {
      bson_type_t type = bson_iter_type(&iter);
      if (IsNeverEncryptable(type)) {
        return Fail(absl::StatusCode::kInvalidArgument, Category::kNotSupportedError,
                    "crypt.unencryptable_type", analyze::rules::kUnencryptableTypeServerCode,
                    analyze::rules::UnencryptableTypeMessage(BsonTypeName(type)));
      }
      if (type != field_type_) {
        // Lowering must coerce values to the field's type first: another type
        // gives other tokens and the query silently matches nothing.
        return Fail(
            absl::StatusCode::kInvalidArgument, Category::kValidationError, "crypt.type_mismatch",
            analyze::rules::kValueTypeServerCode,
            analyze::rules::ValueTypeMessage(BsonTypeName(type), BsonTypeName(field_type_)));
      }
      if (range_find() && IsNaN(&iter)) {
        return Fail(absl::StatusCode::kInvalidArgument, Category::kValidationError,
                    "crypt.nan_bound", analyze::rules::kNaNLowerBoundServerCode,
                    analyze::rules::kNaNBoundMessage);
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckRangeOptions() {
    bson_iter_t iter;
    if (!bson_iter_init(&iter, request_.range_options.get())) {
      return Malformed("range options: bad BSON");
    }
    bool has_min = false, has_max = false, has_precision = false;
    bson_iter_t min, max;
    while (bson_iter_next(&iter)) {
      std::string_view key = bson_iter_key(&iter);
      if (key == "min" || key == "max") {
        (key == "min" ? has_min : has_max) = true;
        (key == "min" ? min : max) = iter;
        if (bson_iter_type(&iter) != field_type_) {
          return BadOption(
              key == "min" ? 7018200 : 7018201,
              std::format("the range index's '{}' is a {} but the field is a {}", key,
                          BsonTypeName(bson_iter_type(&iter)), BsonTypeName(field_type_)));
        }
      } else if (key == "sparsity") {
        if (!BSON_ITER_HOLDS_INT64(&iter)) return BadOption(0, "'sparsity' must be a long");
        int64_t sparsity = bson_iter_int64(&iter);
        if (sparsity < 1 || sparsity > 8) {
          return BadOption(6775214, std::format("The field 'sparsity' must be between 1 and 8, "
                                                "got {}",
                                                sparsity));
        }
      } else if (key == "trimFactor") {
        if (!BSON_ITER_HOLDS_INT32(&iter) || bson_iter_int32(&iter) < 0) {
          return BadOption(8574000,
                           "The field 'trimFactor' must be >= 0 and less than "
                           "the total number of "
                           "bits needed to represent elements in the domain");
        }
      } else if (key == "precision") {
        has_precision = true;
        if (field_type_ != BSON_TYPE_DOUBLE && field_type_ != BSON_TYPE_DECIMAL128) {
          return BadOption(8574112, "Precision may only be set when type is double or decimal");
        }
        if (!BSON_ITER_HOLDS_INT32(&iter) || bson_iter_int32(&iter) < 0) {
          return BadOption(0, "'precision' must be a non-negative int");
        }
      } else {
        return Malformed(std::format("unknown range option '{}'", key));
      }
    }
    bool floating = field_type_ == BSON_TYPE_DOUBLE || field_type_ == BSON_TYPE_DECIMAL128;
    if (floating && !(has_min == has_max && has_max == has_precision)) {
      return BadOption(6967100,
                       "Precision, min, and max must all be specified together "
                       "for floating point "
                       "fields");
    }
    if (!floating && (!has_min || !has_max)) {
      // The server defaults them to the type's limits; the effective bounds are
      // lowering's to pass (libmongocrypt requires them for int, long and
      // date).
      return Malformed(std::format("a range index on a {} needs its effective min and max",
                                   BsonTypeName(field_type_)));
    }
    // Decimal bounds are compared by libmongocrypt; libbson has no decimal
    // arithmetic.
    if (has_min && has_max && field_type_ != BSON_TYPE_DECIMAL128 && !LessThan(&min, &max)) {
      return BadOption(6720005, "Min must be less than max.");
    }
    return absl::OkStatus();
  }

  const EncryptionRequest& request_;
  bson_type_t field_type_;
};

}  // namespace

absl::Status CheckRequest(const lower::EncryptionRequest& request) {
  return Checker(request).Run();
}

}  // namespace querysafe::crypt

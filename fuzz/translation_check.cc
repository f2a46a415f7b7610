#include "fuzz/translation_check.h"

#include <algorithm>
#include <format>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "lib/api/compiled_query.h"
#include "lib/common/bson_util.h"

namespace querysafe::fuzzing {
namespace {

// Reasons Explain may refuse a query the analyzer accepted, each a rule querysafe leaves to
// libmongocrypt on purpose. Any other refusal means the analyzer accepted a query that cannot
// be sent: a finding.
constexpr std::string_view kLateFailures[] = {
    // An exclusive bound next to the other one (> 5 and < 6 on ints) leaves an empty range;
    // libmongocrypt computes the edges after the bounds are adjusted (crypt/encryptor.cc).
    "crypt.empty_range",
    // The payloads are larger than the placeholders they replace: only the encrypted command
    // shows whether it is over MongoDB's 16 MiB.
    "query.command_too_large",
};

std::vector<std::string> TopLevelKeys(const bson_t* doc) {
  std::vector<std::string> keys;
  bson_iter_t iter;
  if (bson_iter_init(&iter, doc)) {
    while (bson_iter_next(&iter)) keys.emplace_back(bson_iter_key(&iter));
  }
  return keys;
}

void CheckBson(const bson_t* command, std::string_view what) {
  size_t offset = 0;
  QUERYSAFE_FUZZ_CHECK(bson_validate(command,
                                     static_cast<bson_validate_flags_t>(
                                         BSON_VALIDATE_UTF8 | BSON_VALIDATE_UTF8_ALLOW_NULL),
                                     &offset),
                       std::format("{}: invalid BSON (bad UTF-8?) at byte {}: {}", what, offset,
                                   ToCanonicalJson(command).substr(0, 2000)));
}

// Keys that Extended JSON readers take as a type wrapper: {"$regex": "^J"} (the legacy form
// of a regular expression), {"$oid": ...}, {"$date": ...}. A command holding one as a plain key,
// as the lowering of `startswith` does ({"f": {"$regex": "^J"}}), cannot round-trip through
// Extended JSON byte for byte; libbson reads it back as the equivalent BSON regex.
bool IsTypeWrapperKey(std::string_view key) {
  static constexpr std::string_view kWrappers[] = {"$regex",        "$options",
                                                   "$oid",          "$date",
                                                   "$numberLong",   "$numberInt",
                                                   "$numberDouble", "$numberDecimal",
                                                   "$binary",       "$type",
                                                   "$code",         "$scope",
                                                   "$timestamp",    "$symbol",
                                                   "$dbPointer",    "$minKey",
                                                   "$maxKey",       "$undefined",
                                                   "$uuid",         "$ref",
                                                   "$id",           "$regularExpression"};
  return std::find(std::begin(kWrappers), std::end(kWrappers), key) != std::end(kWrappers);
}

// ToJson() must parse back to the same database, collection and command (to an equivalent
// command where a key is ambiguous, see IsTypeWrapperKey). A command nested near MongoDB's
// limit of 100 levels renders deeper than libbson reads JSON (the envelope and the Extended JSON
// wrappers add levels): that rendering is checked for syntax alone.
void CheckRendering(const Translation& t, std::string_view what) {
  const std::string json = t.ToJson();
  const std::string json_what = std::format("{}: Translation::ToJson", what);
  if (CheckJsonSyntax(json, json_what) > kLibbsonJsonDepth) return;
  bson_t parsed;
  CheckJson(json, json_what, &parsed);
  bson_iter_t iter;
  bool same = false;
  if (bson_iter_init_find(&iter, &parsed, "command") && BSON_ITER_HOLDS_DOCUMENT(&iter)) {
    bson_t command;
    same = IterChild(&iter, &command) && bson_equal(&command, t.command());
  }
  bool names = bson_iter_init_find(&iter, &parsed, "database") && BSON_ITER_HOLDS_UTF8(&iter) &&
               t.database() == bson_iter_utf8(&iter, nullptr) &&
               bson_iter_init_find(&iter, &parsed, "collection") && BSON_ITER_HOLDS_UTF8(&iter) &&
               t.collection() == bson_iter_utf8(&iter, nullptr);
  bson_destroy(&parsed);
  same = same || AnyKey(t.command(), &IsTypeWrapperKey);
  QUERYSAFE_FUZZ_CHECK(
      same && names, std::format("{}: ToJson does not round-trip: {}", what, json.substr(0, 2000)));
}

}  // namespace

void CheckTranslation(const Translation& t, std::string_view what) {
  CheckBson(t.command(), what);
  QUERYSAFE_FUZZ_CHECK(!t.database().empty() && !t.collection().empty(),
                       std::format("{}: no database or collection", what));
  std::vector<std::string> keys = TopLevelKeys(t.command());
  QUERYSAFE_FUZZ_CHECK(
      !keys.empty() && keys[0] == t.command_name(),
      std::format("{}: command '{}' does not start with its name", what, t.command_name()));
  QUERYSAFE_FUZZ_CHECK(
      HasPlaceholder(t.command()) == (t.encryption_count() > 0),
      std::format("{}: {} encryptions, placeholders {}", what, t.encryption_count(),
                  HasPlaceholder(t.command()) ? "present" : "absent"));
  CheckRendering(t, what);
}

namespace {

// No encrypted string (8 bytes or more, too long to turn up in ciphertext by chance) may appear
// in the clear inside a payload.
void CheckNoPlaintext(const Translation& before, const Translation& sent, std::string_view what) {
  std::vector<std::string_view> payloads = EncryptedPayloads(sent.command());
  for (const lower::EncryptionRequest& request : before.impl().command.encryptions) {
    bson_iter_t iter;
    if (!bson_iter_init(&iter, request.operands.get())) continue;
    while (bson_iter_next(&iter)) {
      if (!BSON_ITER_HOLDS_UTF8(&iter)) continue;
      uint32_t length;
      const char* value = bson_iter_utf8(&iter, &length);
      if (length < 8) continue;
      for (std::string_view payload : payloads) {
        QUERYSAFE_FUZZ_CHECK(
            payload.find(std::string_view(value, length)) == payload.npos,
            std::format("{}: the value of '{}' is in the clear in a payload", what, request.path));
      }
    }
  }
}

}  // namespace

std::string ExplainAndCheck(const Encryptor& encryptor, const Translation& t,
                            std::string_view input, std::string_view what) {
  TranslateResult e = encryptor.Explain(t);
  CheckResult(e.ok(), e.diagnostics, input, std::format("{}: explain", what));
  if (!e.ok()) {
    const std::string& code = e.diagnostics[0].code;
    QUERYSAFE_FUZZ_CHECK(std::find(std::begin(kLateFailures), std::end(kLateFailures), code) !=
                             std::end(kLateFailures),
                         std::format("{}: accepted, then refused by explain: [{}] {}", what, code,
                                     e.diagnostics[0].message));
    return "explain rejected " + Codes(e.diagnostics);
  }
  const Translation& sent = *e.translation;
  CheckBson(sent.command(), what);
  QUERYSAFE_FUZZ_CHECK(sent.encryption_count() == 0 && !HasPlaceholder(sent.command()),
                       std::format("{}: a placeholder survived explain", what));
  QUERYSAFE_FUZZ_CHECK(TopLevelKeys(sent.command()) == TopLevelKeys(t.command()) &&
                           sent.database() == t.database() && sent.collection() == t.collection() &&
                           sent.command_name() == t.command_name(),
                       std::format("{}: explain changed the command's shape", what));
  QUERYSAFE_FUZZ_CHECK(
      t.encryption_count() == 0 || !EncryptedPayloads(sent.command()).empty(),
      std::format("{}: {} encryptions and no payload", what, t.encryption_count()));
  CheckNoPlaintext(t, sent, what);
  CheckRendering(sent, std::format("{}: explained", what));
  return "explain ok";
}

}  // namespace querysafe::fuzzing

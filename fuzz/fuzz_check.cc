#include "fuzz/fuzz_check.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <format>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"

namespace querysafe::fuzzing {

void Fail(std::string_view what) {
  std::fprintf(stderr, "querysafe fuzz: invariant broken: %.*s\n", static_cast<int>(what.size()),
               what.data());
  std::fflush(stderr);
  std::abort();
}

void CheckResult(bool ok, const Diagnostics& diagnostics, std::string_view text,
                 std::string_view stage) {
  QUERYSAFE_FUZZ_CHECK(ok == diagnostics.empty(),
                       std::format("{}: ok={} with {} diagnostics ({})", stage, ok,
                                   diagnostics.size(), Codes(diagnostics)));
  QUERYSAFE_FUZZ_CHECK(
      diagnostics.size() <= kMaxDiagnostics,
      std::format("{}: {} diagnostics, more than {}", stage, diagnostics.size(), kMaxDiagnostics));
  for (const Diagnostic& d : diagnostics) {
    QUERYSAFE_FUZZ_CHECK(
        !d.code.empty() && !d.message.empty(),
        std::format("{}: diagnostic without code or message: [{}] '{}'", stage, d.code, d.message));
    QUERYSAFE_FUZZ_CHECK(d.code != "internal.error",
                         std::format("{}: the library caught an exception: {}", stage, d.message));
    QUERYSAFE_FUZZ_CHECK(
        d.category <= Category::kMultipleObjectsReturned,
        std::format("{}: [{}] has category {}", stage, d.code, static_cast<int>(d.category)));
    QUERYSAFE_FUZZ_CHECK(d.span.begin <= d.span.end && d.span.end <= text.size(),
                         std::format("{}: [{}] span {}-{} outside the input ({} bytes): {}", stage,
                                     d.code, d.span.begin, d.span.end, text.size(), d.message));
  }
  if (diagnostics.empty()) return;
  // The renderings users and programs see; they must not fail whatever the messages hold.
  std::string human = FormatDiagnostics(diagnostics, text, "fuzz");
  QUERYSAFE_FUZZ_CHECK(!human.empty(), std::format("{}: empty FormatDiagnostics", stage));
  bson_t parsed;
  CheckJson(DiagnosticsToJson(diagnostics, text), std::format("{}: DiagnosticsToJson", stage),
            &parsed);
  bson_iter_t iter, errors;
  uint32_t count = 0;
  if (bson_iter_init_find(&iter, &parsed, "errors") && BSON_ITER_HOLDS_ARRAY(&iter) &&
      bson_iter_recurse(&iter, &errors)) {
    while (bson_iter_next(&errors)) ++count;
  }
  bson_destroy(&parsed);
  QUERYSAFE_FUZZ_CHECK(count == diagnostics.size(),
                       std::format("{}: DiagnosticsToJson has {} errors for {} diagnostics", stage,
                                   count, diagnostics.size()));
}

void CheckJson(std::string_view json, std::string_view what, bson_t* out) {
  bson_error_t error;
  if (!bson_init_from_json(out, json.data(), static_cast<ssize_t>(json.size()), &error)) {
    Fail(std::format("{} is not JSON ({}): {}", what, error.message, json.substr(0, 2000)));
  }
}

namespace {

// A JSON reader that only checks: one pass, its own stack, no recursion.
class JsonSyntax {
 public:
  JsonSyntax(std::string_view json, std::string_view what) : json_(json), what_(what) {}

  int Check() {
    if (!IsValidUtf8(json_, /*allow_nul=*/false)) Error("invalid UTF-8");
    bool expect_value = true;
    for (;;) {
      SkipSpace();
      if (expect_value) {
        expect_value = Value();
        continue;
      }
      if (stack_.empty()) {
        if (i_ != json_.size()) Error("text after the value");
        return depth_;
      }
      if (i_ == json_.size()) Error("unexpected end");
      const char c = json_[i_];
      if (c == ',') {
        ++i_;
        if (stack_.back() == '{') Key();
        expect_value = true;
      } else if (c == (stack_.back() == '{' ? '}' : ']')) {
        ++i_;
        stack_.pop_back();
      } else {
        Error("expected ',' or the closing bracket");
      }
    }
  }

 private:
  [[noreturn]] void Error(std::string_view why) const {
    Fail(std::format("{} is not JSON ({} at byte {}): {}", what_, why, i_, json_.substr(0, 2000)));
  }

  void SkipSpace() {
    while (i_ < json_.size() &&
           (json_[i_] == ' ' || json_[i_] == '\t' || json_[i_] == '\n' || json_[i_] == '\r')) {
      ++i_;
    }
  }

  bool Digit() const { return i_ < json_.size() && json_[i_] >= '0' && json_[i_] <= '9'; }

  // A scalar, or the opening bracket of a container (and the first key of an object); true when
  // the container's first value is next.
  bool Value() {
    if (i_ == json_.size()) Error("expected a value");
    const char c = json_[i_];
    if (c == '{' || c == '[') {
      ++i_;
      stack_.push_back(c);
      depth_ = std::max(depth_, static_cast<int>(stack_.size()));
      SkipSpace();
      if (i_ < json_.size() && json_[i_] == (c == '{' ? '}' : ']')) {
        ++i_;
        stack_.pop_back();
        return false;
      }
      if (c == '{') Key();
      return true;
    }
    if (c == '"') {
      String();
      return false;
    }
    for (std::string_view literal : {"true", "false", "null"}) {
      if (json_.substr(i_, literal.size()) == literal) {
        i_ += literal.size();
        return false;
      }
    }
    Number();
    return false;
  }

  // After '{' or ',' in an object: "key" ':'.
  void Key() {
    SkipSpace();
    if (i_ == json_.size() || json_[i_] != '"') Error("expected a key");
    String();
    SkipSpace();
    if (i_ == json_.size() || json_[i_] != ':') Error("expected ':'");
    ++i_;
  }

  void String() {
    ++i_;  // the opening quote
    for (;;) {
      if (i_ == json_.size()) Error("unterminated string");
      const auto c = static_cast<unsigned char>(json_[i_]);
      if (c == '"') {
        ++i_;
        return;
      }
      if (c < 0x20) Error("control character in a string");
      if (c != '\\') {
        ++i_;
        continue;
      }
      ++i_;
      if (i_ == json_.size()) Error("unterminated escape");
      const char e = json_[i_];
      if (e == 'u') {
        for (int k = 1; k <= 4; ++k) {
          if (i_ + k >= json_.size() || !std::isxdigit(static_cast<unsigned char>(json_[i_ + k]))) {
            Error("bad \\u escape");
          }
        }
        i_ += 5;
      } else if (std::string_view("\"\\/bfnrt").find(e) != std::string_view::npos) {
        ++i_;
      } else {
        Error("bad escape");
      }
    }
  }

  void Number() {
    if (i_ < json_.size() && json_[i_] == '-') ++i_;
    if (i_ < json_.size() && json_[i_] == '0') {
      ++i_;
    } else if (Digit()) {
      while (Digit()) ++i_;
    } else {
      Error("expected a value");
    }
    if (i_ < json_.size() && json_[i_] == '.') {
      ++i_;
      if (!Digit()) Error("expected a digit after '.'");
      while (Digit()) ++i_;
    }
    if (i_ < json_.size() && (json_[i_] == 'e' || json_[i_] == 'E')) {
      ++i_;
      if (i_ < json_.size() && (json_[i_] == '+' || json_[i_] == '-')) ++i_;
      if (!Digit()) Error("expected an exponent");
      while (Digit()) ++i_;
    }
  }

  std::string_view json_;
  std::string_view what_;
  size_t i_ = 0;
  std::vector<char> stack_;
  int depth_ = 0;
};

template <typename Visit>
void Walk(bson_iter_t* iter, const Visit& visit) {
  while (bson_iter_next(iter)) {
    visit(iter);
    if (BSON_ITER_HOLDS_DOCUMENT(iter) || BSON_ITER_HOLDS_ARRAY(iter)) {
      bson_iter_t child;
      if (bson_iter_recurse(iter, &child)) Walk(&child, visit);
    }
  }
}

}  // namespace

int CheckJsonSyntax(std::string_view json, std::string_view what) {
  return JsonSyntax(json, what).Check();
}

bool AnyKey(const bson_t* doc, bool (*predicate)(std::string_view key)) {
  bool found = false;
  bson_iter_t iter;
  if (!bson_iter_init(&iter, doc)) return false;
  Walk(&iter, [&](bson_iter_t* it) { found = found || predicate(bson_iter_key(it)); });
  return found;
}

bool HasPlaceholder(const bson_t* doc) {
  return AnyKey(doc, [](std::string_view key) { return key == "$encrypt"; });
}

std::vector<std::string_view> EncryptedPayloads(const bson_t* doc) {
  std::vector<std::string_view> payloads;
  bson_iter_t iter;
  if (!bson_iter_init(&iter, doc)) return payloads;
  Walk(&iter, [&](bson_iter_t* it) {
    if (!BSON_ITER_HOLDS_BINARY(it)) return;
    bson_subtype_t subtype;
    uint32_t length;
    const uint8_t* data;
    bson_iter_binary(it, &subtype, &length, &data);
    if (subtype == BSON_SUBTYPE_ENCRYPTED) {
      payloads.emplace_back(reinterpret_cast<const char*>(data), length);
    }
  });
  return payloads;
}

std::string Codes(const Diagnostics& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    if (!out.empty()) out += ' ';
    out += d.code;
  }
  return out;
}

uint64_t StableHash(std::string_view data) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace querysafe::fuzzing

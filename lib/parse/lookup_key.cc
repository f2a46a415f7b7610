#include "lib/parse/lookup_key.h"

#include <format>

#include "grammar/identifier.h"
#include "lib/parse/parse.h"

namespace querysafe::parse_internal {

KeySpans SplitOnSeparators(std::string_view key) {
  KeySpans spans;
  size_t begin = 0;
  for (;;) {
    const size_t at = key.find("__", begin);
    if (at == std::string_view::npos) break;
    spans.push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(at)});
    begin = at + 2;
  }
  spans.push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(key.size())});
  return spans;
}

namespace {

bool IsPart(std::string_view part, bool of_identifier) {
  if (part.empty()) return false;
  if (!of_identifier) return grammar::IsIdentifier(part);
  // A piece of an identifier is one when its first character may start one.
  const char c = part[0];
  if (static_cast<unsigned char>(c) < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }
  uint32_t cp;
  grammar::DecodeUtf8(part.data(), part.data() + part.size(), &cp);
  return grammar::IsIdentifierStart(cp);
}

}  // namespace

bool MakeKeyParts(const KeyText& key, const KeySpans& spans, std::string_view what,
                  grammar::BumpAllocator* arena, Reporter* reporter,
                  ast::List<ast::KeyPart>* parts) {
  std::span<ast::KeyPart> out = arena->NewArray<ast::KeyPart>(spans.size());
  bool ok = true;
  for (size_t i = 0; i < spans.size(); ++i) {
    const std::string_view name = key.key.substr(spans[i].begin, spans[i].end - spans[i].begin);
    const Span span = key.is_source
                          ? Span{key.span.begin + spans[i].begin, key.span.begin + spans[i].end}
                          : key.span;
    out[i] = {name, span};
    if (IsPart(name, key.is_identifier)) continue;
    // One diagnostic per key, for its first bad part, as Django raises on the
    // first: each message quotes the whole key, so one per part made a key of
    // n separators cost n times its length (a 200 KB query took a minute, a
    // 60 KB builder key 2 GB; found by fuzzing, tests/data/regression/).
    if (!ok) continue;
    ok = false;
    std::string message;
    if (!name.empty()) {
      message = std::format("{} '{}' has a part that is not a name: '{}'", what, key.key, name);
    } else if (i == 0) {
      message = std::format("{} '{}' starts with '__'", what, key.key);
    } else if (i + 1 == spans.size()) {
      message = std::format("{} '{}' ends with '__'", what, key.key);
    } else {
      message = std::format("{} '{}' has an empty part between '__' separators", what, key.key);
    }
    // An empty part points at the separator before it (after it, for the
    // first).
    Span where = span;
    if (name.empty() && key.is_source) {
      where = i > 0 ? Span{span.begin - 2, span.begin} : Span{span.begin, span.begin + 2};
    }
    reporter->Report(Category::kSyntaxError, "parse.bad_lookup_key", std::move(message), where);
  }
  *parts = out;
  return ok;
}

bool SplitKey(const KeyText& key, std::string_view what, bool allow_star,
              grammar::BumpAllocator* arena, Reporter* reporter, ast::List<ast::KeyPart>* parts) {
  if (key.key.empty()) {
    reporter->Report(Category::kSyntaxError, "parse.bad_lookup_key",
                     std::format("{} is empty", what), key.span);
    return false;
  }
  if (allow_star && key.key == "*") {
    std::span<ast::KeyPart> out = arena->NewArray<ast::KeyPart>(1);
    out[0] = {key.key, key.span};
    *parts = out;
    return true;
  }
  if (key.is_identifier && key.is_source) {
    // The usual keyword argument: split and check in one pass, straight into
    // the arena. Anything wrong goes the general way below, which reports it.
    const std::string_view k = key.key;
    uint32_t ends[8];  // where each part ends; up to 8 parts this way
    size_t count = 0;
    // find() jumps from '_' to '_' with memchr: keys are mostly letters.
    for (size_t at = k.find("__"); at != std::string_view::npos && count < 8;
         at = k.find("__", at + 2)) {
      ends[count++] = static_cast<uint32_t>(at);
    }
    if (count < 8) {
      ends[count++] = static_cast<uint32_t>(k.size());
      auto* out = static_cast<ast::KeyPart*>(
          arena->Allocate(sizeof(ast::KeyPart) * count, alignof(ast::KeyPart)));
      uint32_t begin = 0;
      bool ok = true;
      for (size_t i = 0; i < count; ++i) {
        const std::string_view name = k.substr(begin, ends[i] - begin);
        ok &= IsPart(name, true);
        ::new (out + i) ast::KeyPart{name, Span{key.span.begin + begin, key.span.begin + ends[i]}};
        begin = ends[i] + 2;
      }
      if (ok) {
        *parts = ast::List<ast::KeyPart>(out, count);
        return true;
      }
    }
  }
  return MakeKeyParts(key, SplitOnSeparators(key.key), what, arena, reporter, parts);
}

}  // namespace querysafe::parse_internal

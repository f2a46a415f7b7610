// Lookup keys and field paths split into parts: `patient_record__ssn__in` is
// [patient_record, ssn, in]. The split is Python's str.split("__"); each part
// is then checked to be a Python identifier, since Django could never resolve
// anything else.
#ifndef QUERYSAFE_LIB_PARSE_LOOKUP_KEY_H_
#define QUERYSAFE_LIB_PARSE_LOOKUP_KEY_H_

#include <string_view>

#include "absl/container/inlined_vector.h"
#include "grammar/bump_allocator.h"
#include "lib/common/arena.h"
#include "lib/parse/ast.h"
#include "lib/parse/literals.h"

namespace querysafe::parse_internal {

using KeySpans = absl::InlinedVector<Span, 4>;

// key.split("__") by a direct scan: the split of the grammar's lookup_key rule
// (grammar::SplitLookupKey, which ParseLookupKey uses), without running a
// parser for every keyword argument of a query. A test checks they agree.
KeySpans SplitOnSeparators(std::string_view key);

struct KeyText {
  std::string_view key;
  // Where the key is. When `is_source`, `key` is the text at `span` and each
  // part gets its own span; otherwise (a key decoded from a string with
  // escapes) every part gets `span`.
  Span span;
  bool is_source = false;
  // The key is a keyword argument's name, so a Python identifier already: a
  // part only needs a first character that can start a name.
  bool is_identifier = false;
};

// Turns the split `spans` of `key` into `parts` (in `arena`). `what` names the
// key in messages ("lookup", "field reference"). Reports and returns false when
// a part is empty or not an identifier.
bool MakeKeyParts(const KeyText& key, const KeySpans& spans, std::string_view what,
                  grammar::BumpAllocator* arena, Reporter* reporter,
                  ast::List<ast::KeyPart>* parts);

// SplitOnSeparators, then MakeKeyParts. `allow_star` accepts the single part
// "*" (Count("*")).
bool SplitKey(const KeyText& key, std::string_view what, bool allow_star,
              grammar::BumpAllocator* arena, Reporter* reporter, ast::List<ast::KeyPart>* parts);

}  // namespace querysafe::parse_internal

#endif  // QUERYSAFE_LIB_PARSE_LOOKUP_KEY_H_

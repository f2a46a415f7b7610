// Escaping a user's value into a MongoDB (PCRE) regular expression, for Django's pattern
// lookups (contains, startswith, iexact...). This is a security property: `name__contains="a.*"`
// must match only the text "a.*", never "anything starting with a". Every ASCII character that
// is not a letter, digit or underscore is escaped with a backslash (in PCRE a backslash before a
// non-alphanumeric character always means that character), and NUL, which a BSON regex cannot
// hold, becomes \x00. Non-ASCII characters are literal in PCRE's UTF mode and are kept.
#ifndef QUERYSAFE_LIB_LOWER_REGEX_ESCAPE_H_
#define QUERYSAFE_LIB_LOWER_REGEX_ESCAPE_H_

#include <string>
#include <string_view>

#include "lib/analyze/lookup_table.h"

namespace querysafe::lower {

std::string EscapeRegex(std::string_view text);

// Where a pattern lookup's text must match: at the start of the value (iexact, startswith), at
// its end (iexact, endswith), both, or anywhere (contains).
struct Anchors {
  bool start = false;
  bool end = false;
};
Anchors AnchorsOf(bound::Pattern pattern);

// The $regex of a pattern lookup's value: the value escaped between its anchors (^text\z for
// iexact, ^text for startswith, text\z for endswith, text for contains), or the value itself
// for regex/iregex. `\z` (not `$`) ends them, because `$` also matches before a final newline,
// and Django's SQL semantics are exact.
std::string PatternFor(bound::Pattern pattern, std::string_view text);

}  // namespace querysafe::lower

#endif  // QUERYSAFE_LIB_LOWER_REGEX_ESCAPE_H_

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

namespace querysafe::lower {

std::string EscapeRegex(std::string_view text);

// The anchored patterns of the pattern lookups. `\z` (not `$`) ends them, because `$` also
// matches before a final newline, and Django's SQL semantics are exact.
std::string ExactPattern(std::string_view text);     // ^text\z
std::string PrefixPattern(std::string_view text);    // ^text
std::string SuffixPattern(std::string_view text);    // text\z
std::string ContainsPattern(std::string_view text);  // text

}  // namespace querysafe::lower

#endif  // QUERYSAFE_LIB_LOWER_REGEX_ESCAPE_H_

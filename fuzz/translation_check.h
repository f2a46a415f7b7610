// Checks on what Query::Translate and Encryptor::Explain return, shared by the pipeline target
// (fixed schemas, fuzzed queries) and the schema target (fuzzed schemas, probe queries).
#ifndef QUERYSAFE_FUZZ_TRANSLATION_CHECK_H_
#define QUERYSAFE_FUZZ_TRANSLATION_CHECK_H_

#include <string>
#include <string_view>

#include "querysafe/crypt.h"
#include "querysafe/query.h"

namespace querysafe::fuzzing {

// A translation is valid BSON (strings valid UTF-8), names a database and a collection, starts
// with its command name, holds placeholders exactly when it has encryptions, and its JSON
// rendering parses back to the same command. `what` names the case in failure messages.
void CheckTranslation(const Translation& t, std::string_view what);

// Explains `t` (whose query compiled with require_encryptable and whose parameters bound) and
// checks the result: Explain may refuse it only for a reason in kLateFailures
// (translation_check.cc); what it returns holds no placeholder, keeps the command's shape, has a
// payload when there were encryptions, no encrypted string in the clear, and renders to JSON that
// parses back. `input` is the text diagnostic spans refer to. Returns "explain ok" or "explain
// rejected <codes>" for an outcome summary.
std::string ExplainAndCheck(const Encryptor& encryptor, const Translation& t,
                            std::string_view input, std::string_view what);

}  // namespace querysafe::fuzzing

#endif  // QUERYSAFE_FUZZ_TRANSLATION_CHECK_H_

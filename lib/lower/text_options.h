// The options of a text find or insert as libmongocrypt's text algorithm takes them
// (mongocrypt_ctx_setopt_algorithm_text, src/mongocrypt.h):
//   {"caseSensitive": bool, "diacriticSensitive": bool,
//    "prefix": {"strMaxQueryLength": int32, "strMinQueryLength": int32},
//    "suffix": {...}, "substring": {"strMaxLength": int32, "strMaxQueryLength", ...}}
// with one block per text index of the field (the 8.2 previews and the 9.0 types use the same
// block names). Lowering and the executor's insert path both build requests from a field's
// `queries`, so the shape is made here once.
#ifndef QUERYSAFE_LIB_LOWER_TEXT_OPTIONS_H_
#define QUERYSAFE_LIB_LOWER_TEXT_OPTIONS_H_

#include <bson/bson.h>

#include <span>

#include "lib/schema/model.h"

namespace querysafe::lower {

// Appends the options for `indexes` (a find: the one index the lookup uses; an insert: every
// text index of the field) to `out`. Entries that are not text indexes are skipped.
void AppendTextOptions(std::span<const schema::QuerySpec* const> indexes, bson_t* out);

}  // namespace querysafe::lower

#endif  // QUERYSAFE_LIB_LOWER_TEXT_OPTIONS_H_

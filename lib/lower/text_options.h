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

// The query type of an exact-match find (`iexact`, $encStrNormalizedEq) on a field with the text
// `indexes`. libmongocrypt puts into a find payload only the block of its query type
// (mc_TextOpts_to_FLE2TextSearchInsertSpec_for_query in src/mc-textopts.c) and its option parser
// requires at least one block ("One of 'prefix', 'suffix', or 'substring' is required"), so the
// exact-match token set comes from the field's own blocks with a query type the field does not
// index: suffix for a prefix field, prefix for a suffix or substring field, substring for prefix
// with suffix. The name keeps the field's generation (prefixPreview...).
schema::QueryType ExactMatchQueryType(std::span<const schema::QuerySpec* const> indexes);

}  // namespace querysafe::lower

#endif  // QUERYSAFE_LIB_LOWER_TEXT_OPTIONS_H_

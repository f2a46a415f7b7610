// The QE rules and QuerySet limitations, one per file (lib/analyze/rules/*.cc). Each file opens
// with why the rule exists: which server or query-analysis check it stands in for, and what
// would happen without it (usually: the query silently matches nothing).
//
// The binders call them at the point where the rule applies; a rule reports its diagnostic
// (with the server's message and code where there is one) and tells the binder whether the
// query may go on.
#ifndef QUERYSAFE_LIB_ANALYZE_RULES_RULES_H_
#define QUERYSAFE_LIB_ANALYZE_RULES_RULES_H_

#include <bson/bson.h>

#include <string_view>

#include "lib/analyze/bound.h"
#include "lib/analyze/context.h"
#include "lib/analyze/resolve.h"
#include "lib/schema/model.h"

namespace querysafe::analyze::rules {

// qe_encrypted_prefix.cc (51102): a path below an encrypted field.
void ReportEncryptedPrefix(Context& ctx, std::string_view path, Span span);

// qe_lookup_allowed.cc (51092, 6720400, 63165, 31110): which lookups an encrypted field's QE
// index serves. Returns the QuerySpec the predicate will use, or null after reporting.
const schema::QuerySpec* CheckEncryptedLookup(Context& ctx, const Resolved& resolved, Span span);
// The same 51092 for an MQL operator no Django lookup stands for ($type, $size, $elemMatch...).
void ReportOperatorNotAllowed(Context& ctx, const bound::FieldRef& field, std::string_view op,
                              Span span);

// qe_encrypted_descendant.cc: a comparison of a whole sub-document that contains encrypted
// fields (`{nested: {...}}` when `nested.ssn` is encrypted), or an update operator other than
// $set/$unset on an encrypted path or one containing it.
void ReportEncryptedDescendant(Context& ctx, std::string_view path, std::string_view encrypted_path,
                               Span span);
void ReportUpdateOperator(Context& ctx, std::string_view op, std::string_view path, Span span);

// qe_null_equality.cc (51095, 51120): comparing an encrypted field with null.
void ReportNullEquality(Context& ctx, const bound::FieldRef& field, bool inside_in, Span span);

// qe_range_bounds.cc (6747900-6747902, 6991000/6991001): range values inside the index's
// [min, max], never NaN, and an `exclusive` bound (gt, lt) not at the end of the range it
// excludes. `role` says which side of the range the value bounds. Returns false after
// reporting.
enum class BoundRole : uint8_t { kLower, kUpper, kPoint };
bool CheckRangeValue(Context& ctx, const bound::FieldRef& field, const schema::QuerySpec& index,
                     const bson_value_t& value, BoundRole role, bool exclusive, Span span);

// qe_non_constant_comparison.cc (6334105, 6334101): F() and expressions against encrypted
// fields. `other` is the encrypted field on the other side, if any.
void ReportNonConstantComparison(Context& ctx, const bound::FieldRef& field,
                                 const bound::FieldRef* other, Span span);

// qe_value_type.cc (31118): a value whose type the field's encryption cannot take.
void ReportUnencryptableValue(Context& ctx, const bound::FieldRef& field,
                              std::string_view value_type, Span span);

// qe_order_by.cc (6316401): sorting on an encrypted field or a prefix of one.
bool CheckOrderBy(Context& ctx, const schema::Model& collection, const bound::FieldRef& field,
                  Span span);

// qe_group.cc (51222): grouping (annotate, alias, distinct) on encrypted fields.
bool CheckGroupKey(Context& ctx, const schema::Model& collection, const bound::FieldRef& field,
                   Span span);

// qe_aggregate.cc (6331102, 51221): aggregates over encrypted fields.
bool CheckAggregateArgument(Context& ctx, bound::AggregateFunc func, bool sample,
                            const bound::FieldRef& field, Span span);

// qe_dates.cc (6720002): dates()/datetimes() on an encrypted field.
bool CheckDatesField(Context& ctx, const bound::FieldRef& field, Span span);

// qe_in_bulk.cc: in_bulk() keyed on an encrypted field.
bool CheckInBulkField(Context& ctx, const bound::FieldRef& field, Span span);

// qe_join_let.cc (51208): a join that needs $lookup `let` on an encrypted database
// (CheckJoinWithoutLet), and a QuerySet used as a lookup value, a subquery (ReportSubquery).
bool CheckJoinWithoutLet(Context& ctx, const bound::FieldRef& lhs, const bound::FieldRef& rhs,
                         Span span);
void ReportSubquery(Context& ctx, Span span);

// qe_multi_update.cc (6329900, and django-mongodb-backend's expression check): update() on an
// encrypted database must touch one document (CheckUpdate), with constant values
// (ReportUpdateExpression, for an F() or arithmetic value).
bool CheckUpdate(Context& ctx, const bound::Filter& filter, Span span);
void ReportUpdateExpression(Context& ctx, Span span);
// The same 6329900 for an update the MQL front end sees with `multi: true`.
void ReportMultiDocumentUpdate(Context& ctx, Span span);

// qe_encrypt_null.cc (31041): None as the new value of an encrypted field.
void ReportEncryptNull(Context& ctx, Span span);

// qe_set_operations.cc (31011): union()/intersection()/difference() on an encrypted database.
bool CheckSetOperation(Context& ctx, std::string_view method, Span span);

// qe_join_encrypted_field.cc (51204 before 8.1, 31133 from 8.1): a predicate on an encrypted
// field of a joined collection (`author__ssn=...` on Book).
bool CheckJoinedEncryptedField(Context& ctx, const bound::FieldRef& field, Span span);

// qe_aggregate_filter.cc (6331102): an encrypted field in an aggregate's filter=, which is
// evaluated as an aggregation expression inside $group.
void ReportEncryptedAggregateFilter(Context& ctx, const bound::FieldRef& field, Span span);

// queryset_multi_collection_write.cc: update()/delete() whose filter reaches into another
// collection (django-mongodb-backend's NotSupportedError). `method` is "update" or "delete".
bool CheckSingleCollectionWrite(Context& ctx, const bound::Filter& filter, std::string_view method,
                                Span span);

// queryset_xor_expansion.cc: the size of the match clauses an XOR expands to (MQL has no XOR).
bool CheckXorExpansion(Context& ctx, const bound::Filter& filter);

// qe_text_query_length.cc: a prefix/suffix/substring query string outside the index's
// [strMinQueryLength, strMaxQueryLength] code points (after folding).
bool CheckTextQueryLength(Context& ctx, const bound::FieldRef& field,
                          const schema::QuerySpec& index, const bson_value_t& value, Span span);

// capability_server_version.cc: the QE query types the server version has, and what the linked
// libmongocrypt can encrypt.
bool CheckQueryTypeAvailable(Context& ctx, const bound::FieldRef& field,
                             const schema::QuerySpec& index, Span span);

}  // namespace querysafe::analyze::rules

#endif  // QUERYSAFE_LIB_ANALYZE_RULES_RULES_H_

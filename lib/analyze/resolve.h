// Resolution of `a__b__c` against the schema, as Django does it (Query.names_to_path, then
// build_lookup): leading parts are fields (walking into embedded models and across ForeignKeys),
// then transforms, then the lookup; a key that ends at a field means `exact`. Errors are Django's
// own: "Cannot resolve keyword 'x' into field. Choices are: ...", "Unsupported lookup 'x' for
// CharField or join on the field not permitted, perhaps you meant exact?", "PatientRecord has
// no field named 'x'", "Related Field got invalid lookup: x".
//
// QE enters here in one place: a path that goes *below* an encrypted field (a sub-field of an
// EncryptedEmbeddedModelField) is reported by the encrypted-prefix rule, because the server
// cannot see inside the ciphertext.
#ifndef QUERYSAFE_LIB_ANALYZE_RESOLVE_H_
#define QUERYSAFE_LIB_ANALYZE_RESOLVE_H_

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "lib/analyze/bound.h"
#include "lib/analyze/context.h"
#include "lib/parse/ast.h"

namespace querysafe::analyze {

struct Resolved {
  bound::FieldRef ref;  // the field the transforms and lookup apply to
  std::vector<bound::Transform> transforms;
  bound::LookupKind lookup = bound::LookupKind::kExact;
  bool explicit_lookup = false;  // the key named its lookup
  Span lookup_span;
  // The class the lookup applies to after transforms (year -> IntegerField), and the field to
  // coerce values with (an ArrayField's base field after an index transform).
  schema::FieldClass lookup_class = schema::FieldClass::kChar;
  const schema::Field* value_field = nullptr;
  // Through an EmbeddedModelArrayField (`cast__name`): the lookup applies to each element.
  bool through_array = false;
  // Below a JSONField (`data__owner__name`): the value is plain JSON, no field type.
  bool json_key = false;
};

enum class ResolveMode : uint8_t {
  kLookup,  // filter keys: fields, transforms, then a lookup
  kField,   // F(), order_by(), values(), only()...: fields only
};

// Resolves `parts` from `model`. On failure reports the diagnostic and returns nullopt.
// `key_span` covers the whole key.
std::optional<Resolved> ResolveKey(Context& ctx, const schema::Model& model,
                                   std::span<const ast::KeyPart> parts, Span key_span,
                                   ResolveMode mode);

// The parts of one key; a key rarely has more than four (no heap allocation up to there).
using KeyParts = absl::InlinedVector<ast::KeyPart, 4>;

// Splits "a__b" on "__" (Python's str.split) into key parts with spans starting at `begin`, for
// field names given as strings (order_by("-a__b"), values("a__b")).
KeyParts SplitKey(std::string_view key, uint32_t begin);

}  // namespace querysafe::analyze

#endif  // QUERYSAFE_LIB_ANALYZE_RESOLVE_H_

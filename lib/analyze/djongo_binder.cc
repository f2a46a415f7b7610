// djongo 1.3's query forms on its own fields (schema::Field::djongo), with the meaning djongo's
// documentation gives them, checked like any other lookup.
//
// djongo translates Django's SQL to MQL (djongo/sql2mongo). A lookup on an EmbeddedField or a
// djongo ArrayField takes a dict `{sub_path: value}` as its value; djongo's operators take the
// dict's first item and append its key to the field's path (sql2mongo/operators.py, djongo
// 1.3.11: CmpOp.__init__ and CmpOp.to_mongo for `=`, `>`, `<`, `>=`, `<=`, LikeOp._make_regex
// for the pattern lookups, iLikeOp adding `$options: 'im'`):
//
//   Entry.objects.filter(blog={'name': 'Beatles'})            {"blog.name": {"$eq": "Beatles"}}
//   Entry.objects.filter(blog__startswith={'name': 'Beatles'})
//                              {"blog.name": {"$regex": "^Beatles.*$"}}   (djongo's data-fields
//                              documentation; its 1.3.11 LikeOp passes the value as the regex
//                              unanchored and unescaped, which is "contains" with regex syntax)
//   Entry.objects.filter(blog__startswith={'tagline': {'subtitle': 'Artist'}})
//                              {"blog.tagline.subtitle": ...}  (a nested dict: nested fields)
//   Entry.objects.filter(authors={'name': 'Paul'})            {"authors.name": {"$eq": "Paul"}}
//                              (MongoDB matches any element of the array)
//   Entry.objects.filter(authors={'2.name': 'Paul'})          {"authors.2.name": {"$eq": "Paul"}}
//                              (the array-field documentation: the third author; 0-based)
//
// querysafe gives each form the meaning the documentation states and lowers it as the lookup
// on the sub-field (`blog.name` startswith "Beatles", metacharacters escaped, as for every
// pattern lookup), so that the sub-field's type coerces the value and every lookup rule
// applies. Where djongo 1.3 is silent or loses information, querysafe refuses by name:
//
// - a dict with more than one key (djongo keeps the first and drops the rest);
// - a key that names no field of the model_container (djongo's ModelField._value_thru_fields
//   drops unknown keys for `=`, and its LIKE path sends them unchecked: both match nothing);
//   the message is Django's Options.get_field() text, "Blog has no field named 'x'";
// - `blog__name=...`: Django's own FieldError for a lookup that is no lookup of the field,
//   since djongo 1.3 registers no transforms on its fields;
// - on ArrayReferenceField, the lookups that need Django's join to the target model
//   (`publishers__name=...`) and `isnull` (see BindArrayReference).
#include <algorithm>
#include <cctype>
#include <format>
#include <span>
#include <string>

#include "lib/analyze/filter_binder.h"
#include "lib/analyze/lookup_table.h"
#include "lib/analyze/py_value.h"
#include "lib/analyze/resolve.h"

namespace querysafe::analyze {
namespace {

using bound::LookupKind;
using schema::Field;
using schema::FieldClass;

bool IsContainer(const Field& f) {
  return f.djongo &&
         (f.cls == FieldClass::kEmbeddedModel || f.cls == FieldClass::kEmbeddedModelArray);
}

// The lookups djongo 1.3 translates with a dict value: the comparison operators (CmpOp) and
// LIKE (LikeOp, iLikeOp), which take one value; `in`, `range` and `isnull` take no dict there,
// nor does REGEXP.
bool TakesDict(LookupKind k) {
  const bound::LookupInfo& info = bound::LookupOf(k);
  return info.arity == bound::Arity::kOne && info.pattern != bound::Pattern::kRegex;
}

bool IsIndex(std::string_view s) {
  return !s.empty() && s.size() <= 9 &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(c) != 0; });
}

std::string FieldNames(const schema::Model& model) {
  std::string out;
  for (const auto& f : model.fields) {
    if (f->implicit) continue;
    if (!out.empty()) out += ", ";
    out += f->name;
  }
  return out;
}

struct Walk {
  std::string db_path;
  std::string django_path;
  bool through_array = false;  // an array crossed without a position: any element matches
};

// Binds `value` (the dict, or a nested dict) against `container`, the djongo container field
// reached so far. `element` is true when a position already selected one array element.
const bound::Filter* BindDict(Context& ctx, const schema::Model& root, const Field& container,
                              bool element, const ast::DictLit& dict, LookupKind lookup,
                              Span lookup_span, Span span, Walk walk) {
  if (dict.entries.size() != 1) {
    ctx.Report(Category::kNotSupportedError, "djongo.dict_keys",
               std::format("A djongo lookup on '{}' takes a dict of exactly one sub-field: "
                           "djongo 1.3 uses the first key and drops the others. Combine one "
                           "lookup per sub-field with Q(...) & Q(...).",
                           container.name),
               dict.span);
    return nullptr;
  }
  const ast::DictEntry& entry = dict.entries[0];
  const auto* key = entry.key->As<ast::StringLit>();
  if (key == nullptr) {
    ctx.Report(Category::kValidationError, "djongo.dict_key",
               "The keys of a djongo lookup's dict are sub-field names (strings), e.g. "
               "{'name': 'Beatles'} or {'2.name': 'Paul'}.",
               entry.key->span);
    return nullptr;
  }
  const Field* cursor = &container;
  bool at_element = element;
  std::string_view rest = key->value;
  while (true) {
    size_t dot = rest.find('.');
    std::string_view part = rest.substr(0, dot);
    const bool is_array = cursor->cls == FieldClass::kEmbeddedModelArray && !at_element;
    if (is_array && IsIndex(part)) {
      // MongoDB's positional path: the element at that 0-based index.
      at_element = true;
    } else {
      const schema::Model* container_model = cursor->embedded_model;
      const Field* sub = container_model != nullptr ? container_model->FindField(part) : nullptr;
      if (sub == nullptr || sub->implicit) {
        std::string message =
            container_model == nullptr
                ? std::format("'{}' has no field named '{}'", cursor->name, part)
                : std::format("{} has no field named '{}'. Choices are: {}", container_model->name,
                              part, FieldNames(*container_model));
        ctx.Report(Category::kFieldError, "field.unknown_embedded", std::move(message), key->span);
        return nullptr;
      }
      if (is_array) walk.through_array = true;
      cursor = sub;
      at_element = false;
    }
    walk.db_path += '.';
    walk.db_path += at_element ? part : std::string_view(cursor->column);
    walk.django_path += "__";
    walk.django_path += part;
    if (dot == std::string_view::npos) break;
    rest = rest.substr(dot + 1);
    if (!IsContainer(*cursor)) {
      ctx.Report(Category::kFieldError, "field.unknown_embedded",
                 std::format("'{}' is a {}, not an embedded model: '{}' cannot go below it",
                             cursor->name, cursor->class_name, key->value),
                 key->span);
      return nullptr;
    }
  }
  const ast::Expr& value = *entry.value;
  if (IsContainer(*cursor) || at_element) {
    if (const auto* nested = value.As<ast::DictLit>()) {
      return BindDict(ctx, root, *cursor, at_element, *nested, lookup, lookup_span, span,
                      std::move(walk));
    }
    const bool one = at_element || cursor->cls == FieldClass::kEmbeddedModel;
    ctx.Report(
        Category::kValidationError, "djongo.container_value",
        std::format("'{}' holds {}: compare one of its sub-fields with a nested dict, "
                    "e.g. {{'{}': {{'<field>': value}}}}",
                    walk.django_path,
                    one ? "an embedded document" : "an array of embedded documents", key->value),
        value.span);
    return nullptr;
  }
  if (cursor->class_name == "ArrayReferenceField") {
    ctx.Report(Category::kNotSupportedError, "djongo.array_reference",
               std::format("querysafe does not translate lookups on djongo's ArrayReferenceField "
                           "'{}'.",
                           cursor->name),
               key->span);
    return nullptr;
  }
  if (!FindLookup(cursor->cls, bound::LookupName(lookup)).has_value()) {
    ctx.Report(Category::kFieldError, "field.unsupported_lookup",
               std::format("Unsupported lookup '{}' for {} '{}'", bound::LookupName(lookup),
                           cursor->class_name, cursor->name),
               lookup_span);
    return nullptr;
  }
  Resolved r;
  r.ref.field = cursor;
  r.ref.model = cursor->model;
  r.ref.db_path = ctx.Keep(walk.db_path);
  r.ref.django_path = ctx.Keep(walk.django_path);
  r.ref.span = key->span;
  r.lookup = lookup;
  r.explicit_lookup = true;
  r.lookup_span = lookup_span;
  r.value_field = cursor;
  r.lookup_class = cursor->cls;
  r.through_array = walk.through_array;
  return BindResolved(ctx, root, r, value, span);
}

// djongo 1.3's ArrayReferenceField (models/fields.py) is a ForeignKey subclass whose column,
// `<name>_id`, holds the list of the target's primary keys; its documentation says it "behaves
// exactly like the ManyToManyField". Django compiles a lookup on it as on any ForeignKey whose
// join to the target is trimmed (the target's key is the column's own value): `publishers=3`
// is `WHERE publishers_id = 3`, `publishers__in=[1, 2]` is `publishers_id IN (1, 2)`,
// `publishers__pk__gt=2` is `publishers_id > 2`, and djongo sends them as {"publishers_id":
// {"$eq": 3}}, {"$in": [...]}, {"$gt": 2} (sql2mongo/operators.py: CmpOp, InOp), which MongoDB
// answers for any element of the array: the entries that reference such a publisher, the
// many-to-many meaning. Values are the target's primary keys, coerced to its type.
//
// Refused by name: a field of the target (`publishers__name`), which Django answers with a
// join (djongo: a $lookup on the array, then $unwind, one row per matching publisher); and
// `isnull` / `=None`, since djongo saves no references as [] and its IsOp sends
// {"publishers_id": None}, which matches only documents without the field, not Django's "no
// publishers". Other names are Django's own FieldError for a relation.
const bound::Filter* BindArrayReference(Context& ctx, const schema::Model& model,
                                        const Field& field, const ast::Lookup& lookup) {
  const schema::Model* target = field.related_model;
  const Field* pk = target != nullptr ? target->pk : nullptr;
  if (pk == nullptr) {
    ctx.Report(Category::kImproperlyConfigured, "djongo.array_reference",
               std::format("djongo's ArrayReferenceField '{}' has no target model with a primary "
                           "key.",
                           field.name),
               lookup.key_span);
    return nullptr;
  }
  std::span<const ast::KeyPart> parts = lookup.parts;
  size_t i = 1;
  // Django trims the join for the target's key: publishers__pk and publishers__id are the
  // column itself.
  if (i < parts.size() && (parts[i].name == "pk" || parts[i].name == pk->name)) ++i;
  LookupKind kind = LookupKind::kExact;
  Span lookup_span = parts[i - 1].span;
  if (i < parts.size()) {
    const ast::KeyPart& part = parts[i];
    std::optional<LookupKind> found;
    if (part.name == "exact") found = LookupKind::kExact;
    if (part.name == "in") found = LookupKind::kIn;
    if (part.name == "gt") found = LookupKind::kGt;
    if (part.name == "gte") found = LookupKind::kGte;
    if (part.name == "lt") found = LookupKind::kLt;
    if (part.name == "lte") found = LookupKind::kLte;
    if (part.name == "isnull") found = LookupKind::kIsNull;
    if (!found && i == 1 && target->FindField(part.name) != nullptr) {
      ctx.Report(Category::kNotSupportedError, "djongo.array_reference",
                 std::format("querysafe does not translate lookups on djongo's ArrayReferenceField "
                             "'{}' that reach the fields of '{}' ('{}'): Django answers them with "
                             "a join. Query {} first, then filter on its keys: {}__in=[...].",
                             field.name, target->name, part.name, target->name, field.name),
                 part.span);
      return nullptr;
    }
    if (!found || i + 1 < parts.size()) {
      const ast::KeyPart& bad = found ? parts[i + 1] : part;
      // Django's RelatedField registers exact, in, gt, gte, lt, lte and isnull only.
      ctx.Report(Category::kFieldError, "field.related_invalid_lookup",
                 std::format("Related Field got invalid lookup: {}", bad.name), bad.span);
      return nullptr;
    }
    kind = *found;
    lookup_span = part.span;
  }
  const ast::Expr& value = *lookup.value;
  if (kind == LookupKind::kIsNull ||
      (kind == LookupKind::kExact && value.kind == ast::ExprKind::kNone)) {
    ctx.Report(Category::kNotSupportedError, "djongo.array_reference_isnull",
               std::format("querysafe does not translate '{}' on djongo's ArrayReferenceField "
                           "'{}': djongo saves no references as [] and sends IS NULL as "
                           "{{'{}': None}}, which matches only documents without the field. "
                           "Filter on what you mean: ~Q({}__in=[...]) for entries without "
                           "given {}s.",
                           kind == LookupKind::kIsNull ? std::string(lookup.key)
                                                       : std::format("{}=None", lookup.key),
                           field.name, field.column, field.name, target->name),
               kind == LookupKind::kIsNull ? lookup_span : value.span);
    return nullptr;
  }
  Resolved r;
  r.ref.field = &field;
  r.ref.model = &model;
  r.ref.db_path = field.column;
  r.ref.django_path = field.name;
  r.ref.span = lookup.key_span;
  r.lookup = kind;
  r.explicit_lookup = i < parts.size();
  r.lookup_span = lookup_span;
  // The values are the target's keys: coerced to its primary key's type.
  r.value_field = pk;
  r.lookup_class = pk->cls;
  r.through_array = true;
  return BindResolved(ctx, model, r, value, lookup.span);
}

}  // namespace

const bound::Filter* BindDjongoLookup(Context& ctx, const schema::Model& model, const Field& field,
                                      const ast::Lookup& lookup) {
  const ast::KeyPart& head = lookup.parts[0];
  if (field.class_name == "ArrayReferenceField")
    return BindArrayReference(ctx, model, field, lookup);
  if (!IsContainer(field)) {
    // GenericObjectIdField, djongo's ObjectIdField, AutoField: Django's plain lookups.
    std::optional<Resolved> r =
        ResolveKey(ctx, model, lookup.parts, lookup.key_span, ResolveMode::kLookup);
    if (!r) return nullptr;
    return BindResolved(ctx, model, *r, *lookup.value, lookup.span);
  }
  LookupKind kind = LookupKind::kExact;
  Span lookup_span = head.span;
  if (lookup.parts.size() >= 2) {
    const ast::KeyPart& second = lookup.parts[1];
    std::optional<LookupKind> found = FindLookup(FieldClass::kChar, second.name);
    if (second.name == "isnull") found = LookupKind::kIsNull;
    if (!found || lookup.parts.size() > 2) {
      // Django's message for a name that is neither a lookup nor a transform of the field.
      ctx.Report(
          Category::kFieldError, "field.unsupported_lookup",
          std::format("Unsupported lookup '{}' for {} or join on the field not permitted. djongo "
                      "1.3 queries the fields of an embedded model with a dict: {}={{'{}': ...}}.",
                      second.name, field.class_name, head.name, second.name),
          second.span);
      return nullptr;
    }
    kind = *found;
    lookup_span = second.span;
  }
  const ast::Expr& value = *lookup.value;
  // `blog__isnull=True` and `blog=None`: the field itself (djongo's IsOp).
  if (kind == LookupKind::kIsNull || value.kind == ast::ExprKind::kNone) {
    std::optional<Resolved> r =
        ResolveKey(ctx, model, lookup.parts, lookup.key_span, ResolveMode::kLookup);
    if (!r) return nullptr;
    return BindResolved(ctx, model, *r, value, lookup.span);
  }
  if (!TakesDict(kind)) {
    ctx.Report(Category::kNotSupportedError, "djongo.dict_lookup",
               std::format("'{}' has no dict form on djongo's {}: djongo 1.3 takes a dict of "
                           "sub-field values with exact, gt, gte, lt, lte and the pattern lookups "
                           "(iexact, contains, startswith, endswith and their i-variants) only.",
                           bound::LookupName(kind), field.class_name),
               lookup_span);
    return nullptr;
  }
  const auto* dict = value.As<ast::DictLit>();
  if (dict == nullptr) {
    PyValue v;
    std::string_view type =
        PyValueFromAst(value, ctx.arena(), &v) ? PyTypeName(v.type) : std::string_view("it");
    ctx.Report(Category::kValidationError, "djongo.container_value",
               std::format("djongo queries the {} '{}' with a dict of one sub-field and its value, "
                           "e.g. {}={{'<field>': value}}; got {}.",
                           field.class_name, field.name, lookup.key, type),
               value.span);
    return nullptr;
  }
  Walk walk;
  walk.db_path = field.column;
  walk.django_path = field.name;
  return BindDict(ctx, model, field, false, *dict, kind, lookup_span, lookup.span, std::move(walk));
}

}  // namespace querysafe::analyze

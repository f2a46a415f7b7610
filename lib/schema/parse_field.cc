// One field of a model: its Django class (with or without the "Encrypted"
// prefix) and its constructor options. Which options a class takes follows
// Django's signatures, so that a typo
// ("max_lenght") or an option of another class (max_digits on a CharField) is
// reported instead of ignored.
#include <bson/bson.h>

#include <format>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "lib/schema/field_types.h"
#include "lib/schema/json_value.h"
#include "lib/schema/load_context.h"

namespace querysafe::schema {
namespace {

constexpr std::string_view kEncryptedPrefix = "Encrypted";

void WrongType(const bson_iter_t& it, std::string_view option, std::string_view expected,
               const std::string& location, LoadContext& ctx) {
  ctx.sink.Error("schema.wrong_type",
                 std::format("'{}' must be {}, got {}", option, expected, JsonTypeName(it)),
                 location);
}

std::vector<std::string_view> KnownTypeNames() {
  std::vector<std::string_view> names;
  for (const FieldTypeInfo& info : AllFieldTypes()) names.push_back(info.name);
  return names;
}

// Resolves "EncryptedCharField" / "CharField" to its class; reports unknown and
// impossible classes. Null if the field cannot be built.
const FieldTypeInfo* ResolveClass(std::string_view type, bool* encrypted,
                                  const std::string& location, LoadContext& ctx) {
  *encrypted = false;
  const FieldTypeInfo* info = FindFieldType(type);
  if (info == nullptr && type.starts_with(kEncryptedPrefix)) {
    std::string_view base = type.substr(kEncryptedPrefix.size());
    info = FindFieldType(base);
    if (info != nullptr) {
      if (!info->no_encrypted_reason.empty()) {
        // The documented "Encrypted version available? No" rows (encrypted-fields.rst): the
        // class does not exist in django_mongodb_backend.fields.
        ctx.sink.Error("schema.no_encrypted_version",
                       std::format("{} does not exist: {} has no encrypted version ({}).", type,
                                   base, info->no_encrypted_reason),
                       location);
        return nullptr;
      }
      *encrypted = true;
      return info;
    }
  }
  if (info != nullptr) return info;
  std::string_view unsupported = UnsupportedFieldReason(type);
  if (!unsupported.empty()) {
    ctx.sink.Error("schema.unsupported_field",
                   std::format("{} is not supported: {}.", type, unsupported), location);
    return nullptr;
  }
  std::string message = std::format("Unknown field type '{}'", type);
  std::vector<std::string_view> names = KnownTypeNames();
  std::string_view close = ClosestName(type, names);
  if (close.empty() && type.starts_with(kEncryptedPrefix)) {
    close = ClosestName(type.substr(kEncryptedPrefix.size()), names);
    if (!close.empty()) {
      message += std::format("; did you mean 'Encrypted{}'?", close);
      close = {};
    }
  }
  if (!close.empty()) message += std::format("; did you mean '{}'?", close);
  ctx.sink.Error("schema.unknown_field_type", std::move(message), location);
  return nullptr;
}

// A class of the other connector than the schema's engine, refused by name: djongo's
// EmbeddedField is not an EmbeddedModelField, and the two store and query differently.
bool CheckDialect(std::string_view type, const FieldTypeInfo& info, bool encrypted,
                  const std::string& location, LoadContext& ctx) {
  const bool djongo = ctx.schema->engine == Engine::kDjongo;
  if (djongo && (encrypted || info.dialect == Dialect::kMongodbBackend)) {
    std::string_view instead = "djongo 1.3 has no such field";
    if (encrypted) {
      instead = "djongo has no Queryable Encryption";
    } else if (info.cls == FieldClass::kEmbeddedModel) {
      instead = "djongo's is EmbeddedField(model_container=...)";
    } else if (info.cls == FieldClass::kEmbeddedModelArray) {
      instead = "djongo's is ArrayField(model_container=...)";
    } else if (info.cls == FieldClass::kObjectIdAuto) {
      instead = "djongo's is ObjectIdField";
    }
    ctx.sink.Error("schema.engine_field",
                   std::format("{} is django-mongodb-backend's field, and the schema's engine is "
                               "djongo ({}). Use it with \"engine\": \"django_mongodb_backend\".",
                               type, instead),
                   location);
    return false;
  }
  if (!djongo && info.dialect == Dialect::kDjongo) {
    std::string_view unsupported = UnsupportedFieldReason(type);
    if (!unsupported.empty()) {
      ctx.sink.Error("schema.unsupported_field",
                     std::format("{} is not supported: {}.", type, unsupported), location);
      return false;
    }
    ctx.sink.Error("schema.engine_field",
                   std::format("{} is djongo's field: declare \"engine\": \"djongo\" at the top "
                               "of the schema to use djongo's fields and query forms.",
                               type),
                   location);
    return false;
  }
  return true;
}

const FieldTypeInfo* ResolveType(std::string_view type, bool* encrypted,
                                 const std::string& location, LoadContext& ctx) {
  const FieldTypeInfo* info = ResolveClass(type, encrypted, location, ctx);
  if (info != nullptr && !CheckDialect(type, *info, *encrypted, location, ctx)) return nullptr;
  return info;
}

bool ReadOption(const OptionSpec& option, const bson_iter_t& it, Field& field, PendingRefs& refs,
                const std::string& location, LoadContext& ctx) {
  std::string_view name = option.name;
  switch (option.kind) {
    case OptionKind::kBool: {
      if (!BSON_ITER_HOLDS_BOOL(&it)) {
        WrongType(it, name, "a boolean", location, ctx);
        return false;
      }
      bool v = bson_iter_bool(&it);
      if (name == "null") field.null = v;
      if (name == "blank") field.blank = v;
      if (name == "unique") field.unique = v;
      if (name == "db_index") field.db_index = v;
      if (name == "primary_key") field.primary_key = v;
      if (name == "editable") field.editable = v;
      if (name == "auto_now") field.auto_now = v;
      if (name == "auto_now_add") field.auto_now_add = v;
      return true;
    }
    case OptionKind::kString: {
      std::optional<std::string_view> s = IterName(it);
      if (!s) {
        WrongType(it, name, "a string", location, ctx);
        return false;
      }
      if (name == "db_column") field.column = std::string(*s);
      if (name == "embedded_model") refs.embedded_model = std::string(*s);
      if (name == "to") refs.to = std::string(*s);
      if (name == "model_container") refs.embedded_model = std::string(*s);
      return true;
    }
    case OptionKind::kNonNegativeInteger: {
      std::optional<int64_t> v = IterInteger(it);
      if (!v || *v < 0) {
        WrongType(it, name, "a non-negative integer", location, ctx);
        return false;
      }
      if (name == "max_length") field.max_length = *v;
      if (name == "max_digits") field.max_digits = *v;
      if (name == "decimal_places") field.decimal_places = *v;
      if (name == "size" || name == "max_size") field.size = *v;
      return true;
    }
    case OptionKind::kAny:
      bson_append_iter(field.default_value.get(), "v", 1, &it);
      return true;
    case OptionKind::kChoices: {
      // fields.E005: an iterable of (value, label) pairs, or of (group name,
      // pairs).
      if (!BSON_ITER_HOLDS_ARRAY(&it)) {
        ctx.sink.Error("schema.invalid_choices",
                       "'choices' must be a mapping (e.g. a dictionary) or an "
                       "iterable (e.g. a "
                       "list or tuple).",
                       location);
        return false;
      }
      bson_iter_t pair;
      bson_iter_recurse(&it, &pair);
      while (bson_iter_next(&pair)) {
        bson_t doc;
        uint32_t len = 0;
        const uint8_t* data = nullptr;
        bool ok = BSON_ITER_HOLDS_ARRAY(&pair);
        if (ok) {
          bson_iter_array(&pair, &len, &data);
          ok = bson_init_static(&doc, data, len) && bson_count_keys(&doc) == 2;
        }
        if (!ok) {
          ctx.sink.Error("schema.invalid_choices",
                         "'choices' must be a mapping of actual values to "
                         "human readable names "
                         "or an iterable containing (actual value, human "
                         "readable name) tuples.",
                         Loc(location, IterKey(pair)));
          return false;
        }
      }
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_array(&it, &len, &data);
      BsonDoc::FromBytes(data, len, &field.choices);
      return true;
    }
    case OptionKind::kFieldSpec: {
      std::unique_ptr<Field> base = ParseField(field.name, it, field.model, location, ctx);
      if (!base) return false;
      if (base->cls == FieldClass::kForeignKey || base->cls == FieldClass::kOneToOne) {
        // ArrayField.check(): django_mongodb_backend.array.E002.
        ctx.sink.Error("schema.array_related_base",
                       "Base field for array cannot be a related field.", location);
      }
      field.base_field = std::move(base);
      return true;
    }
    case OptionKind::kStringList: {
      if (!BSON_ITER_HOLDS_ARRAY(&it)) {
        WrongType(it, name, "a list of model names", location, ctx);
        return false;
      }
      bson_iter_t item;
      bson_iter_recurse(&it, &item);
      while (bson_iter_next(&item)) {
        std::optional<std::string_view> s = IterName(item);
        if (!s) {
          WrongType(item, name, "a list of model names", Loc(location, IterKey(item)), ctx);
          return false;
        }
        refs.embedded_models.push_back(std::string(*s));
      }
      return true;
    }
    case OptionKind::kQueries:
      ParseQueries(field, it, location, ctx);
      return true;
    case OptionKind::kIgnored:
      return true;
  }
  return false;
}

std::vector<std::string_view> OptionNames() {
  std::vector<std::string_view> names = {"type"};
  for (const OptionSpec& o : AllOptions()) names.push_back(o.name);
  return names;
}

void RequireReference(const Field& field, bool present, std::string_view option, LoadContext& ctx) {
  if (present) return;
  // Django's TypeError for the missing positional argument.
  ctx.sink.Error("schema.missing_option",
                 std::format("{}.__init__() missing 1 required positional argument: '{}'",
                             field.class_name, option),
                 field.location);
}

}  // namespace

std::unique_ptr<Field> ParseField(std::string_view name, const bson_iter_t& value,
                                  const Model* model, const std::string& location,
                                  LoadContext& ctx) {
  if (!BSON_ITER_HOLDS_DOCUMENT(&value)) {
    ctx.sink.Error(
        "schema.wrong_type",
        std::format("A field must be an object with a \"type\", got {}", JsonTypeName(value)),
        location);
    return nullptr;
  }
  bson_iter_t it;
  bson_iter_recurse(&value, &it);
  std::optional<std::string_view> type;
  if (bson_iter_find(&it, "type")) {
    type = IterName(it);
    if (!type) {
      WrongType(it, "type", "a Django field class name", Loc(location, "type"), ctx);
      return nullptr;
    }
  } else {
    ctx.sink.Error("schema.missing_option",
                   "A field needs a \"type\": its Django field class, e.g. \"CharField\"",
                   location);
    return nullptr;
  }
  bool encrypted = false;
  const FieldTypeInfo* info = ResolveType(*type, &encrypted, Loc(location, "type"), ctx);
  if (info == nullptr) return nullptr;

  auto field = std::make_unique<Field>();
  field->name = std::string(name);
  field->class_name = std::string(*type);
  field->cls = info->cls;
  field->encrypted = encrypted;
  field->bson_type = info->bson_type;
  field->model = model;
  field->location = location;
  PendingRefs refs;
  refs.field = field.get();

  bson_iter_recurse(&value, &it);
  absl::flat_hash_set<std::string_view> seen;
  while (bson_iter_next(&it)) {
    std::string_view key = IterKey(it);
    std::string at = Loc(location, key);
    if (!seen.insert(key).second) {
      ctx.sink.Error("schema.duplicate_key", std::format("Duplicate key '{}'", key), at);
      continue;
    }
    if (key == "type") continue;
    const OptionSpec* option = FindOption(key);
    if (option == nullptr) {
      std::string message = std::format("{} has no option '{}'", field->class_name, key);
      std::vector<std::string_view> names = OptionNames();
      std::string_view close = ClosestName(key, names);
      if (!close.empty()) message += std::format("; did you mean '{}'?", close);
      ctx.sink.Error("schema.unknown_option", std::move(message), at);
      continue;
    }
    bool accepted =
        (info->options & option->group) != 0 || (option->group == kEncryptedOptions && encrypted);
    if (accepted && info->cls == FieldClass::kArray) {
      // One class name, two connectors: django-mongodb-backend's ArrayField(base_field) and
      // djongo's ArrayField(model_container) (djongo/models/fields.py, FormedField).
      const bool djongo = ctx.schema->engine == Engine::kDjongo;
      if (djongo && option->group == kArrayOptions) {
        ctx.sink.Error("schema.unknown_option",
                       "djongo's ArrayField takes model_container (an abstract model), not "
                       "base_field: djongo 1.3 has no array of scalars",
                       at);
        continue;
      }
      if (!djongo && option->group == kContainerOptions) {
        ctx.sink.Error("schema.engine_field",
                       std::format("ArrayField({}=...) is djongo's field: declare \"engine\": "
                                   "\"djongo\" at the top of the schema, or use "
                                   "EmbeddedModelArrayField(embedded_model=...)",
                                   key),
                       at);
        continue;
      }
    }
    if (!accepted) {
      std::string message = std::format("{} does not take the option '{}'", field->class_name, key);
      if (option->group == kEncryptedOptions) {
        message += std::format(" (only encrypted fields do, e.g. Encrypted{})", info->name);
      }
      ctx.sink.Error("schema.unknown_option", std::move(message), at);
      continue;
    }
    ReadOption(*option, it, *field, refs, at, ctx);
  }

  if (info->dialect == Dialect::kDjongo ||
      (ctx.schema->engine == Engine::kDjongo &&
       (field->cls == FieldClass::kArray || field->cls == FieldClass::kObjectId))) {
    field->djongo = true;
    // djongo's ArrayField is an array of its model_container's documents: what
    // EmbeddedModelArrayField stores.
    if (field->class_name == "ArrayField") field->cls = FieldClass::kEmbeddedModelArray;
    // djongo's ObjectIdField is an AutoField over `_id` with primary_key=True unless told
    // otherwise (ObjectIdField.__init__); GenericObjectIdField is the plain one.
    if (field->class_name == "ObjectIdField" && !seen.contains("primary_key")) {
      field->primary_key = true;
    }
  }
  switch (field->cls) {
    case FieldClass::kEmbeddedModel:
    case FieldClass::kEmbeddedModelArray:
      RequireReference(*field, !refs.embedded_model.empty(),
                       field->djongo ? "model_container" : "embedded_model", ctx);
      break;
    case FieldClass::kPolymorphicEmbeddedModel:
    case FieldClass::kPolymorphicEmbeddedModelArray:
      RequireReference(*field, !refs.embedded_models.empty(), "embedded_models", ctx);
      break;
    case FieldClass::kForeignKey:
    case FieldClass::kOneToOne:
      RequireReference(*field, !refs.to.empty(), "to", ctx);
      break;
    case FieldClass::kArray:
      if (field->class_name == "ArrayReferenceField") {
        RequireReference(*field, !refs.to.empty(), "to", ctx);
      } else {
        RequireReference(*field, field->base_field != nullptr || seen.contains("base_field"),
                         "base_field", ctx);
      }
      break;
    default:  // the other classes name no model or field to resolve
      break;
  }

  // Django: a relation's attname is "<name>_id"; the column is db_column, else
  // the attname.
  // ArrayReferenceField is a ForeignKey subclass in djongo and keeps its attname.
  bool relation = field->cls == FieldClass::kForeignKey || field->cls == FieldClass::kOneToOne ||
                  field->class_name == "ArrayReferenceField";
  field->attname = relation ? std::format("{}_id", field->name) : field->name;
  if (field->column.empty()) {
    // ObjectIdAutoField always stores the primary key as `_id`.
    field->column = field->cls == FieldClass::kObjectIdAuto ? "_id" : field->attname;
  }
  if (!refs.embedded_model.empty() || !refs.embedded_models.empty() || !refs.to.empty()) {
    ctx.refs.push_back(std::move(refs));
  }
  return field;
}

}  // namespace querysafe::schema

#include "lib/analyze/instance_binder.h"

#include <format>
#include <string>
#include <string_view>

#include "lib/analyze/coerce.h"
#include "lib/analyze/py_value.h"
#include "lib/common/civil_time.h"

namespace querysafe::analyze {
namespace {

using schema::Field;
using schema::FieldClass;
using schema::Model;

bool IsEmbedded(FieldClass cls) {
  return cls == FieldClass::kEmbeddedModel || cls == FieldClass::kPolymorphicEmbeddedModel;
}

bool IsEmbeddedArray(FieldClass cls) {
  return cls == FieldClass::kEmbeddedModelArray ||
         cls == FieldClass::kPolymorphicEmbeddedModelArray;
}

std::string_view JsonTypeOf(bson_type_t type) {
  switch (type) {
    case BSON_TYPE_DOCUMENT:
      return "object";
    case BSON_TYPE_ARRAY:
      return "array";
    case BSON_TYPE_UTF8:
      return "string";
    case BSON_TYPE_BOOL:
      return "boolean";
    case BSON_TYPE_NULL:
      return "null";
    default:
      return "number";
  }
}

bson_value_t DocumentValue(const BsonDoc& doc, bson_type_t type) {
  bson_value_t v{};
  v.value_type = type;
  v.value.v_doc.data = const_cast<uint8_t*>(doc.data());
  v.value.v_doc.data_len = doc.size();
  return v;
}

class Builder {
 public:
  Builder(const schema::Schema& schema, const Model& top, BuildMode mode,
          std::chrono::system_clock::time_point now, bound::Instance* out)
      : schema_(schema), top_(top), mode_(mode), now_(now), out_(out) {}

  void Build(const bson_t* values) {
    BuildModel(top_, values, out_->document.get(), "", top_.name, true);
  }

 private:
  void Report(Category category, std::string code, std::string message, std::string location,
              int32_t server_code = 0) {
    if (out_->diagnostics.size() >= kMaxDiagnostics) return;
    Diagnostic d;
    d.category = category;
    d.code = std::move(code);
    d.message = std::move(message);
    d.server_code = server_code;
    d.location = std::move(location);
    out_->diagnostics.push_back(std::move(d));
  }

  // The field a key of the values names: attribute name, attname ("author_id")
  // or, at the top level, "pk".
  static const Field* FieldFor(const Model& model, std::string_view key, bool top_level) {
    if (key == "pk") return top_level ? model.pk : nullptr;
    for (const auto& f : model.fields) {
      if (f->name == key || f->attname == key) return f.get();
    }
    return nullptr;
  }

  void BuildModel(const Model& model, const bson_t* values, bson_t* doc,
                  const std::string& path_prefix, const std::string& location, bool top_level) {
    // Which value goes to which field; what matches no field is reported as
    // Django's Model.__init__ reports it.
    std::vector<std::pair<const Field*, bson_iter_t>> given;
    std::string unexpected;
    bson_iter_t it;
    if (values != nullptr && bson_iter_init(&it, values)) {
      while (bson_iter_next(&it)) {
        const std::string_view key = bson_iter_key(&it);
        if (!top_level && key == "_label") continue;  // polymorphic, see below
        const Field* field = FieldFor(model, key, top_level);
        bool taken = false;
        for (const auto& [f, _] : given) taken = taken || f == field;
        if (field == nullptr || taken) {
          unexpected += std::format("{}'{}'", unexpected.empty() ? "" : ", ", key);
          continue;
        }
        given.emplace_back(field, it);
      }
    }
    if (!unexpected.empty()) {
      Report(Category::kFieldError, "value.unexpected_field",
             std::format("{}() got unexpected keyword arguments: {}", model.name, unexpected),
             location);
    }
    for (const auto& f : model.fields) {
      const bson_iter_t* value = nullptr;
      for (const auto& [field, iter] : given) {
        if (field == f.get()) value = &iter;
      }
      BuildField(*f, value, doc, path_prefix + f->column, std::format("{}.{}", location, f->name),
                 top_level);
    }
  }

  void BuildField(const Field& f, const bson_iter_t* given, bson_t* doc, const std::string& db_path,
                  const std::string& location, bool top_level) {
    const KeyScope scope(&keys_, f.column);
    const std::string& key = f.column;
    bson_value_t value{};
    value.value_type = BSON_TYPE_NULL;
    BsonDoc holder;  // keeps a computed value alive
    bool have = false;
    bool coerced = false;  // `value` already has the field's type
    if (given != nullptr && BSON_ITER_HOLDS_NULL(given) && f.primary_key &&
        f.cls == FieldClass::kObjectIdAuto) {
      given = nullptr;  // Patient(id=None): Django makes one
    }
    if (given != nullptr) {
      value = *bson_iter_value(const_cast<bson_iter_t*>(given));
      have = true;
    } else if (f.primary_key && f.cls == FieldClass::kObjectIdAuto) {
      if (!top_level) return;  // an unset embedded pk is left out
      if (mode_ == BuildMode::kSave) {
        Report(Category::kValidationError, "value.missing_pk",
               std::format("save() needs the primary key '{}' of the {} to "
                           "update",
                           f.name, top_.name),
               location);
        return;
      }
      // Drivers make the ObjectId client-side (PyMongo's insert_many).
      value.value_type = BSON_TYPE_OID;
      bson_oid_init(&value.value.v_oid, nullptr);
      have = coerced = true;
    } else if (f.auto_now || (f.auto_now_add && mode_ == BuildMode::kInsert)) {
      have = Now(f, &value, location);
      if (!have) return;
      coerced = true;
    } else if (!f.default_value.empty()) {
      bson_iter_t d;
      if (bson_iter_init_find(&d, f.default_value.get(), "v")) {
        value = *bson_iter_value(&d);
        have = true;
      }
    } else if (schema::EmptyStringsAllowed(f.cls) && !f.null) {
      // Django's Field.get_default() without a default: "" (b"" for a BinaryField).
      if (f.cls == FieldClass::kBinary) {
        value.value_type = BSON_TYPE_BINARY;
        value.value.v_binary.subtype = BSON_SUBTYPE_BINARY;
        value.value.v_binary.data = nullptr;
        value.value.v_binary.data_len = 0;
      } else {
        value.value_type = BSON_TYPE_UTF8;
        value.value.v_utf8.str = const_cast<char*>("");
        value.value.v_utf8.len = 0;
      }
      have = true;
    }
    if (!have || value.value_type == BSON_TYPE_NULL) {
      if (f.null) {
        bson_append_null(doc, key.c_str(), static_cast<int>(key.size()));
      } else {
        Report(Category::kValidationError, "value.null", "This field cannot be null.", location);
      }
      return;
    }

    if (IsEmbedded(f.cls) || IsEmbeddedArray(f.cls)) {
      BsonDoc built;
      if (!BuildEmbeddedValue(f, value, db_path, location, &built)) return;
      const bson_type_t type = IsEmbedded(f.cls) ? BSON_TYPE_DOCUMENT : BSON_TYPE_ARRAY;
      const bson_value_t built_value = DocumentValue(built, type);
      if (f.encrypted) {
        AppendEncrypted(db_path, built_value, doc, key, location);
      } else {
        bson_append_value(doc, key.c_str(), static_cast<int>(key.size()), &built_value);
      }
      return;
    }
    if (f.cls == FieldClass::kJSON) {
      // JSONField keeps what it is given (PyMongo encodes the dict as is).
      bson_append_value(doc, key.c_str(), static_cast<int>(key.size()), &value);
      return;
    }
    bson_value_t out = value;
    if (!coerced && !Coerce(f, value, &out, location)) return;
    if (f.primary_key && top_level) SetPk(out);
    if (f.encrypted) {
      AppendEncrypted(db_path, out, doc, key, location);
    } else {
      bson_append_value(doc, key.c_str(), static_cast<int>(key.size()), &out);
    }
  }

  void SetPk(const bson_value_t& value) {
    out_->pk.Clear();
    bson_append_value(out_->pk.get(), "_id", 3, &value);
  }

  // The current time as the field stores it: auto_now uses timezone.now()
  // (UTC with USE_TZ), date.today() for a DateField, the time of day for a
  // TimeField; all in UTC here.
  bool Now(const Field& f, bson_value_t* out, const std::string& location) {
    const int64_t ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now_.time_since_epoch()).count();
    int64_t days = ms / civil::kMillisPerDay;
    int64_t rem = ms % civil::kMillisPerDay;
    if (rem < 0) rem += civil::kMillisPerDay, --days;
    const civil::Date d = civil::CivilFromDays(days);
    PyValue v;
    v.type = f.cls == FieldClass::kDate   ? PyValue::Type::kDate
             : f.cls == FieldClass::kTime ? PyValue::Type::kTime
                                          : PyValue::Type::kDateTime;
    v.year = static_cast<int32_t>(d.year), v.month = d.month, v.day = d.day;
    v.hour = static_cast<int32_t>(rem / 3'600'000);
    v.minute = static_cast<int32_t>(rem / 60'000 % 60);
    v.second = static_cast<int32_t>(rem / 1000 % 60);
    v.microsecond = static_cast<int32_t>(rem % 1000 * 1000);
    v.aware = v.type == PyValue::Type::kDateTime;
    return CoercePy(f, v, out, location);
  }

  bool Coerce(const Field& f, const bson_value_t& value, bson_value_t* out,
              const std::string& location) {
    PyValue py;
    if (!PyValueFromBson(value, &arena_, &py)) {
      Report(Category::kValidationError, "value.invalid_type",
             std::format("A JSON {} is not a value for {} '{}'", JsonTypeOf(value.value_type),
                         f.class_name, f.name),
             location);
      return false;
    }
    return CoercePy(f, py, out, location);
  }

  bool CoercePy(const Field& f, const PyValue& py, bson_value_t* out, const std::string& location) {
    CoerceError error;
    if (CoerceToField(py, f, {}, &arena_, out, &error)) return true;
    Report(error.category, error.code, error.message, location, error.server_code);
    return false;
  }

  // The model a polymorphic value names with "_label" ("app.Model" or
  // "Model"); the only candidate if there is one and no label.
  const Model* PolymorphicModel(const Field& f, const bson_t* value, const std::string& location) {
    bson_iter_t it;
    if (bson_iter_init_find(&it, value, "_label") && BSON_ITER_HOLDS_UTF8(&it)) {
      std::string_view label = bson_iter_utf8(&it, nullptr);
      const size_t dot = label.rfind('.');
      const std::string_view name = dot == std::string_view::npos ? label : label.substr(dot + 1);
      for (const Model* m : f.embedded_models) {
        if (m->name == name) return m;
      }
    } else if (f.embedded_models.size() == 1) {
      return f.embedded_models.front();
    }
    std::string names;
    for (const Model* m : f.embedded_models) {
      names += std::format("{}{}", names.empty() ? "" : ", ", m->name);
    }
    Report(Category::kValidationError, "value.embedded_label",
           std::format("A {} value needs a \"_label\" naming one of: {}", f.class_name, names),
           location);
    return nullptr;
  }

  // One embedded instance (a JSON object of its fields) built into `out`.
  bool BuildInstance(const Field& f, const bson_value_t& value, const std::string& db_path,
                     const std::string& location, BsonDoc* out) {
    if (value.value_type != BSON_TYPE_DOCUMENT) {
      Report(Category::kValidationError, "value.embedded_model",
             std::format("Expected a {} (a JSON object of its fields), not a "
                         "JSON {}.",
                         f.embedded_model != nullptr ? f.embedded_model->name : f.class_name,
                         JsonTypeOf(value.value_type)),
             location);
      return false;
    }
    bson_t fields;
    if (!bson_init_static(&fields, value.value.v_doc.data, value.value.v_doc.data_len)) {
      return false;
    }
    const bool polymorphic = f.cls == FieldClass::kPolymorphicEmbeddedModel ||
                             f.cls == FieldClass::kPolymorphicEmbeddedModelArray;
    const Model* model = polymorphic ? PolymorphicModel(f, &fields, location) : f.embedded_model;
    if (model == nullptr) return false;
    const size_t before = out_->diagnostics.size();
    BuildModel(*model, &fields, out->get(), db_path + ".", location, false);
    if (polymorphic) {
      // django-mongodb-backend stores the model's label next to its fields.
      const std::string label = schema_.app_label.empty()
                                    ? model->name
                                    : std::format("{}.{}", schema_.app_label, model->name);
      AppendUtf8(out->get(), "_label", label);
    }
    return out_->diagnostics.size() == before;
  }

  bool BuildEmbeddedValue(const Field& f, const bson_value_t& value, const std::string& db_path,
                          const std::string& location, BsonDoc* out) {
    if (IsEmbedded(f.cls)) return BuildInstance(f, value, db_path, location, out);
    if (value.value_type != BSON_TYPE_ARRAY) {
      Report(Category::kValidationError, "value.embedded_model_array",
             std::format("Expected a list of {} values, not a JSON {}.", f.class_name,
                         JsonTypeOf(value.value_type)),
             location);
      return false;
    }
    bson_t items;
    bson_iter_t it;
    if (!bson_init_static(&items, value.value.v_doc.data, value.value.v_doc.data_len) ||
        !bson_iter_init(&it, &items)) {
      return false;
    }
    bool ok = true;
    size_t i = 0;
    while (bson_iter_next(&it)) {
      BsonDoc item;
      const KeyScope scope(&keys_, std::to_string(i));
      // Paths inside arrays carry no index (as in encryptedFields).
      if (!BuildInstance(f, *bson_iter_value(&it), db_path, std::format("{}[{}]", location, i),
                         &item)) {
        ok = false;
      } else {
        const std::string index = std::to_string(i);
        bson_append_document(out->get(), index.c_str(), -1, item.get());
      }
      ++i;
    }
    return ok;
  }

  void AppendEncrypted(const std::string& db_path, const bson_value_t& value, bson_t* doc,
                       const std::string& key, const std::string& location) {
    const schema::EncryptedPath* path = top_.FindEncryptedPath(db_path);
    if (path == nullptr) {
      Report(Category::kImproperlyConfigured, "value.no_encrypted_path",
             std::format("{} has no encryptedFields entry for '{}'", top_.db_table, db_path),
             location);
      return;
    }
    // Lowering puts the encryption placeholder here (lib/lower/lowered_instance.h).
    out_->encrypted.push_back({path, db_path, keys_});
    bson_append_value(doc, key.c_str(), static_cast<int>(key.size()), &value);
  }

  // The keys from the document's top to the value being built.
  class KeyScope {
   public:
    KeyScope(std::vector<std::string>* keys, std::string key) : keys_(keys) {
      keys_->push_back(std::move(key));
    }
    ~KeyScope() { keys_->pop_back(); }
    KeyScope(const KeyScope&) = delete;
    KeyScope& operator=(const KeyScope&) = delete;

   private:
    std::vector<std::string>* keys_;
  };

  const schema::Schema& schema_;
  const Model& top_;
  BuildMode mode_;
  std::chrono::system_clock::time_point now_;
  bound::Instance* out_;
  Arena arena_;
  std::vector<std::string> keys_;
};

}  // namespace

bound::Instance BindInstance(const schema::Schema& schema, const Model& model, const bson_t* values,
                             BuildMode mode, std::chrono::system_clock::time_point now) {
  bound::Instance out;
  Builder(schema, model, mode, now, &out).Build(values);
  return out;
}

std::optional<Diagnostic> BindPrimaryKey(const Model& model, const bson_value_t& pk, Arena* arena,
                                         bson_value_t* out) {
  PyValue py;
  CoerceError error;
  if (!PyValueFromBson(pk, arena, &py)) {
    error = {Category::kValidationError, "value.invalid_type",
             std::format("This value cannot be the primary key of {}", model.name)};
  } else if (CoerceToField(py, *model.pk, {}, arena, out, &error)) {
    return std::nullopt;
  }
  Diagnostic d;
  d.category = error.category;
  d.code = error.code;
  d.message = error.message;
  d.location = std::format("{}.{}", model.name, model.pk->name);
  return d;
}

}  // namespace querysafe::analyze

#include "lib/analyze/resolve.h"

#include <algorithm>
#include <format>
#include <string>

#include "lib/analyze/lookup_table.h"
#include "lib/analyze/rules/rules.h"
#include "lib/common/difflib.h"
#include "lib/schema/field_types.h"

namespace querysafe::analyze {

using schema::Field;
using schema::FieldClass;
using schema::Model;

KeyParts SplitKey(std::string_view key, uint32_t begin) {
  KeyParts parts;
  size_t start = 0;
  while (true) {
    size_t sep = key.find("__", start);
    size_t end = sep == std::string_view::npos ? key.size() : sep;
    parts.push_back({key.substr(start, end - start),
                     {begin + static_cast<uint32_t>(start), begin + static_cast<uint32_t>(end)}});
    if (sep == std::string_view::npos) break;
    start = sep + 2;
  }
  return parts;
}

namespace {

std::string Join(const std::vector<std::string>& names, std::string_view sep) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += sep;
    out += n;
  }
  return out;
}

// Django's get_field_names_from_opts() plus reverse relations: every name a filter may start
// with on `model`, sorted, for "Choices are: ...".
std::string Choices(const Context& ctx, const Model& model) {
  std::vector<std::string> names;
  for (const auto& f : model.fields) {
    names.push_back(f->name);
    if (f->attname != f->name) names.push_back(f->attname);
  }
  // Reverse relations: a ForeignKey to this model from another makes `<othermodel>` a name.
  for (const auto& other : ctx.schema().models) {
    for (const auto& f : other->fields) {
      if (f->related_model == &model) {
        std::string lowered;
        for (char c : other->name) lowered.push_back(static_cast<char>(std::tolower(c)));
        names.push_back(lowered);
      }
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return Join(names, ", ");
}

std::string Suggestion(std::string_view name, FieldClass cls) {
  std::vector<std::string_view> lookups = LookupNames(cls);
  std::vector<std::string> close = GetCloseMatches(name, lookups);
  if (close.empty()) return ".";
  return ", perhaps you meant " + Join(close, " or ") + "?";
}

bool IsEmbedded(FieldClass cls) {
  return cls == FieldClass::kEmbeddedModel || cls == FieldClass::kEmbeddedModelArray ||
         cls == FieldClass::kPolymorphicEmbeddedModel ||
         cls == FieldClass::kPolymorphicEmbeddedModelArray;
}

const Field* FindSubField(const Field& field, std::string_view name) {
  if (field.embedded_model != nullptr) return field.embedded_model->FindField(name);
  for (const Model* m : field.embedded_models) {
    if (const Field* f = m->FindField(name)) return f;
  }
  return nullptr;
}

std::string_view EmbeddedModelName(const Field& field) {
  if (field.embedded_model != nullptr) return field.embedded_model->name;
  return field.embedded_models.empty() ? std::string_view("EmbeddedModel")
                                       : std::string_view(field.embedded_models[0]->name);
}

}  // namespace

std::optional<Resolved> ResolveKey(Context& ctx, const Model& model,
                                   std::span<const ast::KeyPart> parts, Span key_span,
                                   ResolveMode mode) {
  const size_t n = parts.size();
  if (n == 0) return std::nullopt;
  Resolved r;
  r.ref.span = key_span;

  const Model* collection = &model;  // whose encryptedFields apply (the root, or a joined model)
  const Field* field = model.FindField(parts[0].name);
  if (field == nullptr) {
    ctx.Report(Category::kFieldError, "field.unknown",
               std::format("Cannot resolve keyword '{}' into field. Choices are: {}", parts[0].name,
                           Choices(ctx, model)),
               parts[0].span);
    return std::nullopt;
  }
  // `rel_path` is the path inside `collection`; `join_alias` names the join in front of it. Both
  // view schema strings until a walk into an embedded model or a JSON key extends the path in
  // `rel_path_buffer`: most keys name one column, and need no copy of it.
  std::string_view rel_path = field->column;
  std::string rel_path_buffer;
  std::string_view join_alias;
  const auto extend = [&](std::string_view part) {
    if (rel_path.data() != rel_path_buffer.data()) rel_path_buffer.assign(rel_path);
    rel_path_buffer += '.';
    rel_path_buffer += part;
    rel_path = rel_path_buffer;
  };
  const auto full_path = [&] {
    return join_alias.empty() ? std::string(rel_path) : std::format("{}.{}", join_alias, rel_path);
  };
  bool below_embedded = false;  // KeyTransform context: lookup errors name the field
  size_t i = 1;

  // Phase 1: walk through fields.
  for (; i < n; ++i) {
    std::string_view name = parts[i].name;
    const bool last = i + 1 == n;
    const bool lookup_here =
        mode == ResolveMode::kLookup && last && FindLookup(field->cls, name).has_value();
    if (field->encrypted && (IsEmbedded(field->cls) || field->cls == FieldClass::kArray)) {
      if (lookup_here) break;
      // Below an encrypted subdocument: the server sees one ciphertext, not its fields.
      std::string full = full_path();
      const Field* cursor = field;
      for (size_t j = i; j < n; ++j) {
        const Field* sub = cursor != nullptr ? FindSubField(*cursor, parts[j].name) : nullptr;
        full += ".";
        full += sub != nullptr ? std::string_view(sub->column) : parts[j].name;
        cursor = sub;
      }
      rules::ReportEncryptedPrefix(ctx, full, key_span);
      return std::nullopt;
    }
    if (IsEmbedded(field->cls)) {
      if (lookup_here) break;
      if (field->djongo) {
        // djongo 1.3 registers no transforms on its EmbeddedField and ArrayField: their
        // sub-fields are queried with a dict (djongo_binder.cc), and order_by()/values() cannot
        // name them (Django: "Join on 'blog' not permitted").
        ctx.Report(Category::kFieldError, "field.join_not_permitted",
                   std::format("Cannot resolve keyword '{}' into field. Join on '{}' not "
                               "permitted. djongo 1.3 queries the fields of an embedded model "
                               "with a dict: {}={{'{}': ...}}.",
                               name, parts[i - 1].name, parts[i - 1].name, name),
                   parts[i].span);
        return std::nullopt;
      }
      // An array of embedded models is an ArrayField: its transforms (len) come before its
      // models' fields, as ArrayField.get_transform() runs first in its get_transform().
      if (FindTransform(field->cls, name).has_value()) break;
      const Field* sub = FindSubField(*field, name);
      if (sub == nullptr) {
        // EmbeddedModelField.get_transform(): embedded_model._meta.get_field(name).
        ctx.Report(Category::kFieldError, "field.unknown_embedded",
                   std::format("{} has no field named '{}'", EmbeddedModelName(*field), name),
                   parts[i].span);
        return std::nullopt;
      }
      if (field->cls == FieldClass::kEmbeddedModelArray ||
          field->cls == FieldClass::kPolymorphicEmbeddedModelArray) {
        r.through_array = true;
      }
      extend(sub->column);
      field = sub;
      below_embedded = true;
      continue;
    }
    if (field->cls == FieldClass::kForeignKey || field->cls == FieldClass::kOneToOne) {
      const Model* target = field->related_model;
      if (name == "pk" ||
          (target != nullptr && target->pk != nullptr && name == target->pk->name)) {
        // Django trims the join: author__pk is the local author_id column.
        continue;
      }
      if (lookup_here) break;
      const Field* sub = target != nullptr ? target->FindField(name) : nullptr;
      if (sub == nullptr) {
        if (mode == ResolveMode::kField) {
          ctx.Report(Category::kFieldError, "field.unknown",
                     std::format("Cannot resolve keyword '{}' into field. Choices are: {}", name,
                                 target ? Choices(ctx, *target) : std::string()),
                     parts[i].span);
        } else {
          ctx.Report(Category::kFieldError, "field.related_invalid_lookup",
                     std::format("Related Field got invalid lookup: {}", name), parts[i].span);
        }
        return std::nullopt;
      }
      if (r.ref.join != nullptr) {
        // Chained joins (book__author__publisher__name) need nested $lookup stages.
        ctx.Report(Category::kNotSupportedError, "queryset.nested_join",
                   "querysafe follows one ForeignKey per lookup; chained relations are not "
                   "supported.",
                   key_span);
        return std::nullopt;
      }
      auto* join = ctx.arena()->New<bound::Join>();
      ctx.NoteJoin();
      join->fk = field;
      join->target = target;
      join->local_column = field->column;
      join->alias = field->name;
      r.ref.join = join;
      collection = target;
      join_alias = field->name;
      rel_path = sub->column;
      field = sub;
      continue;
    }
    if (field->cls == FieldClass::kJSON || r.json_key) {
      if (lookup_here) break;
      // KeyTransform: any other name is a key of the JSON document.
      extend(name);
      r.json_key = true;
      continue;
    }
    break;
  }

  r.ref.field = field;
  r.ref.model = field->model;
  // A one-column path names the schema's own string: no copy on the common path.
  r.ref.db_path = join_alias.empty() && rel_path.data() != rel_path_buffer.data()
                      ? rel_path
                      : ctx.Keep(full_path());
  if (i == 1) {
    r.ref.django_path = parts[0].name;
  } else {
    std::string django_path(parts[0].name);
    for (size_t j = 1; j < i; ++j) {
      django_path += "__";
      django_path += parts[j].name;
    }
    r.ref.django_path = ctx.Keep(django_path);
  }
  if (!r.json_key && collection->has_encrypted_fields()) {
    r.ref.encrypted = collection->FindEncryptedPath(rel_path);
  }
  r.value_field = field;
  r.lookup_class = field->cls;

  // Phase 2: transforms, then the lookup.
  if (i < n && mode == ResolveMode::kField) {
    ctx.Report(Category::kFieldError, "field.join_not_permitted",
               std::format("Cannot resolve keyword '{}' into field. Join on '{}' not permitted.",
                           parts[i].name, parts[i - 1].name),
               parts[i].span);
    return std::nullopt;
  }
  for (; i < n; ++i) {
    std::string_view name = parts[i].name;
    const bool last = i + 1 == n;
    if (last && !r.json_key) {
      if (auto lookup = FindLookup(r.lookup_class, name)) {
        r.lookup = *lookup;
        r.explicit_lookup = true;
        r.lookup_span = parts[i].span;
        break;
      }
    } else if (last && r.json_key) {
      if (auto lookup = FindLookup(FieldClass::kJSON, name)) {
        r.lookup = *lookup;
        r.explicit_lookup = true;
        r.lookup_span = parts[i].span;
        break;
      }
    }
    std::optional<bound::Transform> transform =
        r.json_key ? std::nullopt : FindTransform(r.lookup_class, name);
    if (!transform) {
      std::string message =
          below_embedded
              ? std::format("Unsupported lookup '{}' for {} '{}'{}", name, field->class_name,
                            field->name, Suggestion(name, r.lookup_class))
              : std::format("Unsupported lookup '{}' for {} or join on the field not permitted{}",
                            name, schema::FieldTypeOf(r.lookup_class).name,
                            Suggestion(name, r.lookup_class));
      ctx.Report(Category::kFieldError, "field.unsupported_lookup", std::move(message),
                 parts[i].span);
      return std::nullopt;
    }
    // Django's Extract and TruncDate/TruncTime convert to the current time zone only when their
    // input is a DateTimeField (TimezoneMixin); a DateField's or TimeField's values have no time
    // zone (django-mongodb-backend adds one to DateField extracts as well, which is its bug).
    const std::string_view zone =
        r.lookup_class == FieldClass::kDateTime ? ctx.time_zone() : std::string_view();
    transform->span = parts[i].span;
    transform->time_zone = zone;
    r.transforms.push_back(*transform);
    const bound::TransformInfo& info = bound::TransformOf(transform->kind);
    if (info.element) {
      // An ArrayField's element: its base field, when the schema names one.
      const Field* base = field->base_field.get();
      r.value_field = base;
      if (base != nullptr) r.lookup_class = base->cls;
    } else {
      // The transform's output field, not the model's, unless the result is of the field's own
      // class: then the field's options (an ArrayField's base field) still say what a value is.
      if (info.output != r.lookup_class) r.value_field = nullptr;
      r.lookup_class = info.output;
    }
  }
  return r;
}

}  // namespace querysafe::analyze

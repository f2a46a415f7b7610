// querysafe._querysafe: the public C++ API (include/querysafe/) for Python, with nanobind. The
// package's Python part (../querysafe/) is the API users see: it raises the exceptions and
// decodes the commands. Here every call that can fail returns (value or None, diagnostics,
// rendering) instead of raising, so that the exception classes live in one place; argument
// errors (wrong types, unconvertible values) raise TypeError or ValueError, which the package
// turns into querysafe.ArgumentError.
//
// The GIL is released while C++ works (schema loading, compiling, translating, encrypting):
// Schema, Query, Translation and Encryptor are immutable and safe to share between threads
// (their headers say so), and Python objects are only touched with the GIL held. A builder's
// calls arrive as one list and are applied to a fresh QueryBuilder inside one call, so no mutable
// C++ object is ever shared between threads.
#include <bson/bson.h>
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/string_view.h>
#include <nanobind/stl/vector.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "querysafe/client.h"
#include "querysafe/crypt.h"
#include "querysafe/diagnostic.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"
#include "querysafe/version.h"
#include "to_bson.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace querysafe::python {
namespace {

// A compiled query; a built one (QueryBuilder) carries the values its calls bound.
struct PyQuery {
  Query query;
  Document builder_params;  // empty for a query compiled from text
};

// The extended JSON text of a document, freed by libbson's allocator.
std::string CanonicalJson(const bson_t* doc) {
  size_t length = 0;
  char* json = bson_as_canonical_extended_json(doc, &length);
  if (json == nullptr) return "{}";
  std::string out(json, length);
  bson_free(json);
  return out;
}

// (category, code, message, server_code, begin, end, line, column, location) per diagnostic,
// and the compiler-style rendering the CLI prints.
nb::tuple Outcome(nb::object value, const Diagnostics& diagnostics, std::string_view text,
                  std::string_view source_name) {
  nb::list items;
  for (const Diagnostic& d : diagnostics) {
    LineColumn at = LocateOffset(text, d.span.begin);
    items.append(nb::make_tuple(std::string(CategoryName(d.category)), d.code, d.message,
                                d.server_code, d.span.begin, d.span.end, at.line, at.column,
                                d.location));
  }
  std::string rendered =
      diagnostics.empty() ? std::string() : FormatDiagnostics(diagnostics, text, source_name);
  return nb::make_tuple(std::move(value), std::move(items), std::move(rendered));
}

CompileOptions MakeOptions(std::string_view server_version, std::string time_zone,
                           bool require_encryptable, uint32_t max_depth, uint32_t max_input_bytes) {
  std::optional<ServerVersion> version = ServerVersion::Parse(server_version);
  if (!version) {
    throw nb::value_error(("server_version: expected MAJOR.MINOR such as \"8.0\", not \"" +
                           std::string(server_version) + "\"")
                              .c_str());
  }
  CompileOptions options;
  options.server_version = *version;
  options.time_zone = std::move(time_zone);
  options.require_encryptable = require_encryptable;
  options.max_depth = max_depth;
  options.max_input_bytes = max_input_bytes;
  return options;
}

nb::tuple SchemaFromJson(std::string_view json, std::string_view server_version) {
  std::optional<ServerVersion> version = ServerVersion::Parse(server_version);
  if (!version) throw nb::value_error("server_version: expected MAJOR.MINOR such as \"8.0\"");
  SchemaOptions options;
  options.server_major = version->major;
  options.server_minor = version->minor;
  SchemaResult r;
  {
    nb::gil_scoped_release release;
    r = Schema::FromJson(json, options);
  }
  nb::object value = r.ok() ? nb::cast(std::move(*r.schema)) : nb::none();
  return Outcome(std::move(value), r.diagnostics, json, "schema");
}

nb::tuple Compile(const Schema& schema, std::string_view text, std::string_view server_version,
                  std::string time_zone, bool require_encryptable, uint32_t max_depth,
                  uint32_t max_input_bytes) {
  CompileOptions options = MakeOptions(server_version, std::move(time_zone), require_encryptable,
                                       max_depth, max_input_bytes);
  CompileResult r;
  {
    nb::gil_scoped_release release;
    r = Query::Compile(schema, text, options);
  }
  nb::object value = r.ok() ? nb::cast(PyQuery{std::move(*r.query), Document()}) : nb::none();
  return Outcome(std::move(value), r.diagnostics, text, "query");
}

// Applies ("filter"|"exclude", key, value), ("order_by", [names]), ("slice", offset, limit),
// ("terminal", name) in order to a new QueryBuilder, then compiles it.
nb::tuple Build(const Schema& schema, std::string_view model, nb::list calls,
                std::string_view server_version, std::string time_zone, bool require_encryptable,
                uint32_t max_depth, uint32_t max_input_bytes) {
  CompileOptions options = MakeOptions(server_version, std::move(time_zone), require_encryptable,
                                       max_depth, max_input_bytes);
  QueryBuilder builder(model);
  for (size_t i = 0; i < calls.size(); ++i) {
    nb::tuple call = nb::cast<nb::tuple>(calls[i]);
    std::string op = nb::cast<std::string>(call[0]);
    if (op == "filter" || op == "exclude") {
      std::string key = nb::cast<std::string>(call[1]);
      BsonPtr holder(bson_new());
      AppendValue(holder.get(), "v", call[2].ptr(), ValuePath(key), 1);
      bson_iter_t it;
      if (!bson_iter_init_find(&it, holder.get(), "v")) throw nb::value_error(key.c_str());
      if (op == "filter") {
        builder.Filter(key, *bson_iter_value(&it));
      } else {
        builder.Exclude(key, *bson_iter_value(&it));
      }
    } else if (op == "order_by") {
      builder.OrderBy(nb::cast<std::vector<std::string>>(call[1]));
    } else if (op == "slice") {
      builder.Slice(nb::cast<int64_t>(call[1]), nb::cast<int64_t>(call[2]));
    } else if (op == "terminal") {
      builder.Terminal(nb::cast<std::string>(call[1]));
    } else {
      throw nb::value_error(("unknown builder call " + op).c_str());
    }
  }
  CompileResult r;
  {
    nb::gil_scoped_release release;
    r = builder.Compile(schema, options);
  }
  const std::string text = builder.text();
  nb::object value = r.ok()
                         ? nb::cast(PyQuery{std::move(*r.query), Document::Copy(&builder.params())})
                         : nb::none();
  return Outcome(std::move(value), r.diagnostics, text, "query");
}

nb::tuple Translate(const PyQuery& q, nb::handle params) {
  BsonPtr doc;
  const bson_t* bound = q.builder_params.get();
  if (bound != nullptr) {
    if (!params.is_none()) {
      throw nb::type_error("params: a built query binds its own values; pass none");
    }
  } else {
    doc = DictToBson(params.ptr(), "params");
    bound = doc.get();
  }
  TranslateResult r;
  {
    nb::gil_scoped_release release;
    r = q.query.Translate(*bound);
  }
  nb::object value = r.ok() ? nb::cast(std::move(*r.translation)) : nb::none();
  return Outcome(std::move(value), r.diagnostics, q.query.text(), "query");
}

// querysafe.django.check's call: `values` is the list the walk of a QuerySet made, bound as
// $p0, $p1... as its text refers to them. Returns the Translation itself when querysafe accepts
// the query, else the outcome tuple (None, diagnostics, rendering): the path every accepted
// QuerySet takes builds no tuple, no diagnostics list and no parameter dict. The GIL is kept:
// translating a compiled query takes 0.5-2 microseconds for the anchor queries (bench/README.md),
// far less than the interpreter's switch interval, so a release would let other threads do
// little meanwhile and would add its own cost to every check.
nb::object TranslateValues(const PyQuery& q, nb::handle values) {
  if (q.builder_params) throw nb::type_error("values: a built query binds its own values");
  if (!PyList_CheckExact(values.ptr())) {
    throw nb::type_error(
        ("values: expected a list, not " + std::string(Py_TYPE(values.ptr())->tp_name)).c_str());
  }
  bson_t doc;
  bson_init(&doc);
  struct Destroy {
    bson_t* doc;
    ~Destroy() { bson_destroy(doc); }
  } destroy{&doc};
  // The size is read again at each step and each item held while it converts: the conversion
  // can run Python code (a Decimal subclass's __str__) that changes the list.
  const ValuePath params("params");
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(values.ptr()); ++i) {
    nb::object item = nb::borrow(PyList_GET_ITEM(values.ptr(), i));
    char key[24] = {'p'};
    const auto end = std::to_chars(key + 1, key + sizeof key, i).ptr;
    const std::string_view name(key, end - key);
    AppendValue(&doc, name, item.ptr(), ValuePath(params, name), 1);
  }
  TranslateResult r = q.query.Translate(doc);
  if (r.ok()) return nb::cast(std::move(*r.translation));
  return Outcome(nb::none(), r.diagnostics, q.query.text(), "query");
}

nb::tuple OpenOffline(const std::string& path, std::string_view key, bool from_text) {
  EncryptorResult r;
  {
    nb::gil_scoped_release release;
    r = from_text ? Encryptor::OpenOfflineFromText(path, key) : Encryptor::OpenOffline(path, key);
  }
  nb::object value = r.ok() ? nb::cast(std::move(*r.encryptor)) : nb::none();
  return Outcome(std::move(value), r.diagnostics, "", "key vault");
}

nb::tuple Explain(const Encryptor& encryptor, const Translation& translation) {
  TranslateResult r;
  {
    nb::gil_scoped_release release;
    r = encryptor.Explain(translation);
  }
  nb::object value = r.ok() ? nb::cast(std::move(*r.translation)) : nb::none();
  return Outcome(std::move(value), r.diagnostics, "", "explain");
}

}  // namespace

NB_MODULE(_querysafe, m) {
  m.doc() = "querysafe's C++ API; use the querysafe package, not this module.";
  m.attr("__version__") = QUERYSAFE_VERSION_STRING;
  InitConversions();

  nb::class_<Schema>(m, "Schema")
      .def_prop_ro("database", &Schema::database)
      .def_prop_ro("key_vault_namespace", &Schema::key_vault_namespace)
      .def_prop_ro("model_names", &Schema::model_names)
      .def("db_table", &Schema::db_table, "model"_a)
      .def_prop_ro("has_encrypted_fields", &Schema::has_encrypted_fields)
      .def("encrypted_fields_map_json", &Schema::EncryptedFieldsMapJson)
      .def("encrypted_fields_map_extended_json", &Schema::EncryptedFieldsMapExtendedJson);

  nb::class_<PyQuery>(m, "Query")
      .def_prop_ro("text", [](const PyQuery& q) { return q.query.text(); })
      .def_prop_ro("built", [](const PyQuery& q) { return static_cast<bool>(q.builder_params); })
      .def_prop_ro("params",
                   [](const PyQuery& q) {
                     nb::list out;
                     for (const ParamInfo& p : q.query.params()) {
                       out.append(nb::make_tuple(p.name, p.expected_type, p.sequence, p.encrypted));
                     }
                     return out;
                   })
      .def_prop_ro("builder_params_json",
                   [](const PyQuery& q) {
                     return q.builder_params ? CanonicalJson(q.builder_params.get())
                                             : std::string("{}");
                   })
      .def("translate", &Translate, "params"_a = nb::none())
      .def("translate_values", &TranslateValues, "values"_a);

  nb::class_<Translation>(m, "Translation")
      .def_prop_ro("database", &Translation::database)
      .def_prop_ro("collection", &Translation::collection)
      .def_prop_ro("command_name",
                   [](const Translation& t) { return std::string(t.command_name()); })
      .def_prop_ro("encryption_count", &Translation::encryption_count)
      .def("to_json", &Translation::ToJson)
      .def("command_json", [](const Translation& t) { return CanonicalJson(t.command()); })
      .def("command_bson", [](const Translation& t) {
        const bson_t* doc = t.command();
        return nb::bytes(reinterpret_cast<const char*>(bson_get_data(doc)), doc->len);
      });

  nb::class_<Encryptor>(m, "Encryptor").def("explain", &Explain, "translation"_a);

  m.def("schema_from_json", &SchemaFromJson, "json"_a, "server_version"_a);
  m.def("compile", &Compile, "schema"_a, "text"_a, "server_version"_a, "time_zone"_a,
        "require_encryptable"_a, "max_depth"_a, "max_input_bytes"_a);
  m.def("build", &Build, "schema"_a, "model"_a, "calls"_a, "server_version"_a, "time_zone"_a,
        "require_encryptable"_a, "max_depth"_a, "max_input_bytes"_a);
  m.def("open_offline", &OpenOffline, "key_vault"_a, "local_master_key"_a, "from_text"_a);
}

}  // namespace querysafe::python

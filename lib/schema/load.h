// Loading a schema: JSON text in, an immutable compiled Schema (model.h) or
// diagnostics out.
//
//   SchemaLoadResult r = LoadSchema(text);
//   if (!r.schema) { print r.diagnostics; }
//   const Field* ssn = r.schema->FindModel("PatientRecord")->FindField("ssn");
//
// The schema JSON format, every check and its message, and the effective-value
// rules are in lib/schema/README.md.
#ifndef QUERYSAFE_LIB_SCHEMA_LOAD_H_
#define QUERYSAFE_LIB_SCHEMA_LOAD_H_

#include <memory>
#include <string_view>

#include "lib/common/server_version.h"
#include "lib/schema/model.h"
#include "querysafe/diagnostic.h"

namespace querysafe::schema {

struct SchemaLoadOptions {
  // The MongoDB server the collections live on; the encryptedFields rules
  // differ by version: range sparsity 1..8 and optional on 8.0 (1..4 and
  // required on 7.x, where min/max are also required and `queries` takes one
  // entry); the text preview query types need 8.2, the text types of 9.0 9.0.
  common::ServerVersion server_version;

  bool AtLeast(int major, int minor) const {
    return server_version >= common::ServerVersion{major, minor};
  }
};

struct SchemaLoadResult {
  // Null iff `diagnostics` is not empty: every diagnostic the loader reports is
  // an error.
  std::shared_ptr<const Schema> schema;
  // All problems found (every check runs; none stops at the first), at most
  // kMaxDiagnostics.
  Diagnostics diagnostics;
};

// Never throws and never crashes, whatever the text.
SchemaLoadResult LoadSchema(std::string_view json, const SchemaLoadOptions& options = {});

}  // namespace querysafe::schema

#endif  // QUERYSAFE_LIB_SCHEMA_LOAD_H_

// `querysafe migrate`: set up a database for the schema as
// django-mongodb-backend's migrate does (lib/exec/migrate.h): the key vault
// index, a data key per encrypted field, the collections with their
// encryptedFields. Idempotent.
//
//   querysafe migrate --schema FILE --uri URI [--kms-local-key KEY |
//   --kms-providers JSON]
//                     [--key-vault-namespace DB.COLL] [--kms-provider NAME
//                     --master-key JSON]
//                     [--kms-tls-options JSON]
//
// stderr: what was done, one line each. stdout: the encrypted_fields_map (keyed
// by db_table, keyIds included) for the schema's "encrypted_fields_map" or a
// driver's settings, as showencryptedfieldsmap prints it. Exit codes: 0 done, 1
// the server refused, 2 usage or configuration error.
#include <boost/program_options.hpp>
#include <cstdio>
#include <format>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "querysafe/client.h"
#include "tools/cli.h"
#include "tools/exec_cli.h"
#include "tools/json_style.h"
#include "tools/usage.h"

namespace querysafe::cli {
namespace {

namespace po = boost::program_options;

constexpr char kUsage[] =
    "usage: querysafe migrate --schema FILE --uri URI [--kms-local-key KEY | "
    "--kms-providers "
    "JSON]\n"
    "                         [--key-vault-namespace DB.COLL] [--kms-provider "
    "NAME "
    "--master-key JSON]\n"
    "                         [--kms-tls-options JSON]\n";

// {"<db>.<coll>": efc} keyed by db_table instead, the shape the schema's
// encrypted_fields_map takes.
BsonDoc ByTable(const bson_t* map, std::string_view database) {
  BsonDoc out;
  bson_iter_t it;
  if (!bson_iter_init(&it, map)) return out;
  while (bson_iter_next(&it)) {
    std::string_view ns = bson_iter_key(&it);
    if (ns.starts_with(database) && ns.size() > database.size() && ns[database.size()] == '.') {
      ns.remove_prefix(database.size() + 1);
    }
    const std::string key(ns);
    bson_append_iter(out.get(), key.c_str(), -1, &it);
  }
  return out;
}

}  // namespace

int RunMigrate(const std::vector<std::string>& args) {
  po::options_description options(std::string(kUsage) + "\nOptions");
  ConnectionFlags flags;
  options.add_options()("help,h", "this help");
  JsonStyle style;
  AddJsonStyleFlags(&options, &style, /*types=*/true);
  AddConnectionFlags(&options, &flags, /*migrate=*/true);
  po::variables_map vm;
  if (std::optional<int> exit = ParseArgs("migrate", {&options}, args, &vm)) return *exit;
  ConnectOptions connect;
  std::optional<Schema> schema;
  if (std::optional<int> exit = MakeClientOptions("migrate", flags, &connect, &schema)) {
    return *exit;
  }
  MigrateResult m = Migrate(*schema, connect);
  for (const std::string& action : m.actions) {
    std::fprintf(stderr, "querysafe migrate: %s\n", action.c_str());
  }
  if (!m.ok()) return ReportDiagnostics("migrate", m.diagnostics, "", "", stderr);
  BsonDoc map;
  bson_error_t error;
  if (!BsonDoc::FromJson(m.encrypted_fields_map, &map, &error)) {
    return UsageError("migrate", NotJson("the encrypted fields map", error));
  }
  BsonDoc by_table = ByTable(map.get(), schema->database());
  std::printf("%s\n", StyledJson(by_table.get(), style).c_str());
  return kExitAccepted;
}

}  // namespace querysafe::cli

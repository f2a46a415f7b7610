// The subcommand table. Each subcommand is a function in its own tools/cmd_<name>.cc.
#include "tools/cli.h"

namespace querysafe::cli {

int RunKeys(const std::vector<std::string>& args);       // cmd_keys.cc
int RunSchema(const std::vector<std::string>& args);     // cmd_schema.cc
int RunMigrate(const std::vector<std::string>& args);    // cmd_migrate.cc
int RunInsert(const std::vector<std::string>& args);     // cmd_insert.cc

const std::vector<Command>& Commands() {
  static const std::vector<Command>* const kCommands = new std::vector<Command>{
      {"schema", "check a schema file; print its encryptedFields map", RunSchema},
      {"keys", "make local master keys and data keys; list a key vault file", RunKeys},
      {"migrate", "create a database's data keys and encrypted collections", RunMigrate},
      {"insert", "insert a model instance, its encrypted fields encrypted", RunInsert},
  };
  return *kCommands;
}

}  // namespace querysafe::cli

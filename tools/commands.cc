// The subcommand table. Each subcommand is a function in its own tools/cmd_<name>.cc.
#include "tools/cli.h"

namespace querysafe::cli {

int RunCheck(const std::vector<std::string>& args);      // cmd_check.cc
int RunExplain(const std::vector<std::string>& args);    // cmd_explain.cc
int RunKeys(const std::vector<std::string>& args);       // cmd_keys.cc
int RunParse(const std::vector<std::string>& args);      // cmd_parse.cc
int RunSchema(const std::vector<std::string>& args);     // cmd_schema.cc
int RunTranslate(const std::vector<std::string>& args);  // cmd_translate.cc
int RunMigrate(const std::vector<std::string>& args);    // cmd_migrate.cc
int RunInsert(const std::vector<std::string>& args);     // cmd_insert.cc
int RunRun(const std::vector<std::string>& args);        // cmd_run.cc
int RunVersion(const std::vector<std::string>& args);    // cmd_version.cc

const std::vector<Command>& Commands() {
  static const std::vector<Command>* const kCommands = new std::vector<Command>{
      {"translate", "check a query and print the MongoDB command it becomes", RunTranslate},
      {"explain", "translate, then encrypt offline: the command as it would be sent", RunExplain},
      {"check", "check and translate many queries, one a line: one JSON line each", RunCheck},
      {"parse", "print the AST of a query", RunParse},
      {"schema", "check a schema file; print its encryptedFields map", RunSchema},
      {"keys", "make local master keys and data keys; list a key vault file", RunKeys},
      {"migrate", "create a database's data keys and encrypted collections", RunMigrate},
      {"run", "run a query on an encrypted connection; print the decrypted result", RunRun},
      {"insert", "insert a model instance, its encrypted fields encrypted", RunInsert},
      {"version", "print the versions linked and the QE query types they can encrypt", RunVersion},
  };
  return *kCommands;
}

}  // namespace querysafe::cli

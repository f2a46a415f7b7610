// The C++ API from an installed querysafe.
#include <querysafe/client.h>
#include <querysafe/query.h>
#include <querysafe/schema.h>

#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::ifstream in(argv[1]);
  std::stringstream text;
  text << in.rdbuf();
  querysafe::SchemaResult schema = querysafe::Schema::FromJson(text.str());
  if (!schema.ok()) return 1;
  querysafe::TranslateResult t =
      querysafe::Translate(*schema.schema, R"(Patient.objects.filter(patient_name="Jon Doe"))");
  if (!t.ok() || t.translation->collection() != "patients") return 1;
  // The client half links and refuses cleanly: nothing listens on port 1.
  querysafe::ConnectOptions options;
  options.uri = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100&connectTimeoutMS=100";
  options.local_master_key = std::string(128, 'A');  // 96 zero bytes, base64
  querysafe::ClientResult c = querysafe::Client::Connect(*schema.schema, options);
  if (c.ok() || c.diagnostics.empty()) return 1;
  std::cout << "consumer (C++): " << t.translation->command_name() << " ok\n";
  return 0;
}

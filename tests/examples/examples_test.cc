// The examples (examples/<app>/queries.txt) run through the built querysafe
// command, exactly as a user runs them from the example's directory, and
// compared with examples/<app>/expected.txt: stdout, stderr and exit code of
// every `querysafe translate`, and of `querysafe explain` (with the fixed test
// key in examples/keys/) for every accepted query with an encrypted value.
//
// queries.txt, one entry a line (examples/README.md):
//   # text             describes the next query (copied into expected.txt)
//   schema: FILE       the schema from here on (default schema.json)
//   params: JSON       --params for the next query only
//   accept QUERY       the query must be accepted (exit 0)
//   reject CODE QUERY  it must be rejected (exit 1) with the diagnostic CODE
//
// The verdicts are checked on their own, so regenerating expected.txt cannot
// flip one silently. Explain outputs are byte-stable: find payloads are
// deterministic for a fixed key, and each command is a fresh process (a range
// payload's payloadId counts up within a process).
//
// QUERYSAFE_UPDATE_GOLDEN=1 rewrites expected.txt from the current outputs;
// read the diff before committing it.

#include <bson/bson.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr char kKeyOptions[] =
    " --key-vault ../keys/vault.json --kms-local-key @../keys/local-master.key";

struct Entry {
  int line = 0;
  std::vector<std::string> comments;
  std::string schema;
  std::string params;
  bool accept = false;
  std::string code;  // for reject
  std::string query;
};

struct Run {
  std::string command;  // as displayed: "querysafe ARGS"
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `s` as one sh word: as is when it has no special characters, else
// single-quoted.
std::string ShellQuote(const std::string& s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("_./@%+=:,-").find(c) != std::string_view::npos;
  });
  if (plain) return s;
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

fs::path ExamplesDir() { return fs::path(QUERYSAFE_EXAMPLES_DIR); }

// Parses examples/<app>/queries.txt; malformed lines are test failures.
std::vector<Entry> LoadEntries(const std::string& app) {
  const fs::path path = ExamplesDir() / app / "queries.txt";
  std::istringstream in(Slurp(path));
  std::vector<Entry> entries;
  std::vector<std::string> comments;
  std::string schema = "schema.json", params, line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) {
      comments.clear();
    } else if (line[0] == '#') {
      comments.push_back(line);
    } else if (line.rfind("schema: ", 0) == 0) {
      schema = line.substr(8);
    } else if (line.rfind("params: ", 0) == 0) {
      params = line.substr(8);
    } else if (line.rfind("accept ", 0) == 0 || line.rfind("reject ", 0) == 0) {
      Entry e;
      e.line = number;
      e.comments = comments;
      e.schema = schema;
      e.params = params;
      e.accept = line[0] == 'a';
      std::string rest = line.substr(7);
      if (!e.accept) {
        const size_t space = rest.find(' ');
        if (space == std::string::npos) {
          ADD_FAILURE() << path << ":" << number << ": reject needs CODE QUERY";
          continue;
        }
        e.code = rest.substr(0, space);
        rest = rest.substr(space + 1);
      }
      e.query = rest;
      entries.push_back(e);
      comments.clear();
      params.clear();
    } else {
      ADD_FAILURE() << path << ":" << number << ": not a comment, schema:, params:, accept or "
                    << "reject line: " << line;
    }
  }
  return entries;
}

// Runs `querysafe ARGS` in examples/<app>/.
Run Querysafe(const std::string& app, const std::string& args) {
  char dir_template[] = "/tmp/querysafe_examples_test.XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) std::abort();
  const std::string out = std::string(dir) + "/out";
  const std::string err = std::string(dir) + "/err";
  const std::string command = "cd " + ShellQuote((ExamplesDir() / app).string()) + " && " +
                              ShellQuote(QUERYSAFE_CLI) + " " + args + " </dev/null >" + out +
                              " 2>" + err;
  const int status = std::system(command.c_str());
  Run run;
  run.command = "querysafe " + args;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = Slurp(out);
  run.err = Slurp(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  rmdir(dir);
  return run;
}

// One stream of a run, verbatim, under its label.
void AppendStream(const std::string& label, const std::string& text, std::string* out) {
  if (text.empty()) return;
  *out += "[" + label + "]\n" + text;
  if (text.back() != '\n') *out += "\n[no newline at end of " + label + "]\n";
}

std::string Render(const Run& run) {
  std::string out = "$ " + run.command + "\n";
  AppendStream("stdout", run.out, &out);
  AppendStream("stderr", run.err, &out);
  out += "[exit " + std::to_string(run.exit_code) + "]\n";
  return out;
}

// The string values of every {"$encrypt": {"value": ...}} placeholder in a
// translate output.
void CollectEncryptedStrings(bson_iter_t* it, std::vector<std::string>* values) {
  while (bson_iter_next(it)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(it) && !BSON_ITER_HOLDS_ARRAY(it)) continue;
    bson_iter_t child;
    if (!bson_iter_recurse(it, &child)) continue;
    if (std::string(bson_iter_key(it)) == "$encrypt") {
      if (bson_iter_find(&child, "value") && BSON_ITER_HOLDS_UTF8(&child)) {
        values->push_back(bson_iter_utf8(&child, nullptr));
      }
      continue;
    }
    CollectEncryptedStrings(&child, values);
  }
}

std::vector<std::string> EncryptedStrings(const std::string& translate_json) {
  std::vector<std::string> values;
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const uint8_t*>(translate_json.data()),
                                   static_cast<ssize_t>(translate_json.size()), &error);
  if (doc == nullptr) {
    ADD_FAILURE() << "translate printed invalid JSON: " << error.message;
    return values;
  }
  bson_iter_t it;
  if (bson_iter_init(&it, doc)) CollectEncryptedStrings(&it, &values);
  bson_destroy(doc);
  return values;
}

// Runs every entry of `app`, checks its verdict, and returns the transcript
// expected.txt holds.
std::string RunExample(const std::string& app) {
  const std::vector<Entry> entries = LoadEntries(app);
  EXPECT_FALSE(entries.empty()) << app;
  std::string out =
      "# What `querysafe` prints for every query in queries.txt, run from "
      "this directory\n"
      "# (`querysafe` is ../../dev querysafe). Checked by tests/examples; "
      "regenerate with\n"
      "# QUERYSAFE_UPDATE_GOLDEN=1 ./dev test -R examples and read the "
      "diff.\n";
  std::vector<std::string> schemas;
  for (const Entry& e : entries) {
    if (std::find(schemas.begin(), schemas.end(), e.schema) != schemas.end()) continue;
    schemas.push_back(e.schema);
    const Run run = Querysafe(app, "schema encrypted-fields --schema " + ShellQuote(e.schema));
    EXPECT_EQ(run.exit_code, 0) << app << ": " << e.schema << "\n" << run.err;
    out += "\n# The encryptedFields map " + e.schema + " implies.\n" + Render(run);
  }
  for (const Entry& e : entries) {
    const std::string where = app + "/queries.txt:" + std::to_string(e.line) + ": " + e.query;
    std::string options = "--schema " + ShellQuote(e.schema);
    if (!e.params.empty()) options += " --params " + ShellQuote(e.params);
    out += "\n";
    for (const std::string& c : e.comments) out += c + "\n";
    const Run translate = Querysafe(app, "translate " + options + " " + ShellQuote(e.query));
    out += Render(translate);
    if (!e.accept) {
      EXPECT_EQ(translate.exit_code, 1) << where << "\n" << translate.err;
      EXPECT_NE(translate.out.find("\"code\":\"" + e.code + "\""), std::string::npos)
          << where << ": expected the diagnostic " << e.code << "\n"
          << translate.err;
      continue;
    }
    EXPECT_EQ(translate.exit_code, 0) << where << "\n" << translate.err;
    if (translate.exit_code != 0 || translate.out.find("\"$encrypt\"") == std::string::npos) {
      continue;
    }
    const Run explain =
        Querysafe(app, "explain " + options + kKeyOptions + " " + ShellQuote(e.query));
    out += Render(explain);
    EXPECT_EQ(explain.exit_code, 0) << where << "\n" << explain.err;
    EXPECT_EQ(explain.out.find("\"$encrypt\""), std::string::npos) << where;
    for (const std::string& value : EncryptedStrings(translate.out)) {
      // Shorter strings could appear in base64 by chance.
      if (value.size() < 4) continue;
      EXPECT_EQ(explain.out.find(value), std::string::npos)
          << where << ": the plaintext '" << value << "' is in the encrypted command";
    }
  }
  return out;
}

std::vector<std::string> Apps() {
  std::vector<std::string> apps;
  for (const auto& entry : fs::directory_iterator(ExamplesDir())) {
    if (entry.is_directory() && fs::exists(entry.path() / "queries.txt")) {
      apps.push_back(entry.path().filename().string());
    }
  }
  std::sort(apps.begin(), apps.end());
  return apps;
}

// Runs `app` and compares the transcript with its expected.txt (or rewrites
// it under QUERYSAFE_UPDATE_GOLDEN=1).
void CheckTranscript(const std::string& app) {
  const fs::path path = ExamplesDir() / app / "expected.txt";
  const std::string actual = RunExample(app);
  const char* update = std::getenv("QUERYSAFE_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    const fs::path tmp = path.string() + ".tmp";
    std::ofstream(tmp, std::ios::binary) << actual;
    fs::rename(tmp, path);
    return;
  }
  const std::string expected = Slurp(path);
  if (actual == expected) return;
  // Name the first line that differs, and the command it belongs to.
  std::istringstream a(actual), e(expected);
  std::string la, le, command;
  int line = 0;
  while (true) {
    const bool more_a = static_cast<bool>(std::getline(a, la));
    const bool more_e = static_cast<bool>(std::getline(e, le));
    ++line;
    if (!more_a && !more_e) break;
    if (more_e && le.rfind("$ ", 0) == 0) command = le;
    if (!more_a || !more_e || la != le) {
      ADD_FAILURE() << path << ":" << line << ": first difference, in\n  " << command
                    << "\n  expected: " << (more_e ? le : "<end of file>")
                    << "\n  actual:   " << (more_a ? la : "<end of file>")
                    << "\nQUERYSAFE_UPDATE_GOLDEN=1 rewrites expected.txt "
                       "(review the diff).";
      return;
    }
  }
  ADD_FAILURE() << path << ": differs only in its last newline";
}

TEST(Transcript, DjongoBlogMatchesExpected) { CheckTranscript("djongo-blog"); }

TEST(Transcript, MedicalRecordsMatchesExpected) { CheckTranscript("medical-records"); }

TEST(Transcript, RiskRegisterMatchesExpected) { CheckTranscript("risk-register"); }

// A new app directory needs a TEST above, or it would go unchecked.
TEST(Transcript, EveryAppHasATest) {
  EXPECT_EQ(Apps(), (std::vector<std::string>{"djongo-blog", "medical-records", "risk-register"}));
}

}  // namespace

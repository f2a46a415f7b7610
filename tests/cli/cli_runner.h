// Runs the built querysafe command as a user runs it, in a separate process: arguments, standard
// input, extra environment variables; returns the exit code, stdout and stderr. The environment
// variable QUERYSAFE_KMS_LOCAL_KEY is removed unless a test sets it, so that the caller's
// environment never changes an outcome.
#ifndef QUERYSAFE_TESTS_CLI_CLI_RUNNER_H_
#define QUERYSAFE_TESTS_CLI_CLI_RUNNER_H_

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace querysafe::testing {

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Single-quotes `s` for sh.
inline std::string ShellQuote(const std::string& s) {
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

// A temporary directory, removed with its contents when the object goes.
class TempDir {
 public:
  TempDir() {
    char dir_template[] = "/tmp/querysafe_cli_test.XXXXXX";
    const char* dir = mkdtemp(dir_template);
    if (dir == nullptr) std::abort();
    path_ = dir;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs `querysafe ARGS...` with `input` on standard input and `env` ({NAME, VALUE}) added to the
// environment.
inline Outcome RunCli(const std::vector<std::string>& args, const std::string& input = "",
                      const std::vector<std::pair<std::string, std::string>>& env = {}) {
  TempDir dir;
  const std::string in = dir.File("in"), out = dir.File("out"), err = dir.File("err");
  WriteFile(in, input);
  std::string command = "env -u QUERYSAFE_KMS_LOCAL_KEY";
  for (const auto& [name, value] : env) command += " " + ShellQuote(name + "=" + value);
  command += " " + ShellQuote(QUERYSAFE_CLI);
  for (const std::string& arg : args) command += " " + ShellQuote(arg);
  command += " <" + in + " >" + out + " 2>" + err;
  const int status = std::system(command.c_str());
  Outcome run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = Slurp(out);
  run.err = Slurp(err);
  return run;
}

}  // namespace querysafe::testing

#endif  // QUERYSAFE_TESTS_CLI_CLI_RUNNER_H_

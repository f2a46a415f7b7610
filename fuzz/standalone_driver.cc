// A main() for a fuzz target built without libFuzzer: it feeds every file named on the command
// line, and every file inside every directory named (recursively, in sorted order), to
// LLVMFuzzerTestOneInput once. ctest runs it on each corpus (FuzzReplay.<target>), so the seeds
// and every committed reproducer are replayed with the normal compiler on every test run; a
// broken invariant aborts, which fails the test. Arguments starting with '-' are libFuzzer
// flags and are ignored, so a libFuzzer command line can be replayed as it is.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

bool Collect(const fs::path& path, std::vector<fs::path>* files) {
  std::error_code error;
  if (fs::is_directory(path, error)) {
    for (const auto& entry : fs::recursive_directory_iterator(path, error)) {
      if (entry.is_regular_file()) files->push_back(entry.path());
    }
    return !error;
  }
  if (fs::is_regular_file(path, error)) {
    files->push_back(path);
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    if (!Collect(argv[i], &files)) {
      std::fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
      return 2;
    }
  }
  // An empty run would pass whatever the target does: a corpus that went missing is an error.
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY... (found no input)\n", argv[0]);
    return 2;
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "%s: cannot read %s\n", argv[0], file.c_str());
      return 2;
    }
    // Printed before running, so that the input that aborts is the last line of the output.
    std::fprintf(stderr, "replaying %s (%zu bytes)\n", file.c_str(), data.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  }
  std::printf("replayed %zu inputs\n", files.size());
  return 0;
}

#include "lib/crypt/failure.h"

#include <charconv>
#include <format>
#include <string>
#include <vector>

#include "absl/strings/cord.h"

namespace querysafe::crypt {
namespace {

constexpr char kPayloadUrl[] = "type.querysafe.dev/crypt.RequestFailure";

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

absl::Status RequestFailure(absl::StatusCode code, const lower::EncryptionRequest& request,
                            const FailureKind& kind, std::string_view reason) {
  std::string message =
      std::format("cannot encrypt the value for '{}' (request {}, query bytes {}-{}): {}",
                  request.path, request.id, request.span.begin, request.span.end, reason);
  absl::Status status(code, message);
  // category, code, server code, span begin, span end, then the diagnostic's
  // message (last: it may hold tabs). The span locates the value, so the
  // message need not repeat where it is.
  std::string payload = std::format("{}\t{}\t{}\t{}\t{}\tcannot encrypt the value for '{}': {}",
                                    static_cast<int>(kind.category), kind.code, kind.server_code,
                                    request.span.begin, request.span.end, request.path, reason);
  status.SetPayload(kPayloadUrl, absl::Cord(std::move(payload)));
  return status;
}

std::optional<Diagnostic> DiagnosticFromStatus(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);  // abseil's own optional in Debian
  if (!payload.has_value()) return std::nullopt;
  std::string text(*payload);
  std::vector<std::string_view> parts = Split(text, '\t');
  if (parts.size() < 6) return std::nullopt;
  int category = 0;
  Diagnostic diagnostic;
  if (!ParseNumber(parts[0], &category) || !ParseNumber(parts[2], &diagnostic.server_code) ||
      !ParseNumber(parts[3], &diagnostic.span.begin) ||
      !ParseNumber(parts[4], &diagnostic.span.end)) {
    return std::nullopt;
  }
  diagnostic.category = static_cast<Category>(category);
  diagnostic.code = std::string(parts[1]);
  size_t reason_start = static_cast<size_t>(parts[5].data() - text.data());
  diagnostic.message = text.substr(reason_start);
  return diagnostic;
}

}  // namespace querysafe::crypt

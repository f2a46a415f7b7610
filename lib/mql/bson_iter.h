#ifndef QUERYSAFE_LIB_MQL_BSON_ITER_H_
#define QUERYSAFE_LIB_MQL_BSON_ITER_H_

#include <bson/bson.h>

#include <string>
#include <string_view>

namespace querysafe::mql {

// The key of the element `it` is on (keys may hold any byte but NUL, so with its length).
inline std::string_view Key(const bson_iter_t& it) {
  return std::string_view(bson_iter_key(&it), bson_iter_key_len(&it));
}

// "a.b": a dotted path or an error location. Built for every key and operator walked, so not
// with std::format, whose format-string parsing was a tenth of an analysis (callgrind), nor
// absl::StrCat, which takes Debian's absl::string_view and not std::string_view.
inline std::string Dotted(std::string_view a, std::string_view b) {
  std::string out;
  out.reserve(a.size() + 1 + b.size());
  out.append(a).push_back('.');
  out.append(b);
  return out;
}

// Copies the element `it` is on into `out`, under its own key: what the analysis leaves as it was.
inline void Append(bson_t* out, const bson_iter_t& it) {
  bson_append_iter(out, bson_iter_key(&it), static_cast<int>(bson_iter_key_len(&it)), &it);
}

}  // namespace querysafe::mql

#endif  // QUERYSAFE_LIB_MQL_BSON_ITER_H_

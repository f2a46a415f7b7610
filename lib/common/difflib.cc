#include "lib/common/difflib.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace querysafe {
namespace {

struct Match {
  size_t a, b, size;
};

// difflib's find_longest_match without junk: scanning `a` left to right and, for each position,
// the matching positions of `b` in increasing order, the first block to reach a new maximum
// length wins. That order decides ties exactly as Python does.
Match FindLongestMatch(std::string_view a, std::string_view b, size_t alo, size_t ahi, size_t blo,
                       size_t bhi) {
  Match best{alo, blo, 0};
  std::vector<size_t> j2len(b.size() + 1, 0), newj2len(b.size() + 1, 0);
  for (size_t i = alo; i < ahi; ++i) {
    std::fill(newj2len.begin(), newj2len.end(), 0);
    for (size_t j = blo; j < bhi; ++j) {
      if (a[i] != b[j]) continue;
      size_t k = (j > 0 ? j2len[j - 1] : 0) + 1;
      newj2len[j] = k;
      if (k > best.size) best = {i + 1 - k, j + 1 - k, k};
    }
    std::swap(j2len, newj2len);
  }
  return best;
}

size_t MatchingCharacters(std::string_view a, std::string_view b) {
  size_t total = 0;
  std::vector<std::tuple<size_t, size_t, size_t, size_t>> queue = {{0, a.size(), 0, b.size()}};
  while (!queue.empty()) {
    auto [alo, ahi, blo, bhi] = queue.back();
    queue.pop_back();
    Match m = FindLongestMatch(a, b, alo, ahi, blo, bhi);
    if (m.size == 0) continue;
    total += m.size;
    if (alo < m.a && blo < m.b) queue.emplace_back(alo, m.a, blo, m.b);
    if (m.a + m.size < ahi && m.b + m.size < bhi) {
      queue.emplace_back(m.a + m.size, ahi, m.b + m.size, bhi);
    }
  }
  return total;
}

double Ratio(size_t matches, size_t length) {
  return length == 0 ? 1.0 : 2.0 * static_cast<double>(matches) / static_cast<double>(length);
}

}  // namespace

double SequenceRatio(std::string_view a, std::string_view b) {
  return Ratio(MatchingCharacters(a, b), a.size() + b.size());
}

std::vector<std::string> GetCloseMatches(std::string_view word,
                                         std::span<const std::string_view> possibilities, size_t n,
                                         double cutoff) {
  std::vector<std::pair<double, std::string_view>> scored;
  for (std::string_view x : possibilities) {
    // real_quick_ratio and quick_ratio are upper bounds Python checks first; they never change
    // the outcome, only the cost, so the exact ratio alone decides here.
    double score = SequenceRatio(x, word);
    if (score >= cutoff) scored.emplace_back(score, x);
  }
  // heapq.nlargest(n, [(score, x)]): highest score first, then the larger string.
  std::sort(scored.begin(), scored.end(), [](const auto& l, const auto& r) {
    return l.first != r.first ? l.first > r.first : l.second > r.second;
  });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < n; ++i) out.emplace_back(scored[i].second);
  return out;
}

}  // namespace querysafe

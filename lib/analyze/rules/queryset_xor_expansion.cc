// Why: MQL's match language has no XOR. Django (and django-mongodb-backend, which copies it)
// defines `a ^ b ^ c` as "an odd number of the operands hold" and, on backends without XOR,
// writes `(a OR b OR c) AND MOD(CASE WHEN a THEN 1 ELSE 0 END + ..., 2) = 1`; in MQL that
// is an `$expr`, where Queryable Encryption lets an encrypted field appear only in a bare
// comparison with a constant. querysafe instead keeps every operand a plain match clause (so
// encrypted operands keep their ordinary payloads) and spells XOR out with $and/$or/$nor:
// x ^ y = (x AND NOT y) OR (NOT x AND y). Each two-operand XOR writes both operands twice, so
// the analyzer groups n operands as a balanced tree (filter_binder.cc, MakeXor): every operand
// is then written about n times, n^2 clauses in all, at a nesting depth that grows with log n.
// (Grouped as a chain instead, the first operand would be written 2^(n-1) times: 20 operands
// would make a command of a million clauses.)
//
// n^2 still grows, and each encrypted copy is one more explicit encryption and a payload of up
// to several kilobytes (range payloads), against the 16 MB command limit. So the expansion is
// bounded here: at most kMaxClauses match clauses and kMaxEncryptedPayloads encrypted payloads,
// which lets 64 plaintext operands or 16 encrypted ones through. Beyond that the query is
// refused in plain words instead of going out as a command the server rejects or that takes
// seconds to encrypt.

#include <algorithm>
#include <cstdint>
#include <format>

#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze::rules {
namespace {

constexpr uint64_t kMaxClauses = 4096;
constexpr uint64_t kMaxEncryptedPayloads = 256;
constexpr uint64_t kSaturated = uint64_t{1} << 40;  // far above both limits; no overflow

struct Size {
  uint64_t clauses = 0;
  uint64_t encrypted = 0;
};

uint64_t Add(uint64_t a, uint64_t b) { return std::min(a + b, kSaturated); }

Size Plus(Size a, Size b) { return {Add(a.clauses, b.clauses), Add(a.encrypted, b.encrypted)}; }

Size Twice(Size a) { return Plus(a, a); }

// What lowering writes for `f` (lower/filter_lowering.cc): one clause per predicate copy, one
// payload per encrypted value copy; an n-ary XOR node writes its first n-1 operands (as an XOR)
// twice and its last operand twice.
Size Expanded(const bound::Filter& f) {
  switch (f.kind) {
    case bound::Filter::Kind::kTrue:
    case bound::Filter::Kind::kFalse:
      return {1, 0};
    case bound::Filter::Kind::kPredicate: {
      const bound::Predicate& p = *f.predicate;
      const uint64_t payloads = p.lhs.is_encrypted() ? std::max<size_t>(p.values.size(), 1) : 0;
      return {1, payloads};
    }
    case bound::Filter::Kind::kXor: {
      if (f.children.empty()) return {};
      Size head = Expanded(*f.children[0]);
      for (size_t i = 1; i < f.children.size(); ++i) {
        head = Plus(Twice(head), Twice(Expanded(*f.children[i])));
      }
      return head;
    }
    case bound::Filter::Kind::kAnd:
    case bound::Filter::Kind::kOr:
    case bound::Filter::Kind::kNot: {
      Size sum;
      for (const bound::Filter* c : f.children) sum = Plus(sum, Expanded(*c));
      return sum;
    }
  }
  return {};
}

// The outermost XOR node, where the report points.
const bound::Filter* OutermostXor(const bound::Filter& f) {
  if (f.kind == bound::Filter::Kind::kXor) return &f;
  for (const bound::Filter* c : f.children) {
    if (const bound::Filter* x = OutermostXor(*c)) return x;
  }
  return nullptr;
}

// The operands of an XOR as Django sees them (the balanced grouping flattened again).
size_t Operands(const bound::Filter& f) {
  if (f.kind != bound::Filter::Kind::kXor) return 1;
  size_t n = 0;
  for (const bound::Filter* c : f.children) n += Operands(*c);
  return n;
}

}  // namespace

bool CheckXorExpansion(Context& ctx, const bound::Filter& filter) {
  const bound::Filter* xor_node = OutermostXor(filter);
  if (xor_node == nullptr) return true;
  const Size size = Expanded(filter);
  if (size.clauses <= kMaxClauses && size.encrypted <= kMaxEncryptedPayloads) return true;
  const bool too_many_payloads = size.encrypted > kMaxEncryptedPayloads;
  ctx.Report(
      Category::kNotSupportedError, "queryset.xor_too_large",
      std::format("This XOR of {} operands expands to {}{} {} in MQL, which has no XOR "
                  "(x ^ y is written (x AND NOT y) OR (NOT x AND y)); querysafe allows "
                  "at most {} match clauses and {} encrypted payloads per query. Use "
                  "fewer operands, or split the query.",
                  Operands(*xor_node),
                  size.clauses >= kSaturated || size.encrypted >= kSaturated ? "more than " : "",
                  too_many_payloads ? size.encrypted : size.clauses,
                  too_many_payloads ? "encrypted payloads" : "match clauses", kMaxClauses,
                  kMaxEncryptedPayloads),
      xor_node->span);
  return false;
}

}  // namespace querysafe::analyze::rules

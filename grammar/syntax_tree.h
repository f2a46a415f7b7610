// The syntax tree: what the X3 grammar makes of query text. It is a small
// Python expression tree (names, calls, operators, displays, literal tokens)
// with no Django meaning yet; lib/parse interprets it into the query AST
// (lib/parse/ast.h). This is the "ast" of Spirit's rexpr split; the X3
// attribute structs that build it live in grammar/attributes.h.
//
// The tree is flat wherever Python's grammar nests:
//   - an operator chain `a | b & c - d` is one Chain, operands and operators
//     in source order (lib/parse resolves precedence without recursion);
//   - prefix operators (`~~x`, `--1`) are a list on their Operand;
//   - `a.b(c)[d]` is one Postfix: an atom and a list of trailers.
// So the tree is only as deep as the brackets in the text, which the grammar
// bounds (ParseState::max_depth). Every node carries its byte span in the
// input; literal tokens stay undecoded (lib/parse decodes escapes and numbers,
// so the grammar never allocates per token).
//
// Nodes live in an Arena and are trivially destructible.
#ifndef QUERYSAFE_GRAMMAR_SYNTAX_TREE_H_
#define QUERYSAFE_GRAMMAR_SYNTAX_TREE_H_

#include <cassert>
#include <cstdint>
#include <span>

#include "querysafe/diagnostic.h"

namespace querysafe::grammar::syntax {

template <typename T>
using List = std::span<const T>;

enum class Kind : uint8_t {
  kName,     // an identifier, including Python keywords (lib/parse reports those)
  kNumber,   // an int, float or imaginary literal token, already lexically valid
  kString,   // one or more adjacent string literal tokens (implicit
             // concatenation)
  kParam,    // $name
  kParen,    // (x): grouping, exactly one item
  kTuple,    // (), (x,), (x, y)
  kList,     // [x, y]
  kSet,      // {x, y}
  kDict,     // {k: v, **d}
  kPostfix,  // atom followed by .name, (args) and [subscript] trailers
  kOperand,  // prefix operators applied to a primary
  kChain,    // operands joined by binary operators
  kError,    // an item the grammar could not parse; its diagnostic is already
             // reported
};

struct Node {
  Kind kind;
  Span span;

  template <typename T>
  const T& Cast() const {
    assert(kind == T::kKind);
    return static_cast<const T&>(*this);
  }
  template <typename T>
  const T* As() const {
    return kind == T::kKind ? static_cast<const T*>(this) : nullptr;
  }
};

struct Name : Node {
  static constexpr Kind kKind = Kind::kName;
  explicit Name(Span s) : Node{kKind, s} {}
};

enum class NumberKind : uint8_t { kInt, kFloat, kImaginary };

// The token's text is the node's span. `base` is 10 for floats and decimal
// ints.
struct Number : Node {
  static constexpr Kind kKind = Kind::kNumber;
  Number(Span s, NumberKind k, uint8_t b) : Node{kKind, s}, number_kind(k), base(b) {}
  NumberKind number_kind;
  uint8_t base;
  // A decimal int of at most 19 digits and no underscores (nearly all of
  // them) comes with its value, read while it was scanned.
  bool has_value = false;
  uint64_t value = 0;
};

// String prefix flags (Python allows r, u, b, f and their legal combinations,
// any case).
enum StringFlags : uint8_t {
  kStringRaw = 1,
  kStringBytes = 2,
  kStringFormat = 4,
  kStringTriple = 8,
  // The body has a backslash or a carriage return: its value is not the text
  // as written (lib/parse decodes only such bodies).
  kStringNeedsDecoding = 16,
};

// One literal token: `rb'...'`. `body` is the text between the quotes.
struct StringPiece {
  Span span;
  Span body;
  uint8_t flags = 0;
};

struct String : Node {
  static constexpr Kind kKind = Kind::kString;
  String(Span s, List<StringPiece> p) : Node{kKind, s}, pieces(p) {}
  List<StringPiece> pieces;
};

struct Param : Node {
  static constexpr Kind kKind = Kind::kParam;
  Param(Span s, Span n) : Node{kKind, s}, name(n) {}
  Span name;  // without the '$'
};

// kParen, kTuple, kList and kSet.
struct Display : Node {
  Display(Kind k, Span s, List<const Node*> i) : Node{k, s}, items(i) {}
  List<const Node*> items;
};

struct DictItem {
  Span span;
  const Node* key = nullptr;  // null for `**value`
  const Node* value = nullptr;
};

struct Dict : Node {
  static constexpr Kind kKind = Kind::kDict;
  Dict(Span s, List<DictItem> i) : Node{kKind, s}, items(i) {}
  List<DictItem> items;
};

struct Argument {
  enum class Kind : uint8_t { kPositional, kKeyword, kStar, kDoubleStar };
  Kind kind = Kind::kPositional;
  Span span;
  Span name;  // kKeyword
  const Node* value = nullptr;
};

struct Trailer {
  enum class Kind : uint8_t { kAttribute, kCall, kSubscript };
  Kind kind = Kind::kAttribute;
  Span span;  // from the '.' or the opening bracket to the end of the trailer
  Span name;  // kAttribute: the name after the '.'
  // kCall: the arguments.
  List<Argument> args;
  // kSubscript: [index] or [lower:upper:step] (each part may be null).
  bool is_slice = false;
  const Node* lower = nullptr;  // the index when !is_slice
  const Node* upper = nullptr;
  const Node* step = nullptr;
};

struct Postfix : Node {
  static constexpr Kind kKind = Kind::kPostfix;
  Postfix(Span s, const Node* a, List<Trailer> t) : Node{kKind, s}, atom(a), trailers(t) {}
  const Node* atom;
  List<Trailer> trailers;
};

enum class OpKind : uint8_t {
  // Binary, by Python precedence from loosest to tightest.
  kBoolOr,   // or
  kBoolAnd,  // and
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kNotIn,
  kIs,
  kIsNot,   // comparisons
  kBitOr,   // |
  kBitXor,  // ^
  kBitAnd,  // &
  kLShift,
  kRShift,
  kAdd,
  kSub,
  kMul,
  kMatMul,
  kDiv,
  kFloorDiv,
  kMod,
  kPow,
  // Prefix.
  kBoolNot,  // not
  kPos,
  kNeg,
  kInvert,
};

struct OpToken {
  OpKind op = OpKind::kBitOr;
  Span span;
};

struct Operand : Node {
  static constexpr Kind kKind = Kind::kOperand;
  Operand(Span s, List<OpToken> p, const Node* primary_node)
      : Node{kKind, s}, prefix(p), primary(primary_node) {}
  List<OpToken> prefix;  // outermost first: `-~x` is [-, ~]
  const Node* primary;
};

// operands.size() == ops.size() + 1; ops[i] joins operands[i] and operands[i +
// 1].
struct Chain : Node {
  static constexpr Kind kKind = Kind::kChain;
  Chain(Span s, List<const Node*> o, List<OpToken> p) : Node{kKind, s}, operands(o), ops(p) {}
  List<const Node*> operands;
  List<OpToken> ops;
};

struct Error : Node {
  static constexpr Kind kKind = Kind::kError;
  explicit Error(Span s) : Node{kKind, s} {}
};

}  // namespace querysafe::grammar::syntax

#endif  // QUERYSAFE_GRAMMAR_SYNTAX_TREE_H_

// The `parse` target: query text through lib/parse alone, which is the part of querysafe that
// reads text nobody checked. Besides "no crash, no leak, no UB", it checks what parse.h promises
// later stages: an AST or diagnostics (never both), diagnostics sorted by position and capped,
// every span inside the text, string values valid UTF-8, no path deeper than max_depth (later
// stages recurse over the AST), and limits that only ever reject (a query accepted under tight
// limits is accepted, with the same tree, under the defaults). The lookup-key entry point and
// its two splitters are checked against Python's str.split("__").
#include <algorithm>
#include <format>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/targets.h"
#include "grammar/parse_syntax.h"
#include "lib/common/arena.h"
#include "lib/common/bson_util.h"
#include "lib/parse/ast.h"
#include "lib/parse/lookup_key.h"
#include "lib/parse/parse.h"

namespace querysafe::fuzzing {
namespace {

// Walks an AST checking spans and string values; returns its depth as ParseOptions::max_depth
// counts it (Query, Step and Expr nodes on the longest path).
class AstChecker {
 public:
  explicit AstChecker(std::string_view text) : text_(text) {}

  uint32_t Query(const ast::Query& q) {
    CheckSpan(q.span, "query");
    uint32_t child = 0;
    if (q.kind == ast::Query::Kind::kCombine) {
      QUERYSAFE_FUZZ_CHECK(q.lhs != nullptr && q.rhs != nullptr, "combined query without sides");
      CheckSpan(q.operator_span, "combine operator");
      child = std::max(Query(*q.lhs), Query(*q.rhs));
    } else {
      CheckSpan(q.model_span, "model");
      CheckSpan(q.manager_span, "manager");
      for (const ast::Step& step : q.steps) child = std::max(child, Step(step));
    }
    return child + 1;
  }

 private:
  void CheckSpan(Span span, std::string_view what) const {
    QUERYSAFE_FUZZ_CHECK(span.begin <= span.end && span.end <= text_.size(),
                         std::format("AST {} span {}-{} outside the text ({} bytes)", what,
                                     span.begin, span.end, text_.size()));
  }

  void Parts(ast::List<ast::KeyPart> parts, std::string_view what) const {
    QUERYSAFE_FUZZ_CHECK(!parts.empty(), std::format("{} without parts", what));
    for (const ast::KeyPart& part : parts) {
      QUERYSAFE_FUZZ_CHECK(!part.name.empty(), std::format("{} with an empty part", what));
      CheckSpan(part.span, what);
    }
  }

  uint32_t Step(const ast::Step& step) {
    CheckSpan(step.span, "step");
    uint32_t child = std::max({Expr(step.condition), Expr(step.start), Expr(step.stop),
                               Expr(step.step), Expr(step.index)});
    for (const ast::Arg& arg : step.args) {
      if (!arg.name.empty()) CheckSpan(arg.name_span, "argument name");
      QUERYSAFE_FUZZ_CHECK(arg.value != nullptr, "argument without value");
      child = std::max(child, Expr(arg.value));
    }
    return child + 1;
  }

  uint32_t Items(ast::List<const ast::Expr*> items) {
    uint32_t child = 0;
    for (const ast::Expr* item : items) {
      QUERYSAFE_FUZZ_CHECK(item != nullptr, "null list item");
      child = std::max(child, Expr(item));
    }
    return child;
  }

  uint32_t Expr(const ast::Expr* e) {
    if (e == nullptr) return 0;
    CheckSpan(e->span, "expression");
    uint32_t child = 0;
    switch (e->kind) {
      case ast::ExprKind::kString: {
        std::string_view v = e->Cast<ast::StringLit>().value;
        QUERYSAFE_FUZZ_CHECK(IsValidUtf8(v, /*allow_nul=*/true), "str literal not valid UTF-8");
        break;
      }
      case ast::ExprKind::kList:
        child = Items(e->Cast<ast::ListLit>().items);
        break;
      case ast::ExprKind::kTuple:
        child = Items(e->Cast<ast::TupleLit>().items);
        break;
      case ast::ExprKind::kDict:
        for (const ast::DictEntry& entry : e->Cast<ast::DictLit>().entries) {
          child = std::max({child, Expr(entry.key), Expr(entry.value)});
        }
        break;
      case ast::ExprKind::kLookup: {
        const auto& lookup = e->Cast<ast::Lookup>();
        CheckSpan(lookup.key_span, "lookup key");
        Parts(lookup.parts, "lookup");
        QUERYSAFE_FUZZ_CHECK(lookup.value != nullptr, "lookup without value");
        child = Expr(lookup.value);
        break;
      }
      case ast::ExprKind::kQ:
        child = Items(e->Cast<ast::Q>().children);
        break;
      case ast::ExprKind::kF: {
        const auto& f = e->Cast<ast::F>();
        CheckSpan(f.path_span, "F path");
        Parts(f.parts, "F()");
        break;
      }
      case ast::ExprKind::kAggregate: {
        const auto& agg = e->Cast<ast::Aggregate>();
        CheckSpan(agg.name_span, "aggregate name");
        child = Items(agg.args);
        for (const ast::Kwarg& kw : agg.kwargs) {
          CheckSpan(kw.name_span, "aggregate keyword");
          child = std::max(child, Expr(kw.value));
        }
        break;
      }
      case ast::ExprKind::kArith:
        child = std::max(Expr(e->Cast<ast::Arith>().lhs), Expr(e->Cast<ast::Arith>().rhs));
        break;
      case ast::ExprKind::kNeg:
        child = Expr(e->Cast<ast::Neg>().operand);
        break;
      case ast::ExprKind::kQuerySet:
        child = Query(*e->Cast<ast::QuerySetExpr>().query);
        break;
      default:
        break;
    }
    return child + 1;
  }

  std::string_view text_;
};

// Checks one ParseQuery result; returns DebugString of the AST ("" when rejected).
std::string CheckParse(const ParseResult& r, std::string_view text, const ParseOptions& options,
                       std::string_view stage) {
  CheckResult(r.query != nullptr, r.diagnostics, text, stage);
  QUERYSAFE_FUZZ_CHECK(r.diagnostics.size() <= options.max_diagnostics,
                       std::format("{}: {} diagnostics, max_diagnostics is {}", stage,
                                   r.diagnostics.size(), options.max_diagnostics));
  QUERYSAFE_FUZZ_CHECK(
      std::is_sorted(
          r.diagnostics.begin(), r.diagnostics.end(),
          [](const Diagnostic& a, const Diagnostic& b) { return a.span.begin < b.span.begin; }),
      std::format("{}: diagnostics not sorted by position: {}", stage, Codes(r.diagnostics)));
  if (r.query == nullptr) return "";
  uint32_t depth = AstChecker(text).Query(*r.query);
  QUERYSAFE_FUZZ_CHECK(
      depth <= options.max_depth,
      std::format("{}: AST depth {} above max_depth {}", stage, depth, options.max_depth));
  // Deeper than libbson reads (two JSON levels per AST level): checked for syntax alone.
  CheckJsonSyntax(QueryToJson(*r.query), std::format("{}: QueryToJson", stage));
  std::string debug = DebugString(*r.query);
  QUERYSAFE_FUZZ_CHECK(!debug.empty(), std::format("{}: empty DebugString", stage));
  return debug;
}

// Python's key.split("__"), the reference both splitters must agree with.
absl::InlinedVector<Span, 4> PythonSplit(std::string_view key) {
  absl::InlinedVector<Span, 4> parts;
  size_t begin = 0;
  for (size_t at = key.find("__"); at != std::string_view::npos; at = key.find("__", begin)) {
    parts.push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(at)});
    begin = at + 2;
  }
  parts.push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(key.size())});
  return parts;
}

std::string Summary(std::string_view stage, const Diagnostics& diagnostics) {
  if (diagnostics.empty()) return std::format("{}: ok\n", stage);
  return std::format("{}: rejected {}\n", stage, Codes(diagnostics));
}

}  // namespace

void RunParse(std::string_view input, std::string* outcome) {
  // Defaults, as Query::Compile uses them.
  const ParseOptions defaults;
  Arena arena;
  ParseResult normal = ParseQuery(input, defaults, &arena);
  std::string normal_tree = CheckParse(normal, input, defaults, "parse");

  // Limits small enough that the fuzzer reaches each of them with short inputs.
  ParseOptions tight;
  tight.max_depth = 12;
  tight.max_input_bytes = 2048;
  tight.max_literal_bytes = 16;
  tight.max_nodes = 64;
  tight.max_diagnostics = 3;
  Arena tight_arena;
  ParseResult limited = ParseQuery(input, tight, &tight_arena);
  std::string tight_tree = CheckParse(limited, input, tight, "parse (tight limits)");
  if (limited.query != nullptr) {
    QUERYSAFE_FUZZ_CHECK(normal.query != nullptr,
                         std::format("accepted under tight limits, rejected under the defaults: {}",
                                     Codes(normal.diagnostics)));
    QUERYSAFE_FUZZ_CHECK(
        tight_tree == normal_tree,
        std::format("the limits changed the tree:\n{}\nvs\n{}", tight_tree, normal_tree));
  }

  // The builder's entry point: the whole input as one lookup key.
  Arena key_arena;
  LookupKeyResult key = ParseLookupKey(input, &key_arena);
  CheckResult(!key.parts.empty(), key.diagnostics, input, "lookup key");
  if (!key.parts.empty()) {
    std::string joined;
    for (const ast::KeyPart& part : key.parts) {
      QUERYSAFE_FUZZ_CHECK(
          part.span.end <= input.size() &&
              input.substr(part.span.begin, part.span.end - part.span.begin) == part.name,
          std::format("lookup key part '{}' is not the text at its span {}-{}", part.name,
                      part.span.begin, part.span.end));
      if (!joined.empty()) joined += "__";
      joined += part.name;
    }
    QUERYSAFE_FUZZ_CHECK(joined == input, "lookup key parts do not join back to the key");
  }

  // The interpreter's fast splitter and the grammar's rule must both be str.split("__").
  absl::InlinedVector<Span, 4> expected = PythonSplit(input);
  QUERYSAFE_FUZZ_CHECK(parse_internal::SplitOnSeparators(input) == expected,
                       "SplitOnSeparators differs from str.split(\"__\")");
  QUERYSAFE_FUZZ_CHECK(grammar::SplitLookupKey(input) == expected,
                       "grammar::SplitLookupKey differs from str.split(\"__\")");

  if (outcome != nullptr) {
    *outcome += Summary("parse", normal.diagnostics);
    *outcome += Summary("parse (tight limits)", limited.diagnostics);
    *outcome += Summary("lookup key", key.diagnostics);
  }
}

}  // namespace querysafe::fuzzing

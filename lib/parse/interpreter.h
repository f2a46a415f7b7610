// The interpreter: grammar syntax tree -> query AST. It gives Python's meaning
// to what the grammar recognized (literal values, operator precedence, call
// arguments) and Django's meaning on top (Model.objects chains, Q trees, F,
// aggregates, constructor literals), and reports everything that is valid
// Python but not a valid query.
//
// It recurses only along the syntax tree, whose depth the grammar bounds, and
// checks the depth of every AST node it builds against max_depth, so no later
// stage recurses deeper either. Split by concern: interpret_expr.cc (values,
// operators), interpret_call.cc (arguments, Q, F, aggregates, builtin names),
// interpret_query.cc (QuerySet chains and methods), constructors.cc (Decimal,
// date, datetime, time, timedelta, UUID, ObjectId, float).
#ifndef QUERYSAFE_LIB_PARSE_INTERPRETER_H_
#define QUERYSAFE_LIB_PARSE_INTERPRETER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "grammar/bump_allocator.h"
#include "grammar/syntax_tree.h"
#include "lib/common/arena.h"
#include "lib/parse/ast.h"
#include "lib/parse/literals.h"
#include "lib/parse/lookup_key.h"
#include "lib/parse/parse.h"
#include "querysafe/diagnostic.h"

namespace querysafe::parse_internal {

namespace syntax = grammar::syntax;

// Names the interpreter knows (with their qualified spellings: models.Q,
// datetime.date...).
enum class Builtin : uint8_t {
  kQ,
  kF,
  kCount,
  kSum,
  kAvg,
  kMin,
  kMax,
  kStdDev,
  kVariance,
  kDecimal,
  kDate,
  kDateTime,
  kTime,
  kTimedelta,
  kTimezone,
  kUuid,
  kObjectId,
  kFloat,
};

// Names that are values but not callables.
enum class Constant : uint8_t { kUtc, kQAnd, kQOr, kQXor };

// A call's arguments after Python's rules: *[...] and **{...} unpacked, order
// and repetition checked. Values are still syntax nodes.
struct PositionalArg {
  const syntax::Node* node;
};
struct KeywordArg {
  std::string_view name;
  Span name_span;
  bool name_is_source;  // `name` is the text at name_span (not a decoded ** key
                        // with escapes)
  bool unpacked;        // from a **{...} display
  Span span;            // the whole `name=value`
  const syntax::Node* node;
};
struct CallArgs {
  absl::InlinedVector<PositionalArg, 4> positional;
  absl::InlinedVector<KeywordArg, 4> keywords;
};

// An interpreted expression and the depth of its AST.
struct Value {
  const ast::Expr* expr = nullptr;
  uint32_t depth = 0;
  // A Q node made by an operator (`a | b`), whose children a parent of the same
  // operator may take over: `(a | b) | c` is one kOr node, as Django's Q.add()
  // squashes it.
  bool combined = false;
  explicit operator bool() const { return expr != nullptr; }
};

class Interpreter : public Reporter {
 public:
  Interpreter(std::string_view text, const ParseOptions& options, Arena* arena,
              Diagnostics* diagnostics)
      : text_(text), options_(options), bump_(arena), diagnostics_(diagnostics) {}

  // The whole query: it must be a QuerySet.
  const ast::Query* TopLevel(const syntax::Node* root);

  void Report(Category category, std::string_view code, std::string message, Span span) override;
  void Error(std::string_view code, std::string message, Span span) {
    Report(Category::kSyntaxError, code, std::move(message), span);
  }
  bool has_errors() const { return errors_ > 0; }

  // interpret_expr.cc
  Value Expr(const syntax::Node* node);
  // A node of depth `depth`; reports (once) and returns an empty Value beyond
  // max_depth.
  Value Make(const ast::Expr* expr, uint32_t depth) {
    if (depth > options_.max_depth) [[unlikely]]
      return TooDeep(expr, depth);
    return {expr, depth};
  }
  Value TooDeep(const ast::Expr* expr, uint32_t depth);
  template <typename T, typename... Args>
  Value New(uint32_t depth, Args&&... args) {
    return Make(arena_->New<T>(std::forward<Args>(args)...), depth);
  }
  // Python's type name of an interpreted value, for TypeError-style messages.
  static std::string_view TypeName(const ast::Expr& expr);
  static std::string WithArticle(std::string_view type_name);  // "an int", "a str"

  // interpret_call.cc
  // The dotted name a postfix starts with (`datetime.date` in
  // datetime.date(...)) and the index of the first trailer after it.
  struct DottedName {
    absl::InlinedVector<std::string_view, 4> parts;
    Span span;
    size_t next_trailer = 0;
  };
  DottedName Dotted(const syntax::Postfix& postfix) const;
  static std::optional<Builtin> LookupBuiltin(const DottedName& name);
  static std::optional<Constant> LookupConstant(const DottedName& name);
  static std::string JoinDotted(const DottedName& name);
  bool NormalizeArgs(std::string_view callee, const syntax::Trailer& call, CallArgs* args);
  Value Call(Builtin builtin, const DottedName& callee, const syntax::Trailer& call);
  Value QCall(Span span, const CallArgs& args);
  // Q children from positional Q objects / (key, value) tuples and keyword
  // lookups: the body of Q(...), filter(), exclude() and get().
  bool QChildren(std::string_view callee, const CallArgs& args,
                 absl::InlinedVector<const ast::Expr*, 4>* children, uint32_t* depth);
  Value Lookup(const KeyText& key, Span span, const syntax::Node* value_node);
  Value FCall(Span span, const CallArgs& args);
  Value FieldRef(std::string_view path, Span path_span, bool path_is_source, Span span,
                 bool allow_star);
  Value AggregateCall(Builtin builtin, Span name_span, Span span, const CallArgs& args);
  // A str literal argument: its value, and its span in the source (the text
  // between the quotes when the value is exactly that text, `*is_source` then
  // set; the whole literal otherwise).
  enum class StringArgResult { kNotString, kError, kOk };
  StringArgResult StringArg(const syntax::Node* node, std::string_view* value, Span* span,
                            bool* is_source);

  // constructors.cc, constructors_datetime.cc
  Value Constructor(Builtin builtin, Span span, const CallArgs& args);
  Value DateTimeCall(Builtin builtin, Span span, const CallArgs& args);
  Value TimeCall(Builtin builtin, Span span, const CallArgs& args);
  Value TimedeltaCall(Builtin builtin, Span span, const CallArgs& args);
  Value DecimalCall(Builtin builtin, Span span, const CallArgs& args);
  Value UuidCall(Builtin builtin, Span span, const CallArgs& args);
  Value ObjectIdCall(Builtin builtin, Span span, const CallArgs& args);
  Value FloatCall(Builtin builtin, Span span, const CallArgs& args);
  // A datetime's tzinfo: the UTC offset in minutes, kNaive for None, nullopt
  // after an error.
  static constexpr int32_t kNaive = INT32_MIN;
  std::optional<int32_t> TzinfoOffset(const syntax::Node* node);

  // interpret_query.cc
  Value QuerySet(const syntax::Postfix& postfix, const DottedName& dotted);

  std::string_view Text(Span s) const { return text_.substr(s.begin, s.end - s.begin); }
  std::string_view text() const { return text_; }
  const ParseOptions& options() const { return options_; }
  grammar::BumpAllocator* arena() { return arena_; }

 private:
  Value Operand(const syntax::Operand& operand);
  Value Prefix(const syntax::OpToken& op, Value value, Span span);
  Value ChainValue(const syntax::Chain& chain);
  Value Binary(const syntax::OpToken& op, Value lhs, Value rhs);
  Value Postfix(const syntax::Postfix& postfix);
  Value Name(const syntax::Node& node);
  Value Number(const syntax::Number& number, int sign_flips, Span span);
  Value Display(const syntax::Display& display);
  Value DictDisplay(const syntax::Dict& dict);

  std::string_view text_;
  const ParseOptions& options_;
  // Every node goes through the bump allocator, in chunks of the caller's
  // arena.
  grammar::BumpAllocator bump_;
  grammar::BumpAllocator* const arena_ = &bump_;
  Diagnostics* diagnostics_;
  size_t errors_ = 0;
  bool reported_depth_ = false;
};

}  // namespace querysafe::parse_internal

#endif  // QUERYSAFE_LIB_PARSE_INTERPRETER_H_

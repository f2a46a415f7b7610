// What the constructor literals share: Python's binding of arguments to
// parameters (with its TypeError messages) and literal-only arguments. Private
// to lib/parse.
#ifndef QUERYSAFE_LIB_PARSE_CONSTRUCTOR_ARGS_H_
#define QUERYSAFE_LIB_PARSE_CONSTRUCTOR_ARGS_H_

#include <algorithm>
#include <array>
#include <format>
#include <optional>
#include <string_view>

#include "lib/parse/interpreter.h"

namespace querysafe::parse_internal {

inline constexpr std::string_view kBadValue = "parse.invalid_value";

std::string_view ConstructorName(Builtin b);

// Binds a call's arguments to a constructor's parameters (all
// positional-or-keyword, except the last `kwonly` ones). Reports Python's
// TypeError when they do not fit.
template <size_t N>
inline bool Bind(Interpreter& in, std::string_view func, Span span, const CallArgs& args,
                 const std::array<std::string_view, N>& params, size_t required, size_t kwonly,
                 std::array<const syntax::Node*, N>* bound) {
  bound->fill(nullptr);
  const size_t max_positional = N - kwonly;
  if (args.positional.size() > max_positional) {
    in.Error("parse.bad_arguments",
             std::format("{}() takes at most {} argument{} ({} given)", func, max_positional,
                         max_positional == 1 ? "" : "s", args.positional.size()),
             args.positional[max_positional].node->span);
    return false;
  }
  for (size_t i = 0; i < args.positional.size(); ++i) (*bound)[i] = args.positional[i].node;
  bool ok = true;
  for (const KeywordArg& kw : args.keywords) {
    const auto it = std::find(params.begin(), params.end(), kw.name);
    if (it == params.end()) {
      in.Error("parse.bad_arguments",
               std::format("{}() got an unexpected keyword argument '{}'", func, kw.name),
               kw.name_span);
      ok = false;
      continue;
    }
    const size_t index = static_cast<size_t>(it - params.begin());
    if ((*bound)[index] != nullptr) {
      in.Error("parse.bad_arguments",
               std::format("argument for {}() given by name ('{}') and position ({})", func,
                           kw.name, index + 1),
               kw.name_span);
      ok = false;
      continue;
    }
    (*bound)[index] = kw.node;
  }
  for (size_t i = 0; ok && i < required; ++i) {
    if ((*bound)[i] == nullptr) {
      in.Error("parse.bad_arguments",
               std::format("{}() missing required argument '{}' (pos {})", func, params[i], i + 1),
               span);
      ok = false;
    }
  }
  return ok;
}

// Interprets a constructor argument, which must be a literal (a $parameter
// stands for a whole value, not for part of one).
Value LiteralArg(Interpreter& in, std::string_view func, const syntax::Node* node);

// An int (or bool) literal argument; reports Python's TypeError for anything
// else.
std::optional<int64_t> IntArg(Interpreter& in, std::string_view func, const syntax::Node* node);

}  // namespace querysafe::parse_internal

#endif  // QUERYSAFE_LIB_PARSE_CONSTRUCTOR_ARGS_H_

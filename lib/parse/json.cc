// QueryToJson(): the AST as compact JSON for programs (`querysafe parse
// --format json`). Every node is an object with "kind" and "span": [begin,
// end]; names follow DebugString's.
#include <cmath>
#include <format>
#include <string>

#include "absl/strings/escaping.h"
#include "lib/common/json_text.h"
#include "lib/common/python_repr.h"
#include "lib/parse/parse.h"

namespace querysafe {

namespace {

class JsonWriter {
 public:
  std::string Take() { return std::move(out_); }

  void Query(const ast::Query& q) {
    if (q.kind == ast::Query::Kind::kCombine) {
      Begin("combine", q.span);
      Key("operator");
      String(q.combine == ast::Query::Combine::kOr    ? "|"
             : q.combine == ast::Query::Combine::kAnd ? "&"
                                                      : "^");
      SpanField("operator_span", q.operator_span);
      Key("lhs");
      Query(*q.lhs);
      Key("rhs");
      Query(*q.rhs);
      out_ += '}';
      return;
    }
    Begin("query", q.span);
    Key("model");
    String(q.model);
    SpanField("model_span", q.model_span);
    Key("manager");
    String(q.manager);
    SpanField("manager_span", q.manager_span);
    Key("steps");
    out_ += '[';
    for (size_t i = 0; i < q.steps.size(); ++i) {
      if (i > 0) out_ += ',';
      Step(q.steps[i]);
    }
    out_ += "]}";
  }

 private:
  void Begin(std::string_view kind, Span span) {
    out_ += "{\"kind\":";
    String(kind);
    out_ += std::format(",\"span\":[{},{}]", span.begin, span.end);
  }
  void Key(std::string_view key) { out_ += std::format(",\"{}\":", key); }
  void SpanField(std::string_view key, Span span) {
    out_ += std::format(",\"{}\":[{},{}]", key, span.begin, span.end);
  }
  // Control characters as \u00XX, as this output has always written them; libbson's writer
  // would write "\n" and pass DEL through (lib/common/json_text.h).
  void String(std::string_view s) { AppendJsonString(s, JsonEscapes::kControlCodes, &out_); }
  void Number(double v) {
    if (std::isfinite(v)) {
      out_ += FloatRepr(v);
    } else {
      String(FloatRepr(v));  // JSON has no nan or inf
    }
  }

  void Step(const ast::Step& step) {
    switch (step.kind) {
      case ast::Step::Kind::kCall:
        Begin("call", step.span);
        Key("method");
        String(ast::MethodName(step.method));
        SpanField("method_span", step.method_span);
        if (step.condition != nullptr) {
          Key("condition");
          Expr(*step.condition);
        } else {
          Key("args");
          out_ += '[';
          for (size_t i = 0; i < step.args.size(); ++i) {
            if (i > 0) out_ += ',';
            out_ += '{';
            if (!step.args[i].name.empty()) {
              out_ += "\"name\":";
              String(step.args[i].name);
              SpanField("name_span", step.args[i].name_span);
              out_ += ',';
            }
            out_ += "\"value\":";
            Expr(*step.args[i].value);
            out_ += '}';
          }
          out_ += ']';
        }
        break;
      case ast::Step::Kind::kSlice:
        Begin("slice", step.span);
        Optional("start", step.start);
        Optional("stop", step.stop);
        Optional("step", step.step);
        break;
      case ast::Step::Kind::kIndex:
        Begin("index", step.span);
        Key("index");
        Expr(*step.index);
        break;
    }
    out_ += '}';
  }

  void Optional(std::string_view key, const ast::Expr* e) {
    Key(key);
    if (e == nullptr) {
      out_ += "null";
    } else {
      Expr(*e);
    }
  }

  void List(std::string_view key, ast::List<const ast::Expr*> items) {
    Key(key);
    out_ += '[';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out_ += ',';
      Expr(*items[i]);
    }
    out_ += ']';
  }

  void Parts(ast::List<ast::KeyPart> parts) {
    Key("parts");
    out_ += '[';
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) out_ += ',';
      out_ += "{\"name\":";
      String(parts[i].name);
      SpanField("span", parts[i].span);
      out_ += '}';
    }
    out_ += ']';
  }

  void Expr(const ast::Expr& e) {
    switch (e.kind) {
      case ast::ExprKind::kNone:
        Begin("none", e.span);
        break;
      case ast::ExprKind::kBool:
        Begin("bool", e.span);
        Key("value");
        out_ += e.Cast<ast::BoolLit>().value ? "true" : "false";
        break;
      case ast::ExprKind::kInt:
        Begin("int", e.span);
        Key("value");
        out_ += std::format("{}", e.Cast<ast::IntLit>().value);
        Key("text");
        String(e.Cast<ast::IntLit>().text);
        break;
      case ast::ExprKind::kFloat:
        Begin("float", e.span);
        Key("value");
        Number(e.Cast<ast::FloatLit>().value);
        Key("text");
        String(e.Cast<ast::FloatLit>().text);
        break;
      case ast::ExprKind::kString:
        Begin("str", e.span);
        Key("value");
        String(e.Cast<ast::StringLit>().value);
        break;
      case ast::ExprKind::kBytes: {
        Begin("bytes", e.span);
        Key("hex");
        const std::string_view bytes = e.Cast<ast::BytesLit>().value;
        String(absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size())));
        break;
      }
      case ast::ExprKind::kDecimal:
        Begin("decimal", e.span);
        Key("text");
        String(e.Cast<ast::DecimalLit>().text);
        break;
      case ast::ExprKind::kDate: {
        const auto& d = e.Cast<ast::DateLit>();
        Begin("date", e.span);
        out_ += std::format(",\"year\":{},\"month\":{},\"day\":{}", d.year, d.month, d.day);
        break;
      }
      case ast::ExprKind::kDateTime: {
        const auto& d = e.Cast<ast::DateTimeLit>();
        Begin("datetime", e.span);
        out_ += std::format(
            ",\"year\":{},\"month\":{},\"day\":{},\"hour\":{},\"minute\":{},"
            "\"second\":{},"
            "\"microsecond\":{}",
            d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond);
        if (d.tz == ast::DateTimeLit::Tz::kAware) {
          out_ += std::format(",\"utc_offset_minutes\":{}", d.utc_offset_minutes);
        }
        break;
      }
      case ast::ExprKind::kTime: {
        const auto& t = e.Cast<ast::TimeLit>();
        Begin("time", e.span);
        out_ += std::format(",\"hour\":{},\"minute\":{},\"second\":{},\"microsecond\":{}", t.hour,
                            t.minute, t.second, t.microsecond);
        break;
      }
      case ast::ExprKind::kTimedelta:
        Begin("timedelta", e.span);
        out_ += std::format(",\"microseconds\":{}", e.Cast<ast::TimedeltaLit>().microseconds);
        break;
      case ast::ExprKind::kUuid:
      case ast::ExprKind::kObjectId: {
        const bool uuid = e.kind == ast::ExprKind::kUuid;
        Begin(uuid ? "uuid" : "objectid", e.span);
        const uint8_t* bytes =
            uuid ? e.Cast<ast::UuidLit>().bytes : e.Cast<ast::ObjectIdLit>().bytes;
        Key("hex");
        String(absl::BytesToHexString(
            absl::string_view(reinterpret_cast<const char*>(bytes), uuid ? 16u : 12u)));
        break;
      }
      case ast::ExprKind::kList:
        Begin("list", e.span);
        List("items", e.Cast<ast::ListLit>().items);
        break;
      case ast::ExprKind::kTuple:
        Begin("tuple", e.span);
        List("items", e.Cast<ast::TupleLit>().items);
        break;
      case ast::ExprKind::kDict: {
        Begin("dict", e.span);
        Key("entries");
        out_ += '[';
        const auto& entries = e.Cast<ast::DictLit>().entries;
        for (size_t i = 0; i < entries.size(); ++i) {
          if (i > 0) out_ += ',';
          out_ += "{\"key\":";
          Expr(*entries[i].key);
          out_ += ",\"value\":";
          Expr(*entries[i].value);
          out_ += '}';
        }
        out_ += ']';
        break;
      }
      case ast::ExprKind::kParam:
        Begin("param", e.span);
        Key("name");
        String(e.Cast<ast::Param>().name);
        break;
      case ast::ExprKind::kLookup: {
        const auto& l = e.Cast<ast::Lookup>();
        Begin("lookup", e.span);
        Key("key");
        String(l.key);
        SpanField("key_span", l.key_span);
        Parts(l.parts);
        Key("value");
        Expr(*l.value);
        break;
      }
      case ast::ExprKind::kQ: {
        const auto& q = e.Cast<ast::Q>();
        Begin("q", e.span);
        Key("op");
        String(q.op == ast::Q::Op::kAnd   ? "and"
               : q.op == ast::Q::Op::kOr  ? "or"
               : q.op == ast::Q::Op::kXor ? "xor"
                                          : "not");
        List("children", q.children);
        break;
      }
      case ast::ExprKind::kF: {
        const auto& f = e.Cast<ast::F>();
        Begin("f", e.span);
        Key("path");
        String(f.path);
        SpanField("path_span", f.path_span);
        Parts(f.parts);
        break;
      }
      case ast::ExprKind::kAggregate: {
        static constexpr const char* kNames[] = {"Count", "Sum",    "Avg",     "Min",
                                                 "Max",   "StdDev", "Variance"};
        const auto& a = e.Cast<ast::Aggregate>();
        Begin("aggregate", e.span);
        Key("function");
        String(kNames[static_cast<int>(a.func)]);
        SpanField("name_span", a.name_span);
        List("args", a.args);
        Key("kwargs");
        out_ += '[';
        for (size_t i = 0; i < a.kwargs.size(); ++i) {
          if (i > 0) out_ += ',';
          out_ += "{\"name\":";
          String(a.kwargs[i].name);
          SpanField("name_span", a.kwargs[i].name_span);
          out_ += ",\"value\":";
          Expr(*a.kwargs[i].value);
          out_ += '}';
        }
        out_ += ']';
        break;
      }
      case ast::ExprKind::kArith: {
        static constexpr const char* kOps[] = {"+", "-", "*", "/", "%"};
        const auto& a = e.Cast<ast::Arith>();
        Begin("arith", e.span);
        Key("op");
        String(kOps[static_cast<int>(a.op)]);
        Key("lhs");
        Expr(*a.lhs);
        Key("rhs");
        Expr(*a.rhs);
        break;
      }
      case ast::ExprKind::kNeg:
        Begin("neg", e.span);
        Key("operand");
        Expr(*e.Cast<ast::Neg>().operand);
        break;
      case ast::ExprKind::kQuerySet:
        Begin("queryset", e.span);
        Key("query");
        Query(*e.Cast<ast::QuerySetExpr>().query);
        break;
    }
    out_ += '}';
  }

  std::string out_;
};

}  // namespace

std::string QueryToJson(const ast::Query& query) {
  JsonWriter writer;
  writer.Query(query);
  return writer.Take();
}

}  // namespace querysafe

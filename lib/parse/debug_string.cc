// DebugString(): one line per node, children indented by two spaces, spans as
// @begin:end. The format is stable (golden tests and `querysafe parse` show
// it):
//
//   query Patient.objects @0:41 model@0:7 manager@8:15
//     filter @16:41 name@16:22
//       Q and @22:41
//         lookup ssn @23:40 key@23:26 parts=[ssn@23:26]
//           str "987-65-4320" @27:40
#include <format>
#include <string>

#include "absl/strings/escaping.h"
#include "lib/parse/literals.h"
#include "lib/parse/parse.h"

namespace querysafe {

namespace {

std::string At(Span s) { return std::format("@{}:{}", s.begin, s.end); }

// A quoted, escaped rendering: printable text as is, the rest as escapes.
std::string Quote(std::string_view value, bool bytes) {
  std::string out = bytes ? "b\"" : "\"";
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (u < 0x20 || u == 0x7F || (bytes && u >= 0x80)) {
          out += std::format("\\x{:02x}", u);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string Parts(ast::List<ast::KeyPart> parts) {
  std::string out = "[";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::format("{}{}", parts[i].name, At(parts[i].span));
  }
  return out + "]";
}

std::string_view QOpName(ast::Q::Op op) {
  switch (op) {
    case ast::Q::Op::kAnd:
      return "and";
    case ast::Q::Op::kOr:
      return "or";
    case ast::Q::Op::kXor:
      return "xor";
    case ast::Q::Op::kNot:
      return "not";
  }
  return "?";
}

std::string_view AggregateName(ast::AggregateFunc f) {
  switch (f) {
    case ast::AggregateFunc::kCount:
      return "Count";
    case ast::AggregateFunc::kSum:
      return "Sum";
    case ast::AggregateFunc::kAvg:
      return "Avg";
    case ast::AggregateFunc::kMin:
      return "Min";
    case ast::AggregateFunc::kMax:
      return "Max";
    case ast::AggregateFunc::kStdDev:
      return "StdDev";
    case ast::AggregateFunc::kVariance:
      return "Variance";
  }
  return "?";
}

std::string Hex(const uint8_t* bytes, size_t n) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(bytes), n));
}

class Printer {
 public:
  std::string Take() { return std::move(out_); }

  void Query(const ast::Query& q, int indent, std::string_view label) {
    Line(indent, label);
    if (q.kind == ast::Query::Kind::kCombine) {
      const char* op = q.combine == ast::Query::Combine::kOr    ? "|"
                       : q.combine == ast::Query::Combine::kAnd ? "&"
                                                                : "^";
      out_ += std::format("query {} {} op{}\n", op, At(q.span), At(q.operator_span));
      Query(*q.lhs, indent + 1, "");
      Query(*q.rhs, indent + 1, "");
      return;
    }
    out_ += std::format("query {}.{} {} model{} manager{}\n", q.model, q.manager, At(q.span),
                        At(q.model_span), At(q.manager_span));
    for (const ast::Step& step : q.steps) Step(step, indent + 1);
  }

 private:
  void Line(int indent, std::string_view label) {
    out_.append(static_cast<size_t>(indent) * 2, ' ');
    out_ += label;
  }

  void Step(const ast::Step& step, int indent) {
    Line(indent, "");
    switch (step.kind) {
      case ast::Step::Kind::kCall:
        out_ += std::format("{} {} name{}\n", ast::MethodName(step.method), At(step.span),
                            At(step.method_span));
        if (step.condition != nullptr) Expr(*step.condition, indent + 1, "");
        for (const ast::Arg& arg : step.args) {
          Expr(*arg.value, indent + 1,
               arg.name.empty() ? std::string()
                                : std::format("{}{} = ", arg.name, At(arg.name_span)));
        }
        return;
      case ast::Step::Kind::kSlice:
        out_ += std::format("slice {}\n", At(step.span));
        if (step.start != nullptr) Expr(*step.start, indent + 1, "start: ");
        if (step.stop != nullptr) Expr(*step.stop, indent + 1, "stop: ");
        if (step.step != nullptr) Expr(*step.step, indent + 1, "step: ");
        return;
      case ast::Step::Kind::kIndex:
        out_ += std::format("index {}\n", At(step.span));
        Expr(*step.index, indent + 1, "");
        return;
    }
  }

  void Expr(const ast::Expr& e, int indent, const std::string& label) {
    Line(indent, label);
    const std::string at = At(e.span);
    switch (e.kind) {
      case ast::ExprKind::kNone:
        out_ += std::format("None {}\n", at);
        return;
      case ast::ExprKind::kBool:
        out_ += std::format("{} {}\n", e.Cast<ast::BoolLit>().value ? "True" : "False", at);
        return;
      case ast::ExprKind::kInt: {
        const auto& i = e.Cast<ast::IntLit>();
        out_ += std::format("int {} text={} {}\n", i.value, i.text, at);
        return;
      }
      case ast::ExprKind::kFloat: {
        const auto& f = e.Cast<ast::FloatLit>();
        out_ += std::format("float {} text={} {}\n", FloatRepr(f.value), f.text, at);
        return;
      }
      case ast::ExprKind::kString:
        out_ += std::format("str {} {}\n", Quote(e.Cast<ast::StringLit>().value, false), at);
        return;
      case ast::ExprKind::kBytes:
        out_ += std::format("bytes {} {}\n", Quote(e.Cast<ast::BytesLit>().value, true), at);
        return;
      case ast::ExprKind::kDecimal:
        out_ += std::format("Decimal {} {}\n", e.Cast<ast::DecimalLit>().text, at);
        return;
      case ast::ExprKind::kDate: {
        const auto& d = e.Cast<ast::DateLit>();
        out_ += std::format("date {:04}-{:02}-{:02} {}\n", d.year, d.month, d.day, at);
        return;
      }
      case ast::ExprKind::kDateTime: {
        const auto& d = e.Cast<ast::DateTimeLit>();
        out_ += std::format("datetime {:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}", d.year, d.month,
                            d.day, d.hour, d.minute, d.second, d.microsecond);
        if (d.tz == ast::DateTimeLit::Tz::kAware) {
          const int32_t m = d.utc_offset_minutes;
          out_ +=
              std::format(" {}{:02}:{:02}", m < 0 ? '-' : '+', std::abs(m) / 60, std::abs(m) % 60);
        }
        out_ += std::format(" {}\n", at);
        return;
      }
      case ast::ExprKind::kTime: {
        const auto& t = e.Cast<ast::TimeLit>();
        out_ += std::format("time {:02}:{:02}:{:02}.{:06} {}\n", t.hour, t.minute, t.second,
                            t.microsecond, at);
        return;
      }
      case ast::ExprKind::kTimedelta:
        out_ += std::format("timedelta {}us {}\n", e.Cast<ast::TimedeltaLit>().microseconds, at);
        return;
      case ast::ExprKind::kUuid: {
        const std::string h = Hex(e.Cast<ast::UuidLit>().bytes, 16);
        out_ += std::format("UUID {}-{}-{}-{}-{} {}\n", h.substr(0, 8), h.substr(8, 4),
                            h.substr(12, 4), h.substr(16, 4), h.substr(20), at);
        return;
      }
      case ast::ExprKind::kObjectId:
        out_ += std::format("ObjectId {} {}\n", Hex(e.Cast<ast::ObjectIdLit>().bytes, 12), at);
        return;
      case ast::ExprKind::kList:
      case ast::ExprKind::kTuple: {
        const bool list = e.kind == ast::ExprKind::kList;
        out_ += std::format("{} {}\n", list ? "list" : "tuple", at);
        for (const ast::Expr* item :
             list ? e.Cast<ast::ListLit>().items : e.Cast<ast::TupleLit>().items) {
          Expr(*item, indent + 1, "");
        }
        return;
      }
      case ast::ExprKind::kDict:
        out_ += std::format("dict {}\n", at);
        for (const ast::DictEntry& entry : e.Cast<ast::DictLit>().entries) {
          Expr(*entry.key, indent + 1, "key: ");
          Expr(*entry.value, indent + 1, "value: ");
        }
        return;
      case ast::ExprKind::kParam:
        out_ += std::format("param ${} {}\n", e.Cast<ast::Param>().name, at);
        return;
      case ast::ExprKind::kLookup: {
        const auto& l = e.Cast<ast::Lookup>();
        out_ +=
            std::format("lookup {} {} key{} parts={}\n", l.key, at, At(l.key_span), Parts(l.parts));
        Expr(*l.value, indent + 1, "");
        return;
      }
      case ast::ExprKind::kQ: {
        const auto& q = e.Cast<ast::Q>();
        out_ += std::format("Q {} {}\n", QOpName(q.op), at);
        for (const ast::Expr* child : q.children) Expr(*child, indent + 1, "");
        return;
      }
      case ast::ExprKind::kF: {
        const auto& f = e.Cast<ast::F>();
        out_ +=
            std::format("F {} {} path{} parts={}\n", f.path, at, At(f.path_span), Parts(f.parts));
        return;
      }
      case ast::ExprKind::kAggregate: {
        const auto& a = e.Cast<ast::Aggregate>();
        out_ += std::format("{} {} name{}\n", AggregateName(a.func), at, At(a.name_span));
        for (const ast::Expr* arg : a.args) Expr(*arg, indent + 1, "");
        for (const ast::Kwarg& kw : a.kwargs) {
          Expr(*kw.value, indent + 1, std::format("{}{} = ", kw.name, At(kw.name_span)));
        }
        return;
      }
      case ast::ExprKind::kArith: {
        const auto& a = e.Cast<ast::Arith>();
        static constexpr const char* kOps[] = {"+", "-", "*", "/", "%"};
        out_ += std::format("arith {} {}\n", kOps[static_cast<int>(a.op)], at);
        Expr(*a.lhs, indent + 1, "");
        Expr(*a.rhs, indent + 1, "");
        return;
      }
      case ast::ExprKind::kNeg:
        out_ += std::format("neg {}\n", at);
        Expr(*e.Cast<ast::Neg>().operand, indent + 1, "");
        return;
      case ast::ExprKind::kQuerySet:
        out_ += std::format("queryset {}\n", at);
        Query(*e.Cast<ast::QuerySetExpr>().query, indent + 1, "");
        return;
    }
  }

  std::string out_;
};

}  // namespace

std::string DebugString(const ast::Query& query) {
  Printer printer;
  printer.Query(query, 0, "");
  return printer.Take();
}

}  // namespace querysafe

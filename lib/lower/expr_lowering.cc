// Aggregation-expression forms, for what the match language cannot say: comparisons with F()
// and arithmetic, transforms (`__year`), patterns over non-string fields, exact array
// comparisons, and aggregates. Constants are always wrapped in $literal, so that a user's string
// such as "$password" can never be read as a field path.

#include <format>
#include <string>

#include "lib/lower/lowering.h"
#include "lib/lower/regex_escape.h"

namespace querysafe::lower {

using bound::LookupKind;
using bound::TransformKind;

namespace {

void AppendLiteral(bson_t* doc, std::string_view key, const bson_value_t& v) {
  bson_t lit;
  bson_append_document_begin(doc, key.data(), static_cast<int>(key.size()), &lit);
  bson_append_value(&lit, "$literal", 8, &v);
  bson_append_document_end(doc, &lit);
}

// The left-hand side of a predicate with its first `count` transforms applied.
void WriteLhs(bson_t* doc, std::string_view key, const bound::Predicate& p, size_t count) {
  if (count == 0) {
    AppendFieldRef(doc, key, p.lhs.db_path);
    return;
  }
  const bound::Transform& t = p.transforms[count - 1];
  bson_t e;
  bson_append_document_begin(doc, key.data(), static_cast<int>(key.size()), &e);
  auto unary = [&](const char* op) { WriteLhs(&e, op, p, count - 1); };
  switch (t.kind) {
    case TransformKind::kYear:
      unary("$year");
      break;
    case TransformKind::kIsoYear:
      unary("$isoWeekYear");
      break;
    case TransformKind::kMonth:
      unary("$month");
      break;
    case TransformKind::kDay:
      unary("$dayOfMonth");
      break;
    case TransformKind::kWeek:
      unary("$isoWeek");
      break;
    case TransformKind::kWeekDay:
      unary("$dayOfWeek");  // Sunday=1 ... Saturday=7, as Django's week_day
      break;
    case TransformKind::kIsoWeekDay:
      unary("$isoDayOfWeek");
      break;
    case TransformKind::kHour:
      unary("$hour");
      break;
    case TransformKind::kMinute:
      unary("$minute");
      break;
    case TransformKind::kSecond:
      unary("$second");
      break;
    case TransformKind::kQuarter: {
      // ceil(month / 3)
      bson_t divide;
      bson_append_document_begin(&e, "$ceil", 5, &divide);
      {
        ArrayWriter args(&divide, "$divide");
        bson_t month;
        args.BeginDocument(&month);
        WriteLhs(&month, "$month", p, count - 1);
        args.EndDocument(&month);
        bson_append_int32(args.array(), args.NextKey(), -1, 3);
      }
      bson_append_document_end(&e, &divide);
      break;
    }
    case TransformKind::kDate: {
      bson_t trunc;
      bson_append_document_begin(&e, "$dateTrunc", -1, &trunc);
      WriteLhs(&trunc, "date", p, count - 1);
      AppendString(&trunc, "unit", "day");
      bson_append_document_end(&e, &trunc);
      break;
    }
    case TransformKind::kTime: {
      // The time of day on 0001-01-01, as django-mongodb-backend stores TimeField values.
      bson_t parts;
      bson_append_document_begin(&e, "$dateFromParts", -1, &parts);
      BSON_APPEND_INT32(&parts, "year", 1);
      for (const char* unit : {"hour", "minute", "second", "millisecond"}) {
        bson_t part;
        bson_append_document_begin(&parts, unit, -1, &part);
        WriteLhs(&part, std::string("$") + unit, p, count - 1);
        bson_append_document_end(&parts, &part);
      }
      bson_append_document_end(&e, &parts);
      break;
    }
    case TransformKind::kLen: {
      // The length of the array; a missing or null array has none (Django: NULL).
      bson_t if_null;
      bson_append_document_begin(&e, "$size", -1, &if_null);
      {
        ArrayWriter alt(&if_null, "$ifNull");
        WriteLhs(alt.array(), alt.NextKey(), p, count - 1);
        bson_t empty;
        bson_append_array_begin(alt.array(), alt.NextKey(), -1, &empty);
        bson_append_array_end(alt.array(), &empty);
      }
      bson_append_document_end(&e, &if_null);
      break;
    }
    case TransformKind::kIndex: {
      ArrayWriter args(&e, "$arrayElemAt");
      WriteLhs(args.array(), args.NextKey(), p, count - 1);
      bson_append_int64(args.array(), args.NextKey(), -1, t.index);
      break;
    }
  }
  bson_append_document_end(doc, &e);
}

// {$eq: [{$ifNull: [operand, null]}, null]}: Django's IS NULL in expression form. $ifNull takes
// a missing field and null alike (a comparison with null alone would miss the missing field), and
// the operand, which may be a transform, is written and evaluated once.
template <typename WriteOperand>
void WriteIsNullOf(bson_t* doc, std::string_view key, WriteOperand&& write_operand) {
  bson_t e;
  bson_append_document_begin(doc, key.data(), static_cast<int>(key.size()), &e);
  {
    ArrayWriter args(&e, "$eq");
    bson_t if_null;
    bson_append_document_begin(args.array(), args.NextKey(), -1, &if_null);
    {
      ArrayWriter alt(&if_null, "$ifNull");
      write_operand(alt.array(), alt.NextKey());
      bson_append_null(alt.array(), alt.NextKey(), -1);
    }
    bson_append_document_end(args.array(), &if_null);
    bson_append_null(args.array(), args.NextKey(), -1);
  }
  bson_append_document_end(doc, &e);
}

void WriteIsNull(bson_t* doc, std::string_view key, const bound::Predicate& p) {
  WriteIsNullOf(doc, key, [&](bson_t* target, const char* k) {
    WriteLhs(target, k, p, p.transforms.size());
  });
}

}  // namespace

void Lowering::WriteExpr(bson_t* doc, std::string_view key, const bound::Expr& e) {
  switch (e.kind) {
    case bound::Expr::Kind::kField:
      AppendFieldRef(doc, key, e.field.db_path);
      return;
    case bound::Expr::Kind::kValue:
      AppendLiteral(doc, key, e.value);
      return;
    case bound::Expr::Kind::kNeg: {
      bson_t neg;
      bson_append_document_begin(doc, key.data(), static_cast<int>(key.size()), &neg);
      {
        ArrayWriter args(&neg, "$multiply");
        bson_append_int32(args.array(), args.NextKey(), -1, -1);
        WriteExpr(args.array(), args.NextKey(), *e.lhs);
      }
      bson_append_document_end(doc, &neg);
      return;
    }
    case bound::Expr::Kind::kArith: {
      static constexpr const char* kOps[] = {"$add", "$subtract", "$multiply", "$divide", "$mod"};
      bson_t arith;
      bson_append_document_begin(doc, key.data(), static_cast<int>(key.size()), &arith);
      {
        ArrayWriter args(&arith, kOps[static_cast<int>(e.op)]);
        WriteExpr(args.array(), args.NextKey(), *e.lhs);
        WriteExpr(args.array(), args.NextKey(), *e.rhs);
      }
      bson_append_document_end(doc, &arith);
      return;
    }
  }
}

void Lowering::WritePredicateExpr(bson_t* doc, std::string_view key, const bound::Predicate& p) {
  const size_t n = p.transforms.size();
  if (p.lookup == LookupKind::kIsNull) {
    const bool is_null = ValuesOf(p.values[0])[0].value.v_bool;
    if (is_null) {
      WriteIsNull(doc, key, p);
    } else {
      bson_t e;
      bson_append_document_begin(doc, key.data(), static_cast<int>(key.size()), &e);
      WriteIsNull(&e, "$not", p);
      bson_append_document_end(doc, &e);
    }
    return;
  }
  // The right-hand side: an expression, or the predicate's constant(s) as literals.
  auto write_rhs = [&](bson_t* target, const char* k, size_t index) {
    if (p.expr != nullptr) {
      WriteExpr(target, k, *p.expr);
    } else {
      AppendLiteral(target, k, ValuesOf(p.values[index])[0]);
    }
  };
  bson_t e;
  bson_append_document_begin(doc, key.data(), static_cast<int>(key.size()), &e);
  switch (p.lookup) {
    case LookupKind::kExact:
    case LookupKind::kGt:
    case LookupKind::kGte: {
      const char* op = p.lookup == LookupKind::kExact ? "$eq"
                       : p.lookup == LookupKind::kGt  ? "$gt"
                                                      : "$gte";
      auto compare = [&](bson_t* target) {
        ArrayWriter args(target, op);
        WriteLhs(args.array(), args.NextKey(), p, n);
        write_rhs(args.array(), args.NextKey(), 0);
      };
      if (p.expr == nullptr) {
        // A constant is never null here (exact=None is isnull), and a null left-hand side is
        // below it in MongoDB's order, so the comparison alone is Django's.
        compare(&e);
        break;
      }
      // Against an expression (F("other")): in SQL a NULL on either side matches nothing, but
      // MongoDB orders null below every value, so {$gt: [5, null]} and {$eq: [null, null]} are
      // true. Requiring the right-hand side to be non-null is enough: a left-hand side equal to
      // or greater than a non-null value is itself non-null.
      ArrayWriter both(&e, "$and");
      bson_t cmp;
      both.BeginDocument(&cmp);
      compare(&cmp);
      both.EndDocument(&cmp);
      bson_t not_null;
      both.BeginDocument(&not_null);
      WriteIsNullOf(&not_null, "$not",
                    [&](bson_t* target, const char* k) { WriteExpr(target, k, *p.expr); });
      both.EndDocument(&not_null);
      break;
    }
    case LookupKind::kLt:
    case LookupKind::kLte: {
      // In expressions null sorts below everything; Django's lt never matches NULL. A non-null
      // left-hand side below the right-hand side also makes that one non-null (F() included).
      ArrayWriter both(&e, "$and");
      bson_t cmp;
      both.BeginDocument(&cmp);
      {
        ArrayWriter args(&cmp, p.lookup == LookupKind::kLt ? "$lt" : "$lte");
        WriteLhs(args.array(), args.NextKey(), p, n);
        write_rhs(args.array(), args.NextKey(), 0);
      }
      both.EndDocument(&cmp);
      bson_t not_null;
      both.BeginDocument(&not_null);
      WriteIsNull(&not_null, "$not", p);
      both.EndDocument(&not_null);
      break;
    }
    case LookupKind::kIn: {
      ArrayWriter args(&e, "$in");
      WriteLhs(args.array(), args.NextKey(), p, n);
      bson_t list;
      bson_append_document_begin(args.array(), args.NextKey(), -1, &list);
      {
        ArrayWriter values(&list, "$literal");
        for (const bson_value_t& v : AllValues(p)) values.Value(v);
      }
      bson_append_document_end(args.array(), &list);
      break;
    }
    case LookupKind::kRange: {
      ArrayWriter both(&e, "$and");
      std::vector<bson_value_t> all = AllValues(p);
      for (size_t i = 0; i < 2 && i < all.size(); ++i) {
        std::span<const bson_value_t> v(&all[i], 1);
        if (v[0].value_type == BSON_TYPE_EOD) continue;
        bson_t cmp;
        both.BeginDocument(&cmp);
        {
          ArrayWriter args(&cmp, i == 0 ? "$gte" : "$lte");
          WriteLhs(args.array(), args.NextKey(), p, n);
          AppendLiteral(args.array(), args.NextKey(), v[0]);
        }
        both.EndDocument(&cmp);
      }
      break;
    }
    case LookupKind::kContainedBy: {
      ArrayWriter args(&e, "$setIsSubset");
      bson_t if_null;
      bson_append_document_begin(args.array(), args.NextKey(), -1, &if_null);
      {
        ArrayWriter alt(&if_null, "$ifNull");
        WriteLhs(alt.array(), alt.NextKey(), p, n);
        bson_t empty;
        bson_append_array_begin(alt.array(), alt.NextKey(), -1, &empty);
        bson_append_array_end(alt.array(), &empty);
      }
      bson_append_document_end(args.array(), &if_null);
      write_rhs(args.array(), args.NextKey(), 0);
      break;
    }
    default: {
      // Patterns over the text of a non-string value (or of a transform's result).
      const bson_value_t& v = ValuesOf(p.values[0])[0];
      std::string_view text(v.value.v_utf8.str, v.value.v_utf8.len);
      std::string pattern;
      switch (p.lookup) {
        case LookupKind::kIExact:
          pattern = ExactPattern(text);
          break;
        case LookupKind::kStartsWith:
        case LookupKind::kIStartsWith:
          pattern = PrefixPattern(text);
          break;
        case LookupKind::kEndsWith:
        case LookupKind::kIEndsWith:
          pattern = SuffixPattern(text);
          break;
        case LookupKind::kRegex:
        case LookupKind::kIRegex:
          pattern = std::string(text);
          break;
        default:
          pattern = ContainsPattern(text);
      }
      const bool insensitive =
          p.lookup == LookupKind::kIExact || p.lookup == LookupKind::kIContains ||
          p.lookup == LookupKind::kIStartsWith || p.lookup == LookupKind::kIEndsWith ||
          p.lookup == LookupKind::kIRegex;
      bson_t match;
      bson_append_document_begin(&e, "$regexMatch", -1, &match);
      bson_t input;
      bson_append_document_begin(&match, "input", -1, &input);
      if (p.value_class == schema::FieldClass::kDate) {
        // Django matches the text of the column, and a date's text is YYYY-MM-DD on every SQL
        // backend; $toString of the stored midnight would be 2024-01-31T00:00:00.000Z.
        bson_t to_string;
        bson_append_document_begin(&input, "$dateToString", -1, &to_string);
        AppendString(&to_string, "format", "%Y-%m-%d");
        WriteLhs(&to_string, "date", p, n);
        bson_append_document_end(&input, &to_string);
      } else {
        WriteLhs(&input, "$toString", p, n);
      }
      bson_append_document_end(&match, &input);
      AppendString(&match, "regex", pattern);
      if (insensitive) AppendString(&match, "options", "i");
      bson_append_document_end(&e, &match);
      break;
    }
  }
  bson_append_document_end(doc, &e);
}

void Lowering::WriteFilterExpr(bson_t* doc, std::string_view key, const bound::Filter& f) {
  using Kind = bound::Filter::Kind;
  switch (f.kind) {
    case Kind::kTrue:
    case Kind::kFalse:
      bson_append_bool(doc, key.data(), static_cast<int>(key.size()), f.kind == Kind::kTrue);
      return;
    case Kind::kPredicate:
      WritePredicateExpr(doc, key, *f.predicate);
      return;
    case Kind::kNot: {
      bson_t e;
      bson_append_document_begin(doc, key.data(), static_cast<int>(key.size()), &e);
      WriteFilterExpr(&e, "$not", *f.children[0]);
      bson_append_document_end(doc, &e);
      return;
    }
    case Kind::kAnd:
    case Kind::kOr: {
      bson_t e;
      bson_append_document_begin(doc, key.data(), static_cast<int>(key.size()), &e);
      {
        ArrayWriter args(&e, f.kind == Kind::kAnd ? "$and" : "$or");
        for (const bound::Filter* c : f.children) WriteFilterExpr(args.array(), args.NextKey(), *c);
      }
      bson_append_document_end(doc, &e);
      return;
    }
    case Kind::kXor: {
      // An odd number of true operands: sum their 0/1 values modulo 2.
      bson_t e;
      bson_append_document_begin(doc, key.data(), static_cast<int>(key.size()), &e);
      {
        ArrayWriter eq(&e, "$eq");
        bson_t mod;
        bson_append_document_begin(eq.array(), eq.NextKey(), -1, &mod);
        {
          ArrayWriter mod_args(&mod, "$mod");
          bson_t add;
          bson_append_document_begin(mod_args.array(), mod_args.NextKey(), -1, &add);
          {
            ArrayWriter terms(&add, "$add");
            for (const bound::Filter* c : f.children) {
              bson_t cond;
              bson_append_document_begin(terms.array(), terms.NextKey(), -1, &cond);
              {
                ArrayWriter branches(&cond, "$cond");
                WriteFilterExpr(branches.array(), branches.NextKey(), *c);
                bson_append_int32(branches.array(), branches.NextKey(), -1, 1);
                bson_append_int32(branches.array(), branches.NextKey(), -1, 0);
              }
              bson_append_document_end(terms.array(), &cond);
            }
          }
          bson_append_document_end(mod_args.array(), &add);
          bson_append_int32(mod_args.array(), mod_args.NextKey(), -1, 2);
        }
        bson_append_document_end(eq.array(), &mod);
        bson_append_int32(eq.array(), eq.NextKey(), -1, 1);
      }
      bson_append_document_end(doc, &e);
      return;
    }
  }
}

void Lowering::WriteAggregate(bson_t* group, const bound::Aggregate& a) {
  using F = bound::AggregateFunc;
  const std::string_view alias = a.alias;
  bson_t acc;
  bson_append_document_begin(group, alias.data(), static_cast<int>(alias.size()), &acc);
  // The value fed to the accumulator: the argument, or null where the filter does not hold.
  auto write_input = [&](bson_t* target, const char* key) {
    if (a.filter == nullptr) {
      WriteExpr(target, key, *a.arg);
      return;
    }
    bson_t cond;
    bson_append_document_begin(target, key, -1, &cond);
    {
      ArrayWriter branches(&cond, "$cond");
      WriteFilterExpr(branches.array(), branches.NextKey(), *a.filter);
      WriteExpr(branches.array(), branches.NextKey(), *a.arg);
      bson_append_null(branches.array(), branches.NextKey(), -1);
    }
    bson_append_document_end(target, &cond);
  };
  switch (a.func) {
    case F::kCount: {
      if (a.distinct && a.arg != nullptr) {
        write_input(&acc, "$addToSet");  // $size is taken in the $project stage
        break;
      }
      // Count counts non-null values (and rows passing the filter, for Count("*")).
      bson_t cond;
      bson_append_document_begin(&acc, "$sum", 4, &cond);
      {
        ArrayWriter branches(&cond, "$cond");
        bson_t test;
        bson_append_document_begin(branches.array(), branches.NextKey(), -1, &test);
        {
          ArrayWriter all(&test, "$and");
          if (a.arg != nullptr) {
            bson_t ne;
            bson_append_document_begin(all.array(), all.NextKey(), -1, &ne);
            {
              ArrayWriter args(&ne, "$ne");
              bson_t if_null;
              bson_append_document_begin(args.array(), args.NextKey(), -1, &if_null);
              {
                ArrayWriter alt(&if_null, "$ifNull");
                WriteExpr(alt.array(), alt.NextKey(), *a.arg);
                bson_append_null(alt.array(), alt.NextKey(), -1);
              }
              bson_append_document_end(args.array(), &if_null);
              bson_append_null(args.array(), args.NextKey(), -1);
            }
            bson_append_document_end(all.array(), &ne);
          }
          if (a.filter != nullptr) {
            WriteFilterExpr(all.array(), all.NextKey(), *a.filter);
          } else {
            bson_append_bool(all.array(), all.NextKey(), -1, true);
          }
        }
        bson_append_document_end(branches.array(), &test);
        bson_append_int32(branches.array(), branches.NextKey(), -1, 1);
        bson_append_int32(branches.array(), branches.NextKey(), -1, 0);
      }
      bson_append_document_end(&acc, &cond);
      break;
    }
    case F::kSum:
      write_input(&acc, a.distinct ? "$addToSet" : "$sum");
      break;
    case F::kAvg:
      write_input(&acc, a.distinct ? "$addToSet" : "$avg");
      break;
    case F::kMin:
      write_input(&acc, "$min");
      break;
    case F::kMax:
      write_input(&acc, "$max");
      break;
    case F::kStdDev:
    case F::kVariance:
      write_input(&acc, a.sample ? "$stdDevSamp" : "$stdDevPop");
      break;
  }
  bson_append_document_end(group, &acc);
}

}  // namespace querysafe::lower

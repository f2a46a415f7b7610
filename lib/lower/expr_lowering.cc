// Aggregation-expression forms, for what the match language cannot say: comparisons with F()
// and arithmetic, transforms (`__year`), patterns over non-string fields, exact array
// comparisons, and aggregates. Constants are always wrapped in $literal, so that a user's string
// such as "$password" can never be read as a field path.

#include <optional>
#include <string>

#include "lib/lower/lowering.h"

namespace querysafe::lower {

using bound::LookupKind;
using bound::TransformKind;

namespace {

void AppendLiteral(BsonWriter& w, BsonKey key, const bson_value_t& v) {
  w.BeginDocument(key);
  w.AppendValue("$literal", v);
  w.EndDocument();
}

// An empty array element.
void AppendEmptyArray(ArrayWriter& array) {
  array.writer().BeginArray(array.NextKey());
  array.writer().EndArray();
}

// `{op: date}`, or `{op: {date, timezone}}` for a transform that converts to a time zone first:
// MongoDB's date operators take an Olson name and extract in that zone
// (https://www.mongodb.com/docs/manual/reference/operator/aggregation/hour/).
void WriteDatePart(BsonWriter& w, BsonKey op, const bound::Predicate& p, size_t count,
                   std::string_view time_zone) {
  if (time_zone.empty()) {
    WriteLhs(w, op, p, count);
    return;
  }
  w.BeginDocument(op);
  WriteLhs(w, "date", p, count);
  w.AppendUtf8("timezone", time_zone);
  w.EndDocument();
}

}  // namespace

void WriteLhs(BsonWriter& w, BsonKey key, const bound::Predicate& p, size_t count) {
  if (count == 0) {
    AppendFieldRef(w, key, p.lhs.db_path);
    return;
  }
  const bound::Transform& t = p.transforms[count - 1];
  w.BeginDocument(key);
  auto unary = [&](BsonKey op) { WriteDatePart(w, op, p, count - 1, t.time_zone); };
  switch (t.kind) {
    case TransformKind::kYear:
    case TransformKind::kIsoYear:
    case TransformKind::kMonth:
    case TransformKind::kDay:
    case TransformKind::kWeek:
    case TransformKind::kWeekDay:
    case TransformKind::kIsoWeekDay:
    case TransformKind::kHour:
    case TransformKind::kMinute:
    case TransformKind::kSecond:
      unary(bound::TransformOf(t.kind).mql_operator);
      break;
    case TransformKind::kQuarter: {
      // ceil(month / 3)
      w.BeginDocument("$ceil");
      {
        ArrayWriter args(w, "$divide");
        args.BeginDocument();
        WriteDatePart(w, bound::TransformOf(t.kind).mql_operator, p, count - 1, t.time_zone);
        args.EndDocument();
        w.AppendInt32(args.NextKey(), 3);
      }
      w.EndDocument();
      break;
    }
    case TransformKind::kDate: {
      if (t.time_zone.empty()) {
        w.BeginDocument("$dateTrunc");
        WriteLhs(w, "date", p, count - 1);
        w.AppendUtf8("unit", "day");
        w.EndDocument();
        break;
      }
      // The local date, at midnight UTC as DateField values are stored, so that it compares with
      // them. ($dateTrunc with a timezone would give the instant of local midnight instead.)
      w.BeginDocument("$dateFromParts");
      for (const auto& [unit, op] : kLocalDateParts) {
        w.BeginDocument(unit);
        WriteDatePart(w, op, p, count - 1, t.time_zone);
        w.EndDocument();
      }
      w.EndDocument();
      break;
    }
    case TransformKind::kTime: {
      // The (local) time of day on 0001-01-01, as django-mongodb-backend stores TimeField values.
      w.BeginDocument("$dateFromParts");
      w.AppendInt32("year", 1);
      for (std::string_view unit : {"hour", "minute", "second", "millisecond"}) {
        w.BeginDocument(unit);
        WriteDatePart(w, std::string("$").append(unit), p, count - 1, t.time_zone);
        w.EndDocument();
      }
      w.EndDocument();
      break;
    }
    case TransformKind::kLen: {
      // The length of the array; a missing or null array has none (Django: NULL).
      w.BeginDocument("$size");
      {
        ArrayWriter alt(w, "$ifNull");
        WriteLhs(w, alt.NextKey(), p, count - 1);
        AppendEmptyArray(alt);
      }
      w.EndDocument();
      break;
    }
    case TransformKind::kIndex: {
      ArrayWriter args(w, "$arrayElemAt");
      WriteLhs(w, args.NextKey(), p, count - 1);
      w.AppendInt64(args.NextKey(), t.index);
      break;
    }
  }
  w.EndDocument();
}

namespace {

void WriteIsNull(BsonWriter& w, BsonKey key, const bound::Predicate& p) {
  WriteIsNullOf(w, key, [&](BsonKey k) { WriteLhs(w, k, p, p.transforms.size()); });
}

}  // namespace

void Lowering::WriteExpr(BsonWriter& w, BsonKey key, const bound::Expr& e) {
  switch (e.kind) {
    case bound::Expr::Kind::kField:
      AppendFieldRef(w, key, e.field.db_path);
      return;
    case bound::Expr::Kind::kValue:
      AppendLiteral(w, key, e.value);
      return;
    case bound::Expr::Kind::kNeg: {
      w.BeginDocument(key);
      {
        ArrayWriter args(w, "$multiply");
        w.AppendInt32(args.NextKey(), -1);
        WriteExpr(w, args.NextKey(), *e.lhs);
      }
      w.EndDocument();
      return;
    }
    case bound::Expr::Kind::kArith: {
      static constexpr std::string_view kOps[] = {"$add", "$subtract", "$multiply", "$divide",
                                                  "$mod"};
      w.BeginDocument(key);
      {
        ArrayWriter args(w, kOps[static_cast<int>(e.op)]);
        WriteExpr(w, args.NextKey(), *e.lhs);
        WriteExpr(w, args.NextKey(), *e.rhs);
      }
      w.EndDocument();
      return;
    }
  }
}

void Lowering::WritePredicateExpr(BsonWriter& w, BsonKey key, const bound::Predicate& p) {
  const size_t n = p.transforms.size();
  if (p.lookup == LookupKind::kIsNull) {
    const bool is_null = ValuesOf(p.values[0])[0].value.v_bool;
    if (is_null) {
      WriteIsNull(w, key, p);
    } else {
      w.BeginDocument(key);
      WriteIsNull(w, "$not", p);
      w.EndDocument();
    }
    return;
  }
  // The right-hand side: an expression, or the predicate's constant(s) as literals.
  auto write_rhs = [&](BsonKey k, size_t index) {
    if (p.expr != nullptr) {
      WriteExpr(w, k, *p.expr);
    } else {
      AppendLiteral(w, k, ValuesOf(p.values[index])[0]);
    }
  };
  w.BeginDocument(key);
  switch (p.lookup) {
    case LookupKind::kExact:
    case LookupKind::kGt:
    case LookupKind::kGte: {
      const BsonKey op = bound::LookupOf(p.lookup).mql_operator;
      auto compare = [&] {
        ArrayWriter args(w, op);
        WriteLhs(w, args.NextKey(), p, n);
        write_rhs(args.NextKey(), 0);
      };
      if (p.expr == nullptr) {
        // A constant is never null here (exact=None is isnull), and a null left-hand side is
        // below it in MongoDB's order, so the comparison alone is Django's.
        compare();
        break;
      }
      // Against an expression (F("other")): in SQL a NULL on either side matches nothing, but
      // MongoDB orders null below every value, so {$gt: [5, null]} and {$eq: [null, null]} are
      // true. Requiring the right-hand side to be non-null is enough: a left-hand side equal to
      // or greater than a non-null value is itself non-null.
      ArrayWriter both(w, "$and");
      both.BeginDocument();
      compare();
      both.EndDocument();
      both.BeginDocument();
      WriteIsNullOf(w, "$not", [&](BsonKey k) { WriteExpr(w, k, *p.expr); });
      both.EndDocument();
      break;
    }
    case LookupKind::kLt:
    case LookupKind::kLte: {
      // In expressions null sorts below everything; Django's lt never matches NULL. A non-null
      // left-hand side below the right-hand side also makes that one non-null (F() included).
      ArrayWriter both(w, "$and");
      both.BeginDocument();
      {
        ArrayWriter args(w, bound::LookupOf(p.lookup).mql_operator);
        WriteLhs(w, args.NextKey(), p, n);
        write_rhs(args.NextKey(), 0);
      }
      both.EndDocument();
      both.BeginDocument();
      WriteIsNull(w, "$not", p);
      both.EndDocument();
      break;
    }
    case LookupKind::kIn: {
      // In an expression a missing field is not null: Django's added `OR col IS NULL`
      // (KeepsNullInList) is written as its own clause, and nulls never go in the list.
      const bool or_null = KeepsNullInList(p);
      std::optional<ArrayWriter> any;
      if (or_null) {
        any.emplace(w, BsonKey("$or"));
        any->BeginDocument();
      }
      {
        ArrayWriter args(w, "$in");
        WriteLhs(w, args.NextKey(), p, n);
        args.BeginDocument();
        {
          ArrayWriter values(w, "$literal");
          ForEachValue(p, [&](const bson_value_t& v) {
            if (v.value_type != BSON_TYPE_NULL) values.Value(v);
          });
        }
        args.EndDocument();
      }
      if (or_null) {
        any->EndDocument();
        WriteIsNullOf(w, any->NextKey(), [&](BsonKey k) { WriteLhs(w, k, p, 0); });
      }
      break;
    }
    case LookupKind::kRange: {
      ArrayWriter both(w, "$and");
      bson_value_t all[2];
      const size_t num = FirstTwoValues(p, all);
      for (size_t i = 0; i < num; ++i) {
        if (all[i].value_type == BSON_TYPE_EOD) continue;
        both.BeginDocument();
        {
          ArrayWriter args(w, i == 0 ? BsonKey("$gte") : BsonKey("$lte"));
          WriteLhs(w, args.NextKey(), p, n);
          AppendLiteral(w, args.NextKey(), all[i]);
        }
        both.EndDocument();
      }
      break;
    }
    case LookupKind::kContainedBy: {
      ArrayWriter args(w, "$setIsSubset");
      args.BeginDocument();
      {
        ArrayWriter alt(w, "$ifNull");
        WriteLhs(w, alt.NextKey(), p, n);
        AppendEmptyArray(alt);
      }
      args.EndDocument();
      if (p.expr != nullptr) {
        WriteExpr(w, args.NextKey(), *p.expr);
        break;
      }
      // Every given element (a bound list may be empty): reading only the first wrote a scalar,
      // and crashed on an empty list (found by the lookup matrix).
      args.BeginDocument();
      {
        ArrayWriter values(w, "$literal");
        ForEachValue(p, [&](const bson_value_t& v) { values.Value(v); });
      }
      args.EndDocument();
      break;
    }
    case LookupKind::kIExact:
    case LookupKind::kContains:
    case LookupKind::kIContains:
    case LookupKind::kStartsWith:
    case LookupKind::kIStartsWith:
    case LookupKind::kEndsWith:
    case LookupKind::kIEndsWith:
    case LookupKind::kRegex:
    case LookupKind::kIRegex:
      WritePatternExpr(w, p);  // pattern_lowering.cc
      break;
    case LookupKind::kIsNull:  // written above, without the $and of a comparison
      break;
    case LookupKind::kArrayContains:
    case LookupKind::kOverlap: {
      // On an array reached through a transform (an element of an array of arrays), as
      // django-mongodb-backend writes them (fields/array.py): a null array matches nothing,
      // contains is {$setIsSubset: [values, lhs]}, overlap a non-empty $setIntersection.
      ArrayWriter both(w, "$and");
      both.BeginDocument();
      WriteIsNull(w, "$not", p);
      both.EndDocument();
      both.BeginDocument();
      auto write_args = [&](BsonKey op) {
        ArrayWriter args(w, op);
        args.BeginDocument();
        {
          ArrayWriter values(w, "$literal");
          ForEachValue(p, [&](const bson_value_t& v) { values.Value(v); });
        }
        args.EndDocument();
        WriteLhs(w, args.NextKey(), p, n);
      };
      if (p.lookup == LookupKind::kArrayContains) {
        write_args("$setIsSubset");
      } else {
        w.BeginDocument("$size");
        write_args("$setIntersection");
        w.EndDocument();
      }
      both.EndDocument();
      break;
    }
  }
  w.EndDocument();
}

void Lowering::WriteFilterExpr(BsonWriter& w, BsonKey key, const bound::Filter& f) {
  using Kind = bound::Filter::Kind;
  switch (f.kind) {
    case Kind::kTrue:
    case Kind::kFalse:
      w.AppendBool(key, f.kind == Kind::kTrue);
      return;
    case Kind::kPredicate:
      WritePredicateExpr(w, key, *f.predicate);
      return;
    case Kind::kNot: {
      w.BeginDocument(key);
      negated_ = !negated_;
      WriteFilterExpr(w, "$not", *f.children[0]);
      negated_ = !negated_;
      w.EndDocument();
      return;
    }
    case Kind::kAnd:
    case Kind::kOr: {
      w.BeginDocument(key);
      {
        ArrayWriter args(w, f.kind == Kind::kAnd ? BsonKey("$and") : BsonKey("$or"));
        for (const bound::Filter* c : f.children) WriteFilterExpr(w, args.NextKey(), *c);
      }
      w.EndDocument();
      return;
    }
    case Kind::kXor: {
      // An odd number of true operands: sum their 0/1 values modulo 2.
      w.BeginDocument(key);
      {
        ArrayWriter eq(w, "$eq");
        eq.BeginDocument();
        {
          ArrayWriter mod_args(w, "$mod");
          mod_args.BeginDocument();
          {
            ArrayWriter terms(w, "$add");
            for (const bound::Filter* c : f.children) {
              terms.BeginDocument();
              {
                ArrayWriter branches(w, "$cond");
                WriteFilterExpr(w, branches.NextKey(), *c);
                w.AppendInt32(branches.NextKey(), 1);
                w.AppendInt32(branches.NextKey(), 0);
              }
              terms.EndDocument();
            }
          }
          mod_args.EndDocument();
          w.AppendInt32(mod_args.NextKey(), 2);
        }
        eq.EndDocument();
        w.AppendInt32(eq.NextKey(), 1);
      }
      w.EndDocument();
      return;
    }
  }
}

void Lowering::WriteAggregate(BsonWriter& w, const bound::Aggregate& a) {
  using F = bound::AggregateFunc;
  w.BeginDocument(a.alias);
  // The value fed to the accumulator: the argument, or null where the filter does not hold.
  auto write_input = [&](BsonKey key) {
    if (a.filter == nullptr) {
      WriteExpr(w, key, *a.arg);
      return;
    }
    w.BeginDocument(key);
    {
      ArrayWriter branches(w, "$cond");
      WriteFilterExpr(w, branches.NextKey(), *a.filter);
      WriteExpr(w, branches.NextKey(), *a.arg);
      w.AppendNull(branches.NextKey());
    }
    w.EndDocument();
  };
  switch (a.func) {
    case F::kCount: {
      if (a.distinct && a.arg != nullptr) {
        write_input("$addToSet");  // $size is taken in the $project stage
        break;
      }
      // Count counts non-null values (and rows passing the filter, for Count("*")).
      w.BeginDocument("$sum");
      {
        ArrayWriter branches(w, "$cond");
        branches.BeginDocument();
        {
          ArrayWriter all(w, "$and");
          if (a.arg != nullptr) {
            all.BeginDocument();
            {
              ArrayWriter args(w, "$ne");
              args.BeginDocument();
              {
                ArrayWriter alt(w, "$ifNull");
                WriteExpr(w, alt.NextKey(), *a.arg);
                w.AppendNull(alt.NextKey());
              }
              args.EndDocument();
              w.AppendNull(args.NextKey());
            }
            all.EndDocument();
          }
          if (a.filter != nullptr) {
            WriteFilterExpr(w, all.NextKey(), *a.filter);
          } else {
            w.AppendBool(all.NextKey(), true);
          }
        }
        branches.EndDocument();
        w.AppendInt32(branches.NextKey(), 1);
        w.AppendInt32(branches.NextKey(), 0);
      }
      w.EndDocument();
      break;
    }
    case F::kSum:
      write_input(a.distinct ? BsonKey("$addToSet") : BsonKey("$sum"));
      break;
    case F::kAvg:
      write_input(a.distinct ? BsonKey("$addToSet") : BsonKey("$avg"));
      break;
    case F::kMin:
      write_input("$min");
      break;
    case F::kMax:
      write_input("$max");
      break;
    case F::kStdDev:
    case F::kVariance:
      write_input(a.sample ? BsonKey("$stdDevSamp") : BsonKey("$stdDevPop"));
      break;
  }
  w.EndDocument();
}

}  // namespace querysafe::lower

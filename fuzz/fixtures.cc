#include "fuzz/fixtures.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <format>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "fuzz/fuzz_check.h"
#include "lib/common/bson_array.h"

namespace querysafe::fuzzing {
namespace {

std::string DataPath(std::string_view relative) {
  return std::format("{}/{}", QUERYSAFE_FUZZ_DATA_DIR, relative);
}

// Deterministic mixing of a seed with an index (splitmix64's finalizer).
uint64_t Mix(uint64_t seed, uint64_t index) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * (index + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

crypt::KeyId IdForAltName(std::string_view alt_name) {
  crypt::KeyId id;
  uint64_t a = StableHash(alt_name), b = Mix(a, 1);
  std::memcpy(id.data(), &a, 8);
  std::memcpy(id.data() + 8, &b, 8);
  id[6] = static_cast<uint8_t>((id[6] & 0x0f) | 0x40);  // an RFC 4122 version 4 UUID
  id[8] = static_cast<uint8_t>((id[8] & 0x3f) | 0x80);
  return id;
}

void AppendDecimal(bson_t* doc, const char* key, const char* text) {
  bson_decimal128_t value;
  bson_decimal128_from_string(text, &value);
  bson_append_decimal128(doc, key, -1, &value);
}

void AppendString(bson_t* doc, const char* key, std::string_view value) {
  bson_append_utf8(doc, key, -1, value.data(), static_cast<int>(value.size()));
}

const bson_oid_t& FixedOid() {
  static const bson_oid_t oid = [] {
    bson_oid_t o;
    bson_oid_init_from_string(&o, "65f0a1b2c3d4e5f601234567");
    return o;
  }();
  return oid;
}

// A document nested `depth` levels deep: {"a": {"a": ... {}}}.
void AppendDeep(bson_t* doc, const char* key, int depth) {
  bson_t child;
  bson_append_document_begin(doc, key, -1, &child);
  if (depth > 1) AppendDeep(&child, "a", depth - 1);
  bson_append_document_end(doc, &child);
}

constexpr int kHostileValues = 44;

// Values that break assumptions: type limits, NaN and infinities, wrong types, strings that are
// empty, huge, hold NUL or are not UTF-8, documents shaped like querysafe's own placeholders or
// like MQL operators, deep nesting, and BSON types no Django field has.
void AppendHostile(bson_t* doc, const char* key, int which) {
  static const uint8_t kUuid[16] = {0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x98, 0x76,
                                    0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56};
  switch (which) {
    case 0:
      bson_append_null(doc, key, -1);
      break;
    case 1:
      bson_append_int32(doc, key, -1, std::numeric_limits<int32_t>::min());
      break;
    case 2:
      bson_append_int32(doc, key, -1, std::numeric_limits<int32_t>::max());
      break;
    case 3:
      bson_append_int64(doc, key, -1, std::numeric_limits<int64_t>::min());
      break;
    case 4:
      bson_append_int64(doc, key, -1, std::numeric_limits<int64_t>::max());
      break;
    case 5:
      bson_append_double(doc, key, -1, std::nan(""));
      break;
    case 6:
      bson_append_double(doc, key, -1, std::numeric_limits<double>::infinity());
      break;
    case 7:
      bson_append_double(doc, key, -1, -0.0);
      break;
    case 8:
      bson_append_double(doc, key, -1, 1e308);
      break;
    case 9:
      AppendDecimal(doc, key, "NaN");
      break;
    case 10:
      AppendDecimal(doc, key, "-Infinity");
      break;
    case 11:
      AppendDecimal(doc, key, "1E+6144");
      break;
    case 12:
      AppendDecimal(doc, key, "-0E-6176");
      break;
    case 13:
      AppendString(doc, key, "");
      break;
    case 14:
      AppendString(doc, key, std::string_view("nul\0inside", 10));
      break;
    case 15:
      AppendString(doc, key, "not utf-8: \xff\xfe\xc3");
      break;
    case 16:
      AppendString(doc, key, std::string(5000, 'x'));
      break;
    case 17:
      bson_append_date_time(doc, key, -1, std::numeric_limits<int64_t>::min());
      break;
    case 18:
      bson_append_date_time(doc, key, -1, std::numeric_limits<int64_t>::max());
      break;
    case 19:
      bson_append_bool(doc, key, -1, false);
      break;
    case 20:
      bson_append_oid(doc, key, -1, &FixedOid());
      break;
    case 21:
      bson_append_binary(doc, key, -1, BSON_SUBTYPE_UUID, kUuid, 16);
      break;
    case 22:
      bson_append_binary(doc, key, -1, BSON_SUBTYPE_UUID, kUuid, 3);
      break;
    case 23:
      bson_append_binary(doc, key, -1, BSON_SUBTYPE_ENCRYPTED, kUuid, 16);
      break;
    case 24: {
      // A value shaped like lowering's placeholder: it must stay a value, never be encrypted
      // or replaced.
      bson_t value, inner;
      bson_append_document_begin(doc, key, -1, &value);
      bson_append_document_begin(&value, "$encrypt", -1, &inner);
      bson_append_int32(&inner, "id", -1, 0);
      AppendString(&inner, "role", "value");
      bson_append_document_end(&value, &inner);
      bson_append_document_end(doc, &value);
      break;
    }
    case 25: {
      bson_t value;
      bson_append_document_begin(doc, key, -1, &value);
      bson_append_int32(&value, "$gt", -1, 1);
      bson_append_document_end(doc, &value);
      break;
    }
    case 26: {
      bson_t value;
      querysafe::AppendArrayBegin(doc, key, -1, &value);
      bson_append_array_end(doc, &value);
      break;
    }
    case 27: {
      bson_t a, b;
      querysafe::AppendArrayBegin(doc, key, -1, &a);
      querysafe::AppendArrayBegin(&a, "0", -1, &b);
      bson_append_int32(&b, "0", -1, 1);
      bson_append_array_end(&a, &b);
      bson_append_array_end(doc, &a);
      break;
    }
    case 28:
      bson_append_regex(doc, key, -1, "a.*", "i");
      break;
    case 29:
      bson_append_timestamp(doc, key, -1, 1, 2);
      break;
    case 30:
      bson_append_minkey(doc, key, -1);
      break;
    case 31:
      bson_append_maxkey(doc, key, -1);
      break;
    case 32:
      bson_append_code(doc, key, -1, "function() {}");
      break;
    case 33:
      bson_append_symbol(doc, key, -1, "sym", 3);
      break;
    case 34:
      bson_append_dbpointer(doc, key, -1, "db.coll", &FixedOid());
      break;
    case 35:
      bson_append_undefined(doc, key, -1);
      break;
    case 36:
      bson_append_int64(doc, key, -1, 5);
      break;
    case 37:
      bson_append_double(doc, key, -1, 5.0);
      break;
    case 38:
      AppendString(doc, key, "5");
      break;
    case 39:
      AppendDecimal(doc, key, "5");
      break;
    case 40:
      bson_append_int32(doc, key, -1, 5);
      break;
    case 41:
      bson_append_date_time(doc, key, -1, 5);
      break;
    case 42: {
      bson_t value;
      querysafe::AppendArrayBegin(doc, key, -1, &value);
      bson_append_int32(&value, "0", -1, 5);
      AppendString(&value, "1", "x");
      bson_append_null(&value, "2", -1);
      bson_append_array_end(doc, &value);
      break;
    }
    default:
      AppendDeep(doc, key, 150);
      break;
  }
}

template <typename T, size_t N>
const T& Pick(const T (&options)[N], uint64_t seed) {
  return options[seed % N];
}

}  // namespace

std::string ReadDataFile(std::string_view relative) {
  std::string path = DataPath(relative);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "querysafe fuzz: cannot read %s\n", path.c_str());
    std::abort();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const BsonDoc& SpecKeyDocument() {
  static const BsonDoc* key = [] {
    // key1.json is a JSON array holding one key document.
    std::string json = "{\"keys\": " + ReadDataFile("spec-qe/keys/key1.json") + "}";
    BsonDoc all;
    bson_error_t error;
    bson_iter_t iter;
    if (!BsonDoc::FromJson(json, &all, &error) || !bson_iter_init(&iter, all.get()) ||
        !bson_iter_find_descendant(&iter, "keys.0", &iter) || !BSON_ITER_HOLDS_DOCUMENT(&iter)) {
      Fail("tests/data/spec-qe/keys/key1.json holds no key document");
    }
    uint32_t length;
    const uint8_t* data;
    bson_iter_document(&iter, &length, &data);
    auto* doc = new BsonDoc();
    BsonDoc::FromBytes(data, length, doc);
    return doc;
  }();
  return *key;
}

std::string SpecMasterKeyArgument() { return "@" + DataPath("spec-qe/keys/local-master.key"); }

BsonDoc SpecKeyAs(const crypt::KeyId& id, const std::vector<std::string>& alt_names) {
  BsonDoc out;
  bson_append_binary(out.get(), "_id", -1, BSON_SUBTYPE_UUID, id.data(), 16);
  if (!alt_names.empty()) {
    bson_t names;
    querysafe::AppendArrayBegin(out.get(), "keyAltNames", -1, &names);
    for (size_t i = 0; i < alt_names.size(); ++i) {
      std::string index = std::to_string(i);
      AppendString(&names, index.c_str(), alt_names[i]);
    }
    bson_append_array_end(out.get(), &names);
  }
  bson_iter_t iter;
  bson_iter_init(&iter, SpecKeyDocument().get());
  while (bson_iter_next(&iter)) {
    std::string_view key = bson_iter_key(&iter);
    if (key == "_id" || key == "keyAltNames") continue;
    bson_append_iter(out.get(), bson_iter_key(&iter), -1, &iter);
  }
  return out;
}

absl::StatusOr<std::vector<BsonDoc>> AnyKeySource::Find(const crypt::KeyQuery& query) const {
  std::map<crypt::KeyId, std::vector<std::string>> keys;
  for (const crypt::KeyId& id : query.ids) keys[id];
  for (const std::string& name : query.alt_names) keys[IdForAltName(name)].push_back(name);
  std::vector<BsonDoc> out;
  for (const auto& [id, names] : keys) out.push_back(SpecKeyAs(id, names));
  return out;
}

void AppendTypicalValue(bson_t* doc, const char* key, std::string_view type, uint64_t seed) {
  // Inside the fixed schemas' range bounds ([0, 200] for the spec's ints and dates, the types'
  // limits otherwise), so that a typical binding reaches libmongocrypt.
  static const int64_t kInts[] = {5, 0, 150, 199};
  static const double kDoubles[] = {1.5, 0.0, 100.25};
  static const char* const kDecimals[] = {"1.5", "0", "12.34"};
  static const char* const kStrings[] = {"fuzz-string-value", "0123456789abcdef0123456789abcdef",
                                         "987-65-4320",       "192.168.0.1",
                                         "user@example.com",  "https://example.com/x"};
  static const int64_t kDates[] = {5, 100, 1700000000000};
  if (type == "long") {
    bson_append_int64(doc, key, -1, Pick(kInts, seed));
  } else if (type == "int") {
    bson_append_int32(doc, key, -1, static_cast<int32_t>(Pick(kInts, seed)));
  } else if (type == "double") {
    bson_append_double(doc, key, -1, Pick(kDoubles, seed));
  } else if (type == "decimal") {
    AppendDecimal(doc, key, Pick(kDecimals, seed));
  } else if (type == "string") {
    AppendString(doc, key, Pick(kStrings, seed));
  } else if (type == "date") {
    bson_append_date_time(doc, key, -1, Pick(kDates, seed));
  } else if (type == "bool") {
    bson_append_bool(doc, key, -1, seed % 2 == 0);
  } else if (type == "objectId") {
    bson_append_oid(doc, key, -1, &FixedOid());
  } else if (type == "binData") {
    bson_append_binary(doc, key, -1, BSON_SUBTYPE_BINARY,
                       reinterpret_cast<const uint8_t*>("\x01\x02fuzz-bytes"), 12);
  } else if (type == "object") {
    bson_t value;
    bson_append_document_begin(doc, key, -1, &value);
    if (seed % 2 == 0) AppendString(&value, "name", "fuzz-embedded-name");
    bson_append_document_end(doc, &value);
  } else if (type == "array") {
    bson_t value;
    querysafe::AppendArrayBegin(doc, key, -1, &value);
    if (seed % 2 == 0) bson_append_int64(&value, "0", -1, 5);
    bson_append_array_end(doc, &value);
  } else {
    bson_append_null(doc, key, -1);
  }
}

BoundParams MakeParams(const std::vector<ParamInfo>& params, Binding binding, uint64_t seed) {
  BoundParams out;
  // A name may be listed once per use; the values document has it once.
  std::vector<const ParamInfo*> unique;
  for (const ParamInfo& p : params) {
    bool seen = false;
    for (const ParamInfo* u : unique) seen = seen || u->name == p.name;
    if (!seen) unique.push_back(&p);
  }
  const uint64_t shape = Mix(seed, 1000);
  // Hostile bindings sometimes leave a parameter out or add one the query does not have; both
  // are errors a prepared query must report rather than ignore.
  size_t omit = unique.size();
  if (binding == Binding::kHostile && !unique.empty() && shape % 8 == 0) {
    omit = (shape >> 8) % unique.size();
    out.must_reject = true;
  }
  for (size_t i = 0; i < unique.size(); ++i) {
    if (i == omit) continue;
    const ParamInfo& p = *unique[i];
    const uint64_t s = Mix(seed, i);
    if (binding == Binding::kTypical) {
      if (p.sequence) {
        bson_t list;
        querysafe::AppendArrayBegin(out.values.get(), p.name.c_str(), -1, &list);
        AppendTypicalValue(&list, "0", p.expected_type, s);
        AppendTypicalValue(&list, "1", p.expected_type, s >> 16);
        bson_append_array_end(out.values.get(), &list);
      } else {
        AppendTypicalValue(out.values.get(), p.name.c_str(), p.expected_type, s);
      }
      continue;
    }
    // Hostile: one hostile value, a list of them (for `in` and `range` most of all), or a list
    // long enough to make every element a request.
    switch (s % 4) {
      case 0:
      case 1:
        AppendHostile(out.values.get(), p.name.c_str(),
                      static_cast<int>((s >> 8) % kHostileValues));
        break;
      case 2: {
        bson_t list;
        querysafe::AppendArrayBegin(out.values.get(), p.name.c_str(), -1, &list);
        AppendHostile(&list, "0", static_cast<int>((s >> 8) % kHostileValues));
        AppendHostile(&list, "1", static_cast<int>((s >> 16) % kHostileValues));
        bson_append_array_end(out.values.get(), &list);
        break;
      }
      default: {
        bson_t list;
        querysafe::AppendArrayBegin(out.values.get(), p.name.c_str(), -1, &list);
        for (int k = 0; k < 40; ++k) {
          std::string index = std::to_string(k);
          AppendTypicalValue(&list, index.c_str(), p.expected_type, Mix(s, k));
        }
        bson_append_array_end(out.values.get(), &list);
        break;
      }
    }
  }
  bool named_unknown = false;
  for (const ParamInfo* u : unique) named_unknown = named_unknown || u->name == "fuzz_unknown";
  if (binding == Binding::kHostile && shape % 8 == 1 && !named_unknown) {
    bson_append_int32(out.values.get(), "fuzz_unknown", -1, 1);
    out.must_reject = true;
  }
  return out;
}

}  // namespace querysafe::fuzzing

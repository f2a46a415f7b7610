#include "to_bson.h"

#include <datetime.h>
#include <nanobind/nanobind.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>

namespace nb = nanobind;

namespace querysafe::python {
namespace {

// MongoDB's document limit (BSONObjMaxUserSize): no larger string or binary can be in a query, and
// every length then fits libbson's int and uint32_t length arguments.
constexpr size_t kMaxValueBytes = 16 * 1024 * 1024;

// Nesting deeper than this is refused: a self-referencing list would otherwise recurse until the
// C stack runs out, and no query parameter needs more.
constexpr int kMaxDepth = 100;

// Classes looked up once and kept for the life of the process (never released, so no destructor
// runs at interpreter shutdown). nullptr when the module is absent: pymongo's `bson` is optional.
// InitConversions() fills them while the extension is imported: an import can release the GIL, so
// a first lookup from a call could let another thread block in the same static initialisation
// while holding the GIL, and the two would wait for each other.
struct Classes {
  PyObject* decimal = nullptr;
  PyObject* uuid = nullptr;
  PyObject* int64 = nullptr;
  PyObject* object_id = nullptr;
  PyObject* decimal128 = nullptr;
  PyObject* binary = nullptr;
};

PyObject* ImportAttr(const char* module, const char* name) {
  PyObject* m = PyImport_ImportModule(module);
  if (m == nullptr) {
    PyErr_Clear();
    return nullptr;
  }
  PyObject* attr = PyObject_GetAttrString(m, name);
  Py_DECREF(m);
  if (attr == nullptr) PyErr_Clear();
  return attr;
}

const Classes& GetClasses() {
  static const Classes classes = [] {
    if (PyDateTimeAPI == nullptr) PyDateTime_IMPORT;
    Classes c;
    c.decimal = ImportAttr("decimal", "Decimal");
    c.uuid = ImportAttr("uuid", "UUID");
    c.int64 = ImportAttr("bson.int64", "Int64");
    c.object_id = ImportAttr("bson.objectid", "ObjectId");
    c.decimal128 = ImportAttr("bson.decimal128", "Decimal128");
    c.binary = ImportAttr("bson.binary", "Binary");
    return c;
  }();
  return classes;
}

bool IsInstance(PyObject* value, PyObject* cls) {
  if (cls == nullptr) return false;
  int r = PyObject_IsInstance(value, cls);
  if (r < 0) throw nb::python_error();
  return r == 1;
}

[[noreturn]] void TypeError(const std::string& path, const std::string& message) {
  throw nb::type_error((path + ": " + message).c_str());
}

[[noreturn]] void ValueError(const std::string& path, const std::string& message) {
  throw nb::value_error((path + ": " + message).c_str());
}

[[noreturn]] void TypeError(const ValuePath& path, const std::string& message) {
  TypeError(path.str(), message);
}

[[noreturn]] void ValueError(const ValuePath& path, const std::string& message) {
  ValueError(path.str(), message);
}

std::string TypeName(PyObject* value) { return Py_TYPE(value)->tp_name; }

// libbson refuses an append that would take a document past 2 GiB; never lose a value silently.
void Appended(bool ok, const ValuePath& path) {
  if (!ok) ValueError(path, "the parameters are too large for one BSON document");
}

void CheckSize(size_t size, const ValuePath& path) {
  if (size > kMaxValueBytes) ValueError(path, "larger than MongoDB's 16 MiB document limit");
}

// UTF-8 of a str; a lone surrogate (not encodable) is a ValueError.
std::string_view Utf8(PyObject* str, const ValuePath& path) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(str, &size);
  if (data == nullptr) {
    PyErr_Clear();
    ValueError(path, "the string is not valid Unicode (a lone surrogate?)");
  }
  return {data, static_cast<size_t>(size)};
}

// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t DeltaMicros(PyObject* delta) {
  return (static_cast<int64_t>(PyDateTime_DELTA_GET_DAYS(delta)) * 86400 +
          PyDateTime_DELTA_GET_SECONDS(delta)) *
             1000000 +
         PyDateTime_DELTA_GET_MICROSECONDS(delta);
}

// A datetime as milliseconds since the epoch in UTC, as PyMongo encodes it: an aware one is
// converted with its utcoffset(), a naive one is taken as UTC. Sub-millisecond digits are
// dropped, as BSON dates have none.
int64_t DateTimeMillis(PyObject* value) {
  int64_t days = DaysFromCivil(PyDateTime_GET_YEAR(value), PyDateTime_GET_MONTH(value),
                               PyDateTime_GET_DAY(value));
  int64_t micros =
      ((days * 24 + PyDateTime_DATE_GET_HOUR(value)) * 60 + PyDateTime_DATE_GET_MINUTE(value)) *
          60 +
      PyDateTime_DATE_GET_SECOND(value);
  micros = micros * 1000000 + PyDateTime_DATE_GET_MICROSECOND(value);
  nb::object offset = nb::steal(PyObject_CallMethod(value, "utcoffset", nullptr));
  if (!offset.is_valid()) throw nb::python_error();
  if (!offset.is_none()) {
    if (!PyDelta_Check(offset.ptr())) TypeError("datetime", "utcoffset() is not a timedelta");
    micros -= DeltaMicros(offset.ptr());
  }
  return micros >= 0 ? micros / 1000 : -((-micros + 999) / 1000);
}

std::string TwoDigits(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

// time.isoformat() without the zone: what Django's parse_time reads.
std::string TimeText(PyObject* value) {
  std::string s = TwoDigits(PyDateTime_TIME_GET_HOUR(value)) + ":" +
                  TwoDigits(PyDateTime_TIME_GET_MINUTE(value)) + ":" +
                  TwoDigits(PyDateTime_TIME_GET_SECOND(value));
  if (int us = PyDateTime_TIME_GET_MICROSECOND(value); us != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%06d", us);
    s += buf;
  }
  return s;
}

// Django's duration_string(): "D HH:MM:SS.ffffff", what its parse_duration reads back.
std::string DurationText(PyObject* delta) {
  const int days = PyDateTime_DELTA_GET_DAYS(delta);
  const int seconds = PyDateTime_DELTA_GET_SECONDS(delta);
  const int us = PyDateTime_DELTA_GET_MICROSECONDS(delta);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%d %02d:%02d:%02d.%06d", days, seconds / 3600, seconds / 60 % 60,
                seconds % 60, us);
  return buf;
}

nb::bytes BytesAttr(PyObject* value, const char* name, size_t size, const ValuePath& path) {
  nb::object attr = nb::steal(PyObject_GetAttrString(value, name));
  if (!attr.is_valid()) throw nb::python_error();
  if (!PyBytes_Check(attr.ptr()) || static_cast<size_t>(PyBytes_GET_SIZE(attr.ptr())) != size) {
    ValueError(path, TypeName(value) + "." + name + " is not " + std::to_string(size) + " bytes");
  }
  return nb::borrow<nb::bytes>(attr);
}

// A snapshot of a dict's items (a list of (key, value) tuples holding references), for the same
// reason as the tuple copy of a list below.
nb::object Items(PyObject* dict) {
  nb::object items = nb::steal(PyDict_Items(dict));
  if (!items.is_valid()) throw nb::python_error();
  return items;
}

void AppendSequence(bson_t* doc, std::string_view key, PyObject* seq, const ValuePath& path,
                    int depth) {
  // A tuple copy holds a reference to every item, so code run by a conversion (a Decimal
  // subclass's __str__, a tzinfo's utcoffset) cannot free one by changing the list.
  nb::object fast = nb::steal(PySequence_Tuple(seq));
  if (!fast.is_valid()) throw nb::python_error();
  bson_t child;
  // libbson 2.3 renamed bson_append_array_begin to bson_append_array_unsafe_begin (the caller
  // writes the keys, as here) and deprecated the old name; 1.30 has only the old one. (The
  // library's lib/common/bson_array.h does the same; the module sees only public headers.)
#if BSON_CHECK_VERSION(2, 3, 0)
  Appended(bson_append_array_unsafe_begin(doc, key.data(), static_cast<int>(key.size()), &child),
           path);
#else
  Appended(bson_append_array_begin(doc, key.data(), static_cast<int>(key.size()), &child), path);
#endif
  const Py_ssize_t n = PyTuple_GET_SIZE(fast.ptr());
  try {
    for (Py_ssize_t i = 0; i < n; ++i) {
      char index[24];
      const auto end = std::to_chars(index, index + sizeof index, i).ptr;
      AppendValue(&child, std::string_view(index, end - index), PyTuple_GET_ITEM(fast.ptr(), i),
                  ValuePath(path, i), depth + 1);
    }
  } catch (...) {
    bson_append_array_end(doc, &child);
    throw;
  }
  bson_append_array_end(doc, &child);
}

void AppendDict(bson_t* doc, std::string_view key, PyObject* dict, const ValuePath& path,
                int depth) {
  bson_t child;
  Appended(bson_append_document_begin(doc, key.data(), static_cast<int>(key.size()), &child), path);
  try {
    nb::object items = Items(dict);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items.ptr()); ++i) {
      PyObject* k = PyTuple_GET_ITEM(PyList_GET_ITEM(items.ptr(), i), 0);
      PyObject* v = PyTuple_GET_ITEM(PyList_GET_ITEM(items.ptr(), i), 1);
      if (!PyUnicode_Check(k)) TypeError(path, "a dict key is " + TypeName(k) + ", not str");
      std::string name(Utf8(k, path));
      if (name.find('\0') != std::string::npos) ValueError(path, "a dict key holds a NUL");
      AppendValue(&child, name, v, ValuePath(path, name), depth + 1);
    }
  } catch (...) {
    bson_append_document_end(doc, &child);
    throw;
  }
  bson_append_document_end(doc, &child);
}

}  // namespace

void InitConversions() { GetClasses(); }

std::string ValuePath::str() const {
  if (parent_ == nullptr) return std::string(text_);
  return parent_->str() + "[" + (index_ >= 0 ? std::to_string(index_) : std::string(text_)) + "]";
}

void AppendValue(bson_t* doc, std::string_view key, PyObject* value, const ValuePath& path,
                 int depth) {
  if (depth > kMaxDepth) ValueError(path, "nested more than 100 levels deep");
  const Classes& c = GetClasses();
  const char* k = key.data();
  const int kl = static_cast<int>(key.size());
  if (value == Py_None) {
    Appended(bson_append_null(doc, k, kl), path);
  } else if (PyBool_Check(value)) {
    Appended(bson_append_bool(doc, k, kl, value == Py_True), path);
  } else if (PyLong_Check(value)) {
    int overflow = 0;
    long long n = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (overflow != 0) ValueError(path, "the int does not fit in 64 bits");
    if (n == -1 && PyErr_Occurred()) throw nb::python_error();
    // An exact int is never bson's Int64 (a subclass of int): isinstance() is asked only of
    // subclasses, since it looks __instancecheck__ up on every call.
    const bool int64 = !PyLong_CheckExact(value) && IsInstance(value, c.int64);
    if (!int64 && n >= INT32_MIN && n <= INT32_MAX) {
      Appended(bson_append_int32(doc, k, kl, static_cast<int32_t>(n)), path);
    } else {
      Appended(bson_append_int64(doc, k, kl, n), path);
    }
  } else if (PyFloat_Check(value)) {
    Appended(bson_append_double(doc, k, kl, PyFloat_AS_DOUBLE(value)), path);
  } else if (PyUnicode_Check(value)) {
    std::string_view s = Utf8(value, path);
    CheckSize(s.size(), path);
    Appended(bson_append_utf8(doc, k, kl, s.data(), static_cast<int>(s.size())), path);
  } else if (PyList_CheckExact(value) || PyTuple_CheckExact(value)) {
    // Exact lists and tuples before the isinstance() tests below (each looks up
    // __instancecheck__); subclasses are still tested against every class first.
    AppendSequence(doc, key, value, path, depth);
  } else if (IsInstance(value, c.binary)) {
    nb::object subtype = nb::steal(PyObject_GetAttrString(value, "subtype"));
    if (!subtype.is_valid()) throw nb::python_error();
    const long st = PyLong_AsLong(subtype.ptr());
    if (st == -1 && PyErr_Occurred()) throw nb::python_error();
    CheckSize(static_cast<size_t>(PyBytes_GET_SIZE(value)), path);
    Appended(bson_append_binary(doc, k, kl, static_cast<bson_subtype_t>(st & 0xff),
                                reinterpret_cast<const uint8_t*>(PyBytes_AS_STRING(value)),
                                static_cast<uint32_t>(PyBytes_GET_SIZE(value))),
             path);
  } else if (PyBytes_Check(value) || PyByteArray_Check(value)) {
    const bool is_bytes = PyBytes_Check(value);
    const char* data = is_bytes ? PyBytes_AS_STRING(value) : PyByteArray_AS_STRING(value);
    const Py_ssize_t size = is_bytes ? PyBytes_GET_SIZE(value) : PyByteArray_GET_SIZE(value);
    CheckSize(static_cast<size_t>(size), path);
    Appended(
        bson_append_binary(doc, k, kl, BSON_SUBTYPE_BINARY, reinterpret_cast<const uint8_t*>(data),
                           static_cast<uint32_t>(size)),
        path);
  } else if (PyDateTime_Check(value)) {
    Appended(bson_append_date_time(doc, k, kl, DateTimeMillis(value)), path);
  } else if (PyDate_Check(value)) {
    // BSON has no date-only type; django-mongodb-backend stores a DateField as midnight UTC.
    Appended(
        bson_append_date_time(doc, k, kl,
                              DaysFromCivil(PyDateTime_GET_YEAR(value), PyDateTime_GET_MONTH(value),
                                            PyDateTime_GET_DAY(value)) *
                                  86400000),
        path);
  } else if (PyTime_Check(value)) {
    if (PyDateTime_TIME_GET_TZINFO(value) != Py_None) {
      ValueError(path, "an aware time has no meaning without a date (Django refuses it too)");
    }
    std::string s = TimeText(value);
    Appended(bson_append_utf8(doc, k, kl, s.data(), static_cast<int>(s.size())), path);
  } else if (PyDelta_Check(value)) {
    std::string s = DurationText(value);
    Appended(bson_append_utf8(doc, k, kl, s.data(), static_cast<int>(s.size())), path);
  } else if (IsInstance(value, c.decimal)) {
    nb::object text = nb::steal(PyObject_Str(value));
    if (!text.is_valid()) throw nb::python_error();
    std::string s(Utf8(text.ptr(), path));
    bson_decimal128_t dec;
    if (!bson_decimal128_from_string(s.c_str(), &dec)) {
      ValueError(path, "Decimal('" + s + "') does not fit in a BSON decimal128 (34 digits)");
    }
    Appended(bson_append_decimal128(doc, k, kl, &dec), path);
  } else if (IsInstance(value, c.uuid)) {
    nb::bytes raw = BytesAttr(value, "bytes", 16, path);
    Appended(bson_append_binary(doc, k, kl, BSON_SUBTYPE_UUID,
                                reinterpret_cast<const uint8_t*>(raw.c_str()), 16),
             path);
  } else if (IsInstance(value, c.object_id)) {
    nb::bytes raw = BytesAttr(value, "binary", 12, path);
    bson_oid_t oid;
    bson_oid_init_from_data(&oid, reinterpret_cast<const uint8_t*>(raw.c_str()));
    Appended(bson_append_oid(doc, k, kl, &oid), path);
  } else if (IsInstance(value, c.decimal128)) {
    nb::bytes raw = BytesAttr(value, "bid", 16, path);
    bson_decimal128_t dec;
    std::memcpy(&dec.low, raw.c_str(), 8);  // little-endian, as BSON stores it
    std::memcpy(&dec.high, raw.c_str() + 8, 8);
    Appended(bson_append_decimal128(doc, k, kl, &dec), path);
  } else if (PyList_Check(value) || PyTuple_Check(value)) {
    AppendSequence(doc, key, value, path, depth);
  } else if (PyDict_Check(value)) {
    AppendDict(doc, key, value, path, depth);
  } else {
    TypeError(path, "a value of type " + TypeName(value) +
                        " cannot be a query value (str, int, float, bool, None, Decimal, "
                        "date, datetime, time, timedelta, UUID, bytes, list, tuple, dict, "
                        "or bson's ObjectId, Int64, Decimal128, Binary)");
  }
}

BsonPtr DictToBson(PyObject* mapping, const char* what) {
  BsonPtr doc(bson_new());
  if (mapping == nullptr || mapping == Py_None) return doc;
  if (!PyDict_Check(mapping)) {
    TypeError(what, std::string("expected a dict, not ") + TypeName(mapping));
  }
  nb::object items = Items(mapping);
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items.ptr()); ++i) {
    PyObject* k = PyTuple_GET_ITEM(PyList_GET_ITEM(items.ptr(), i), 0);
    PyObject* v = PyTuple_GET_ITEM(PyList_GET_ITEM(items.ptr(), i), 1);
    if (!PyUnicode_Check(k)) TypeError(what, "a key is " + TypeName(k) + ", not str");
    const ValuePath root(what);
    std::string name(Utf8(k, root));
    if (name.find('\0') != std::string::npos) ValueError(what, "a key holds a NUL");
    AppendValue(doc.get(), name, v, ValuePath(root, name), 1);
  }
  return doc;
}

}  // namespace querysafe::python

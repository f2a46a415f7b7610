// Python values to BSON, for query parameters and builder values. The conversion follows
// PyMongo's encoder where PyMongo has one (int -> int32 or int64 by size, datetime -> date in UTC,
// bytes -> binary, bson.Int64/ObjectId/Decimal128/Binary as themselves) and gives Django's own
// spellings for the values BSON has no type for (time, timedelta: the strings Django's
// parse_time/parse_duration read; date: midnight UTC, as django-mongodb-backend stores a
// DateField), so that querysafe's coercion turns them into the field's value exactly as it does
// a literal in query text.
//
// Every function here needs the GIL. A value that cannot be converted raises a Python TypeError,
// ValueError or OverflowError (nanobind::python_error) naming where it is; the package turns those
// into querysafe.ArgumentError.
#ifndef QUERYSAFE_PYTHON_SRC_TO_BSON_H_
#define QUERYSAFE_PYTHON_SRC_TO_BSON_H_

#include <Python.h>
#include <bson/bson.h>

#include <memory>
#include <string>
#include <string_view>

namespace querysafe::python {

// An owned bson_t, destroyed with the last reference.
struct BsonDeleter {
  void operator()(bson_t* b) const { bson_destroy(b); }
};
using BsonPtr = std::unique_ptr<bson_t, BsonDeleter>;

// Looks up the classes the conversion recognises (datetime's C API, Decimal, UUID, pymongo's bson
// types). Called once, when the extension is imported.
void InitConversions();

// `mapping` (a dict with str keys, or None for an empty document) as a BSON document. `what`
// names the argument in error messages ("params").
BsonPtr DictToBson(PyObject* mapping, const char* what);

// Where a value is, for error messages ("params[p3][0]"): a link to the enclosing value's path
// and this value's key or index, made into text only when an error is reported. Building the
// text for every value cost more than converting the value (bench/README.md). A path refers to
// its parent and its key, so it lives only as long as the call it is made for.
class ValuePath {
 public:
  explicit ValuePath(std::string_view root) : text_(root) {}
  ValuePath(const ValuePath& parent, std::string_view key) : parent_(&parent), text_(key) {}
  ValuePath(const ValuePath& parent, Py_ssize_t index) : parent_(&parent), index_(index) {}
  ValuePath(const ValuePath&) = delete;
  ValuePath& operator=(const ValuePath&) = delete;

  std::string str() const;

 private:
  const ValuePath* parent_ = nullptr;
  std::string_view text_;  // the root's text, or a dict key
  Py_ssize_t index_ = -1;  // a list index, when >= 0
};

// Appends `value` to `doc` under `key`; `path` names the value in error messages.
void AppendValue(bson_t* doc, std::string_view key, PyObject* value, const ValuePath& path,
                 int depth);

}  // namespace querysafe::python

#endif  // QUERYSAFE_PYTHON_SRC_TO_BSON_H_

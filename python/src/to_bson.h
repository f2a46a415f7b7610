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

// Appends `value` to `doc` under `key`; `path` names the value in error messages.
void AppendValue(bson_t* doc, const std::string& key, PyObject* value, const std::string& path,
                 int depth);

}  // namespace querysafe::python

#endif  // QUERYSAFE_PYTHON_SRC_TO_BSON_H_

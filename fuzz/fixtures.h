// What the pipeline and schema targets share: the test data they load once (schemas, the spec
// key and local master key from tests/data), the key sources their encryptors use, and the
// parameter values they bind.
#ifndef QUERYSAFE_FUZZ_FIXTURES_H_
#define QUERYSAFE_FUZZ_FIXTURES_H_

#include <bson/bson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/crypt/key_source.h"
#include "querysafe/crypt.h"
#include "querysafe/query.h"

namespace querysafe::fuzzing {

// A file of tests/data (QUERYSAFE_FUZZ_DATA_DIR); aborts with a message if it cannot be read,
// since a target without its fixtures would fuzz nothing.
std::string ReadDataFile(std::string_view relative);

// The spec's data key document (tests/data/spec-qe/keys/key1.json) and the "--kms-local-key"
// argument naming its local master key ("@<path>").
const BsonDoc& SpecKeyDocument();
std::string SpecMasterKeyArgument();

// A copy of the spec key document with `id` as its _id and `alt_names` as its keyAltNames.
// The key material is wrapped by the local master key alone (no associated data), so the copy
// unwraps to the same data key under any _id.
BsonDoc SpecKeyAs(const crypt::KeyId& id, const std::vector<std::string>& alt_names);

// A key source that has a key for every _id and every alt name asked for (the spec key under
// that name; an alt name gets an _id derived from it), so that an encrypted field of any schema
// can be encrypted and the fuzzer reaches libmongocrypt with whatever range options the schema
// declares.
class AnyKeySource final : public crypt::KeySource {
 public:
  absl::StatusOr<std::vector<BsonDoc>> Find(const crypt::KeyQuery& query) const override;
  std::string Describe() const override { return "the fuzzers' any-key source"; }
  std::chrono::milliseconds CacheExpiration() const override {
    return std::chrono::milliseconds(0);
  }
};

// The parameter values a target binds.
enum class Binding {
  kTypical,  // a value of the expected type that the fixed schemas' bounds accept
  kHostile,  // extreme, mistyped, placeholder-shaped and malformed values; a parameter may be
             // left out or an unknown one added
};

struct BoundParams {
  BsonDoc values;
  // The hostile binding left out a parameter or added an unknown one: Translate must refuse.
  bool must_reject = false;
};

// Values for `params` chosen by `seed` (a hash of the input, so a replay binds the same ones).
BoundParams MakeParams(const std::vector<ParamInfo>& params, Binding binding, uint64_t seed);

// Appends one value of BSON type `type` ("long", "date", ...) chosen by `seed` among typical
// values of that type.
void AppendTypicalValue(bson_t* doc, const char* key, std::string_view type, uint64_t seed);

}  // namespace querysafe::fuzzing

#endif  // QUERYSAFE_FUZZ_FIXTURES_H_

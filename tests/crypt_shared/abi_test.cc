// libquerysafe_crypt_v1.so through its ABI, loaded with dlopen as libmongocrypt loads it: the
// thirteen symbols, the version, status objects with the server's code, bad arguments reported
// (never a crash), the library refusing to die under a live analyzer, and one analyzer shared by
// threads.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/crypt_shared/mongo_crypt_v1.h"
#include "querysafe/version.h"

namespace querysafe {
namespace {

struct Api {
  void* handle = nullptr;
  decltype(&mongo_crypt_v1_status_create) status_create;
  decltype(&mongo_crypt_v1_status_destroy) status_destroy;
  decltype(&mongo_crypt_v1_status_get_error) status_get_error;
  decltype(&mongo_crypt_v1_status_get_explanation) status_get_explanation;
  decltype(&mongo_crypt_v1_status_get_code) status_get_code;
  decltype(&mongo_crypt_v1_lib_create) lib_create;
  decltype(&mongo_crypt_v1_lib_destroy) lib_destroy;
  decltype(&mongo_crypt_v1_get_version) get_version;
  decltype(&mongo_crypt_v1_get_version_str) get_version_str;
  decltype(&mongo_crypt_v1_query_analyzer_create) query_analyzer_create;
  decltype(&mongo_crypt_v1_query_analyzer_destroy) query_analyzer_destroy;
  decltype(&mongo_crypt_v1_analyze_query) analyze_query;
  decltype(&mongo_crypt_v1_bson_free) bson_free;
};

template <typename F>
void Load(void* handle, const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(handle, name));
  ASSERT_NE(*out, nullptr) << name << ": " << dlerror();
}

const Api& TheApi() {
  static Api api = [] {
    Api a;
    a.handle = dlopen(QUERYSAFE_CRYPT_V1_PATH, RTLD_NOW | RTLD_LOCAL);
    EXPECT_NE(a.handle, nullptr) << dlerror();
    Load(a.handle, "mongo_crypt_v1_status_create", &a.status_create);
    Load(a.handle, "mongo_crypt_v1_status_destroy", &a.status_destroy);
    Load(a.handle, "mongo_crypt_v1_status_get_error", &a.status_get_error);
    Load(a.handle, "mongo_crypt_v1_status_get_explanation", &a.status_get_explanation);
    Load(a.handle, "mongo_crypt_v1_status_get_code", &a.status_get_code);
    Load(a.handle, "mongo_crypt_v1_lib_create", &a.lib_create);
    Load(a.handle, "mongo_crypt_v1_lib_destroy", &a.lib_destroy);
    Load(a.handle, "mongo_crypt_v1_get_version", &a.get_version);
    Load(a.handle, "mongo_crypt_v1_get_version_str", &a.get_version_str);
    Load(a.handle, "mongo_crypt_v1_query_analyzer_create", &a.query_analyzer_create);
    Load(a.handle, "mongo_crypt_v1_query_analyzer_destroy", &a.query_analyzer_destroy);
    Load(a.handle, "mongo_crypt_v1_analyze_query", &a.analyze_query);
    Load(a.handle, "mongo_crypt_v1_bson_free", &a.bson_free);
    return a;
  }();
  return api;
}

BsonDoc Command(const char* filter) {
  BsonDoc doc;
  bson_error_t error;
  const std::string json = std::string(R"({"find": "c", "filter": )") + filter +
                           R"(, "encryptionInformation": {"type": 1, "schema": {"db.c": {)"
                           R"("fields": [{"keyId": {"$binary": {"base64": )"
                           R"("EREREREREREREREREREREQ==", "subType": "04"}}, "path": "ssn", )"
                           R"("bsonType": "string", "queries": {"queryType": "equality"}}]}}}, )"
                           R"("$db": "db"})";
  EXPECT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << error.message;
  return doc;
}

TEST(CryptSharedAbi, VersionIsTheFeatureLevelAndNamesQuerysafe) {
  const Api& api = TheApi();
  EXPECT_EQ(api.get_version(), 0x0008000000000000ull);  // 8.0.0
  const std::string text = api.get_version_str();
  EXPECT_NE(text.find("querysafe"), std::string::npos) << text;
  EXPECT_NE(text.find(QUERYSAFE_VERSION_STRING), std::string::npos) << text;
}

TEST(CryptSharedAbi, AnalysisErrorCarriesTheServerCodeAndMessage) {
  const Api& api = TheApi();
  mongo_crypt_v1_status* status = api.status_create();
  mongo_crypt_v1_lib* lib = api.lib_create(status);
  ASSERT_NE(lib, nullptr);
  EXPECT_EQ(api.status_get_error(status), 0);
  mongo_crypt_v1_query_analyzer* qa = api.query_analyzer_create(lib, status);
  ASSERT_NE(qa, nullptr);

  BsonDoc bad = Command(R"({"ssn": {"$gt": "1"}})");
  uint32_t len = 99;
  EXPECT_EQ(api.analyze_query(qa, bad.data(), "db.c", 4, &len, status), nullptr);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(api.status_get_error(status), 2);  // MONGO_CRYPT_V1_ERROR_EXCEPTION
  EXPECT_EQ(api.status_get_code(status), 6720400);
  EXPECT_NE(std::string(api.status_get_explanation(status))
                .find("Invalid match expression operator on encrypted field 'ssn' without an "
                      "encrypted range index: $gt"),
            std::string::npos)
      << api.status_get_explanation(status);

  // A successful call clears the status: libmongocrypt checks it even when a value comes back.
  BsonDoc good = Command(R"({"ssn": "1"})");
  uint8_t* reply = api.analyze_query(qa, good.data(), "db.c", 4, &len, status);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(api.status_get_error(status), 0);
  EXPECT_STREQ(api.status_get_explanation(status), "");
  bson_t doc;
  ASSERT_TRUE(bson_init_static(&doc, reply, len));
  bson_iter_t it;
  EXPECT_TRUE(bson_iter_init_find(&it, &doc, "hasEncryptionPlaceholders") &&
              bson_iter_as_bool(&it));
  api.bson_free(reply);

  // The library outlives its analyzers.
  EXPECT_NE(api.lib_destroy(lib, status), 0);
  api.query_analyzer_destroy(qa);
  EXPECT_EQ(api.lib_destroy(lib, status), 0);
  api.status_destroy(status);
}

TEST(CryptSharedAbi, BadArgumentsAreStatusErrors) {
  const Api& api = TheApi();
  mongo_crypt_v1_status* status = api.status_create();
  uint32_t len = 0;
  BsonDoc cmd = Command("{}");
  EXPECT_EQ(api.analyze_query(nullptr, cmd.data(), "db.c", 4, &len, status), nullptr);
  EXPECT_EQ(api.status_get_error(status), 5);  // MONGO_CRYPT_V1_ERROR_INVALID_LIB_HANDLE
  EXPECT_EQ(api.query_analyzer_create(nullptr, status), nullptr);
  EXPECT_EQ(api.status_get_error(status), 5);
  EXPECT_NE(api.lib_destroy(nullptr, status), 0);

  mongo_crypt_v1_lib* lib = api.lib_create(nullptr);  // a null status is allowed
  mongo_crypt_v1_query_analyzer* qa = api.query_analyzer_create(lib, nullptr);
  EXPECT_EQ(api.analyze_query(qa, nullptr, "db.c", 4, &len, status), nullptr);
  EXPECT_EQ(api.status_get_error(status), 2);
  EXPECT_EQ(api.analyze_query(qa, cmd.data(), "db.c", 4, nullptr, status), nullptr);
  const uint8_t garbage[] = {9, 0, 0, 0, 1, 'x', 0, 0, 0};
  EXPECT_EQ(api.analyze_query(qa, garbage, "db.c", 4, &len, status), nullptr);
  EXPECT_NE(std::string(api.status_get_explanation(status)).find("not a valid BSON"),
            std::string::npos);
  api.query_analyzer_destroy(qa);
  EXPECT_EQ(api.lib_destroy(lib, nullptr), 0);
  // Null statuses and handles everywhere else.
  EXPECT_NE(api.status_get_error(nullptr), 0);
  EXPECT_STREQ(api.status_get_explanation(nullptr), "");
  api.status_destroy(nullptr);
  api.query_analyzer_destroy(nullptr);
  api.bson_free(nullptr);
  api.status_destroy(status);
}

TEST(CryptSharedAbi, OneAnalyzerServesManyThreads) {
  const Api& api = TheApi();
  mongo_crypt_v1_lib* lib = api.lib_create(nullptr);
  mongo_crypt_v1_query_analyzer* qa = api.query_analyzer_create(lib, nullptr);
  BsonDoc cmd = Command(R"({"ssn": {"$in": ["1", "2", "3"]}})");
  uint32_t first_len = 0;
  uint8_t* first = api.analyze_query(qa, cmd.data(), "db.c", 4, &first_len, nullptr);
  ASSERT_NE(first, nullptr);
  const std::string expected(reinterpret_cast<char*>(first), first_len);
  api.bson_free(first);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      mongo_crypt_v1_status* status = api.status_create();
      for (int i = 0; i < 200; ++i) {
        uint32_t len = 0;
        uint8_t* reply = api.analyze_query(qa, cmd.data(), "db.c", 4, &len, status);
        if (reply == nullptr || std::string(reinterpret_cast<char*>(reply), len) != expected) {
          ++mismatches[t];
        }
        api.bson_free(reply);
      }
      api.status_destroy(status);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
  api.query_analyzer_destroy(qa);
  EXPECT_EQ(api.lib_destroy(lib, nullptr), 0);
}

}  // namespace
}  // namespace querysafe

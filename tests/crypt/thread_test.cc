// One Encryptor shared by many threads (encryptor.h, "Thread safety"): every
// thread gets the payloads a single thread gets, and libmongocrypt's range
// payload ids stay unique.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lib/crypt/encryptor.h"
#include "tests/crypt/spec_fixture.h"

namespace querysafe::crypt {
namespace {

constexpr int kThreads = 8;
constexpr int kRounds = 40;
constexpr int kValues = 10;

// Counts the key source's lookups, to see libmongocrypt's cache at work.
class CountingKeySource : public KeySource {
 public:
  explicit CountingKeySource(std::shared_ptr<const KeySource> inner) : inner_(std::move(inner)) {}
  absl::StatusOr<std::vector<BsonDoc>> Find(const KeyQuery& query) const override {
    ++finds;
    return inner_->Find(query);
  }
  std::string Describe() const override { return inner_->Describe(); }
  std::chrono::milliseconds CacheExpiration() const override { return inner_->CacheExpiration(); }
  mutable std::atomic<int> finds{0};

 private:
  std::shared_ptr<const KeySource> inner_;
};

class ThreadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_ = testing::LoadSpec("fle2v2-Rangev2-Int-InsertFind.json");
    keys_ = std::make_shared<CountingKeySource>(testing::SpecKeyVault(spec_.get(), {"default.n"}));
    EncryptorOptions options;
    options.kms_providers = testing::SpecKms(spec_.get());
    options.key_source = keys_;
    auto encryptor = Encryptor::Create(std::move(options));
    ASSERT_TRUE(encryptor.ok()) << encryptor.status();
    encryptor_ = *std::move(encryptor);
  }

  lower::EncryptionRequest Equality(int i, bool by_alt_name) const {
    lower::EncryptionRequest request = testing::SpecRequest(spec_.get(), 0, true);
    request.algorithm = lower::Algorithm::kIndexed;
    request.range_options.Clear();
    request.contention = 4;
    if (by_alt_name) request.key = schema::KeyRef{std::nullopt, "default.n"};
    request.operands = testing::ValueOperand(testing::Int32(1000 + i));
    return request;
  }

  lower::EncryptionRequest Range(int i) const {
    lower::EncryptionRequest request = testing::SpecRequest(spec_.get(), 0, true);
    bson_value_t low = testing::Int32(i), high = testing::Int32(100 + i);
    request.operands = testing::RangeOperands(&low, &high);
    request.lower_operator = lower::RangeOperator::kGt;
    request.upper_operator = lower::RangeOperator::kLte;
    return request;
  }

  BsonDoc spec_;
  std::shared_ptr<CountingKeySource> keys_;
  std::unique_ptr<Encryptor> encryptor_;
};

std::string Bytes(const Payload& p) { return std::string(p.bytes.begin(), p.bytes.end()); }

// A range payload without its payloadId, the one part that differs between
// calls.
std::string RangeTokens(const Payload& p) {
  BsonDoc doc = testing::WithoutKeys(testing::PayloadBson(p).get(), {"payloadId"});
  return std::string(reinterpret_cast<const char*>(doc.data()), doc.size());
}

int32_t PayloadId(const Payload& p) {
  bson_iter_t iter;
  BsonDoc doc = testing::PayloadBson(p);
  EXPECT_TRUE(bson_iter_init_find(&iter, doc.get(), "payloadId"));
  return bson_iter_int32(&iter);
}

TEST_F(ThreadTest, ManyThreadsGetTheSinglethreadedPayloads) {
  // The reference, from this thread, on a separate encryptor so that the shared
  // one starts cold and its threads race on the first key fetch.
  auto reference_encryptor = testing::SpecEncryptor(spec_.get(), {"default.n"});
  ASSERT_NE(reference_encryptor, nullptr);
  std::vector<std::string> equality(kValues), range(kValues);
  for (int i = 0; i < kValues; ++i) {
    auto eq = reference_encryptor->Encrypt(Equality(i, false));
    auto rg = reference_encryptor->Encrypt(Range(i));
    ASSERT_TRUE(eq.ok() && rg.ok());
    equality[i] = Bytes(*eq->value);
    range[i] = RangeTokens(*rg->lower);
  }

  std::atomic<int> mismatches{0}, failures{0};
  std::mutex ids_mutex;
  std::multiset<int32_t> ids;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<int32_t> mine;
      for (int round = 0; round < kRounds; ++round) {
        int i = (t + round) % kValues;
        auto eq = encryptor_->Encrypt(Equality(i, /*by_alt_name=*/(t + round) % 2 == 0));
        auto rg = encryptor_->Encrypt(Range(i));
        if (!eq.ok() || !rg.ok()) {
          ++failures;
          continue;
        }
        if (Bytes(*eq->value) != equality[i]) ++mismatches;
        if (RangeTokens(*rg->lower) != range[i]) ++mismatches;
        if (PayloadId(*rg->lower) != PayloadId(*rg->upper)) ++mismatches;
        mine.push_back(PayloadId(*rg->lower));
      }
      std::lock_guard<std::mutex> lock(ids_mutex);
      ids.insert(mine.begin(), mine.end());
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kRounds));
  EXPECT_EQ(std::set<int32_t>(ids.begin(), ids.end()).size(), ids.size())
      << "two range finds got the same payloadId";
  // libmongocrypt's key cache: the one data key is fetched (and the alt name
  // resolved) a few times at most while threads race on the cold cache, not
  // once per query.
  EXPECT_LE(keys_->finds.load(), 2 * kThreads);
}

}  // namespace
}  // namespace querysafe::crypt

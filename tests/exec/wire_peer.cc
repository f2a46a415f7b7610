#include "tests/exec/wire_peer.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <format>

#include "lib/common/bson_array.h"

namespace querysafe::testing {
namespace {

constexpr int32_t kOpReply = 1;
constexpr int32_t kOpQuery = 2004;
constexpr int32_t kOpMsg = 2013;
constexpr uint32_t kChecksumPresent = 1u << 0;
constexpr uint32_t kMoreToCome = 1u << 1;
// A real server refuses messages above 48 MB; anything larger is garbage.
constexpr int32_t kMaxMessage = 48000000;

int32_t ReadInt32(const char* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return BSON_UINT32_FROM_LE(v);
}

void AppendInt32(std::string* out, int32_t v) {
  const uint32_t le = BSON_UINT32_TO_LE(static_cast<uint32_t>(v));
  out->append(reinterpret_cast<const char*>(&le), 4);
}

void AppendInt64(std::string* out, int64_t v) {
  const uint64_t le = BSON_UINT64_TO_LE(static_cast<uint64_t>(v));
  out->append(reinterpret_cast<const char*>(&le), 8);
}

bool ReadExactly(int fd, char* buffer, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = recv(fd, buffer + done, size - done, 0);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

bool SendAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

// A BSON document at `p` of at most `available` bytes, validated; its length
// in `*length`.
bool ReadDocument(const char* p, size_t available, BsonDoc* out, size_t* length) {
  if (available < 5) return false;
  const int32_t len = ReadInt32(p);
  if (len < 5 || static_cast<size_t>(len) > available) return false;
  if (!BsonDoc::FromBytes(reinterpret_cast<const uint8_t*>(p), static_cast<size_t>(len), out)) {
    return false;
  }
  *length = static_cast<size_t>(len);
  return true;
}

std::string FirstKey(const bson_t* doc) {
  bson_iter_t it;
  if (!bson_iter_init(&it, doc) || !bson_iter_next(&it)) return "";
  return bson_iter_key(&it);
}

bool IsHandshake(std::string_view name) {
  return name == "hello" || name == "isMaster" || name == "ismaster";
}

std::string HandlerKey(std::string_view name) {
  return IsHandshake(name) ? "hello" : std::string(name);
}

std::string Message(int32_t request_id, int32_t response_to, int32_t op_code,
                    const std::string& payload) {
  std::string out;
  AppendInt32(&out, static_cast<int32_t>(16 + payload.size()));
  AppendInt32(&out, request_id);
  AppendInt32(&out, response_to);
  AppendInt32(&out, op_code);
  out += payload;
  return out;
}

std::atomic<int32_t> next_request_id{1};

}  // namespace

PeerReply PeerReply::Document(BsonDoc document) {
  PeerReply r;
  r.document = std::move(document);
  return r;
}

PeerReply PeerReply::Json(std::string_view json) {
  PeerReply r;
  bson_error_t error;
  EXPECT_TRUE(BsonDoc::FromJson(json, &r.document, &error)) << json << ": " << error.message;
  return r;
}

PeerReply PeerReply::Close() {
  PeerReply r;
  r.kind = Kind::kClose;
  return r;
}

PeerReply PeerReply::Raw(std::string bytes) {
  PeerReply r;
  r.kind = Kind::kRaw;
  r.raw = std::move(bytes);
  return r;
}

WirePeer::WirePeer() {
  handlers_["hello"] = [this](const ReceivedCommand& c) { return Hello(c); };
  handlers_["endSessions"] = [](const ReceivedCommand&) { return PeerReply::Json(R"({"ok": 1})"); };
  handlers_["killCursors"] = [](const ReceivedCommand& c) {
    BsonDoc reply;
    bson_iter_t it;
    if (bson_iter_init_find(&it, c.body.get(), "cursors") && BSON_ITER_HOLDS_ARRAY(&it)) {
      bson_append_iter(reply.get(), "cursorsKilled", -1, &it);
    }
    BSON_APPEND_DOUBLE(reply.get(), "ok", 1);
    return PeerReply::Document(std::move(reply));
  };

  if (pipe(wake_pipe_) != 0) return;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // ephemeral: tests never fight over a port
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return;
  }
  port_ = ntohs(addr.sin_port);
  listen_fd_ = fd;
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

WirePeer::~WirePeer() {
  stopping_ = true;
  if (wake_pipe_[1] >= 0) {
    char c = 0;
    (void)!write(wake_pipe_[1], &c, 1);
  }
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::unique_ptr<Connection>> open;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    open.swap(open_);
  }
  // shutdown() wakes a thread blocked in recv(); the descriptors are closed
  // only after the threads are gone, so no number is reused under them.
  for (auto& c : open) shutdown(c->fd, SHUT_RDWR);
  for (auto& c : open) {
    if (c->thread.joinable()) c->thread.join();
    close(c->fd);
  }
  if (listen_fd_ >= 0) close(listen_fd_);
  for (int fd : wake_pipe_) {
    if (fd >= 0) close(fd);
  }
}

std::string WirePeer::host() const { return std::format("127.0.0.1:{}", port_); }

std::string WirePeer::Uri(std::string_view extra_options) const {
  // Short timeouts: a test that goes wrong fails in seconds, never hangs.
  std::string uri = std::format(
      "mongodb://{}/?replicaSet=rs0&serverSelectionTimeoutMS=3000"
      "&connectTimeoutMS=2000&socketTimeoutMS=3000",
      host());
  if (!extra_options.empty()) uri += std::format("&{}", extra_options);
  return uri;
}

void WirePeer::On(std::string_view command, Handler handler) {
  std::lock_guard<std::mutex> lock(handler_mutex_);
  handlers_[HandlerKey(command)] = std::move(handler);
}

void WirePeer::OnJson(std::string_view command, std::string_view json) {
  std::string text(json);
  On(command, [text](const ReceivedCommand&) { return PeerReply::Json(text); });
}

std::vector<ReceivedCommand> WirePeer::AllReceived(bool with_handshake) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ReceivedCommand> out;
  for (const ReceivedCommand& c : received_) {
    if (with_handshake || !IsHandshake(c.name)) out.push_back(c);
  }
  return out;
}

std::vector<ReceivedCommand> WirePeer::Received(std::string_view command) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ReceivedCommand> out;
  for (const ReceivedCommand& c : received_) {
    if (c.name == command) out.push_back(c);
  }
  return out;
}

std::string WirePeer::BytesReceived() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

void WirePeer::AcceptLoop() {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    int n = poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (stopping_ || (fds[1].revents & POLLIN) != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    auto connection = std::make_unique<Connection>();
    connection->fd = fd;
    connection->number = ++connections_;
    Connection* raw = connection.get();
    std::lock_guard<std::mutex> lock(mutex_);
    open_.push_back(std::move(connection));
    raw->thread = std::thread([this, raw] { Serve(raw); });
  }
}

void WirePeer::Serve(Connection* connection) {
  const int fd = connection->fd;
  while (!stopping_) {
    char header[16];
    if (!ReadExactly(fd, header, sizeof header)) break;
    const int32_t length = ReadInt32(header);
    if (length < 16 || length > kMaxMessage) break;
    std::string message(header, sizeof header);
    message.resize(static_cast<size_t>(length));
    if (!ReadExactly(fd, message.data() + 16, message.size() - 16)) break;

    ReceivedCommand command;
    int32_t request_id = 0, op_code = 0;
    bool more_to_come = false;
    const bool parsed =
        Parse(message, connection->number, &command, &request_id, &op_code, &more_to_come);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      bytes_ += message;
      if (parsed) received_.push_back(command);
    }
    if (!parsed) {
      ADD_FAILURE() << "the peer could not parse a message of op code " << ReadInt32(header + 12);
      break;
    }
    PeerReply reply = Dispatch(command);
    if (reply.kind == PeerReply::Kind::kClose) break;
    if (reply.kind == PeerReply::Kind::kRaw) {
      SendAll(fd, reply.raw);
      break;
    }
    if (more_to_come) continue;  // the client expects no reply
    std::string payload;
    if (op_code == kOpQuery) {
      AppendInt32(&payload, 0);  // responseFlags
      AppendInt64(&payload, 0);  // cursorID
      AppendInt32(&payload, 0);  // startingFrom
      AppendInt32(&payload, 1);  // numberReturned
    } else {
      AppendInt32(&payload, 0);  // flagBits
      payload.push_back('\0');   // section kind 0: the body
    }
    payload.append(reinterpret_cast<const char*>(reply.document.data()), reply.document.size());
    if (!SendAll(fd, Message(next_request_id++, request_id, op_code == kOpQuery ? kOpReply : kOpMsg,
                             payload))) {
      break;
    }
  }
  // The client sees the connection end; the descriptor itself is closed by
  // the destructor.
  shutdown(fd, SHUT_RDWR);
  connection->done = true;
}

bool WirePeer::Parse(const std::string& message, int connection_number, ReceivedCommand* out,
                     int32_t* request_id, int32_t* op_code, bool* more_to_come) const {
  const char* p = message.data();
  *request_id = ReadInt32(p + 4);
  *op_code = ReadInt32(p + 12);
  out->connection = connection_number;
  size_t pos = 16;
  const size_t end = message.size();
  if (*op_code == kOpQuery) {
    out->legacy = true;
    if (end < pos + 4) return false;
    pos += 4;  // flags
    const void* nul = std::memchr(p + pos, '\0', end - pos);
    if (nul == nullptr) return false;
    std::string ns(p + pos, static_cast<const char*>(nul));
    pos += ns.size() + 1 + 8;  // namespace, numberToSkip, numberToReturn
    if (pos > end) return false;
    out->database = ns.substr(0, ns.find('.'));
    size_t length = 0;
    if (!ReadDocument(p + pos, end - pos, &out->body, &length)) return false;
    // mongos-style wrapping: {$query: {...}, $readPreference: ...}.
    bson_iter_t it;
    if (bson_iter_init_find(&it, out->body.get(), "$query") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&it, &len, &data);
      BsonDoc inner;
      if (!BsonDoc::FromBytes(data, len, &inner)) return false;
      out->body = std::move(inner);
    }
    out->name = FirstKey(out->body.get());
    return true;
  }
  if (*op_code != kOpMsg || end < pos + 4) return false;
  const uint32_t flags = static_cast<uint32_t>(ReadInt32(p + pos));
  pos += 4;
  *more_to_come = (flags & kMoreToCome) != 0;
  const size_t sections_end = (flags & kChecksumPresent) != 0 ? end - 4 : end;
  bool have_body = false;
  std::vector<std::pair<std::string, std::vector<BsonDoc>>> sequences;
  while (pos < sections_end) {
    const char kind = p[pos++];
    size_t length = 0;
    if (kind == 0) {
      if (have_body) return false;
      if (!ReadDocument(p + pos, sections_end - pos, &out->body, &length)) {
        return false;
      }
      have_body = true;
      pos += length;
    } else if (kind == 1) {
      if (sections_end - pos < 4) return false;
      const int32_t size = ReadInt32(p + pos);
      if (size < 5 || static_cast<size_t>(size) > sections_end - pos) {
        return false;
      }
      const size_t section_end = pos + static_cast<size_t>(size);
      size_t q = pos + 4;
      const void* nul = std::memchr(p + q, '\0', section_end - q);
      if (nul == nullptr) return false;
      std::string identifier(p + q, static_cast<const char*>(nul));
      q += identifier.size() + 1;
      std::vector<BsonDoc> documents;
      while (q < section_end) {
        BsonDoc doc;
        if (!ReadDocument(p + q, section_end - q, &doc, &length)) return false;
        documents.push_back(std::move(doc));
        q += length;
      }
      sequences.emplace_back(std::move(identifier), std::move(documents));
      pos = section_end;
    } else {
      return false;
    }
  }
  if (!have_body) return false;
  for (const auto& [identifier, documents] : sequences) {
    bson_t array;
    querysafe::AppendArrayBegin(out->body.get(), identifier.c_str(), -1, &array);
    for (size_t i = 0; i < documents.size(); ++i) {
      const std::string key = std::to_string(i);
      bson_append_document(&array, key.c_str(), -1, documents[i].get());
    }
    bson_append_array_end(out->body.get(), &array);
  }
  out->name = FirstKey(out->body.get());
  bson_iter_t it;
  if (bson_iter_init_find(&it, out->body.get(), "$db") && BSON_ITER_HOLDS_UTF8(&it)) {
    out->database = bson_iter_utf8(&it, nullptr);
  }
  return true;
}

PeerReply WirePeer::Dispatch(const ReceivedCommand& command) {
  std::lock_guard<std::mutex> lock(handler_mutex_);
  auto it = handlers_.find(HandlerKey(command.name));
  if (it != handlers_.end()) return it->second(command);
  return PeerReply::Document(
      ErrorReply(59, "CommandNotFound", std::format("no such command: '{}'", command.name)));
}

PeerReply WirePeer::Hello(const ReceivedCommand& command) const {
  BsonDoc reply;
  bson_t* r = reply.get();
  BSON_APPEND_BOOL(r, "helloOk", true);
  // The legacy command answers "ismaster", hello "isWritablePrimary".
  BSON_APPEND_BOOL(r, command.name == "hello" ? "isWritablePrimary" : "ismaster", true);
  BSON_APPEND_BOOL(r, "secondary", false);
  BSON_APPEND_UTF8(r, "setName", "rs0");
  BSON_APPEND_INT32(r, "setVersion", 1);
  const std::string me = host();
  bson_t hosts;
  querysafe::AppendArrayBegin(r, "hosts", -1, &hosts);
  BSON_APPEND_UTF8(&hosts, "0", me.c_str());
  bson_append_array_end(r, &hosts);
  BSON_APPEND_UTF8(r, "primary", me.c_str());
  BSON_APPEND_UTF8(r, "me", me.c_str());
  bson_oid_t election;
  bson_oid_init_from_string(&election, "7fffffff0000000000000001");
  BSON_APPEND_OID(r, "electionId", &election);
  BSON_APPEND_INT32(r, "maxBsonObjectSize", 16 * 1024 * 1024);
  BSON_APPEND_INT32(r, "maxMessageSizeBytes", kMaxMessage);
  BSON_APPEND_INT32(r, "maxWriteBatchSize", 100000);
  BSON_APPEND_DATE_TIME(r, "localTime",
                        std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
  BSON_APPEND_INT32(r, "logicalSessionTimeoutMinutes", 30);
  BSON_APPEND_INT32(r, "connectionId", command.connection);
  BSON_APPEND_INT32(r, "minWireVersion", 0);
  BSON_APPEND_INT32(r, "maxWireVersion", max_wire_version_.load());
  BSON_APPEND_BOOL(r, "readOnly", false);
  BSON_APPEND_DOUBLE(r, "ok", 1);
  return PeerReply::Document(std::move(reply));
}

BsonDoc CursorReply(std::string_view ns, int64_t cursor_id, const std::vector<BsonDoc>& documents,
                    std::string_view batch) {
  BsonDoc reply;
  bson_t cursor, array;
  BSON_APPEND_DOCUMENT_BEGIN(reply.get(), "cursor", &cursor);
  BSON_APPEND_INT64(&cursor, "id", cursor_id);
  bson_append_utf8(&cursor, "ns", 2, ns.data(), static_cast<int>(ns.size()));
  querysafe::AppendArrayBegin(&cursor, std::string(batch).c_str(), -1, &array);
  for (size_t i = 0; i < documents.size(); ++i) {
    const std::string key = std::to_string(i);
    bson_append_document(&array, key.c_str(), -1, documents[i].get());
  }
  bson_append_array_end(&cursor, &array);
  bson_append_document_end(reply.get(), &cursor);
  BSON_APPEND_DOUBLE(reply.get(), "ok", 1);
  return reply;
}

BsonDoc ErrorReply(int32_t code, std::string_view code_name, std::string_view message) {
  BsonDoc reply;
  BSON_APPEND_DOUBLE(reply.get(), "ok", 0);
  bson_append_utf8(reply.get(), "errmsg", 6, message.data(), static_cast<int>(message.size()));
  BSON_APPEND_INT32(reply.get(), "code", code);
  bson_append_utf8(reply.get(), "codeName", 8, code_name.data(),
                   static_cast<int>(code_name.size()));
  return reply;
}

}  // namespace querysafe::testing

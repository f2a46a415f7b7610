// A scripted MongoDB server for the wire tests: it listens on 127.0.0.1 (an
// ephemeral port), speaks the wire protocol the real mongo-c-driver speaks
// (OP_MSG with kind-0 bodies and kind-1 document sequences, and the legacy
// OP_QUERY isMaster handshake, answered with OP_REPLY), records every command
// and every byte it receives, and answers each command from a script: one
// handler per command name.
//
// Why a peer and not mocks: the driver, libmongocrypt's auto-encryption
// (encryptionInformation, key vault lookups, decryption of replies) and the
// sockets are all real, so the tests see exactly what a MongoDB server would
// see, and can scan it for plaintext.
//
// By default the peer is the primary of a one-member replica set "rs0"
// advertising maxWireVersion 25 (MongoDB 8.0) and sessions; it answers
// endSessions and killCursors, and any other unscripted command with the
// server's CommandNotFound error (code 59).
//
// Threads: one accepts, one per connection serves it. Handlers run one at a
// time (under a lock of their own), so they may keep state without locking and
// may call Received(), but not On().
// Destroying the peer shuts every connection down and joins every thread; no
// socket or thread outlives it.
#ifndef QUERYSAFE_TESTS_EXEC_WIRE_PEER_H_
#define QUERYSAFE_TESTS_EXEC_WIRE_PEER_H_

#include <bson/bson.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lib/common/bson_util.h"

namespace querysafe::testing {

// One command as the peer received it.
struct ReceivedCommand {
  std::string name;      // the body's first key: "find", "hello", "isMaster"
  std::string database;  // $db, or the database of an OP_QUERY namespace
  // The body; the documents of kind-1 sequences are appended as arrays under
  // their identifiers ("documents", "updates"...), as the server reads them.
  BsonDoc body;
  bool legacy = false;  // OP_QUERY rather than OP_MSG
  int connection = 0;   // 1 for the first connection accepted, and so on
};

// What the peer does with a command.
struct PeerReply {
  enum class Kind : uint8_t {
    kDocument,  // reply with `document`
    kClose,     // close the connection without replying
    kRaw,       // send `raw` as is (a broken message), then close
  };
  Kind kind = Kind::kDocument;
  BsonDoc document;
  std::string raw;

  static PeerReply Document(BsonDoc document);
  // Extended JSON; a test failure if it does not parse.
  static PeerReply Json(std::string_view json);
  static PeerReply Close();
  static PeerReply Raw(std::string bytes);
};

class WirePeer {
 public:
  using Handler = std::function<PeerReply(const ReceivedCommand&)>;

  // Starts listening; ok() says whether it could.
  WirePeer();
  ~WirePeer();
  WirePeer(const WirePeer&) = delete;
  WirePeer& operator=(const WirePeer&) = delete;

  bool ok() const { return listen_fd_ >= 0; }
  uint16_t port() const { return port_; }
  std::string host() const;  // "127.0.0.1:<port>"
  // mongodb://127.0.0.1:<port>/?replicaSet=rs0&<short timeouts>[&extra]
  std::string Uri(std::string_view extra_options = "") const;

  // The handler for a command name (replacing any earlier one, including the
  // defaults). Names are matched exactly, except that the handshake names
  // hello, isMaster and ismaster share one handler ("hello").
  void On(std::string_view command, Handler handler);
  // Shorthand: always reply with this Extended JSON.
  void OnJson(std::string_view command, std::string_view json);

  // The maxWireVersion the handshake advertises (25: MongoDB 8.0).
  void set_max_wire_version(int version) { max_wire_version_ = version; }

  // Every command received, in arrival order; the handshake and monitoring
  // commands (hello, isMaster) are left out unless asked for.
  std::vector<ReceivedCommand> AllReceived(bool with_handshake = false) const;
  // The received commands with this name.
  std::vector<ReceivedCommand> Received(std::string_view command) const;
  // Every byte every client sent, all connections together.
  std::string BytesReceived() const;
  int connections() const { return connections_.load(); }

 private:
  struct Connection {
    int fd = -1;
    int number = 0;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void AcceptLoop();
  void Serve(Connection* connection);
  // Parses one message; false if it is not one the peer understands.
  bool Parse(const std::string& message, int connection_number, ReceivedCommand* out,
             int32_t* request_id, int32_t* op_code, bool* more_to_come) const;
  PeerReply Dispatch(const ReceivedCommand& command);
  PeerReply Hello(const ReceivedCommand& command) const;

  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::atomic<int> max_wire_version_{25};
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;

  std::mutex handler_mutex_;  // guards handlers_, held while one runs
  std::map<std::string, Handler, std::less<>> handlers_;
  mutable std::mutex mutex_;  // guards everything below
  std::vector<ReceivedCommand> received_;
  std::string bytes_;
  std::vector<std::unique_ptr<Connection>> open_;
};

// Replies as a server builds them.
// {cursor: {id, ns, firstBatch: documents}, ok: 1}
BsonDoc CursorReply(std::string_view ns, int64_t cursor_id, const std::vector<BsonDoc>& documents,
                    std::string_view batch = "firstBatch");
// {ok: 0, errmsg, code, codeName}
BsonDoc ErrorReply(int32_t code, std::string_view code_name, std::string_view message);

}  // namespace querysafe::testing

#endif  // QUERYSAFE_TESTS_EXEC_WIRE_PEER_H_

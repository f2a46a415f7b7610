// What the grammar carries through a parse, reachable from every parser through
// the X3 context (x3::get<state_tag>): the input, the arena the syntax tree
// goes into, the limits, the current bracket depth and the diagnostics
// collected so far. The grammar never prints and never lets its own exceptions
// out of ParseSyntax(): errors are Diagnostics here.
#ifndef QUERYSAFE_GRAMMAR_PARSE_STATE_H_
#define QUERYSAFE_GRAMMAR_PARSE_STATE_H_

#include <boost/spirit/home/x3.hpp>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "grammar/bump_allocator.h"
#include "grammar/limits.h"
#include "grammar/syntax_tree.h"
#include "lib/common/arena.h"
#include "querysafe/diagnostic.h"

namespace querysafe::grammar {

using Iterator = const char*;

// The key of the ParseState in the X3 context.
struct state_tag;

// A syntax error found by a token parser (a bad number, an unknown escape is
// not one of them: those are lib/parse's). It is an X3 expectation failure, so
// X3's on_error handlers and the bracket directive treat it like a failed `>`;
// it carries its own code, message and extent.
class SyntaxFailure : public boost::spirit::x3::expectation_failure<Iterator> {
 public:
  SyntaxFailure(Iterator where, Iterator end, std::string_view code, std::string message)
      : expectation_failure(where, std::move(message)), end_(end), code_(code) {}
  Iterator end() const { return end_; }
  std::string_view code() const { return code_; }

 private:
  Iterator end_;
  std::string_view code_;
};

// Unwinds a parse that cannot go on (an unclosed bracket at the end of the
// input, nesting or size beyond the limits, too many errors). Its diagnostic is
// already recorded.
struct AbortParse : std::exception {
  const char* what() const noexcept override { return "querysafe: parse aborted"; }
};

class ParseState {
 public:
  ParseState(std::string_view input, Arena* arena, const Limits& limits, Diagnostics* diagnostics)
      : input_(input), bump_(arena), limits_(limits), diagnostics_(diagnostics) {}
  ParseState(const ParseState&) = delete;
  ParseState& operator=(const ParseState&) = delete;

  std::string_view input() const { return input_; }
  Iterator begin() const { return input_.data(); }
  Iterator end() const { return input_.data() + input_.size(); }
  Span SpanOf(Iterator b, Iterator e) const {
    return {static_cast<uint32_t>(b - input_.data()), static_cast<uint32_t>(e - input_.data())};
  }
  std::string_view Text(Span s) const { return input_.substr(s.begin, s.end - s.begin); }

  // A syntax tree node in the arena; counts toward max_nodes.
  template <typename T, typename... Args>
  const T* New(Args&&... args) {
    return NewMutable<T>(std::forward<Args>(args)...);
  }
  template <typename T, typename... Args>
  T* NewMutable(Args&&... args) {
    Count(1);
    return bump_.New<T>(std::forward<Args>(args)...);
  }
  // Copies a list into the arena; its items count toward max_nodes.
  template <typename Container>
  syntax::List<typename Container::value_type> Copy(const Container& items) {
    using T = typename Container::value_type;
    Count(items.size());
    return bump_.Copy(std::span<const T>(items.data(), items.size()));
  }
  // An uninitialized-then-filled list in the arena; its items count toward
  // max_nodes.
  template <typename T>
  std::span<T> NewArray(size_t n) {
    Count(n);
    return bump_.NewArray<T>(n);
  }
  // A list that grows in the arena (not on the stack: the parsers that build
  // lists recurse, and a stack buffer per level would cost the stack at every
  // level of nesting). Growing leaves the old copy behind in the scratch arena.
  template <typename T>
  class List {
   public:
    explicit List(ParseState& state) : state_(state) {}
    void push_back(const T& item) {
      if (size_ == capacity_) Grow();
      data_[size_++] = item;
    }
    // A value-initialized item, built in place (an item is a few dozen bytes).
    T& emplace_back() {
      if (size_ == capacity_) Grow();
      return *::new (data_ + size_++) T();
    }
    bool empty() const { return size_ == 0; }
    size_t size() const { return size_; }
    T& back() { return data_[size_ - 1]; }
    // The items, counted toward max_nodes.
    syntax::List<T> Take() {
      state_.Count(size_);
      return {data_, size_};
    }

   private:
    void Grow() {
      const size_t capacity = capacity_ == 0 ? 4 : capacity_ * 2;
      T* data = static_cast<T*>(state_.bump_.Allocate(sizeof(T) * capacity, alignof(T)));
      if (size_ > 0) std::memcpy(data, data_, sizeof(T) * size_);
      data_ = data;
      capacity_ = capacity;
    }
    ParseState& state_;
    T* data_ = nullptr;
    size_t size_ = 0;
    size_t capacity_ = 0;
  };

  void Count(size_t n) {
    nodes_ += n;
    if (nodes_ > limits_.max_nodes) [[unlikely]]
      TooLarge();
  }

  // Bracket nesting; Enter() aborts the parse beyond max_depth.
  void Enter(Iterator open);
  void Leave() { --depth_; }

  // Records a syntax error; aborts the parse once max_errors are recorded.
  void Report(std::string_view code, std::string message, Span span);
  // Records an expectation failure (X3's or a SyntaxFailure) as a diagnostic.
  void Report(const boost::spirit::x3::expectation_failure<Iterator>& failure);
  // Records and aborts.
  [[noreturn]] void Abort(std::string_view code, std::string message, Span span);

  size_t error_count() const { return errors_; }

 private:
  [[noreturn]] void TooLarge();

 public:
 private:
  std::string_view input_;
  BumpAllocator bump_;
  Limits limits_;
  Diagnostics* diagnostics_;
  uint32_t depth_ = 0;
  size_t nodes_ = 0;
  size_t errors_ = 0;
};

// Where a diagnostic about position `p` points: past any whitespace, over one
// token.
Span ErrorSpanAt(const ParseState& state, Iterator p);

// Python's "invalid character '€' (U+20AC)" when `span` starts with a non-ASCII
// character that cannot start a name; empty otherwise.
std::string InvalidCharacterMessage(const ParseState& state, Span span);

}  // namespace querysafe::grammar

#endif  // QUERYSAFE_GRAMMAR_PARSE_STATE_H_

/*
 * bedrock.hpp - a header-only C++17 wrapper over libbedrock's C API (bedrock.h).
 *
 *   bedrock::Client client(R"({"region": "us-east-1"})");
 *   std::string reply = client.chat(R"({"model": "anthropic.claude-3-haiku-20240307-v1:0",
 *                                       "messages": [["human", "Hello"]]})");
 *   for (const std::string &event : client.chat_stream(request)) { ... }
 *
 *   bedrock::Multi multi(client);                   // many calls on one thread, no threads of its own
 *   bedrock::Call call = multi.chat_stream(request, [](std::string_view event) { ...; return true; },
 *                                          [](bedrock::Result done) { ... done.value() ... });
 *   while (running) { poll(multi.fd(), multi.timeout_ms()); running = multi.perform(); }
 *
 * Requests, responses and events are JSON text (std::string), exactly as the C API takes and
 * returns them; the wrapper has no JSON library of its own. The `_j` methods take and return
 * jansson values for code that already uses jansson (through bedrock_jansson.h).
 *
 * OWNERSHIP
 *   bedrock::Client owns one bedrock_client and bedrock::Stream one bedrock_stream; both are
 *   move-only and free their handle in the destructor. A moved-from object holds nothing
 *   (operator bool is false); calling it throws InvalidArgumentError, as the C API answers a
 *   NULL handle. Every string the C API returns is copied into a std::string and freed with
 *   bedrock_string_free() at once (UniqueString); the wrapper never hands out C memory.
 *   Json (a unique_ptr with a json_decref deleter) owns one jansson reference.
 *   bedrock::Multi owns one bedrock_multi and bedrock::Call one bedrock_call; both are
 *   move-only. A Multi keeps its client alive (the Client may go first); destroying it
 *   cancels every call still in flight, and their on_done run (BEDROCK_ERR_CANCELLED) before
 *   the destructor returns (an exception they throw is dropped). Destroying a Call cancels
 *   the call if it still runs; its on_done then runs at the next perform. The callbacks of a
 *   call (std::function copies) live until its on_done has returned; a Call may outlive its
 *   Multi.
 *
 * ERRORS
 *   Every call that gets a status other than BEDROCK_OK throws, and frees the C error first.
 *   The exception's class names the status: ThrottledError, NotFoundError, CancelledError, ...
 *   (StatusError<BEDROCK_ERR_...>), all derived from bedrock::Error, which derives from
 *   std::runtime_error. what() is bedrock_error_message(); status(), status_name() and json()
 *   (bedrock_error_json()) carry the rest, and error_type(), http_status(), request_id(),
 *   attempts(), retryable() and field() are read out of that JSON. A status this header does not know throws a plain
 *   bedrock::Error. Destructors, moves, cancel() and the accessors never throw.
 *
 * THREADS
 *   The rules of bedrock.h apply unchanged. A Client may be used by any number of threads at
 *   once (its methods are const for that reason); destroy it only after every call on it has
 *   returned. A Stream keeps its client alive, so a Client may be destroyed before the
 *   Streams it opened, which go on working. A Stream is used by one thread
 *   at a time, except cancel(), which any thread may call while another is blocked in next()
 *   or in the range-for; that thread then gets CancelledError. Do not move or destroy a
 *   Stream while another thread may call cancel() on it. Callbacks run on the calling thread.
 *   A Multi is driven by one thread at a time (perform, socket_action, destruction); its
 *   callbacks run on that thread, inside perform or socket_action. Starting a call, cancel()
 *   and wakeup() may come from any thread. Inside a callback, starting, cancelling and
 *   destroying Calls is fine, and so is destroying the Multi (the free waits until the
 *   callbacks return); perform from inside one throws InvalidArgumentError. Do not move a
 *   Multi while another thread starts calls on it.
 *
 * CALLBACKS
 *   The callback overloads (chat_stream, converse_stream, invoke_model_stream) take a
 *   std::function<bool(std::string_view)>: the view is the event's JSON text, valid during
 *   the call only. Return true to go on, false to stop; a stop is not an error, and the method
 *   returns false instead of true. An exception thrown by the callback stops the stream and
 *   is rethrown to the caller unchanged.
 *   A Multi's calls take on_event (the same std::function, except on the driving thread,
 *   later) and on_done, a std::function<void(bedrock::Result)> that runs exactly once per
 *   call: Result has status, result (JSON text), error (a bedrock::Error), stopped (on_event
 *   said false) and value(), which returns the result or throws the typed exception. No
 *   exception crosses into the C library: one thrown by on_event stops that call (its
 *   on_done still runs, cancelled); one thrown by either is kept and rethrown, unchanged,
 *   when the perform (or socket_action) that ran it returns: the oldest first, one per
 *   perform. A start that fails throws at once, and then no callback runs.
 *
 * BUILD
 *   C++17; include <bedrock.hpp> with bedrock.h and bedrock_jansson.h on the include path and
 *   link libbedrock and jansson (CMake: target_link_libraries(app PRIVATE Bedrock::bedrock_cpp)).
 */
#ifndef BEDROCK_HPP
#define BEDROCK_HPP

#include <bedrock_jansson.h>

#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace bedrock {

/* ---- Owning pointers for what the C API returns --------------------------------------- */

/* Frees a string the library returned. */
struct StringDeleter {
    void operator()(char *string) const noexcept { bedrock_string_free(string); }
};
using UniqueString = std::unique_ptr<char, StringDeleter>;

struct ErrorDeleter {
    void operator()(bedrock_error *error) const noexcept { bedrock_error_free(error); }
};
using UniqueError = std::unique_ptr<bedrock_error, ErrorDeleter>;

/* One jansson reference, released with json_decref(). */
struct JsonDeleter {
    void operator()(json_t *json) const noexcept { json_decref(json); }
};
using Json = std::unique_ptr<json_t, JsonDeleter>;

/* ---- Version --------------------------------------------------------------------------- */

/* The version of the header this program was compiled against, and of the loaded library. */
inline constexpr const char *header_version = BEDROCK_VERSION;
inline const char *library_version() noexcept { return bedrock_version(); }

/* True when the loaded library can serve this header: the same major version, and a library
   at least as new (functions are only ever added within a major version). */
inline bool library_compatible() noexcept {
    int library = bedrock_version_number();
    return library / 1000000 == BEDROCK_VERSION_NUMBER / 1000000 && library >= BEDROCK_VERSION_NUMBER;
}

/* "BEDROCK_ERR_THROTTLED" for BEDROCK_ERR_THROTTLED. Static: never freed. */
inline const char *status_name(bedrock_status status) noexcept { return bedrock_status_name(status); }
/* A one-line description of a status, e.g. "throttled: the service asked the client to slow down". */
inline const char *status_string(bedrock_status status) noexcept { return bedrock_status_string(status); }

/* ---- Errors ---------------------------------------------------------------------------- */

/* A failed call: what() is the library's message; json() its JSON form. */
class Error : public std::runtime_error {
public:
    Error(bedrock_status status, const std::string &message, std::string json)
        : std::runtime_error(message), status_(status), json_(std::move(json)) {
        Json parsed(json_loads(json_.c_str(), 0, nullptr));
        if (!parsed) return;
        if (const char *type = json_string_value(json_object_get(parsed.get(), "error_type"))) error_type_ = type;
        if (const char *id = json_string_value(json_object_get(parsed.get(), "request_id"))) request_id_ = id;
        http_status_ = static_cast<int>(json_integer_value(json_object_get(parsed.get(), "http_status")));
        attempts_ = static_cast<int>(json_integer_value(json_object_get(parsed.get(), "attempts")));
        retryable_ = json_is_true(json_object_get(parsed.get(), "retryable"));
        if (const char *field = json_string_value(json_object_get(parsed.get(), "field"))) field_ = field;
    }

    bedrock_status status() const noexcept { return status_; }
    /* The enumerator name, e.g. "BEDROCK_ERR_THROTTLED". */
    const char *status_name() const noexcept { return bedrock_status_name(status_); }
    /* {"status", "status_name", "message", "retryable", and when known "field", "error_type",
       "http_status", "request_id", "attempts"}, as bedrock_error_json() gives it. */
    const std::string &json() const noexcept { return json_; }
    /* The AWS error type, e.g. "ThrottlingException"; empty when the service named none. */
    const std::string &error_type() const noexcept { return error_type_; }
    /* The HTTP status; 0 when no response arrived. */
    int http_status() const noexcept { return http_status_; }
    /* The AWS request id; empty when unknown. */
    const std::string &request_id() const noexcept { return request_id_; }
    /* How many HTTP attempts the call made (retries included); 0 when it failed before sending. */
    int attempts() const noexcept { return attempts_; }
    /* Whether the library's retry rules would try the call again (throttling, network,
       timeouts, HTTP 500/502/503/504, ModelNotReadyException). */
    bool retryable() const noexcept { return retryable_; }
    /* The JSON path of the input to blame, e.g. "request.messages[1].role"; empty when none. */
    const std::string &field() const noexcept { return field_; }

private:
    bedrock_status status_;
    std::string json_;
    std::string error_type_;
    std::string request_id_;
    int http_status_ = 0;
    int attempts_ = 0;
    bool retryable_ = false;
    std::string field_;
};

/* The exception for one status: catch (const bedrock::ThrottledError &) { ... }. */
template <bedrock_status Status>
class StatusError : public Error {
public:
    static constexpr bedrock_status code = Status;
    StatusError(const std::string &message, std::string json) : Error(Status, message, std::move(json)) {}
};

using InvalidArgumentError = StatusError<BEDROCK_ERR_INVALID_ARGUMENT>;
using ConfigError = StatusError<BEDROCK_ERR_CONFIG>;
using CredentialsError = StatusError<BEDROCK_ERR_CREDENTIALS>;
using NetworkError = StatusError<BEDROCK_ERR_NETWORK>;
using TimeoutError = StatusError<BEDROCK_ERR_TIMEOUT>;
using ThrottledError = StatusError<BEDROCK_ERR_THROTTLED>;
using AccessDeniedError = StatusError<BEDROCK_ERR_ACCESS_DENIED>;
using ValidationError = StatusError<BEDROCK_ERR_VALIDATION>;
using NotFoundError = StatusError<BEDROCK_ERR_NOT_FOUND>;
using ModelError = StatusError<BEDROCK_ERR_MODEL>;
using ServiceError = StatusError<BEDROCK_ERR_SERVICE>;
using ProtocolError = StatusError<BEDROCK_ERR_PROTOCOL>;
using CancelledError = StatusError<BEDROCK_ERR_CANCELLED>;
using InternalError = StatusError<BEDROCK_ERR_INTERNAL>;
using LimitError = StatusError<BEDROCK_ERR_LIMIT>;

namespace detail {

/* Throws the exception for `status` (which must not be BEDROCK_OK). */
[[noreturn]] inline void throw_status(bedrock_status status, const std::string &message, std::string json) {
    switch (status) {
    case BEDROCK_ERR_INVALID_ARGUMENT: throw InvalidArgumentError(message, std::move(json));
    case BEDROCK_ERR_CONFIG: throw ConfigError(message, std::move(json));
    case BEDROCK_ERR_CREDENTIALS: throw CredentialsError(message, std::move(json));
    case BEDROCK_ERR_NETWORK: throw NetworkError(message, std::move(json));
    case BEDROCK_ERR_TIMEOUT: throw TimeoutError(message, std::move(json));
    case BEDROCK_ERR_THROTTLED: throw ThrottledError(message, std::move(json));
    case BEDROCK_ERR_ACCESS_DENIED: throw AccessDeniedError(message, std::move(json));
    case BEDROCK_ERR_VALIDATION: throw ValidationError(message, std::move(json));
    case BEDROCK_ERR_NOT_FOUND: throw NotFoundError(message, std::move(json));
    case BEDROCK_ERR_MODEL: throw ModelError(message, std::move(json));
    case BEDROCK_ERR_SERVICE: throw ServiceError(message, std::move(json));
    case BEDROCK_ERR_PROTOCOL: throw ProtocolError(message, std::move(json));
    case BEDROCK_ERR_CANCELLED: throw CancelledError(message, std::move(json));
    case BEDROCK_ERR_INTERNAL: throw InternalError(message, std::move(json));
    case BEDROCK_ERR_LIMIT: throw LimitError(message, std::move(json));
    default: throw Error(status, message, std::move(json));
    }
}

/* Frees `error` and throws the exception for `status` (which must not be BEDROCK_OK). */
[[noreturn]] inline void throw_error(bedrock_status status, bedrock_error *error) {
    UniqueError owned(error);
    std::string message = owned ? bedrock_error_message(owned.get()) : bedrock_status_name(status);
    std::string json = owned ? bedrock_error_json(owned.get()) : std::string();
    owned.reset();
    throw_status(status, message, std::move(json));
}

/* Throws for a failed status; frees the (NULL on success) error either way. Call it as a
   statement after the C call, never as check(bedrock_x(..., &error), error): the order in
   which arguments are evaluated is unspecified, and `error` could be read before the call. */
inline void check(bedrock_status status, bedrock_error *error) {
    if (status != BEDROCK_OK) throw_error(status, error);
    bedrock_error_free(error);
}

/* Takes a returned string: copies it and frees the C one. */
inline std::string take(char *string) {
    UniqueString owned(string);
    return owned ? std::string(owned.get()) : std::string();
}

/* Runs a C call whose last two arguments are `T **out, bedrock_error **error`, and returns
   what it stored in `out` (the caller owns it). Throws the call's error. */
template <typename T, typename Call>
T *call_returning(Call call) {
    T *out = nullptr;
    bedrock_error *error = nullptr;
    bedrock_status status = call(&out, &error);
    check(status, error);
    return out;
}

/* The state a streaming call's C callback shares with the C++ callback. */
struct CallbackState {
    const std::function<bool(std::string_view)> *on_event;
    std::exception_ptr exception;
    bool stopped = false;
};

/* The bedrock_event_fn for every callback overload. No exception crosses into the library:
   one thrown by the callback is kept and rethrown once the C call has returned. */
inline int trampoline(const char *event_json, size_t len, void *user_data) noexcept {
    auto *state = static_cast<CallbackState *>(user_data);
    try {
        if ((*state->on_event)(std::string_view(event_json, len))) return 0;
        state->stopped = true;
    } catch (...) {
        state->exception = std::current_exception();
    }
    return 1;
}

/* Runs a callback-streaming C call: true when the stream ran to its end, false when the
   callback stopped it. Throws the callback's exception or the call's error. */
template <typename Call>
bool run_callback_stream(const std::function<bool(std::string_view)> &on_event, Call call) {
    CallbackState state{&on_event, nullptr, false};
    bedrock_error *error = nullptr;
    bedrock_status status = call(&trampoline, static_cast<void *>(&state), &error);
    if (state.exception) {
        bedrock_error_free(error);
        std::rethrow_exception(state.exception);
    }
    if (status == BEDROCK_ERR_CANCELLED && state.stopped) {
        bedrock_error_free(error);
        return false;
    }
    check(status, error);
    return true;
}

} // namespace detail

/* ---- Stream ---------------------------------------------------------------------------- */

/* A chat stream pulled event by event (bedrock_stream_open/next). Each event is one JSON
   object as text: start, text, reasoning, tool_call_start, tool_call_delta, usage, stop, and
   last message. Iterate it with range-for, or call next() until it returns std::nullopt. */
class Stream {
public:
    /* An input iterator: each increment calls bedrock_stream_next(), which blocks until the
       next event arrives and throws on failure (CancelledError after cancel()). */
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = std::string;
        using difference_type = std::ptrdiff_t;
        using pointer = const std::string *;
        using reference = const std::string &;

        iterator() noexcept = default;
        reference operator*() const noexcept { return event_; }
        pointer operator->() const noexcept { return &event_; }
        iterator &operator++() {
            advance();
            return *this;
        }
        /* Post-increment keeps the event it passed (the input-iterator `*it++` idiom). */
        struct postfix {
            std::string event;
            const std::string &operator*() const noexcept { return event; }
        };
        postfix operator++(int) {
            postfix previous{std::move(event_)};
            advance();
            return previous;
        }
        friend bool operator==(const iterator &a, const iterator &b) noexcept { return a.stream_ == b.stream_; }
        friend bool operator!=(const iterator &a, const iterator &b) noexcept { return a.stream_ != b.stream_; }

    private:
        friend class Stream;
        explicit iterator(Stream *stream) : stream_(stream) { advance(); }
        void advance() {
            std::optional<std::string> next = stream_->next();
            if (next) {
                event_ = std::move(*next);
            } else {
                stream_ = nullptr;
                event_.clear();
            }
        }
        Stream *stream_ = nullptr;
        std::string event_;
    };

    Stream() noexcept = default;
    /* Adopts a stream from bedrock_stream_open(); the Stream frees it. */
    explicit Stream(bedrock_stream *handle) noexcept : handle_(handle) {}
    ~Stream() { bedrock_stream_free(handle_); }

    Stream(const Stream &) = delete;
    Stream &operator=(const Stream &) = delete;
    Stream(Stream &&other) noexcept
        : handle_(std::exchange(other.handle_, nullptr)), finished_(std::exchange(other.finished_, false)) {}
    Stream &operator=(Stream &&other) noexcept {
        if (this != &other) {
            bedrock_stream_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
            finished_ = std::exchange(other.finished_, false);
        }
        return *this;
    }

    /* Waits for the next event. std::nullopt once the stream is over (after the "message"
       event, or after a failure was thrown). Throws the failure: its events already returned
       stay returned. */
    std::optional<std::string> next() {
        if (finished_) return std::nullopt;
        char *event = nullptr;
        bedrock_error *error = nullptr;
        bedrock_status status = bedrock_stream_next(handle_, &event, &error);
        if (status != BEDROCK_OK) {
            finished_ = true;
            bedrock_string_free(event);
            detail::throw_error(status, error);
        }
        bedrock_error_free(error);
        if (!event) {
            finished_ = true;
            return std::nullopt;
        }
        return detail::take(event);
    }

    /* Makes a next() that is blocked now, or called later, throw CancelledError promptly.
       Any thread may call it. A no-op on an empty Stream. */
    void cancel() const noexcept { bedrock_stream_cancel(handle_); }

    /* True once next() has returned std::nullopt or thrown. */
    bool finished() const noexcept { return finished_; }

    /* Starts (or, for a stream already partly read, continues) the iteration. */
    iterator begin() { return iterator(this); }
    iterator end() noexcept { return iterator(); }

    bedrock_stream *get() const noexcept { return handle_; }
    /* Gives up ownership: the caller frees the handle with bedrock_stream_free(). */
    bedrock_stream *release() noexcept { return std::exchange(handle_, nullptr); }
    explicit operator bool() const noexcept { return handle_ != nullptr; }

private:
    bedrock_stream *handle_ = nullptr;
    bool finished_ = false;
};

/* ---- Client ---------------------------------------------------------------------------- */

/* A Bedrock Runtime client: thread-safe, move-only, frees its bedrock_client on destruction. */
class Client {
public:
    using EventCallback = std::function<bool(std::string_view)>;

    /* A client with every setting resolved from the environment and ~/.aws, as
       bedrock_client_new(NULL, ...). Throws ConfigError when no region can be found. */
    Client() : Client(FromConfig{}, nullptr) {}

    /* A client from config JSON (see bedrock_client_new for the fields). Throws
       InvalidArgumentError for a malformed config, ConfigError for no region or an unknown
       profile. */
    explicit Client(const std::string &config_json) : Client(FromConfig{}, config_json.c_str()) {}

    /* Adopts a client from bedrock_client_new(); the Client frees it. */
    explicit Client(bedrock_client *handle) noexcept : handle_(handle) {}

    ~Client() { bedrock_client_free(handle_); }

    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;
    Client(Client &&other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Client &operator=(Client &&other) noexcept {
        if (this != &other) {
            bedrock_client_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }

    /* bedrock_chat: the provider-independent request in, the chat response JSON out. */
    std::string chat(const std::string &request_json) const {
        return detail::take(detail::call_returning<char>([&](char **response, bedrock_error **error) {
            return bedrock_chat(handle_, request_json.c_str(), response, error);
        }));
    }

    /* bedrock_chat_j: `request` is borrowed; the response is a new reference. */
    Json chat_j(const json_t *request) const {
        return Json(detail::call_returning<json_t>([&](json_t **response, bedrock_error **error) {
            return bedrock_chat_j(handle_, request, response, error);
        }));
    }

    /* bedrock_stream_open: validates, plans and signs the request now (throwing if that
       fails); the request goes out with the first next() or iteration. */
    Stream chat_stream(const std::string &request_json) const {
        return Stream(detail::call_returning<bedrock_stream>([&](bedrock_stream **stream, bedrock_error **error) {
            return bedrock_stream_open(handle_, request_json.c_str(), stream, error);
        }));
    }

    /* bedrock_chat_stream: calls `on_event` with each event's JSON until the stream ends
       (true) or on_event returns false (false). Throws on failure. */
    bool chat_stream(const std::string &request_json, const EventCallback &on_event) const {
        return detail::run_callback_stream(on_event, [&](bedrock_event_fn fn, void *user, bedrock_error **error) {
            return bedrock_chat_stream(handle_, request_json.c_str(), fn, user, error);
        });
    }

    /* bedrock_converse: the Converse request body in, Bedrock's Converse response body out. */
    std::string converse(const std::string &model_id, const std::string &request_json) const {
        return detail::take(detail::call_returning<char>([&](char **response, bedrock_error **error) {
            return bedrock_converse(handle_, model_id.c_str(), request_json.c_str(), response, error);
        }));
    }

    /* bedrock_converse_stream: each event as boto3 yields it, e.g. {"contentBlockDelta": ...}. */
    bool converse_stream(const std::string &model_id, const std::string &request_json,
                         const EventCallback &on_event) const {
        return detail::run_callback_stream(on_event, [&](bedrock_event_fn fn, void *user, bedrock_error **error) {
            return bedrock_converse_stream(handle_, model_id.c_str(), request_json.c_str(), fn, user, error);
        });
    }

    /* bedrock_invoke_model: the provider's own body in, the provider's response body out. */
    std::string invoke_model(const std::string &model_id, const std::string &body_json) const {
        return detail::take(detail::call_returning<char>([&](char **response, bedrock_error **error) {
            return bedrock_invoke_model(handle_, model_id.c_str(), body_json.c_str(), response, error);
        }));
    }

    /* bedrock_invoke_model_bytes: any body in (content_type and accept: nullptr for
       application/json), the response body out byte for byte, NUL bytes included. */
    std::string invoke_model_bytes(const std::string &model_id, std::string_view body,
                                   const char *content_type = nullptr, const char *accept = nullptr) const {
        size_t length = 0;
        UniqueString owned(detail::call_returning<char>([&](char **response, bedrock_error **error) {
            return bedrock_invoke_model_bytes(handle_, model_id.c_str(), body.data(), body.size(), content_type,
                                              accept, response, &length, error);
        }));
        return owned ? std::string(owned.get(), length) : std::string();
    }

    /* bedrock_invoke_model_stream: each chunk as the provider's JSON. */
    bool invoke_model_stream(const std::string &model_id, const std::string &body_json,
                             const EventCallback &on_chunk) const {
        return detail::run_callback_stream(on_chunk, [&](bedrock_event_fn fn, void *user, bedrock_error **error) {
            return bedrock_invoke_model_stream(handle_, model_id.c_str(), body_json.c_str(), fn, user, error);
        });
    }

    /* bedrock_count_tokens: {"input": {"converse": {...}}} in, {"inputTokens": N} out. */
    std::string count_tokens(const std::string &model_id, const std::string &request_json) const {
        return detail::take(detail::call_returning<char>([&](char **response, bedrock_error **error) {
            return bedrock_count_tokens(handle_, model_id.c_str(), request_json.c_str(), response, error);
        }));
    }

    bedrock_client *get() const noexcept { return handle_; }
    /* Gives up ownership: the caller frees the handle with bedrock_client_free(). */
    bedrock_client *release() noexcept { return std::exchange(handle_, nullptr); }
    explicit operator bool() const noexcept { return handle_ != nullptr; }

private:
    struct FromConfig {};
    Client(FromConfig, const char *config_json)
        : handle_(detail::call_returning<bedrock_client>([&](bedrock_client **client, bedrock_error **error) {
              return bedrock_client_new(config_json, client, error);
          })) {}

    bedrock_client *handle_ = nullptr;
};

/* ---- Multi: many calls on one thread, driven by the host's event loop ------------------- */

/* How a call on a Multi ended: what its on_done receives. */
struct Result {
    /* The call's handle, as Call::get() gives it (borrowed): tells the calls apart. */
    bedrock_call *call = nullptr;
    bedrock_status status = BEDROCK_OK;
    /* JSON text on success: the chat response (for chat_stream, the response its "message"
       event carries), the Converse body, or the InvokeModel body. Empty for converse_stream
       and invoke_model_stream, and on failure. */
    std::string result;
    /* The failure, when status is not BEDROCK_OK: what(), status_name(), json(), ... */
    std::optional<Error> error;
    /* on_event returned false (or threw), which ends the call with BEDROCK_ERR_CANCELLED:
       a stop on purpose rather than a cancel() or a failure. */
    bool stopped = false;

    bool ok() const noexcept { return status == BEDROCK_OK; }
    /* The result, or throws the failure as its typed exception (ThrottledError, ...). */
    const std::string &value() const {
        if (status != BEDROCK_OK)
            detail::throw_status(status, error ? error->what() : bedrock_status_name(status),
                                 error ? error->json() : std::string());
        return result;
    }
};

namespace detail {

/* What a Multi shares with its calls' callbacks: the exceptions they threw, which perform
   rethrows. Held by the Multi and by every call in flight, so it outlives both. */
struct MultiState {
    std::deque<std::exception_ptr> exceptions;

    void keep(std::exception_ptr exception) noexcept {
        try {
            exceptions.push_back(std::move(exception));
        } catch (...) {
            // Out of memory: the exception is lost, and the call has ended anyway.
        }
    }
    void rethrow_oldest() {
        if (exceptions.empty()) return;
        std::exception_ptr oldest = std::move(exceptions.front());
        exceptions.pop_front();
        std::rethrow_exception(oldest);
    }
};

/* One call's callbacks. The library holds it as the call's user_data from a successful start
   until on_done, which runs exactly once and deletes it. */
struct CallState {
    std::shared_ptr<MultiState> multi;
    std::function<bool(std::string_view)> on_event;
    std::function<void(Result)> on_done;
    bool stopped = false;
};

/* The bedrock_event_fn of a Multi's streams: false or an exception stops the call. */
inline int multi_event(const char *event_json, size_t len, void *user_data) noexcept {
    auto *state = static_cast<CallState *>(user_data);
    try {
        if (state->on_event(std::string_view(event_json, len))) return 0;
    } catch (...) {
        state->multi->keep(std::current_exception());
    }
    state->stopped = true;
    return 1;
}

/* The bedrock_done_fn of every call on a Multi: hands on_done its Result, then frees the
   call's state. An exception from on_done is kept for perform. */
inline void multi_done(bedrock_call *call, bedrock_status status, const char *result_json, const bedrock_error *err,
                       void *user_data) noexcept {
    std::unique_ptr<CallState> state(static_cast<CallState *>(user_data));
    try {
        Result result;
        result.call = call;
        result.status = status;
        if (result_json) result.result = result_json;
        if (status != BEDROCK_OK) {
            result.error.emplace(status, err ? bedrock_error_message(err) : bedrock_status_name(status),
                                 err ? bedrock_error_json(err) : "");
        }
        result.stopped = state->stopped;
        if (state->on_done) state->on_done(std::move(result));
    } catch (...) {
        state->multi->keep(std::current_exception());
    }
}

} // namespace detail

/* One call in flight on a Multi (a bedrock_call), as Multi's chat, chat_stream, ... return
   it. Move-only. Destroying it frees the handle, and cancels the call if it still runs: its
   on_done then runs with BEDROCK_ERR_CANCELLED at the Multi's next perform. So keep the Call
   until its on_done has run; destroying it inside that on_done (say, erasing it from a map)
   is fine. */
class Call {
public:
    Call() noexcept = default;
    /* Adopts a handle from bedrock_multi_*(); the Call frees it. */
    explicit Call(bedrock_call *handle) noexcept : handle_(handle) {}
    ~Call() { bedrock_call_free(handle_); }

    Call(const Call &) = delete;
    Call &operator=(const Call &) = delete;
    Call(Call &&other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Call &operator=(Call &&other) noexcept {
        if (this != &other) {
            bedrock_call_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }

    /* Ends the call: on_done runs once with BEDROCK_ERR_CANCELLED on the driving thread
       (unless the call had already ended). Any thread may call it. A no-op on an empty Call. */
    void cancel() const noexcept { bedrock_call_cancel(handle_); }

    /* bedrock_call_metrics: {"attempts", "latency_ms", "time_to_first_byte_ms",
       "time_to_first_token_ms", "retry_wait_ms", "bytes_sent", "events", "http_version", ...}. */
    std::string metrics() const {
        return detail::take(detail::call_returning<char>([&](char **metrics, bedrock_error **error) {
            return bedrock_call_metrics(handle_, metrics, error);
        }));
    }

    bedrock_call *get() const noexcept { return handle_; }
    /* Gives up ownership: the caller frees the handle with bedrock_call_free(). */
    bedrock_call *release() noexcept { return std::exchange(handle_, nullptr); }
    explicit operator bool() const noexcept { return handle_ != nullptr; }

private:
    bedrock_call *handle_ = nullptr;
};

/* Many calls at once on one thread (a bedrock_multi), driven by the host's event loop:
   poll fd() for reading with timeout_ms() as the longest wait, then perform(). Move-only;
   the destructor frees the multi, which runs on_done (BEDROCK_ERR_CANCELLED) for every call
   still in flight, before it returns. */
class Multi {
public:
    using EventCallback = std::function<bool(std::string_view)>;
    using DoneCallback = std::function<void(Result)>;

    /* A multi on `client` with the default options. The multi keeps the client's connections
       and credentials alive: the Client may be destroyed first. */
    explicit Multi(const Client &client) : Multi(FromOptions{}, client, nullptr) {}

    /* A multi with options JSON (see bedrock_multi_new): {"max_connections",
       "max_concurrent_streams", "max_pending", "http_version"}. Throws InvalidArgumentError
       for bad options. Queue mode ({"queue": true}) is for hosts without callbacks: every
       start on such a Multi throws InvalidArgumentError. */
    Multi(const Client &client, const std::string &options_json) : Multi(FromOptions{}, client, options_json.c_str()) {}

    ~Multi() { bedrock_multi_free(handle_); }

    Multi(const Multi &) = delete;
    Multi &operator=(const Multi &) = delete;
    Multi(Multi &&other) noexcept
        : state_(std::move(other.state_)), handle_(std::exchange(other.handle_, nullptr)) {}
    Multi &operator=(Multi &&other) noexcept {
        if (this != &other) {
            bedrock_multi_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
            state_ = std::move(other.state_);
        }
        return *this;
    }

    /* Starting a call: never blocks, and any thread may do it. The request is checked now (a
       bad one throws InvalidArgumentError, and no callback ever runs; past max_pending,
       LimitError); the call goes out at the next perform. on_done runs exactly once, after the
       call's last event; on_event gets each event's JSON text (valid during the call only)
       and returns true to go on or false to stop. The Call must be kept: destroying it
       cancels the call. */

    /* bedrock_multi_chat: on_done's Result.result is the chat response. */
    [[nodiscard]] Call chat(const std::string &request_json, DoneCallback on_done) const {
        return start(nullptr, std::move(on_done), [&](bedrock_event_fn, bedrock_done_fn done, void *user,
                                                      bedrock_call **out, bedrock_error **error) {
            return bedrock_multi_chat(handle_, request_json.c_str(), done, user, out, error);
        });
    }

    /* bedrock_multi_chat_stream: start, text, ..., message events, as Client::chat_stream. */
    [[nodiscard]] Call chat_stream(const std::string &request_json, EventCallback on_event, DoneCallback on_done) const {
        return start(std::move(on_event), std::move(on_done), [&](bedrock_event_fn event, bedrock_done_fn done,
                                                                  void *user, bedrock_call **out, bedrock_error **error) {
            return bedrock_multi_chat_stream(handle_, request_json.c_str(), event, done, user, out, error);
        });
    }

    /* bedrock_multi_converse: Result.result is Bedrock's Converse response body. */
    [[nodiscard]] Call converse(const std::string &model_id, const std::string &request_json, DoneCallback on_done) const {
        return start(nullptr, std::move(on_done), [&](bedrock_event_fn, bedrock_done_fn done, void *user,
                                                      bedrock_call **out, bedrock_error **error) {
            return bedrock_multi_converse(handle_, model_id.c_str(), request_json.c_str(), done, user, out, error);
        });
    }

    /* bedrock_multi_converse_stream: each event as boto3 yields it. */
    [[nodiscard]] Call converse_stream(const std::string &model_id, const std::string &request_json,
                                       EventCallback on_event, DoneCallback on_done) const {
        return start(std::move(on_event), std::move(on_done), [&](bedrock_event_fn event, bedrock_done_fn done,
                                                                  void *user, bedrock_call **out, bedrock_error **error) {
            return bedrock_multi_converse_stream(handle_, model_id.c_str(), request_json.c_str(), event, done, user,
                                                 out, error);
        });
    }

    /* bedrock_multi_invoke_model: Result.result is the provider's response body. */
    [[nodiscard]] Call invoke_model(const std::string &model_id, const std::string &body_json, DoneCallback on_done) const {
        return start(nullptr, std::move(on_done), [&](bedrock_event_fn, bedrock_done_fn done, void *user,
                                                      bedrock_call **out, bedrock_error **error) {
            return bedrock_multi_invoke_model(handle_, model_id.c_str(), body_json.c_str(), done, user, out, error);
        });
    }

    /* bedrock_multi_invoke_model_stream: each chunk as the provider's JSON. */
    [[nodiscard]] Call invoke_model_stream(const std::string &model_id, const std::string &body_json,
                                           EventCallback on_chunk, DoneCallback on_done) const {
        return start(std::move(on_chunk), std::move(on_done), [&](bedrock_event_fn event, bedrock_done_fn done,
                                                                  void *user, bedrock_call **out, bedrock_error **error) {
            return bedrock_multi_invoke_model_stream(handle_, model_id.c_str(), body_json.c_str(), event, done, user,
                                                     out, error);
        });
    }

    /* Simple mode. The fd to poll for reading (owned by the multi: never read or close it);
       -1 for an empty Multi. */
    int fd() const noexcept { return bedrock_multi_fd(handle_); }
    /* Milliseconds until timed work is due (0: now), or -1 when no timer is pending. */
    long timeout_ms() const noexcept { return bedrock_multi_timeout_ms(handle_); }
    /* Does the work there is, waiting up to wait_ms for some, runs the callbacks, and returns
       how many calls are still running. Then rethrows the oldest exception a callback threw
       that has not been rethrown yet (the call it came from has ended, cancelled); any
       others come out of the following performs. Throws InvalidArgumentError when called
       from inside a callback. */
    int perform(int wait_ms = 0) {
        std::shared_ptr<detail::MultiState> state = state_; // a callback may destroy this Multi
        int running = 0;
        bedrock_error *error = nullptr;
        bedrock_status status = bedrock_multi_perform(handle_, wait_ms, &running, &error);
        detail::check(status, error);
        if (state) state->rethrow_oldest();
        return running;
    }

    /* Socket mode, for a loop that watches each socket itself (bedrock_multi_use_loop,
       bedrock_multi_assign, bedrock_multi_socket_action; examples/adapters has libuv and
       libevent adapters that take get()). socket_action rethrows as perform does. */
    void use_loop(bedrock_socket_fn on_socket, bedrock_timer_fn on_timer, void *loop_data) {
        bedrock_error *error = nullptr;
        bedrock_status status = bedrock_multi_use_loop(handle_, on_socket, on_timer, loop_data, &error);
        detail::check(status, error);
    }
    void assign(int fd, void *fd_data) noexcept { bedrock_multi_assign(handle_, fd, fd_data); }
    int socket_action(int fd, int events) {
        std::shared_ptr<detail::MultiState> state = state_;
        int running = 0;
        bedrock_error *error = nullptr;
        bedrock_status status = bedrock_multi_socket_action(handle_, fd, events, &running, &error);
        detail::check(status, error);
        if (state) state->rethrow_oldest();
        return running;
    }

    /* Rethrows the oldest exception a callback threw that has not been rethrown yet, if any:
       for a host whose loop calls the C API on get() (a C adapter) instead of perform. */
    void rethrow_pending() {
        if (state_) state_->rethrow_oldest();
    }

    /* Makes fd() readable, so that a perform blocked in the host's poll returns promptly.
       Any thread may call it. */
    void wakeup() const noexcept { bedrock_multi_wakeup(handle_); }

    /* The handle, for the C API (an adapter in examples/adapters). There is no release():
       the callbacks of calls in flight belong to this Multi. */
    bedrock_multi *get() const noexcept { return handle_; }
    explicit operator bool() const noexcept { return handle_ != nullptr; }

private:
    struct FromOptions {};
    Multi(FromOptions, const Client &client, const char *options_json)
        : state_(std::make_shared<detail::MultiState>()),
          handle_(detail::call_returning<bedrock_multi>([&](bedrock_multi **multi, bedrock_error **error) {
              return bedrock_multi_new(client.get(), options_json, multi, error);
          })) {}

    /* Starts a call: `start_call(event_fn, done_fn, user_data, out, error)` is the C start.
       The call's state goes to the library before the start, since on_done may run on the
       driving thread before the start returns here; it comes back only if the start fails. */
    template <typename Start>
    Call start(EventCallback on_event, DoneCallback on_done, Start start_call) const {
        bool streams = static_cast<bool>(on_event);
        auto *state = new detail::CallState{state_, std::move(on_event), std::move(on_done), false};
        bedrock_call *call = nullptr;
        bedrock_error *error = nullptr;
        bedrock_status status = start_call(streams ? &detail::multi_event : nullptr, &detail::multi_done,
                                           static_cast<void *>(state), &call, &error);
        if (status != BEDROCK_OK) {
            delete state;
            detail::throw_error(status, error);
        }
        bedrock_error_free(error);
        return Call(call);
    }

    std::shared_ptr<detail::MultiState> state_;
    bedrock_multi *handle_ = nullptr;
};

} // namespace bedrock

#endif /* BEDROCK_HPP */

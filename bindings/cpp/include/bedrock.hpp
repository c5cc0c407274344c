/*
 * bedrock.hpp - a header-only C++17 wrapper over libbedrock's C API (bedrock.h).
 *
 *   bedrock::Client client(R"({"region": "us-east-1"})");
 *   std::string reply = client.chat(R"({"model": "anthropic.claude-3-haiku-20240307-v1:0",
 *                                       "messages": [["human", "Hello"]]})");
 *   for (const std::string &event : client.chat_stream(request)) { ... }
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
 *
 * CALLBACKS
 *   The callback overloads (chat_stream, converse_stream, invoke_model_stream) take a
 *   std::function<bool(std::string_view)>: the view is the event's JSON text, valid during
 *   the call only. Return true to go on, false to stop; a stop is not an error, and the method
 *   returns false instead of true. An exception thrown by the callback stops the stream and
 *   is rethrown to the caller unchanged.
 *
 * BUILD
 *   C++17; include <bedrock.hpp> with bedrock.h and bedrock_jansson.h on the include path and
 *   link libbedrock and jansson (CMake: target_link_libraries(app PRIVATE Bedrock::bedrock_cpp)).
 */
#ifndef BEDROCK_HPP
#define BEDROCK_HPP

#include <bedrock_jansson.h>

#include <cstddef>
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

/* Frees `error` and throws the exception for `status` (which must not be BEDROCK_OK). */
[[noreturn]] inline void throw_error(bedrock_status status, bedrock_error *error) {
    UniqueError owned(error);
    std::string message = owned ? bedrock_error_message(owned.get()) : bedrock_status_name(status);
    std::string json = owned ? bedrock_error_json(owned.get()) : std::string();
    owned.reset();
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

} // namespace bedrock

#endif /* BEDROCK_HPP */

/*
 * bedrock.h - the C interface of libbedrock, an Amazon Bedrock Runtime client.
 *
 * libbedrock calls Bedrock's runtime operations (InvokeModel, InvokeModelWithResponseStream,
 * Converse, ConverseStream, CountTokens) from C and from anything that can call C, and offers
 * one provider-independent chat API over all of Bedrock's model families. It signs requests with AWS SigV4 (or sends a Bedrock
 * API key as a bearer token), finds credentials, region and endpoint the way the AWS SDKs
 * do, and decodes Bedrock's event streams as the bytes arrive.
 *
 * CONVENTIONS
 *   Status.    Every fallible call returns a bedrock_status; BEDROCK_OK (0) is success.
 *   Errors.    Fallible calls take a `bedrock_error **err` last. When err is not NULL, a failed
 *              call stores a new error object there (and a successful call stores NULL); the
 *              caller frees it with bedrock_error_free(). Pass NULL to ignore details.
 *   Strings.   Text is NUL-terminated UTF-8. A `char *` the library returns through an
 *              out-parameter belongs to the caller, who frees it with bedrock_string_free().
 *              The library never keeps a pointer to memory the caller passed in.
 *   JSON.      Requests, responses, events and configuration cross as JSON text. The same
 *              calls taking jansson values (json_t) are in <bedrock_jansson.h>, so that this
 *              header needs no jansson headers.
 *   Bad input. NULL where a value is required, invalid JSON, a wrong JSON type, or invalid
 *              UTF-8 gives BEDROCK_ERR_INVALID_ARGUMENT with a message naming the field.
 *              The library never aborts the host process on bad input.
 *   Frees.     Every *_free function accepts NULL and then does nothing.
 *
 * THREADS
 *   A bedrock_client may be used by any number of threads at once: they share its
 *   connections and credentials. Free it only after every call on it has returned.
 *   A bedrock_stream is used by one thread at a time, except bedrock_stream_cancel(), which
 *   any thread may call while another is blocked in bedrock_stream_next(). A stream keeps its
 *   client alive: the client may be freed while streams opened from it are still open, and
 *   its connections and credentials are released when the last of them is freed.
 *   A bedrock_error belongs to the thread that received it.
 *
 * The whole contract, with the JSON shapes and how AWS errors map to statuses, is in the
 * repository's docs/c-api.md.
 *
 * ABI
 *   The library is libbedrock.so.MAJOR.MINOR.PATCH with SONAME libbedrock.so.MAJOR
 *   (libbedrock.so.0 for 0.x). It exports the functions declared here and nothing else:
 *   every exported symbol starts with bedrock_, and the handles are opaque, so no struct
 *   layout is part of the ABI. Within a major version, functions and status values are only
 *   ever added, never changed or removed, so a program built against this header runs with
 *   any library of the same major version that is at least as new. A change that has to
 *   break that raises the major version, and with it the SONAME, so an old program never
 *   loads an incompatible library. Compare BEDROCK_VERSION_NUMBER (the header you compiled
 *   against) with bedrock_version_number() (the library you loaded) to check:
 *       bedrock_version_number() / 1000000 == BEDROCK_VERSION_MAJOR
 *       && bedrock_version_number() >= BEDROCK_VERSION_NUMBER
 *   The installed library links the Swift runtime in statically and hides it, so it needs
 *   no Swift toolchain; it depends on libcurl, libcrypto, jansson, zlib and the C and C++
 *   runtimes only.
 */
#ifndef BEDROCK_H
#define BEDROCK_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BEDROCK_VERSION_MAJOR 0
#define BEDROCK_VERSION_MINOR 1
#define BEDROCK_VERSION_PATCH 0
#define BEDROCK_VERSION "0.1.0"
/* MAJOR * 1000000 + MINOR * 1000 + PATCH, as SQLITE_VERSION_NUMBER. */
#define BEDROCK_VERSION_NUMBER 1000
/* True when this header is version major.minor.patch or later, for code that uses a
   function added after 0.1.0: #if BEDROCK_VERSION_AT_LEAST(0, 2, 0) ... #endif */
#define BEDROCK_VERSION_AT_LEAST(major, minor, patch) \
    (BEDROCK_VERSION_NUMBER >= (major) * 1000000 + (minor) * 1000 + (patch))

/* The result of every fallible call. The values are fixed. */
typedef enum bedrock_status {
    BEDROCK_OK = 0,
    BEDROCK_ERR_INVALID_ARGUMENT = 1, /* a bad argument; the message names it */
    BEDROCK_ERR_CONFIG = 2,           /* unusable configuration: no region, unknown profile */
    BEDROCK_ERR_CREDENTIALS = 3,      /* no credentials found, or the service rejected them */
    BEDROCK_ERR_NETWORK = 4,          /* could not connect, or the connection broke */
    BEDROCK_ERR_TIMEOUT = 5,          /* connect_timeout_ms, timeout_ms or read_timeout_ms */
    BEDROCK_ERR_THROTTLED = 6,        /* ThrottlingException, ServiceQuotaExceeded, HTTP 429 */
    BEDROCK_ERR_ACCESS_DENIED = 7,    /* AccessDeniedException, HTTP 403 */
    BEDROCK_ERR_VALIDATION = 8,       /* ValidationException, other HTTP 4xx */
    BEDROCK_ERR_NOT_FOUND = 9,        /* ResourceNotFoundException, HTTP 404 */
    BEDROCK_ERR_MODEL = 10,           /* ModelError, ModelNotReady, ModelTimeout, modelStreamError */
    BEDROCK_ERR_SERVICE = 11,         /* InternalServer, ServiceUnavailable, other HTTP 5xx */
    BEDROCK_ERR_PROTOCOL = 12,        /* a malformed response body or event-stream frame */
    BEDROCK_ERR_CANCELLED = 13,       /* a callback returned non-zero, or bedrock_stream_cancel() */
    BEDROCK_ERR_INTERNAL = 14,        /* a bug or out of memory in the library */
    BEDROCK_ERR_LIMIT = 15            /* a multi handle's max_pending calls are in flight */
} bedrock_status;

/* Opaque handles. */
typedef struct bedrock_client bedrock_client;
typedef struct bedrock_stream bedrock_stream;
typedef struct bedrock_error bedrock_error;

/* Receives one streamed event: `event_json` is JSON text of `len` bytes (NUL-terminated),
   borrowed for the duration of the call only. Return 0 to continue, or non-zero to stop the
   stream; the streaming call then returns BEDROCK_ERR_CANCELLED. The callback runs on the
   thread that made the streaming call. */
typedef int (*bedrock_event_fn)(const char *event_json, size_t len, void *user_data);

/* ---- Version ------------------------------------------------------------------------- */

/* The library's version, "MAJOR.MINOR.PATCH". Static: never free it. */
const char *bedrock_version(void);

/* The library's version as MAJOR * 1000000 + MINOR * 1000 + PATCH. */
int bedrock_version_number(void);

/* The enumerator name of a status, e.g. "BEDROCK_ERR_THROTTLED"; "BEDROCK_ERR_UNKNOWN" for
   a value this library does not know. Static: never free it. */
const char *bedrock_status_name(bedrock_status status);

/* A one-line description of a status, e.g. "throttled: the service asked the client to slow
   down", as curl_easy_strerror() gives; "unknown status" for a value this library does not
   know. Static: never free it. */
const char *bedrock_status_string(bedrock_status status);

/* ---- Client -------------------------------------------------------------------------- */

/* Creates a client from `config_json` (NULL or "{}" for all defaults) and stores it in *out.
   Config fields, all optional: region, profile, endpoint_url, credentials
   {access_key_id, secret_access_key, session_token}, bearer_token, connect_timeout_ms,
   timeout_ms, read_timeout_ms, max_attempts, retry_mode, ca_file, proxy, verify_tls,
   user_agent_suffix. What is missing is resolved as the AWS SDKs do: region from AWS_REGION,
   AWS_DEFAULT_REGION, then the profile; endpoint from AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
   AWS_ENDPOINT_URL, then https://bedrock-runtime.REGION.amazonaws.com; a bearer token from
   AWS_BEARER_TOKEN_BEDROCK; otherwise SigV4 credentials from the SDKs' provider chain:
   environment keys, the profile's role_arn (STS AssumeRole), web identity, SSO,
   credential_process and static keys, then the container endpoint and EC2 instance
   metadata (see the README). Credentials are looked up at the first call, cached by the
   client, and refreshed before they expire; a failure to find them is BEDROCK_ERR_CREDENTIALS
   on that call.
   Returns BEDROCK_ERR_INVALID_ARGUMENT for a malformed config and BEDROCK_ERR_CONFIG when no
   region can be found or the profile does not exist; *out is then NULL.
   Free the client with bedrock_client_free(). */
bedrock_status bedrock_client_new(const char *config_json, bedrock_client **out, bedrock_error **err);

/* Frees a client. Every call on it must have returned; streams opened from it may stay open
   (each keeps the client alive until it is freed). NULL is a no-op. */
void bedrock_client_free(bedrock_client *client);

/* Receives one log line: a JSON object of `len` bytes (NUL-terminated), borrowed for the call:
   {"level", "event", "time_ms", ...}. Events: "request" (operation, model_id, attempt),
   "request_headers" (DEBUG; an allowlist of headers, never Authorization, a security token
   or a bearer token), "response" (status, request_id, http_version, connection_reused),
   "retry" (attempt, delay_ms, status_name, error_type), "credentials_fetch",
   "credentials_fetched" (wait_ms, error), "credentials_ready", "call_failed" (error JSON).
   No line holds a secret. It runs on whichever thread does the client's work: a caller's, a
   multi's driving thread, or the credential helper thread; never with a library lock held. */
typedef void (*bedrock_log_fn)(int level, const char *line_json, size_t len, void *user_data);
enum { BEDROCK_LOG_ERROR = 1, BEDROCK_LOG_WARN = 2, BEDROCK_LOG_INFO = 3, BEDROCK_LOG_DEBUG = 4 };

/* Sends the client's log lines at `level` and more severe to `fn` (NULL or level 0: none, the
   default). The level is checked before a line is formatted. Set it before sharing the
   client among threads. */
void bedrock_client_set_log(bedrock_client *client, int level, bedrock_log_fn fn, void *user_data);

/* Fetches credentials now, on the calling thread, so that the first call does not wait for
   STS, SSO, IMDS, a container endpoint or a credential_process. A bearer-token client has
   nothing to fetch. Returns what the first call would have: BEDROCK_ERR_CREDENTIALS when none
   can be found. */
bedrock_status bedrock_client_warm(bedrock_client *client, bedrock_error **err);

/* ---- Chat: one request shape for every provider ------------------------------------- */

/* Sends a chat request and waits for the whole reply.
   `request_json`: {"model", "messages", and optionally "api" ("auto" | "invoke" | "converse"),
   "provider" (needed when "model" is an ARN or a custom id), "temperature", "max_tokens",
   "top_p", "top_k", "stop", "tools", "tool_choice", "response_schema", "model_kwargs",
   "guardrail"}. Messages are {"role", "content"} objects (roles system, user, assistant, tool;
   content a string or blocks: text, image, document, tool_use, tool_result, reasoning,
   cache_point) or LangChain-style ["human", "text"] pairs. "auto" picks InvokeModel with the
   provider's own format, as LangChain's ChatBedrock does, and Converse where that format
   cannot carry the request (tools on a model whose InvokeModel body has none, Amazon Nova).
   On success *response_json is {"content", "blocks", "tool_calls", "structured",
   "stop_reason", "provider_stop_reason", "model_id", "request_id", "api", "usage", "metrics"},
   freed with bedrock_string_free(); "metrics" holds the figures bedrock_call_metrics() gives. stop_reason uses Converse's names (end_turn, tool_use, max_tokens,
   stop_sequence, guardrail_intervened, content_filtered). A malformed request gives
   BEDROCK_ERR_INVALID_ARGUMENT naming the field, e.g. "request.messages[1].role". */
bedrock_status bedrock_chat(bedrock_client *client, const char *request_json, char **response_json,
                            bedrock_error **err);

/* How many input tokens a chat request would use, answered by CountTokens for the body the
   request would send (Converse's members, or the provider's InvokeModel body). The count is
   for the foundation model: base_model, or model without its inference-profile prefix.
   *response_json is {"input_tokens": N}, freed with bedrock_string_free(). */
bedrock_status bedrock_chat_count_tokens(bedrock_client *client, const char *request_json, char **response_json,
                                         bedrock_error **err);

/* Streams a chat reply to `on_event`, one JSON object per event, and returns when it ends:
   {"type": "start", "model_id", "request_id"}, then any number of
   {"type": "text" | "reasoning", "index", "text"}, {"type": "tool_call_start", "index", "id",
   "name"}, {"type": "tool_call_delta", "index", "args"}, then {"type": "usage", "usage"},
   {"type": "stop", "stop_reason"}, and last {"type": "message", "message": <the response
   bedrock_chat returns>}. Return non-zero from on_event to stop (BEDROCK_ERR_CANCELLED). */
bedrock_status bedrock_chat_stream(bedrock_client *client, const char *request_json, bedrock_event_fn on_event,
                                   void *user_data, bedrock_error **err);

/* Opens a chat stream that the caller pulls with bedrock_stream_next(). The request is
   validated and planned now; it is signed and sent by the first bedrock_stream_next(): the
   library runs no thread of its own, so all network work happens inside that call. Free the
   stream with bedrock_stream_free(). */
bedrock_status bedrock_stream_open(bedrock_client *client, const char *request_json, bedrock_stream **out,
                                   bedrock_error **err);

/* Waits for the next event (the same events as bedrock_chat_stream, or for a stream from
   bedrock_converse_stream_open() or bedrock_invoke_model_stream_open(), those of its callback
   form) and stores it in *event_json, freed with bedrock_string_free(). After the last event
   (a chat stream's "message") it stores NULL and returns BEDROCK_OK: the stream is over. A failure (or a cancel) returns its status; the
   stream is then over too. */
bedrock_status bedrock_stream_next(bedrock_stream *stream, char **event_json, bedrock_error **err);

/* Makes a bedrock_stream_next() that is blocked now, or called later, return
   BEDROCK_ERR_CANCELLED promptly. Any thread may call it. NULL is a no-op. */
void bedrock_stream_cancel(bedrock_stream *stream);

/* Frees a stream, closing its connection if the reply was not read to the end, and releases
   its hold on the client. NULL is a no-op. Do not free a stream while another thread is
   inside bedrock_stream_next(). */
void bedrock_stream_free(bedrock_stream *stream);

/* ---- Raw runtime operations ---------------------------------------------------------- */

/* InvokeModel. `body_json` is the provider's own request body (for example the Anthropic
   Messages API body); *response_body is the provider's response body, freed with
   bedrock_string_free(). A response body that is not UTF-8 text, or holds a NUL byte, is
   never altered to fit a C string: the call fails with BEDROCK_ERR_PROTOCOL, and
   bedrock_invoke_model_bytes() returns such a body whole. */
bedrock_status bedrock_invoke_model(bedrock_client *client, const char *model_id, const char *body_json,
                                    char **response_body, bedrock_error **err);

/* InvokeModel with any body: `body_len` bytes of `content_type` (NULL: application/json),
   asking for `accept` (NULL: application/json). On success *response holds the response
   body byte for byte, *response_len bytes plus a terminating NUL that is not counted; the
   caller frees it with bedrock_string_free(). On failure *response is NULL and
   *response_len 0. `body` may be NULL when `body_len` is 0. */
bedrock_status bedrock_invoke_model_bytes(bedrock_client *client, const char *model_id,
                                          const void *body, size_t body_len,
                                          const char *content_type, const char *accept,
                                          char **response, size_t *response_len, bedrock_error **err);

/* Any Bedrock Runtime operation, by its name in the service model ("ApplyGuardrail",
   "StartAsyncInvoke", "GetAsyncInvoke", "ListAsyncInvokes", "CountTokens", "Converse",
   "InvokeModel", "InvokeGuardrailChecks", ...). `params_json` holds the operation's input
   members as boto3 takes them as keyword arguments; each goes into the URI, the query, a
   header or the body, as the service model says. On success *response_json is the output
   shape as boto3 returns it, header-bound members included; the caller frees it with
   bedrock_string_free(). Inside JSON bodies bytes stay base64 text; a top-level blob
   (InvokeModel's "body", in and out) is a string of its UTF-8 text, or {"base64": "..."}.
   An unknown operation or member is BEDROCK_ERR_INVALID_ARGUMENT, and nothing is sent. An
   operation that streams is refused here: use bedrock_operation_stream(). */
bedrock_status bedrock_operation(bedrock_client *client, const char *operation, const char *params_json,
                                 char **response_json, bedrock_error **err);

/* A streaming operation by name ("ConverseStream", "InvokeModelWithResponseStream"): calls
   `on_event` with each event as boto3 yields it, such as {"contentBlockDelta": {...}} or
   {"chunk": {"bytes": "<the chunk's text>"}}. InvokeModelWithBidirectionalStream takes its
   input events in params_json ("body": [{"chunk": {"bytes": "..."}}, ...]) and sends them all
   at once, each signed (docs/c-api.md, "Operations by name"). */
bedrock_status bedrock_operation_stream(bedrock_client *client, const char *operation, const char *params_json,
                                        bedrock_event_fn on_event, void *user_data, bedrock_error **err);

/* InvokeModelWithResponseStream. Calls `on_chunk` with each chunk's decoded bytes: the
   provider's JSON chunk, such as {"type": "content_block_delta", ...} for Anthropic. A chunk
   that is not UTF-8 text, or holds a NUL byte, ends the call with BEDROCK_ERR_PROTOCOL. */
bedrock_status bedrock_invoke_model_stream(bedrock_client *client, const char *model_id, const char *body_json,
                                           bedrock_event_fn on_chunk, void *user_data, bedrock_error **err);

/* Converse. `request_json` is the Converse request body as boto3 takes it: messages,
   system, inferenceConfig, toolConfig, and so on (a "modelId" member is ignored; the model
   is `model_id`). On success *response_json is the Converse response body as Bedrock sent
   it, which the caller frees with bedrock_string_free(); on failure it is NULL. */
bedrock_status bedrock_converse(bedrock_client *client, const char *model_id, const char *request_json,
                                char **response_json, bedrock_error **err);

/* ConverseStream. Calls `on_event` with each event as boto3 yields it, for example
   {"contentBlockDelta": {"delta": {"text": "Hi"}, "contentBlockIndex": 0}}, and returns when
   the stream ends. An exception event in the stream ends the call with its mapped status
   (for example modelStreamErrorException gives BEDROCK_ERR_MODEL). Events already delivered
   stay delivered: a failure can follow events. */
bedrock_status bedrock_converse_stream(bedrock_client *client, const char *model_id, const char *request_json,
                                       bedrock_event_fn on_event, void *user_data, bedrock_error **err);

/* ConverseStream and InvokeModelWithResponseStream read by pulling, as bedrock_stream_open()
   does for chat: bedrock_stream_next() yields the events the callback forms deliver (each
   ConverseStream event as {"<eventName>": {...}}; each chunk's decoded bytes), then NULL at
   the end. The request is checked now and sent by the first bedrock_stream_next(); the same
   bedrock_stream rules apply (cancel from any thread, free with bedrock_stream_free()). */
bedrock_status bedrock_converse_stream_open(bedrock_client *client, const char *model_id, const char *request_json,
                                            bedrock_stream **out, bedrock_error **err);
bedrock_status bedrock_invoke_model_stream_open(bedrock_client *client, const char *model_id, const char *body_json,
                                                bedrock_stream **out, bedrock_error **err);
/* bedrock_operation_stream() read by pulling: each event as boto3 yields it. */
bedrock_status bedrock_operation_stream_open(bedrock_client *client, const char *operation, const char *params_json,
                                             bedrock_stream **out, bedrock_error **err);

/* CountTokens. `request_json` is {"input": {"converse": {...}}} or
   {"input": {"invokeModel": {"body": "..."}}}; *response_json is {"inputTokens": N}. */
bedrock_status bedrock_count_tokens(bedrock_client *client, const char *model_id, const char *request_json,
                                    char **response_json, bedrock_error **err);

/* ---- Event loops: many calls on one thread ------------------------------------------- */
/*
 * A bedrock_multi runs many calls at once, with no thread of its own: the host's event loop
 * (epoll, libuv, libevent, nginx, asyncio) drives it, as libcurl's multi interface, libpq and
 * hiredis are driven. Calls on one multi share its connections: HTTP/1.1 keep-alive, or
 * HTTP/2 streams multiplexed on one connection. Retry backoff and the adaptive rate limiter are
 * timers, never a sleep; a credential fetch (STS, SSO, IMDS, container, credential_process)
 * runs on one helper thread per client while only the calls that need it wait.
 *
 * Three ways to drive it:
 *   Simple mode. Poll bedrock_multi_fd() for reading (with poll, epoll or select), with
 *     bedrock_multi_timeout_ms() as the longest wait, and call bedrock_multi_perform() when it
 *     is readable or the time is up.
 *   Socket mode. bedrock_multi_use_loop() hands the sockets to watch and one timer to the
 *     host's loop, as CURLMOPT_SOCKETFUNCTION and CURLMOPT_TIMERFUNCTION do; the host calls
 *     bedrock_multi_socket_action() when one is ready or the timer fires.
 *   Queue mode. A multi created with {"queue": true} takes NULL callbacks; perform (or
 *     socket_action) queues items instead, which bedrock_multi_read() hands out one at a time:
 *     for an FFI host that prefers no C callbacks.
 *
 * RULES
 *   One thread drives a multi at a time (perform, socket_action, timeout_ms, use_loop, assign,
 *   read, free, and bedrock_call_metrics while the call runs). Starting a call,
 *   bedrock_call_cancel(), bedrock_call_free() and bedrock_multi_wakeup() may come from any
 *   thread.
 *   Callbacks run only on the driving thread, inside perform or socket_action, and never
 *   inside curl's own callbacks: events are handed out after curl returns, so a callback may
 *   start, cancel or free calls. Calling perform or socket_action from inside a callback is
 *   BEDROCK_ERR_INVALID_ARGUMENT, not a deadlock.
 *   on_done runs exactly once per call, after its last event, whatever happens: success,
 *   failure, cancellation, or bedrock_multi_free().
 *   A stream is retried only before its first event reaches the caller.
 *   The multi keeps its client alive; the client may be freed first.
 */
typedef struct bedrock_multi bedrock_multi;  /* many calls in flight, one driving thread at a time */
typedef struct bedrock_call bedrock_call;    /* one call in flight; the caller frees it */

/* Runs once per call, after its last event, on the driving thread. Arguments are borrowed.
   result_json on success: what the blocking form returns (bedrock_chat's response, the
   Converse body, the InvokeModel body); for bedrock_multi_chat_stream, the same response
   object that ends the stream's "message" event; NULL for the raw streams and on failure. */
typedef void (*bedrock_done_fn)(bedrock_call *call, bedrock_status status, const char *result_json,
                                const bedrock_error *err, void *user_data);

/* Creates a multi on `client`. options_json (NULL for the defaults): {"queue": false,
   "max_connections": 64, "max_concurrent_streams": 100 (per HTTP/2 connection),
   "max_pending": 10000 (calls started and not yet done; past it a start returns
   BEDROCK_ERR_LIMIT), "http_version": "auto" | "1.1" | "2"}. "auto" is HTTP/2 through ALPN
   over TLS with a fallback to 1.1, and 1.1 over plain http; "2" asks for HTTP/2 first (ALPN
   over TLS, falling back to 1.1 only if the server refuses it; prior knowledge over plain
   http, which libcurl before 8.0 cannot reuse for a second request: use TLS there). Free it
   with bedrock_multi_free(). */
bedrock_status bedrock_multi_new(bedrock_client *client, const char *options_json, bedrock_multi **out,
                                 bedrock_error **err);

/* Cancels what is still in flight, running each on_done with BEDROCK_ERR_CANCELLED, then frees
   the multi. Call handles stay valid until bedrock_call_free(). Inside a callback the free is
   deferred until the callbacks return. NULL is a no-op. */
void bedrock_multi_free(bedrock_multi *multi);

/* Start a call: they never block, and any thread may call them. They mirror the blocking API:
   the same arguments, checked now (a bad request fails here, with no on_done), and the same
   events (on_event, as bedrock_event_fn: return non-zero to cancel). *out receives the call's
   handle, which the caller frees with bedrock_call_free(), at any time. In queue mode pass
   NULL callbacks. */
bedrock_status bedrock_multi_chat(bedrock_multi *multi, const char *request_json, bedrock_done_fn on_done,
                                  void *user_data, bedrock_call **out, bedrock_error **err);
bedrock_status bedrock_multi_chat_stream(bedrock_multi *multi, const char *request_json, bedrock_event_fn on_event,
                                         bedrock_done_fn on_done, void *user_data, bedrock_call **out,
                                         bedrock_error **err);
bedrock_status bedrock_multi_converse(bedrock_multi *multi, const char *model_id, const char *request_json,
                                      bedrock_done_fn on_done, void *user_data, bedrock_call **out,
                                      bedrock_error **err);
bedrock_status bedrock_multi_converse_stream(bedrock_multi *multi, const char *model_id, const char *request_json,
                                             bedrock_event_fn on_event, bedrock_done_fn on_done, void *user_data,
                                             bedrock_call **out, bedrock_error **err);
bedrock_status bedrock_multi_invoke_model(bedrock_multi *multi, const char *model_id, const char *body_json,
                                          bedrock_done_fn on_done, void *user_data, bedrock_call **out,
                                          bedrock_error **err);
bedrock_status bedrock_multi_invoke_model_stream(bedrock_multi *multi, const char *model_id, const char *body_json,
                                                 bedrock_event_fn on_event, bedrock_done_fn on_done,
                                                 void *user_data, bedrock_call **out, bedrock_error **err);
/* CountTokens on the multi: result_json is {"inputTokens": N}, as bedrock_count_tokens. */
bedrock_status bedrock_multi_count_tokens(bedrock_multi *multi, const char *model_id, const char *request_json,
                                          bedrock_done_fn on_done, void *user_data, bedrock_call **out,
                                          bedrock_error **err);

/* Simple mode: one fd for the host's poll/epoll/select, readable whenever there is work
   (socket I/O, an expired timer, a wakeup). The host then calls perform, which never blocks
   longer than wait_ms, runs callbacks, and reports how many calls are still running. The fd
   belongs to the multi: do not read or close it. */
int bedrock_multi_fd(const bedrock_multi *multi);
/* Milliseconds until the multi has timed work (0: now), or -1 when no timer is pending. */
long bedrock_multi_timeout_ms(const bedrock_multi *multi);
bedrock_status bedrock_multi_perform(bedrock_multi *multi, int wait_ms, int *running, bedrock_error **err);

/* Socket mode, for libuv, libevent and nginx, as curl's CURLMOPT_SOCKETFUNCTION and
   CURLMOPT_TIMERFUNCTION. on_socket asks the host to watch fd for `what` (BEDROCK_POLL_IN,
   BEDROCK_POLL_OUT, both) or to stop (BEDROCK_POLL_REMOVE); fd_data is what the host attached
   with bedrock_multi_assign(). on_timer asks to be called back after timeout_ms (-1: cancel
   the timer); each call replaces the last, and it is called only when the time changes.
   Both run on the driving thread, and must not call perform or socket_action (that is
   BEDROCK_ERR_INVALID_ARGUMENT). bedrock_multi_use_loop() itself asks for the multi's wakeup
   fd, and for every socket already open, so socket mode may begin at any time; the multi
   forgets an fd's fd_data once it has asked for BEDROCK_POLL_REMOVE. Passing NULL for both
   hooks leaves socket mode: the host is asked to stop watching every fd, the timer is
   cancelled (on_timer -1), and simple mode takes over. bedrock_multi_free() does the same
   before it returns, so an adapter may be torn down right after it. Return values are
   ignored. */
enum { BEDROCK_POLL_IN = 1, BEDROCK_POLL_OUT = 2, BEDROCK_POLL_REMOVE = 4 };
typedef int (*bedrock_socket_fn)(bedrock_multi *multi, int fd, int what, void *loop_data, void *fd_data);
typedef int (*bedrock_timer_fn)(bedrock_multi *multi, long timeout_ms, void *loop_data);
bedrock_status bedrock_multi_use_loop(bedrock_multi *multi, bedrock_socket_fn on_socket, bedrock_timer_fn on_timer,
                                      void *loop_data, bedrock_error **err);
void bedrock_multi_assign(bedrock_multi *multi, int fd, void *fd_data);
/* The host saw fd ready for `events` (BEDROCK_POLL_IN | BEDROCK_POLL_OUT), or its timer fired
   (fd -1). Runs callbacks, and reports how many calls are still running. */
bedrock_status bedrock_multi_socket_action(bedrock_multi *multi, int fd /* -1: the timer fired */, int events,
                                           int *running, bedrock_error **err);

/* Queue mode: the oldest item, owned by the caller (bedrock_string_free):
   {"type": "event", "event": {...}} or {"type": "done", "status": <int>, "status_name",
   "result": <object> | null, "error": <error JSON> | null}. *call says whose (borrowed: the
   caller's own handle). A NULL item means the queue is empty. */
bedrock_status bedrock_multi_read(bedrock_multi *multi, bedrock_call **call, char **item_json, bedrock_error **err);

/* Any thread: makes the multi's fd readable, so that a perform blocked in the host's poll
   returns promptly. */
void bedrock_multi_wakeup(bedrock_multi *multi);

/* Any thread: ends the call; on_done runs once with BEDROCK_ERR_CANCELLED (unless the call
   already ended). NULL is a no-op. */
void bedrock_call_cancel(bedrock_call *call);

/* Frees a call handle. A call not yet done is cancelled first: its on_done still runs once,
   with the handle valid until it returns. Inside a callback the free is deferred. NULL is a
   no-op. */
void bedrock_call_free(bedrock_call *call);

/* The call's figures so far, as JSON owned by the caller (bedrock_string_free): {"attempts",
   "latency_ms", "time_to_first_byte_ms", "time_to_first_token_ms", "retry_wait_ms",
   "credential_wait_ms", "bytes_sent", "bytes_received", "events", "http_version",
   "connection_reused", "request_id"}. */
bedrock_status bedrock_call_metrics(const bedrock_call *call, char **metrics_json, bedrock_error **err);

/* ---- Errors and strings -------------------------------------------------------------- */

/* The status of an error. */
bedrock_status bedrock_error_status(const bedrock_error *error);

/* A message a person can read, naming the field, AWS error type, HTTP status and request id
   where known. Borrowed: valid until bedrock_error_free(error). Never contains secrets: the
   secrets the client knows (config, environment, shared files, the credentials it signs
   with) are redacted from it, and from the JSON form, as is any piece of one 8 bytes or
   longer, whether the library, a parser or the service wrote the text. */
const char *bedrock_error_message(const bedrock_error *error);

/* The error as JSON text, borrowed like the message: {"status", "status_name", "message",
   "retryable", and when known "field", "error_type", "http_status", "request_id", "attempts"}.
   "retryable" is true when the library's own retry rules would try the call again
   (throttling, network errors, timeouts, HTTP 500/502/503/504, ModelNotReadyException),
   whether or not attempts were left. "field" is the JSON path of the input to blame, for
   INVALID_ARGUMENT and CONFIG errors that have one: "request.messages[1].role",
   "config.region", "model_id". "error_type" is the AWS error type. */
const char *bedrock_error_json(const bedrock_error *error);

/* Frees an error. NULL is a no-op. */
void bedrock_error_free(bedrock_error *error);

/* Frees a string the library returned. NULL is a no-op. */
void bedrock_string_free(char *string);

#ifdef __cplusplus
}
#endif

#endif /* BEDROCK_H */

// The C++ wrapper (bindings/cpp/include/bedrock.hpp) against the emulator that ctest starts:
// chat, range-for and callback streaming, typed exceptions, moves, and cancel from a thread;
// and the async form (Multi, Call): concurrent streams on one thread, every operation,
// cancels, exceptions from callbacks rethrown by perform, start errors, lifetimes.
//
//   test_wrapper EMULATOR_URL_FILE     (or set BEDROCK_EMULATOR_URL)
#include <bedrock.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <poll.h>

namespace {

int checks = 0;
int failures = 0;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        checks++;                                                                        \
        if (!(cond)) {                                                                   \
            failures++;                                                                  \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                                \
    } while (0)

// Runs `body`, which must throw `Exception`; returns it for more checks (or a default when
// something else, or nothing, was thrown, after counting a failure).
template <typename Exception, typename Body>
std::optional<Exception> expect_throw(const char *what, int line, Body body) {
    checks++;
    try {
        body();
    } catch (const Exception &e) {
        return e;
    } catch (const std::exception &e) {
        failures++;
        std::fprintf(stderr, "%s:%d: %s threw the wrong exception: %s\n", __FILE__, line, what, e.what());
        return std::nullopt;
    }
    failures++;
    std::fprintf(stderr, "%s:%d: %s threw nothing\n", __FILE__, line, what);
    return std::nullopt;
}
#define EXPECT_THROW(Exception, expr) expect_throw<Exception>(#expr, __LINE__, [&] { (void)(expr); })

bool contains(const std::string &haystack, const std::string &needle) {
    return haystack.find(needle) != std::string::npos;
}

// A string member of a JSON object, "" when absent (the test parses with jansson; the wrapper
// itself does not).
std::string member(const std::string &json, const char *key) {
    bedrock::Json value(json_loads(json.c_str(), 0, nullptr));
    const char *s = json_string_value(json_object_get(value.get(), key));
    return s ? s : "";
}

std::string emulator_url(int argc, char **argv) {
    if (const char *env = std::getenv("BEDROCK_EMULATOR_URL"); env && *env) return env;
    if (argc > 1) {
        std::ifstream file(argv[1]);
        std::string url;
        if (std::getline(file, url) && !url.empty()) return url;
    }
    std::fprintf(stderr, "no emulator: pass the URL file as argv[1] or set BEDROCK_EMULATOR_URL\n");
    std::exit(2);
}

std::string config_for(const std::string &url) {
    return R"({"region": "us-east-1", "endpoint_url": ")" + url +
           R"(", "credentials": {"access_key_id": "AKIDEMULATOR", "secret_access_key": "emulator/secret/key"}})";
}

std::string request(const std::string &user_text, const std::string &extra = "") {
    // user_text is plain ASCII without quotes here, so it needs no escaping.
    return R"({"model": "anthropic.claude-3-haiku-20240307-v1:0", "messages": [["human", ")" + user_text +
           R"("]], "max_tokens": 100)" + extra + "}";
}

// Appends a text event's text; returns the event's type.
std::string gather(const std::string &event, std::string &text) {
    bedrock::Json e(json_loads(event.c_str(), 0, nullptr));
    const char *type_value = json_string_value(json_object_get(e.get(), "type"));
    std::string type = type_value ? type_value : "";
    if (type == "text") text += json_string_value(json_object_get(e.get(), "text"));
    return type;
}

// Move-only RAII types, as the header promises.
static_assert(!std::is_copy_constructible_v<bedrock::Client> && !std::is_copy_assignable_v<bedrock::Client>);
static_assert(std::is_nothrow_move_constructible_v<bedrock::Client>);
static_assert(std::is_nothrow_move_assignable_v<bedrock::Client>);
static_assert(!std::is_copy_constructible_v<bedrock::Stream> && !std::is_copy_assignable_v<bedrock::Stream>);
static_assert(std::is_nothrow_move_constructible_v<bedrock::Stream>);
static_assert(std::is_nothrow_move_assignable_v<bedrock::Stream>);
static_assert(std::is_base_of_v<std::runtime_error, bedrock::Error>);
static_assert(std::is_base_of_v<bedrock::Error, bedrock::ThrottledError>);
static_assert(bedrock::CancelledError::code == BEDROCK_ERR_CANCELLED);
static_assert(!std::is_copy_constructible_v<bedrock::Multi> && !std::is_copy_assignable_v<bedrock::Multi>);
static_assert(std::is_nothrow_move_constructible_v<bedrock::Multi>);
static_assert(std::is_nothrow_move_assignable_v<bedrock::Multi>);
static_assert(!std::is_copy_constructible_v<bedrock::Call> && !std::is_copy_assignable_v<bedrock::Call>);
static_assert(std::is_nothrow_move_constructible_v<bedrock::Call>);
static_assert(std::is_nothrow_move_assignable_v<bedrock::Call>);

void test_chat(const bedrock::Client &client) {
    std::string response = client.chat(request("I love programming."));
    CHECK(member(response, "content") == "You said: I love programming.");
    CHECK(member(response, "stop_reason") == "end_turn");

    bedrock::Json req(json_loads(request("hello from jansson").c_str(), 0, nullptr));
    bedrock::Json reply = client.chat_j(req.get());
    CHECK(reply && std::string(json_string_value(json_object_get(reply.get(), "content"))) ==
                       "You said: hello from jansson");
}

void test_range_for_stream_matches_message(const bedrock::Client &client) {
    std::string text, final_content, last_type;
    int events = 0;
    for (const std::string &event : client.chat_stream(request("stream me word by word"))) {
        events++;
        last_type = gather(event, text);
        if (last_type == "message") {
            bedrock::Json e(json_loads(event.c_str(), 0, nullptr));
            final_content = json_string_value(json_object_get(json_object_get(e.get(), "message"), "content"));
        }
    }
    CHECK(events >= 7);
    CHECK(last_type == "message");
    CHECK(text == "You said: stream me word by word");
    CHECK(text == final_content);

    // next() directly, then nullopt for good after the end.
    bedrock::Stream stream = client.chat_stream(request("pull"));
    int pulled = 0;
    while (auto event = stream.next()) pulled++;
    CHECK(pulled >= 5);
    CHECK(stream.finished());
    CHECK(!stream.next());
    CHECK(stream.begin() == stream.end());
}

void test_callback_stream(const bedrock::Client &client) {
    std::string text;
    std::vector<std::string> types;
    bool completed = client.chat_stream(request("call me back"), [&](std::string_view event) {
        types.push_back(gather(std::string(event), text));
        return true;
    });
    CHECK(completed);
    CHECK(text == "You said: call me back");
    CHECK(!types.empty() && types.front() == "start" && types.back() == "message");

    // Returning false stops the stream; that is no error.
    int seen = 0;
    bool stopped_early = !client.chat_stream(request("stop after the first event please"), [&](std::string_view) {
        seen++;
        return false;
    });
    CHECK(stopped_early);
    CHECK(seen == 1);

    // An exception from the callback reaches the caller unchanged.
    auto thrown = EXPECT_THROW(std::logic_error, client.chat_stream(request("throw"), [](std::string_view) -> bool {
        throw std::logic_error("from the callback");
    }));
    CHECK(thrown && std::string(thrown->what()) == "from the callback");

    // The raw streams take the same callbacks.
    int converse_events = 0;
    CHECK(client.converse_stream("anthropic.claude-3-haiku-20240307-v1:0",
                                 R"({"messages": [{"role": "user", "content": [{"text": "hi"}]}]})",
                                 [&](std::string_view event) {
                                     converse_events += event.find("contentBlockDelta") != std::string_view::npos;
                                     return true;
                                 }));
    CHECK(converse_events >= 2);
}

void test_raw_operations(const bedrock::Client &client) {
    std::string converse = client.converse("anthropic.claude-3-haiku-20240307-v1:0",
                                           R"({"messages": [{"role": "user", "content": [{"text": "raw"}]}]})");
    CHECK(contains(converse, "You said: raw"));
    std::string invoke = client.invoke_model(
        "anthropic.claude-3-haiku-20240307-v1:0",
        R"({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50, )"
        R"("messages": [{"role": "user", "content": "invoke"}]})");
    CHECK(contains(invoke, "You said: invoke"));
    std::string bytes = client.invoke_model_bytes(
        "anthropic.claude-3-haiku-20240307-v1:0",
        R"({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50, )"
        R"("messages": [{"role": "user", "content": "bytes"}]})");
    CHECK(contains(bytes, "You said: bytes") && bytes.size() == std::string(bytes.c_str()).size());
    std::string tokens = client.count_tokens(
        "anthropic.claude-3-haiku-20240307-v1:0",
        R"({"input": {"converse": {"messages": [{"role": "user", "content": [{"text": "one two three"}]}]}}})");
    CHECK(contains(tokens, "\"inputTokens\": 3") || contains(tokens, "\"inputTokens\":3"));
}

void test_exceptions_are_typed_by_status(const bedrock::Client &client) {
    auto throttled = EXPECT_THROW(bedrock::ThrottledError, client.chat(request("slow down [[fault:throttle]]")));
    if (throttled) {
        CHECK(throttled->status() == BEDROCK_ERR_THROTTLED);
        CHECK(std::string(throttled->status_name()) == "BEDROCK_ERR_THROTTLED");
        CHECK(throttled->error_type() == "ThrottlingException");
        CHECK(throttled->http_status() == 429);
        CHECK(throttled->attempts() == 3);
        CHECK(!throttled->request_id().empty());
        CHECK(contains(throttled->json(), "\"attempts\":3") || contains(throttled->json(), "\"attempts\": 3"));
        CHECK(contains(throttled->what(), "ThrottlingException"));
    }
    // The base classes catch it too.
    EXPECT_THROW(bedrock::Error, client.chat(request("[[fault:throttle]]")));
    EXPECT_THROW(std::runtime_error, client.chat(request("[[fault:throttle]]")));

    // A failure mid-stream ends the range-for with its exception.
    std::string text;
    auto model_error = EXPECT_THROW(bedrock::ModelError, [&] {
        for (const std::string &event : client.chat_stream(request("one two three four [[fault:stream_exception]]")))
            gather(event, text);
    }());
    CHECK(model_error && model_error->status() == BEDROCK_ERR_MODEL);
    CHECK(!text.empty());

    EXPECT_THROW(bedrock::AccessDeniedError, client.chat(request("[[fault:access_denied]]")));
    EXPECT_THROW(bedrock::NotFoundError,
                 client.chat(R"({"model": "missing.model", "provider": "anthropic", "messages": [["human", "hi"]]})"));
    EXPECT_THROW(bedrock::ServiceError, client.chat(request("[[fault:internal]]")));
}

void test_bad_input_is_invalid_argument(const bedrock::Client &client) {
    auto bad_json = EXPECT_THROW(bedrock::InvalidArgumentError, client.chat("not json"));
    CHECK(bad_json && bad_json->status() == BEDROCK_ERR_INVALID_ARGUMENT);
    CHECK(bad_json && contains(bad_json->what(), "request: invalid JSON"));
    auto bad_role = EXPECT_THROW(bedrock::InvalidArgumentError,
                                 client.chat(R"({"model": "anthropic.claude-3-haiku-20240307-v1:0", )"
                                             R"("messages": [{"role": "robot", "content": "hi"}]})"));
    CHECK(bad_role && contains(bad_role->what(), "request.messages[0].role"));
    CHECK(bad_role && bad_role->field() == "request.messages[0].role" && !bad_role->retryable());
    CHECK(std::string(bedrock::status_string(BEDROCK_ERR_THROTTLED)).find("throttled") == 0);
    // chat_stream validates at once, before any event.
    EXPECT_THROW(bedrock::InvalidArgumentError, client.chat_stream(R"({"messages": []})"));
    EXPECT_THROW(bedrock::InvalidArgumentError, client.chat_j(nullptr));
    // A bad config fails in the constructor, naming the field.
    auto bad_config = EXPECT_THROW(bedrock::InvalidArgumentError, bedrock::Client(R"({"regoin": "us-east-1"})"));
    CHECK(bad_config && contains(bad_config->what(), "regoin"));
    EXPECT_THROW(bedrock::ConfigError, bedrock::Client(R"({"profile": "no-such-profile"})"));
}

/* A Stream keeps its client alive: the Client may go first, and the Stream still works. */
void test_stream_outlives_client(const std::string &url) {
    std::optional<bedrock::Stream> stream;
    {
        bedrock::Client short_lived(config_for(url));
        stream.emplace(short_lived.chat_stream(request("outlive the client")));
    }
    std::string last;
    while (auto event = stream->next()) last = *event;
    CHECK(contains(last, "You said: outlive the client"));
}

void test_moves(const std::string &url) {
    bedrock::Client a(config_for(url));
    bedrock_client *handle = a.get();
    bedrock::Client b(std::move(a));
    CHECK(!a && b && b.get() == handle);
    CHECK(member(b.chat(request("moved")), "content") == "You said: moved");
    // A moved-from client answers as the C API answers a NULL handle.
    EXPECT_THROW(bedrock::InvalidArgumentError, a.chat(request("nobody home")));

    bedrock::Client c(config_for(url));
    c = std::move(b);  // frees c's own client, takes b's
    CHECK(!b && c.get() == handle);
    bedrock::Client &same = c;
    c = std::move(same);  // self-move leaves it intact
    CHECK(c.get() == handle);

    // A stream moved mid-iteration goes on where it was.
    bedrock::Stream first = c.chat_stream(request("alpha beta gamma"));
    std::string text;
    CHECK(gather(*first.next(), text) == "start");
    bedrock::Stream second(std::move(first));
    CHECK(!first && second);
    CHECK(!first.finished());
    for (const std::string &event : second) gather(event, text);
    CHECK(text == "You said: alpha beta gamma");
    CHECK(second.finished());

    bedrock::Stream third;
    third = c.chat_stream(request("assigned"));
    int events = 0;
    for (auto it = third.begin(); it != third.end(); it++) events++;
    CHECK(events >= 5);

    // release() hands the handle back to C.
    bedrock_client *raw = c.release();
    CHECK(!c && raw == handle);
    bedrock::Client adopted(raw);
    CHECK(member(adopted.chat(request("adopted")), "content") == "You said: adopted");
}

void test_cancel_from_another_thread(const bedrock::Client &client) {
    // 5 s between tokens: next() blocks, and cancel() from another thread must end it promptly.
    bedrock::Stream stream = client.chat_stream(request("[[fault:token_delay:5000]] one two three"));
    auto started = std::chrono::steady_clock::now();
    std::thread canceller([&stream] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        stream.cancel();
    });
    int events = 0;
    auto cancelled = EXPECT_THROW(bedrock::CancelledError, [&] {
        for (const std::string &event : stream) {
            (void)event;
            events++;
        }
    }());
    canceller.join();
    double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    CHECK(cancelled && cancelled->status() == BEDROCK_ERR_CANCELLED);
    CHECK(waited < 3.0);
    CHECK(stream.finished());
    CHECK(!stream.next());
}

// ---- Multi: the async form --------------------------------------------------------------

const char *const kModel = "anthropic.claude-3-haiku-20240307-v1:0";

// Drives a Multi in simple mode, as a host loop would, until no call runs; returns the
// running count left (0 unless the time ran out). perform's exceptions go to the caller.
int drive(bedrock::Multi &multi, double limit_seconds = 20) {
    auto started = std::chrono::steady_clock::now();
    int running = 1;
    while (running > 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() < limit_seconds) {
        pollfd ready{multi.fd(), POLLIN, 0};
        long timeout = multi.timeout_ms();
        poll(&ready, 1, timeout < 0 || timeout > 100 ? 100 : static_cast<int>(timeout));
        running = multi.perform();
    }
    return running;
}

std::string content_of(const std::string &response) { return member(response, "content"); }

// Several chat streams at once on one thread: each one's deltas equal its final message, they
// overlap in time, and a Call erased from its map inside its own on_done is fine.
void test_multi_concurrent_streams(const bedrock::Client &client) {
    bedrock::Multi multi(client, R"({"http_version": "1.1"})");
    constexpr int kStreams = 5;
    struct Seen {
        std::string text;
        std::string final_content;
        int done = 0;
        bedrock_status status = BEDROCK_ERR_INTERNAL;
        long first_text = -1;
        long finished = -1;
    };
    std::vector<Seen> seen(kStreams);
    std::map<bedrock_call *, bedrock::Call> calls;
    long sequence = 0;
    for (int i = 0; i < kStreams; i++) {
        bedrock::Call call = multi.chat_stream(
            request("[[fault:token_delay:50]] stream " + std::to_string(i) + " says one two three four five"),
            [&seen, &sequence, i](std::string_view event) {
                sequence++;
                if (gather(std::string(event), seen[i].text) == "text" && seen[i].first_text < 0)
                    seen[i].first_text = sequence;
                return true;
            },
            [&seen, &sequence, &calls, i](bedrock::Result result) {
                seen[i].done++;
                seen[i].status = result.status;
                seen[i].finished = ++sequence;
                seen[i].final_content = content_of(result.value());
                CHECK(calls.count(result.call) == 1);
                calls.erase(result.call); // frees the handle inside its own on_done
            });
        CHECK(call);
        bedrock_call *handle = call.get();
        calls.emplace(handle, std::move(call));
    }
    CHECK(drive(multi) == 0);
    CHECK(calls.empty());
    long latest_first = 0, earliest_finish = -1;
    for (int i = 0; i < kStreams; i++) {
        std::string expected = "You said: [[fault:token_delay:50]] stream " + std::to_string(i) + " says one two three four five";
        CHECK(seen[i].done == 1);
        CHECK(seen[i].status == BEDROCK_OK);
        CHECK(seen[i].text == expected);
        CHECK(seen[i].final_content == expected);
        latest_first = std::max(latest_first, seen[i].first_text);
        earliest_finish = earliest_finish < 0 ? seen[i].finished : std::min(earliest_finish, seen[i].finished);
    }
    CHECK(latest_first < earliest_finish); // every stream had text before any finished
}

void test_multi_every_operation(const bedrock::Client &client) {
    bedrock::Multi multi(client);
    std::vector<bedrock::Result> results(5);
    int converse_events = 0, invoke_events = 0;
    const std::string converse_body = R"({"messages": [{"role": "user", "content": [{"text": "async converse"}]}]})";
    const std::string invoke_body = R"({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50, )"
                                    R"("messages": [{"role": "user", "content": "async invoke"}]})";
    auto keep = [&results](int index) { return [&results, index](bedrock::Result r) { results[index] = std::move(r); }; };
    bedrock::Call calls[] = {
        multi.chat(request("async chat"), keep(0)),
        multi.converse(kModel, converse_body, keep(1)),
        multi.invoke_model(kModel, invoke_body, keep(2)),
        multi.converse_stream(kModel, converse_body, [&](std::string_view) { return ++converse_events > 0; }, keep(3)),
        multi.invoke_model_stream(kModel, invoke_body, [&](std::string_view) { return ++invoke_events > 0; }, keep(4)),
    };
    CHECK(drive(multi) == 0);
    for (int i = 0; i < 5; i++) {
        CHECK(results[i].ok() && !results[i].error && !results[i].stopped);
        CHECK(results[i].call == calls[i].get());
    }
    CHECK(content_of(results[0].value()) == "You said: async chat");
    CHECK(contains(results[1].value(), "You said: async converse"));
    CHECK(contains(results[2].value(), "You said: async invoke"));
    CHECK(results[3].result.empty() && converse_events >= 5);
    CHECK(results[4].result.empty() && invoke_events >= 5);
    CHECK(contains(calls[3].metrics(), "\"attempts\":1"));

    // A failure reaches on_done as status and error; value() throws it typed.
    bedrock::Result denied;
    bedrock::Call call = multi.chat(request("[[fault:access_denied]]"), [&](bedrock::Result r) { denied = std::move(r); });
    CHECK(drive(multi) == 0);
    CHECK(denied.status == BEDROCK_ERR_ACCESS_DENIED && denied.error && denied.result.empty());
    CHECK(denied.error && denied.error->http_status() == 403 && denied.error->error_type() == "AccessDeniedException");
    EXPECT_THROW(bedrock::AccessDeniedError, denied.value());
}

void test_multi_cancel(const bedrock::Client &client) {
    bedrock::Multi multi(client);
    // Call::cancel from another thread, while the driving thread waits in poll.
    bedrock::Result from_thread, destroyed, stopped;
    int stopped_events = 0;
    bedrock::Call slow = multi.chat_stream(request("[[fault:token_delay:5000]] one two three"),
                                           [](std::string_view) { return true; },
                                           [&](bedrock::Result r) { from_thread = std::move(r); });
    // Destroying a Call cancels it; its on_done still runs, at a later perform.
    std::optional<bedrock::Call> dropped(multi.chat_stream(request("[[fault:token_delay:5000]] four five"),
                                                           [](std::string_view) { return true; },
                                                           [&](bedrock::Result r) { destroyed = std::move(r); }));
    // on_event returning false stops the call: cancelled, and `stopped` says it was on purpose.
    // (The token delay keeps the transfer going past the stop: a stop that comes after the
    // whole response is in is ignored by libbedrock today, which then reports BEDROCK_OK.)
    bedrock::Call stop = multi.chat_stream(request("[[fault:token_delay:100]] stop after the first event"),
                                           [&](std::string_view) { return ++stopped_events < 1; },
                                           [&](bedrock::Result r) { stopped = std::move(r); });
    multi.perform();
    dropped.reset();
    auto started = std::chrono::steady_clock::now();
    std::thread canceller([&slow] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        slow.cancel();
    });
    CHECK(drive(multi, 10) == 0);
    canceller.join();
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() < 3.0);
    CHECK(from_thread.status == BEDROCK_ERR_CANCELLED && !from_thread.stopped);
    EXPECT_THROW(bedrock::CancelledError, from_thread.value());
    CHECK(destroyed.status == BEDROCK_ERR_CANCELLED);
    CHECK(stopped.status == BEDROCK_ERR_CANCELLED && stopped.stopped && stopped_events == 1);
    slow.cancel(); // after the end: harmless
}

// An exception from a callback never crosses into C: the call ends (cancelled, for on_event),
// and perform rethrows it unchanged, one per perform; the other calls go on.
void test_multi_exception_from_callback(const bedrock::Client &client) {
    bedrock::Multi multi(client);
    bedrock::Result thrower_done, bystander_done;
    int thrower_events = 0;
    bedrock::Call thrower = multi.chat_stream(request("[[fault:token_delay:100]] throw on the third event please"),
                                              [&](std::string_view) -> bool {
                                                  if (++thrower_events == 3) throw std::logic_error("from on_event");
                                                  return true;
                                              },
                                              [&](bedrock::Result r) { thrower_done = std::move(r); });
    bedrock::Call bystander = multi.chat(request("[[fault:delay:300]] bystander"),
                                         [&](bedrock::Result r) { bystander_done = std::move(r); });
    bedrock::Call done_thrower = multi.chat(request("on_done throws"), [](bedrock::Result) {
        throw std::runtime_error("from on_done");
    });
    std::vector<std::string> caught;
    int running = 3;
    auto started = std::chrono::steady_clock::now();
    while (running > 0 && std::chrono::steady_clock::now() - started < std::chrono::seconds(10)) {
        pollfd ready{multi.fd(), POLLIN, 0};
        poll(&ready, 1, 50);
        try {
            running = multi.perform();
        } catch (const std::logic_error &e) {
            caught.push_back(e.what());
        } catch (const std::runtime_error &e) {
            caught.push_back(e.what());
        }
    }
    // Both come out, each from its own perform, even if both callbacks ran in the same one.
    while (caught.size() < 2) {
        try {
            multi.perform();
            break;
        } catch (const std::exception &e) {
            caught.push_back(e.what());
        }
    }
    CHECK(caught.size() == 2);
    CHECK(std::find(caught.begin(), caught.end(), "from on_event") != caught.end());
    CHECK(std::find(caught.begin(), caught.end(), "from on_done") != caught.end());
    CHECK(thrower_events == 3);
    CHECK(thrower_done.status == BEDROCK_ERR_CANCELLED && thrower_done.stopped);
    CHECK(bystander_done.ok() && content_of(bystander_done.result) == "You said: [[fault:delay:300]] bystander");
    CHECK(multi.perform() == 0); // nothing left to rethrow
}

void test_multi_start_errors(const bedrock::Client &client) {
    EXPECT_THROW(bedrock::InvalidArgumentError, bedrock::Multi(client, R"({"http_version": "3"})"));
    bedrock::Multi multi(client, R"({"max_pending": 2})");
    int done_calls = 0;
    auto count = [&done_calls](bedrock::Result) { done_calls++; };
    auto bad_role = EXPECT_THROW(bedrock::InvalidArgumentError,
                                 multi.chat(R"({"model": "anthropic.claude-3-haiku-20240307-v1:0", "messages": [{"role": "robot", "content": "x"}]})", count));
    CHECK(bad_role && bad_role->field() == "request.messages[0].role");
    EXPECT_THROW(bedrock::InvalidArgumentError, multi.chat_stream(request("no on_event"), nullptr, count));
    EXPECT_THROW(bedrock::InvalidArgumentError, multi.invoke_model(kModel, "not json", count));

    // perform from inside a callback throws there (and is caught there).
    bool nested_threw = false;
    bedrock::Call first = multi.chat(request("first"), [&](bedrock::Result) {
        done_calls++;
        try {
            multi.perform();
        } catch (const bedrock::InvalidArgumentError &e) {
            nested_threw = contains(e.what(), "inside a callback");
        }
    });
    bedrock::Call second = multi.chat(request("second"), count);
    EXPECT_THROW(bedrock::LimitError, multi.chat(request("third"), count));
    CHECK(drive(multi) == 0);
    CHECK(done_calls == 2 && nested_threw);

    // A moved-from Multi answers as the C API answers a NULL handle.
    bedrock::Multi moved(std::move(multi));
    CHECK(!multi && moved && moved.fd() >= 0 && multi.fd() == -1);
    EXPECT_THROW(bedrock::InvalidArgumentError, multi.chat(request("nobody home"), count));
    EXPECT_THROW(bedrock::InvalidArgumentError, multi.perform());
    bedrock::Call after_move = moved.chat(request("after the move"), count);
    CHECK(drive(moved) == 0 && done_calls == 3);
}

// The Multi keeps its client alive; destroying the Multi runs on_done (cancelled) for what is
// in flight; a Call outlives its Multi.
void test_multi_lifetimes(const std::string &url) {
    std::optional<bedrock::Multi> multi;
    {
        bedrock::Client short_lived(config_for(url));
        multi.emplace(short_lived);
    }
    bedrock::Result finished, in_flight;
    bedrock::Call done_call = multi->chat(request("outlive the client"), [&](bedrock::Result r) { finished = std::move(r); });
    CHECK(drive(*multi) == 0);
    CHECK(finished.ok() && content_of(finished.result) == "You said: outlive the client");
    bedrock::Call pending = multi->chat_stream(request("[[fault:token_delay:5000]] never finishes"),
                                               [](std::string_view) { return true; },
                                               [&](bedrock::Result r) { in_flight = std::move(r); });
    multi->perform();
    multi.reset();
    CHECK(in_flight.status == BEDROCK_ERR_CANCELLED);
    pending.cancel(); // the Multi is gone: harmless
    CHECK(contains(pending.metrics(), "\"attempts\""));

    // Destroying the Multi inside one of its callbacks: the free waits until the callbacks
    // have returned, and then ends the other call in flight, cancelled.
    bedrock::Client client(config_for(url));
    std::optional<bedrock::Multi> doomed;
    doomed.emplace(client);
    bool destroyed_inside = false;
    bedrock::Result other;
    bedrock::Call quick = doomed->chat(request("destroy the multi"), [&](bedrock::Result r) {
        CHECK(r.ok());
        doomed.reset();
        destroyed_inside = true;
    });
    bedrock::Call slow = doomed->chat_stream(request("[[fault:token_delay:5000]] x y z"),
                                             [](std::string_view) { return true; },
                                             [&](bedrock::Result r) { other = std::move(r); });
    for (int i = 0; i < 200 && doomed; i++) {
        pollfd ready{doomed->fd(), POLLIN, 0};
        poll(&ready, 1, 50);
        doomed->perform();
    }
    CHECK(destroyed_inside && !doomed);
    CHECK(other.status == BEDROCK_ERR_CANCELLED);
}

}  // namespace

int main(int argc, char **argv) {
    CHECK(bedrock::library_compatible());
    CHECK(std::string(bedrock::library_version()) == bedrock::header_version);
    std::string url = emulator_url(argc, argv);
    try {
        bedrock::Client client(config_for(url));
        test_chat(client);
        test_range_for_stream_matches_message(client);
        test_callback_stream(client);
        test_raw_operations(client);
        test_exceptions_are_typed_by_status(client);
        test_bad_input_is_invalid_argument(client);
        test_moves(url);
        test_stream_outlives_client(url);
        test_cancel_from_another_thread(client);
        test_multi_concurrent_streams(client);
        test_multi_every_operation(client);
        test_multi_cancel(client);
        test_multi_exception_from_callback(client);
        test_multi_start_errors(client);
        test_multi_lifetimes(url);
    } catch (const bedrock::Error &e) {
        failures++;
        std::fprintf(stderr, "unexpected %s: %s\n", e.status_name(), e.what());
    }
    std::printf("test_wrapper: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}

// The C++ wrapper (bindings/cpp/include/bedrock.hpp) against the emulator that ctest starts:
// chat, range-for and callback streaming, typed exceptions, moves, and cancel from a thread.
//
//   test_wrapper EMULATOR_URL_FILE     (or set BEDROCK_EMULATOR_URL)
#include <bedrock.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

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
    } catch (const bedrock::Error &e) {
        failures++;
        std::fprintf(stderr, "unexpected %s: %s\n", e.status_name(), e.what());
    }
    std::printf("test_wrapper: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}

// Streams a chat reply to stdout with the C++ wrapper: range-for over the events, typed
// exceptions, and an optional deadline that cancels the stream from a second thread.
//
//   chat_stream_cpp [--model MODEL_ID] [--deadline-ms N] PROMPT...
//
// Region, endpoint and credentials come from the environment and ~/.aws, as with the AWS CLI
// (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_ACCESS_KEY_ID, ...).
#include <bedrock.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

namespace {

// The request, built with jansson so any prompt text is escaped correctly.
std::string make_request(const std::string &model, const std::string &prompt) {
    bedrock::Json request(json_pack("{s:s, s:[[s,s]], s:i}", "model", model.c_str(), "messages", "human",
                                    prompt.c_str(), "max_tokens", 512));
    bedrock::UniqueString text(json_dumps(request.get(), JSON_COMPACT));
    return text.get();
}

}  // namespace

int main(int argc, char **argv) {
    std::string model = "anthropic.claude-3-haiku-20240307-v1:0";
    long deadline_ms = 0;
    std::string prompt;
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--model") && i + 1 < argc) {
            model = argv[++i];
        } else if (!std::strcmp(argv[i], "--deadline-ms") && i + 1 < argc) {
            deadline_ms = std::strtol(argv[++i], nullptr, 10);
        } else {
            if (!prompt.empty()) prompt += ' ';
            prompt += argv[i];
        }
    }
    if (prompt.empty()) {
        std::fprintf(stderr, "usage: %s [--model MODEL_ID] [--deadline-ms N] PROMPT...\n", argv[0]);
        return 2;
    }

    try {
        bedrock::Client client;  // everything from the environment, as bedrock_client_new(NULL)
        bedrock::Stream stream = client.chat_stream(make_request(model, prompt));

        // Optional deadline: another thread cancels the stream, which ends the loop below with
        // bedrock::CancelledError. The condition variable lets it quit early when we finish.
        std::mutex mutex;
        std::condition_variable finished;
        bool done = false;
        std::thread watchdog;
        if (deadline_ms > 0) {
            watchdog = std::thread([&] {
                std::unique_lock<std::mutex> lock(mutex);
                if (!finished.wait_for(lock, std::chrono::milliseconds(deadline_ms), [&] { return done; }))
                    stream.cancel();
            });
        }
        auto stop_watchdog = [&] {
            if (!watchdog.joinable()) return;
            {
                std::lock_guard<std::mutex> lock(mutex);
                done = true;
            }
            finished.notify_one();
            watchdog.join();
        };

        try {
            for (const std::string &event : stream) {
                bedrock::Json e(json_loads(event.c_str(), 0, nullptr));
                const char *type = json_string_value(json_object_get(e.get(), "type"));
                if (type && !std::strcmp(type, "text")) {
                    std::cout << json_string_value(json_object_get(e.get(), "text")) << std::flush;
                } else if (type && !std::strcmp(type, "message")) {
                    json_t *message = json_object_get(e.get(), "message");
                    json_t *usage = json_object_get(message, "usage");
                    std::cout << std::endl;
                    std::cerr << "[" << json_string_value(json_object_get(message, "model_id")) << ": "
                              << json_integer_value(json_object_get(usage, "input_tokens")) << " input tokens, "
                              << json_integer_value(json_object_get(usage, "output_tokens")) << " output tokens]\n";
                }
            }
        } catch (const bedrock::CancelledError &) {
            stop_watchdog();
            std::cout << std::endl;
            std::cerr << "[stopped after " << deadline_ms << " ms]\n";
            return 1;
        } catch (...) {
            stop_watchdog();
            throw;
        }
        stop_watchdog();
    } catch (const bedrock::ThrottledError &e) {
        std::cerr << "throttled after " << e.attempts() << " attempts: " << e.what() << "\n";
        return 1;
    } catch (const bedrock::Error &e) {
        std::cerr << "error (" << e.status_name() << "): " << e.what() << "\n";
        return 1;
    }
    return 0;
}

/* Converse and ConverseStream through the C ABI against the local emulator: replies,
   streaming, cancellation, every error mapping, timeouts, bearer tokens, and threads. */
#include "harness.h"

#include <jansson.h>

#include <pthread.h>

#define MODEL "anthropic.claude-3-sonnet-20240229-v1:0"

static const char *url;

/* A Converse request whose one user message says `text`, written into `buffer`. */
static char *write_request(char *buffer, size_t size, const char *text) {
    snprintf(buffer, size, "{\"messages\": [{\"role\": \"user\", \"content\": [{\"text\": \"%s\"}]}]}", text);
    return buffer;
}

/* The same in a static buffer, for the tests on the main thread. */
static char *request_saying(const char *text) {
    static char buffer[4096];
    return write_request(buffer, sizeof buffer, text);
}

typedef struct {
    char text[4096];
    int deltas;
    int events;
    int stop_after; /* cancel once this many events arrived; 0 = never */
    int saw_message_stop;
    int saw_metadata;
} collected;

static int collect(const char *event, size_t len, void *user) {
    collected *c = user;
    CHECK(strlen(event) == len);
    c->events++;
    const char *marker = "\"text\":\"";
    if (strstr(event, "contentBlockDelta")) {
        const char *start = strstr(event, marker);
        if (start) {
            start += strlen(marker);
            const char *end = strchr(start, '"');
            size_t used = strlen(c->text);
            if (end && used + (size_t)(end - start) < sizeof c->text) strncat(c->text, start, (size_t)(end - start));
            c->deltas++;
        }
    }
    if (strstr(event, "{\"messageStop\"")) c->saw_message_stop = 1;
    if (strstr(event, "{\"metadata\"")) c->saw_metadata = 1;
    return c->stop_after && c->events >= c->stop_after;
}

static void test_converse_echoes(bedrock_client *client) {
    char *response = NULL;
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_converse(client, MODEL, request_saying("hello from C"), &response, &err), BEDROCK_OK);
    CHECK(err == NULL);
    CHECK_CONTAINS(response, "You said: hello from C");
    CHECK_CONTAINS(response, "\"end_turn\"");
    CHECK_CONTAINS(response, "\"inputTokens\"");
    bedrock_string_free(response);
}

/* A request of 64 KiB or more, which curl reads from the library as it sends it rather than
   copying: the emulator checks the signature over every byte and echoes the text whole. */
static void test_large_request_echoes(bedrock_client *client) {
    enum { WORDS = 20000 };
    size_t text_size = (size_t)WORDS * 12 + 1;
    char *text = malloc(text_size), *request = malloc(text_size + 128), *expected = malloc(text_size + 32);
    size_t used = 0;
    for (int i = 0; i < WORDS; i++) used += (size_t)snprintf(text + used, text_size - used, "w%d ", i);
    write_request(request, text_size + 128, text);
    snprintf(expected, text_size + 32, "You said: %s", text);
    CHECK(strlen(request) >= 64 * 1024);
    char *response = NULL;
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_converse(client, MODEL, request, &response, &err), BEDROCK_OK);
    json_t *reply = response ? json_loads(response, 0, NULL) : NULL;
    const char *said = json_string_value(json_object_get(json_array_get(json_object_get(
        json_object_get(json_object_get(reply, "output"), "message"), "content"), 0), "text"));
    CHECK(said && strcmp(said, expected) == 0);
    json_decref(reply);
    bedrock_string_free(response);
    bedrock_error_free(err);
    free(text);
    free(request);
    free(expected);
}

static void test_stream_matches_plain_reply(bedrock_client *client) {
    collected c = {0};
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_converse_stream(client, MODEL, request_saying("stream these words to me"),
                                         collect, &c, &err), BEDROCK_OK);
    CHECK(strcmp(c.text, "You said: stream these words to me") == 0);
    CHECK(c.deltas >= 5);
    CHECK(c.saw_message_stop && c.saw_metadata);
    bedrock_error_free(err);
}

/* Operations by name: the same reply as the named functions, streams included, and a bad
   name, member or argument refused before anything is sent. */
static void test_operations_by_name(bedrock_client *client) {
    char *response = NULL;
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_operation(client, "Converse",
                                   "{\"modelId\": \"" MODEL "\", \"messages\": [{\"role\": \"user\", "
                                   "\"content\": [{\"text\": \"by name from C\"}]}]}", &response, &err), BEDROCK_OK);
    CHECK_CONTAINS(response, "You said: by name from C");
    bedrock_string_free(response);

    collected c = {0};
    CHECK_STATUS(bedrock_operation_stream(client, "ConverseStream",
                                          "{\"modelId\": \"" MODEL "\", \"messages\": [{\"role\": \"user\", "
                                          "\"content\": [{\"text\": \"streamed by name\"}]}]}", collect, &c, &err),
                 BEDROCK_OK);
    CHECK(strcmp(c.text, "You said: streamed by name") == 0);
    CHECK(c.saw_message_stop && c.saw_metadata);

    const bedrock_status invalid = BEDROCK_ERR_INVALID_ARGUMENT;
    CHECK_ERROR(bedrock_operation(client, "Chat", "{}", &response, &err), invalid, err, "not a Bedrock Runtime operation");
    CHECK(response == NULL);
    CHECK_ERROR(bedrock_operation(client, NULL, "{}", &response, &err), invalid, err, "operation");
    CHECK_ERROR(bedrock_operation(client, "Converse", "[]", &response, &err), invalid, err, "params");
    CHECK_ERROR(bedrock_operation(client, "Converse", "{\"modelId\": \"m\", \"tools\": []}", &response, &err),
                invalid, err, "not a member of Converse's input");
    CHECK_ERROR(bedrock_operation(client, "Converse", "{}", NULL, &err), invalid, err, "response_json");
    CHECK_ERROR(bedrock_operation_stream(client, "ConverseStream", "{\"modelId\": \"m\"}", NULL, NULL, &err),
                invalid, err, "on_event");
    CHECK_ERROR(bedrock_operation_stream(client, "InvokeModelWithBidirectionalStream", "{\"modelId\": \"m\", \"body\": \"x\"}",
                                         collect, &c, &err), invalid, err, "expected an array of events");
    CHECK_ERROR(bedrock_operation_stream(client, "InvokeModelWithBidirectionalStream",
                                         "{\"modelId\": \"m\", \"body\": [{\"chunk\": {\"bytes\": 1}}]}",
                                         collect, &c, &err), invalid, err, "params.body[0].chunk.bytes");
}

/* InvokeModelWithBidirectionalStream: Nova Sonic input events, each signed in its envelope (the
   emulator checks the chain, as Bedrock does); the model's events come back as chunks. */
static int collect_sonic_text(const char *event, size_t len, void *user) {
    json_t *chunk = json_loadb(event, len, 0, NULL);
    json_t *output = json_loads(json_string_value(json_object_get(json_object_get(chunk, "chunk"), "bytes")), 0, NULL);
    const char *text = json_string_value(json_object_get(json_object_get(json_object_get(output, "event"), "textOutput"), "content"));
    if (text) strncat(user, text, 255 - strlen(user));
    json_decref(output);
    json_decref(chunk);
    return 0;
}

static void test_bidirectional_stream(bedrock_client *client) {
    static const char *sonic[] = {
        "{\"event\": {\"sessionStart\": {\"inferenceConfiguration\": {\"maxTokens\": 100}}}}",
        "{\"event\": {\"promptStart\": {\"promptName\": \"p\", \"textOutputConfiguration\": {\"mediaType\": \"text/plain\"}}}}",
        "{\"event\": {\"contentStart\": {\"promptName\": \"p\", \"contentName\": \"c\", \"type\": \"TEXT\", \"role\": \"USER\", "
        "\"interactive\": true, \"textInputConfiguration\": {\"mediaType\": \"text/plain\"}}}}",
        "{\"event\": {\"textInput\": {\"promptName\": \"p\", \"contentName\": \"c\", \"content\": \"Hi from C\"}}}",
        "{\"event\": {\"contentEnd\": {\"promptName\": \"p\", \"contentName\": \"c\"}}}",
        "{\"event\": {\"promptEnd\": {\"promptName\": \"p\"}}}",
        "{\"event\": {\"sessionEnd\": {}}}",
    };
    json_t *body = json_array();
    for (size_t i = 0; i < sizeof sonic / sizeof *sonic; i++)
        json_array_append_new(body, json_pack("{s:{s:s}}", "chunk", "bytes", sonic[i]));
    json_t *params = json_pack("{s:s, s:o}", "modelId", "amazon.nova-sonic-v1:0", "body", body);
    char *params_json = json_dumps(params, JSON_COMPACT);
    char text[256] = "";
    CHECK_STATUS(bedrock_operation_stream(client, "InvokeModelWithBidirectionalStream", params_json, collect_sonic_text,
                                          text, NULL), BEDROCK_OK);
    CHECK(strcmp(text, "You said: Hi from C") == 0);
    free(params_json);
    json_decref(params);
}

static void test_callback_cancels(bedrock_client *client) {
    collected c = {.stop_after = 2};
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_converse_stream(client, MODEL, request_saying("one two three four five six"),
                                         collect, &c, &err), BEDROCK_ERR_CANCELLED);
    CHECK(c.events == 2);
    CHECK_CONTAINS(bedrock_error_message(err), "cancel");
    bedrock_error_free(err);
    /* The client still works after a cancelled stream. */
    test_converse_echoes(client);
}

static void expect_fault(bedrock_client *client, const char *fault, bedrock_status want, const char *fragment) {
    char text[256];
    snprintf(text, sizeof text, "please fail [[fault:%s]]", fault);
    char *response = NULL;
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_converse(client, MODEL, request_saying(text), &response, &err), want);
    CHECK(response == NULL);
    CHECK(err && bedrock_error_status(err) == want);
    if (fragment) CHECK_CONTAINS(bedrock_error_message(err), fragment);
    bedrock_error_free(err);
}

static void expect_stream_fault(bedrock_client *client, const char *fault, bedrock_status want, const char *fragment) {
    char text[256];
    snprintf(text, sizeof text, "please fail midway [[fault:%s]]", fault);
    collected c = {0};
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_converse_stream(client, MODEL, request_saying(text), collect, &c, &err), want);
    if (fragment) CHECK_CONTAINS(bedrock_error_message(err), fragment);
    bedrock_error_free(err);
}

static void test_error_mapping(bedrock_client *client) {
    expect_fault(client, "throttle", BEDROCK_ERR_THROTTLED, "ThrottlingException");
    expect_fault(client, "validation", BEDROCK_ERR_VALIDATION, "ValidationException");
    expect_fault(client, "access_denied", BEDROCK_ERR_ACCESS_DENIED, "AccessDeniedException");
    /* ModelNotReadyException arrives as HTTP 429 and is still a model error. */
    expect_fault(client, "not_ready", BEDROCK_ERR_MODEL, "ModelNotReadyException");
    expect_fault(client, "internal", BEDROCK_ERR_SERVICE, "InternalServerException");
    expect_fault(client, "unavailable", BEDROCK_ERR_SERVICE, "ServiceUnavailableException");
    /* Statuses with no error type: the HTTP status class decides. */
    expect_fault(client, "status:418", BEDROCK_ERR_VALIDATION, "HTTP 418");
    expect_fault(client, "status:599", BEDROCK_ERR_SERVICE, "HTTP 599");
    expect_fault(client, "garbage", BEDROCK_ERR_PROTOCOL, NULL);
    expect_fault(client, "close", BEDROCK_ERR_NETWORK, NULL);

    char *response = NULL;
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_converse(client, "missing.model-v1:0", request_saying("hi"), &response, &err),
                 BEDROCK_ERR_NOT_FOUND);
    CHECK_CONTAINS(bedrock_error_json(err), "\"error_type\":\"ResourceNotFoundException\"");
    CHECK_CONTAINS(bedrock_error_json(err), "\"http_status\":404");
    CHECK_CONTAINS(bedrock_error_json(err), "\"request_id\":");
    bedrock_error_free(err);
}

static void test_stream_errors(bedrock_client *client) {
    expect_stream_fault(client, "stream_exception", BEDROCK_ERR_MODEL, "modelStreamErrorException");
    expect_stream_fault(client, "stream_corrupt", BEDROCK_ERR_PROTOCOL, "event stream");
    expect_stream_fault(client, "stream_truncate", BEDROCK_ERR_PROTOCOL, NULL);
    expect_stream_fault(client, "throttle", BEDROCK_ERR_THROTTLED, "ThrottlingException");
}

static void test_bad_signature_is_credentials(void) {
    char config[512];
    snprintf(config, sizeof config,
             "{\"region\": \"us-east-1\", \"endpoint_url\": \"%s\", \"credentials\": "
             "{\"access_key_id\": \"" EMULATOR_ACCESS_KEY "\", \"secret_access_key\": \"wrong-secret\"}}", url);
    bedrock_client *client = NULL;
    CHECK_STATUS(bedrock_client_new(config, &client, NULL), BEDROCK_OK);
    char *response = NULL;
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_converse(client, MODEL, request_saying("hi"), &response, &err), BEDROCK_ERR_CREDENTIALS);
    CHECK_CONTAINS(bedrock_error_message(err), "InvalidSignatureException");
    /* The secret never appears in what the error says. */
    CHECK(strstr(bedrock_error_message(err), "wrong-secret") == NULL);
    CHECK(strstr(bedrock_error_json(err), "wrong-secret") == NULL);
    bedrock_error_free(err);
    bedrock_client_free(client);
}

static void test_bearer_token(void) {
    char config[512];
    snprintf(config, sizeof config,
             "{\"region\": \"us-east-1\", \"endpoint_url\": \"%s\", \"bearer_token\": \"emulator-bearer-token\"}", url);
    bedrock_client *client = NULL;
    CHECK_STATUS(bedrock_client_new(config, &client, NULL), BEDROCK_OK);
    test_converse_echoes(client);
    bedrock_client_free(client);
}

static void test_read_timeout(void) {
    bedrock_client *client = harness_client(url, "\"read_timeout_ms\": 300");
    expect_fault(client, "hang", BEDROCK_ERR_TIMEOUT, "read_timeout_ms");
    bedrock_client_free(client);
}

typedef struct {
    bedrock_client *client;
    int index;
    int ok;
} worker;

static void *converse_in_thread(void *arg) {
    worker *w = arg;
    char text[64], want[96];
    snprintf(text, sizeof text, "thread %d speaking", w->index);
    snprintf(want, sizeof want, "You said: thread %d speaking", w->index);
    w->ok = 1;
    for (int i = 0; i < 5; i++) {
        char request[256];
        write_request(request, sizeof request, text);
        char *response = NULL;
        if (bedrock_converse(w->client, MODEL, request, &response, NULL) != BEDROCK_OK || !strstr(response, want)) {
            w->ok = 0;
        }
        bedrock_string_free(response);
    }
    return NULL;
}

static void test_threads_share_a_client(bedrock_client *client) {
    enum { N = 8 };
    pthread_t threads[N];
    worker workers[N];
    for (int i = 0; i < N; i++) {
        workers[i] = (worker){client, i, 0};
        CHECK(pthread_create(&threads[i], NULL, converse_in_thread, &workers[i]) == 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(threads[i], NULL);
        CHECK(workers[i].ok);
    }
}

int main(int argc, char **argv) {
    url = harness_emulator_url(argc, argv);
    bedrock_client *client = harness_client(url, "");
    test_converse_echoes(client);
    test_large_request_echoes(client);
    test_stream_matches_plain_reply(client);
    test_operations_by_name(client);
    test_bidirectional_stream(client);
    test_callback_cancels(client);
    test_error_mapping(client);
    test_stream_errors(client);
    test_threads_share_a_client(client);
    bedrock_client_free(client);
    test_bad_signature_is_credentials();
    test_bearer_token();
    test_read_timeout();
    return harness_finish("test_converse");
}

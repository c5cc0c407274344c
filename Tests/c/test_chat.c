/* The provider-independent chat API through the C ABI: bedrock_chat, bedrock_chat_j,
   bedrock_chat_stream, and the pull stream with cancellation from another thread. */
#include "harness.h"

#include <bedrock_jansson.h>

#include <pthread.h>
#include <time.h>
#include <unistd.h>

static const char *url;

#define TRANSLATE "{\"model\": \"anthropic.claude-3-haiku-20240307-v1:0\", \"api\": \"converse\", " \
    "\"messages\": [[\"system\", \"Translate the user sentence to French.\"], [\"human\", \"I love programming.\"]], " \
    "\"max_tokens\": 100, \"temperature\": 0}"

typedef struct {
    char text[2048];
    char message[8192];
    int starts, stops, usages, messages;
    int server_starts, server_deltas, server_results, server_result_deltas;
} gathered;

static int gather(const char *event, size_t len, void *user) {
    gathered *g = user;
    json_t *e = json_loadb(event, len, 0, NULL);
    const char *type = json_string_value(json_object_get(e, "type"));
    if (type && !strcmp(type, "text")) {
        strncat(g->text, json_string_value(json_object_get(e, "text")), sizeof g->text - strlen(g->text) - 1);
    } else if (type && !strcmp(type, "start")) {
        g->starts++;
    } else if (type && !strcmp(type, "stop")) {
        g->stops++;
    } else if (type && !strcmp(type, "usage")) {
        g->usages++;
    } else if (type && !strcmp(type, "server_tool_call_start")) {
        g->server_starts++;
    } else if (type && !strcmp(type, "server_tool_call_delta")) {
        g->server_deltas++;
    } else if (type && !strcmp(type, "server_tool_result")) {
        g->server_results++;
    } else if (type && !strcmp(type, "server_tool_result_delta")) {
        g->server_result_deltas++;
    } else if (type && !strcmp(type, "message")) {
        char *dumped = json_dumps(json_object_get(e, "message"), JSON_COMPACT | JSON_SORT_KEYS);
        g->messages++;
        snprintf(g->message, sizeof g->message, "%s", dumped);
        free(dumped);
    }
    json_decref(e);
    return 0;
}

static void test_chat_and_stream_agree(bedrock_client *client) {
    char *response = NULL;
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_chat(client, TRANSLATE, &response, &err), BEDROCK_OK);
    json_t *plain = json_loads(response ? response : "null", 0, NULL);
    CHECK(strcmp(json_string_value(json_object_get(plain, "content")), "You said: I love programming.") == 0);
    CHECK(strcmp(json_string_value(json_object_get(plain, "stop_reason")), "end_turn") == 0);
    CHECK(strcmp(json_string_value(json_object_get(plain, "api")), "converse") == 0);
    CHECK(json_integer_value(json_object_get(json_object_get(plain, "usage"), "output_tokens")) > 0);

    gathered g = {0};
    CHECK_STATUS(bedrock_chat_stream(client, TRANSLATE, gather, &g, &err), BEDROCK_OK);
    CHECK(g.starts == 1 && g.stops == 1 && g.usages == 1);
    CHECK(strcmp(g.text, json_string_value(json_object_get(plain, "content"))) == 0);
    /* The final message equals bedrock_chat's response, but for the request id. */
    json_t *streamed = json_loads(g.message, 0, NULL);
    json_object_del(plain, "request_id");
    json_object_del(streamed, "request_id");
    /* Both carry metrics; the figures (latency, bytes) differ from call to call. */
    CHECK(json_is_object(json_object_get(plain, "metrics")) && json_is_object(json_object_get(streamed, "metrics")));
    json_object_del(plain, "metrics");
    json_object_del(streamed, "metrics");
    CHECK(json_equal(plain, streamed));
    json_decref(streamed);
    json_decref(plain);
    bedrock_string_free(response);
}

static void test_chat_j(bedrock_client *client) {
    json_t *request = json_loads(TRANSLATE, 0, NULL);
    json_t *response = NULL;
    CHECK_STATUS(bedrock_chat_j(client, request, &response, NULL), BEDROCK_OK);
    CHECK(json_is_object(response));
    CHECK(strcmp(json_string_value(json_object_get(response, "content")), "You said: I love programming.") == 0);
    json_decref(response);
    json_decref(request);
}

static void test_pull_stream(bedrock_client *client) {
    bedrock_stream *stream = NULL;
    CHECK_STATUS(bedrock_stream_open(client, TRANSLATE, &stream, NULL), BEDROCK_OK);
    gathered g = {0};
    int events = 0;
    char *event = NULL;
    while (bedrock_stream_next(stream, &event, NULL) == BEDROCK_OK && event) {
        events++;
        gather(event, strlen(event), &g);
        bedrock_string_free(event);
    }
    CHECK(g.messages > 0);
    CHECK(events >= 7);
    CHECK(strcmp(g.text, "You said: I love programming.") == 0);
    /* After the end, next keeps returning OK with NULL. */
    CHECK_STATUS(bedrock_stream_next(stream, &event, NULL), BEDROCK_OK);
    CHECK(event == NULL);
    bedrock_stream_free(stream);
}

typedef struct {
    bedrock_stream *stream;
    int delay_ms;
} canceller;

static void *cancel_later(void *arg) {
    canceller *c = arg;
    usleep((useconds_t)c->delay_ms * 1000);
    bedrock_stream_cancel(c->stream);
    return NULL;
}

static void test_cancel_from_another_thread(bedrock_client *client) {
    /* The emulator waits 5 s between tokens, so `next` blocks; a cancel must end it promptly. */
    const char *slow = "{\"model\": \"anthropic.claude-3-haiku-20240307-v1:0\", \"api\": \"converse\", "
                       "\"messages\": [[\"human\", \"[[fault:token_delay:5000]] one two three\"]]}";
    bedrock_stream *stream = NULL;
    CHECK_STATUS(bedrock_stream_open(client, slow, &stream, NULL), BEDROCK_OK);
    char *event = NULL;
    bedrock_status status = BEDROCK_OK;
    pthread_t thread;
    canceller c = {stream, 300};
    double started = harness_now_ms();
    CHECK(pthread_create(&thread, NULL, cancel_later, &c) == 0);
    bedrock_error *err = NULL;
    while ((status = bedrock_stream_next(stream, &event, &err)) == BEDROCK_OK && event) bedrock_string_free(event);
    double waited_ms = harness_now_ms() - started;
    pthread_join(thread, NULL);
    CHECK_STATUS(status, BEDROCK_ERR_CANCELLED);
    CHECK(waited_ms < 3000);
    bedrock_error_free(err);
    bedrock_stream_free(stream);
    /* Freeing a stream that was never read closes it without waiting for the reply. */
    CHECK_STATUS(bedrock_stream_open(client, slow, &stream, NULL), BEDROCK_OK);
    bedrock_stream_free(stream);
}

static void expect_invalid(bedrock_client *client, const char *request, const char *fragment) {
    char *response = NULL;
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_chat(client, request, &response, &err), BEDROCK_ERR_INVALID_ARGUMENT);
    CHECK(response == NULL);
    CHECK_CONTAINS(bedrock_error_message(err), fragment);
    CHECK_CONTAINS(bedrock_error_json(err), "\"retryable\":false");
    bedrock_error_free(err);
    bedrock_stream *stream = (bedrock_stream *)0x1;
    CHECK_STATUS(bedrock_stream_open(client, request, &stream, &err), BEDROCK_ERR_INVALID_ARGUMENT);
    CHECK(stream == NULL);
    bedrock_error_free(err);
}

/* The error JSON names the bad input by its JSON path, for a program to act on. */
static void expect_field(bedrock_client *client, const char *request, const char *field) {
    bedrock_error *err = NULL;
    char *response = NULL;
    char expected[256];
    snprintf(expected, sizeof expected, "\"field\":\"%s\"", field);
    CHECK_STATUS(bedrock_chat(client, request, &response, &err), BEDROCK_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(bedrock_error_json(err), expected);
    bedrock_error_free(err);
}

/* Nova's system tools: the service runs nova_grounding itself, so its call and result come back
   as server_tool_use and server_tool_result blocks, not tool calls; streamed as server_tool_*
   events, they add up to the same message, and the blocks go back unchanged in the next turn. */
#define GROUNDED "{\"model\": \"us.amazon.nova-2-lite-v1:0\", \"tools\": [{\"type\": \"system_tool\", \"name\": \"nova_grounding\"}], " \
    "\"messages\": [[\"human\", \"What is new in Rust?\"]]"

static void test_system_tools(bedrock_client *client) {
    char *response = NULL;
    CHECK_STATUS(bedrock_chat(client, GROUNDED "}", &response, NULL), BEDROCK_OK);
    json_t *reply = json_loads(response ? response : "null", 0, NULL);
    json_t *blocks = json_object_get(reply, "blocks");
    json_t *call = json_array_get(blocks, 0), *result = json_array_get(blocks, 1);
    CHECK(strcmp(json_string_value(json_object_get(call, "type")), "server_tool_use") == 0);
    CHECK(strcmp(json_string_value(json_object_get(call, "name")), "nova_grounding") == 0);
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(call, "input"), "query")), "What is new in Rust?") == 0);
    CHECK(strcmp(json_string_value(json_object_get(result, "type")), "server_tool_result") == 0);
    CHECK(json_equal(json_object_get(result, "tool_use_id"), json_object_get(call, "id")));
    CHECK(strcmp(json_string_value(json_object_get(result, "tool_type")), "nova_grounding") == 0);
    CHECK(json_is_false(json_object_get(result, "is_error")));
    CHECK(json_is_object(json_object_get(json_array_get(json_object_get(result, "content"), 0), "json")));
    CHECK(json_array_size(json_object_get(reply, "tool_calls")) == 0);
    CHECK(strcmp(json_string_value(json_object_get(reply, "stop_reason")), "end_turn") == 0);
    json_t *cited = json_array_get(blocks, json_array_size(blocks) - 1);
    json_t *web = json_object_get(json_object_get(json_array_get(json_object_get(cited, "citations"), 0), "location"), "web");
    CHECK(json_is_string(json_object_get(web, "url")) && json_is_string(json_object_get(web, "domain")));

    gathered g = {0};
    CHECK_STATUS(bedrock_chat_stream(client, GROUNDED "}", gather, &g, NULL), BEDROCK_OK);
    CHECK(g.server_starts == 1 && g.server_deltas >= 2 && g.server_results == 1 && g.server_result_deltas >= 1);
    json_t *streamed = json_loads(g.message, 0, NULL);
    /* Both carry metrics and a request id of their own. */
    json_object_del(reply, "metrics");
    json_object_del(reply, "request_id");
    json_object_del(streamed, "metrics");
    json_object_del(streamed, "request_id");
    CHECK(json_equal(reply, streamed));
    json_decref(streamed);

    /* The next turn carries the reply's blocks back. */
    char *history = json_dumps(blocks, JSON_COMPACT);
    size_t size = strlen(history) + 512;
    char *follow_up = malloc(size);
    snprintf(follow_up, size, "{\"model\": \"us.amazon.nova-2-lite-v1:0\", \"tools\": [{\"type\": \"system_tool\", \"name\": \"nova_grounding\"}], "
             "\"messages\": [[\"human\", \"What is new in Rust?\"], {\"role\": \"assistant\", \"content\": %s}, [\"human\", \"And in Go?\"]]}", history);
    char *next = NULL;
    CHECK_STATUS(bedrock_chat(client, follow_up, &next, NULL), BEDROCK_OK);
    bedrock_string_free(next);
    free(follow_up);
    free(history);

    /* InvokeModel has no system tools; a forced call cannot be asked of one. */
    expect_field(client, GROUNDED ", \"api\": \"invoke\"}", "request.tools[0]");
    expect_field(client, GROUNDED ", \"tool_choice\": \"any\"}", "request.tool_choice");
    json_decref(reply);
    bedrock_string_free(response);
}

/* A stream keeps its client alive: freeing the client first leaves the stream working. */
static void test_stream_outlives_client(void) {
    bedrock_client *client = harness_client(url, "");
    bedrock_stream *stream = NULL;
    CHECK_STATUS(bedrock_stream_open(client, "{\"model\": \"anthropic.claude-3-haiku-20240307-v1:0\", "
                                     "\"messages\": [[\"human\", \"after the client\"]]}", &stream, NULL), BEDROCK_OK);
    bedrock_client_free(client);
    char *event = NULL, *last = NULL;
    while (bedrock_stream_next(stream, &event, NULL) == BEDROCK_OK && event) {
        bedrock_string_free(last);
        last = event;
    }
    CHECK_CONTAINS(last, "You said: after the client");
    bedrock_string_free(last);
    bedrock_stream_free(stream);
}

static void test_status_strings(void) {
    CHECK(strcmp(bedrock_status_string(BEDROCK_OK), "no error") == 0);
    for (int status = BEDROCK_ERR_INVALID_ARGUMENT; status <= BEDROCK_ERR_LIMIT; status++) {
        const char *text = bedrock_status_string((bedrock_status)status);
        CHECK(text && *text && strcmp(text, "unknown status") != 0 && !strchr(text, '\n'));
    }
    CHECK(strcmp(bedrock_status_string((bedrock_status)99), "unknown status") == 0);
}

static void test_bad_requests(bedrock_client *client) {
#define M "\"model\": \"anthropic.claude-3-haiku-20240307-v1:0\", "
    expect_invalid(client, "{" M "\"messages\": [{\"role\": \"robot\", \"content\": \"hi\"}]}", "request.messages[0].role");
    expect_invalid(client, "{" M "\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image\", \"media_type\": \"image/png\"}]}]}",
                   "request.messages[0].content[0].data");
    expect_invalid(client, "{" M "\"messages\": [[\"human\", \"hi\"]], \"tools\": [{\"description\": \"x\"}]}", "request.tools[0].name");
    expect_invalid(client, "{" M "\"messages\": [[\"human\", \"hi\"]], \"response_schema\": [1]}", "request.response_schema");
    expect_invalid(client, "{" M "\"messages\": [[\"human\", \"hi\"]], \"tools\": [{\"name\": \"t\", \"input_schema\": \"object\"}]}",
                   "request.tools[0].input_schema");
    expect_invalid(client, "{" M "\"messages\": [[\"human\", \"hi\"]], \"max_tokens\": -5}", "request.max_tokens");
    expect_invalid(client, "{" M "\"messages\": [[\"human\", \"   \"]]}", "request.messages[0].content");
    expect_invalid(client, "{" M "\"messages\": []}", "request.messages");
    expect_invalid(client, "{\"model\": \"arn:aws:bedrock:us-east-1:123:custom-model/x\", \"messages\": [[\"human\", \"hi\"]]}",
                   "request.provider");
    expect_invalid(client, "{" M "\"provider\": \"acme\", \"messages\": [[\"human\", \"hi\"]]}", "request.provider");
    expect_invalid(client, "{" M "\"messages\": [[\"human\", \"hi\"]], \"api\": \"fast\"}", "request.api");
    expect_invalid(client, "{" M "\"messages\": [[\"tool\", \"result\"]]}", "tool_call_id");
    expect_invalid(client, "not json", "request: invalid JSON");
    expect_field(client, "{" M "\"messages\": [[\"human\", \"hi\"]], \"max_tokens\": -5}", "request.max_tokens");
    expect_field(client, "{" M "\"messages\": [{\"role\": \"robot\", \"content\": \"hi\"}]}", "request.messages[0].role");
    expect_field(client, "not json", "request");
    CHECK_STATUS(bedrock_chat_j(client, NULL, NULL, NULL), BEDROCK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(bedrock_stream_next(NULL, NULL, NULL), BEDROCK_ERR_INVALID_ARGUMENT);
    bedrock_stream_cancel(NULL);
    bedrock_stream_free(NULL);
#undef M
}

int main(int argc, char **argv) {
    url = harness_emulator_url(argc, argv);
    bedrock_client *client = harness_client(url, "");
    test_chat_and_stream_agree(client);
    test_chat_j(client);
    test_pull_stream(client);
    test_cancel_from_another_thread(client);
    test_bad_requests(client);
    test_system_tools(client);
    bedrock_client_free(client);
    test_stream_outlives_client();
    test_status_strings();
    return harness_finish("test_chat");
}

/* The fault matrix: each failure ends the call with its exact status, within its time bound,
   and (under the ASan pass, scripts/sanitize.sh) without a leak. Faults come from the
   emulator's [[fault:...]] directives; the network ones from addresses that cannot answer. */
#include "harness.h"

#include <time.h>

#define MODEL "anthropic.claude-3-haiku-20240307-v1:0"

static const char *url;

static int count_events(const char *event, size_t len, void *user) {
    (void)event;
    (void)len;
    (*(int *)user)++;
    return 0;
}

/* Every exception event of both streams, sent midway: the mapped status, after the events
   before it. */
static void test_stream_exceptions(bedrock_client *client) {
    static const struct { const char *exception; bedrock_status status; } cases[] = {
        {"internalServerException", BEDROCK_ERR_SERVICE},   {"modelStreamErrorException", BEDROCK_ERR_MODEL},
        {"validationException", BEDROCK_ERR_VALIDATION},    {"throttlingException", BEDROCK_ERR_THROTTLED},
        {"serviceUnavailableException", BEDROCK_ERR_SERVICE}, {"modelTimeoutException", BEDROCK_ERR_MODEL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char request[512];
        int events = 0;
        bedrock_error *err = NULL;
        snprintf(request, sizeof request, "{\"messages\": [{\"role\": \"user\", \"content\": [{\"text\": "
                 "\"one two three four five [[fault:stream_exception:%s]]\"}]}]}", cases[i].exception);
        CHECK_STATUS(bedrock_converse_stream(client, MODEL, request, count_events, &events, &err), cases[i].status);
        CHECK(events >= 3);
        CHECK_CONTAINS(bedrock_error_message(err), cases[i].exception);
        bedrock_error_free(err);

        events = 0;
        snprintf(request, sizeof request, "{\"anthropic_version\": \"bedrock-2023-05-31\", \"max_tokens\": 50, "
                 "\"messages\": [{\"role\": \"user\", \"content\": \"one two three four five "
                 "[[fault:stream_exception:%s]]\"}]}", cases[i].exception);
        CHECK_STATUS(bedrock_invoke_model_stream(client, MODEL, request, count_events, &events, &err), cases[i].status);
        CHECK(events >= 3);
        bedrock_error_free(err);
    }
}

/* A call that cannot be answered ends within its bound, with the status that says why. */
static void expect_within(const char *config_extra, const char *endpoint, bedrock_status want, double bound_ms,
                          const char *text) {
    char config[1024];
    snprintf(config, sizeof config,
             "{\"region\": \"us-east-1\", \"endpoint_url\": \"%s\", \"credentials\": {\"access_key_id\": \""
             EMULATOR_ACCESS_KEY "\", \"secret_access_key\": \"" EMULATOR_SECRET_KEY "\"}%s%s}",
             endpoint, *config_extra ? ", " : "", config_extra);
    bedrock_client *client = NULL;
    CHECK_STATUS(bedrock_client_new(config, &client, NULL), BEDROCK_OK);
    char request[4096], *response = NULL;
    bedrock_error *err = NULL;
    snprintf(request, sizeof request, "{\"messages\": [{\"role\": \"user\", \"content\": [{\"text\": \"%s\"}]}]}", text);
    double started = harness_now_ms();
    CHECK_STATUS(bedrock_converse(client, MODEL, request, &response, &err), want);
    double took = harness_now_ms() - started;
    if (took > bound_ms) fprintf(stderr, "%s: took %.0f ms, bound %.0f ms\n", text, took, bound_ms);
    CHECK(took <= bound_ms);
    CHECK(response == NULL);
    bedrock_error_free(err);
    bedrock_client_free(client);
}

static void test_network_faults(void) {
    char endpoint[300];
    snprintf(endpoint, sizeof endpoint, "%s", url);
    /* Refused (port 9 on loopback), unresolvable (.invalid never resolves), a stall after the
       headers (read_timeout_ms), a reset, and a whole-call timeout across retries. */
    expect_within("\"max_attempts\": 1", "http://127.0.0.1:9", BEDROCK_ERR_NETWORK, 5000, "refused");
    expect_within("\"max_attempts\": 1", "http://bedrock.invalid", BEDROCK_ERR_NETWORK, 10000, "unresolvable");
    expect_within("\"read_timeout_ms\": 300, \"max_attempts\": 1", endpoint, BEDROCK_ERR_TIMEOUT, 3000,
                  "stall [[fault:hang:5000]]");
    expect_within("\"max_attempts\": 1", endpoint, BEDROCK_ERR_NETWORK, 3000, "reset [[fault:close]]");
    expect_within("\"timeout_ms\": 800, \"max_attempts\": 10", endpoint, BEDROCK_ERR_TIMEOUT, 2500,
                  "slow [[fault:hang:5000]]");
}

static void test_limits(void) {
    char endpoint[300];
    snprintf(endpoint, sizeof endpoint, "%s", url);
    /* The emulator echoes the prompt: a 3 KB prompt makes a reply over a 1 KiB limit. */
    char text[3200];
    memset(text, 'a', sizeof text - 1);
    text[sizeof text - 1] = 0;
    for (size_t i = 100; i < sizeof text - 1; i += 100) text[i] = ' ';
    expect_within("\"max_response_bytes\": 1024, \"max_attempts\": 1", endpoint, BEDROCK_ERR_LIMIT, 3000, text);
}

int main(int argc, char **argv) {
    url = harness_emulator_url(argc, argv);
    bedrock_client *client = harness_client(url, "");
    test_stream_exceptions(client);
    bedrock_client_free(client);
    test_network_faults();
    test_limits();
    return harness_finish("test_faults");
}

/* Bad input through the C ABI: every case returns an error status with a message that names
   the problem, and nothing crashes. Needs no server. */
#include "harness.h"

static int never_called(const char *event, size_t len, void *user) {
    (void)event; (void)len; (void)user;
    return 1;
}

static void expect_client_error(const char *config, bedrock_status want, const char *fragment) {
    bedrock_client *client = (bedrock_client *)0x1;
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_client_new(config, &client, &err), want);
    CHECK(client == NULL);
    CHECK(err != NULL);
    CHECK(bedrock_error_status(err) == want);
    CHECK_CONTAINS(bedrock_error_message(err), fragment);
    bedrock_error_free(err);
}

static void test_version(void) {
    CHECK(strcmp(bedrock_version(), BEDROCK_VERSION) == 0);
    CHECK(bedrock_version_number() == BEDROCK_VERSION_NUMBER);
    CHECK(strcmp(bedrock_status_name(BEDROCK_ERR_THROTTLED), "BEDROCK_ERR_THROTTLED") == 0);
    CHECK(strcmp(bedrock_status_name((bedrock_status)999), "BEDROCK_ERR_UNKNOWN") == 0);
}

static void test_bad_configs(void) {
    expect_client_error("{not json", BEDROCK_ERR_INVALID_ARGUMENT, "config: invalid JSON");
    expect_client_error("[]", BEDROCK_ERR_INVALID_ARGUMENT, "expected a JSON object");
    expect_client_error("{\"region\": 5}", BEDROCK_ERR_INVALID_ARGUMENT, "config.region");
    expect_client_error("{\"region\": \"us-east-1\", \"timeout_ms\": -1}", BEDROCK_ERR_INVALID_ARGUMENT, "config.timeout_ms");
    expect_client_error("{\"region\": \"us-east-1\", \"max_attempts\": 0}", BEDROCK_ERR_INVALID_ARGUMENT, "config.max_attempts");
    expect_client_error("{\"region\": \"us-east-1\", \"retry_mode\": \"fast\"}", BEDROCK_ERR_INVALID_ARGUMENT, "config.retry_mode");
    expect_client_error("{\"region\": \"us-east-1\", \"credentials\": {\"access_key_id\": \"A\"}}",
                        BEDROCK_ERR_INVALID_ARGUMENT, "config.credentials");
    expect_client_error("{\"region\": \"us-east-1\", \"regoin\": \"x\"}", BEDROCK_ERR_INVALID_ARGUMENT, "config.regoin");
    expect_client_error("{\"region\": \"us east 1\"}", BEDROCK_ERR_CONFIG, "region");
    expect_client_error("{\"region\": \"us-east-1\", \"endpoint_url\": \"ftp://example.com\"}", BEDROCK_ERR_CONFIG, "endpoint_url");
    expect_client_error("{\"region\": \"us-east-1\", \"user_agent_suffix\": \"a\\r\\nX-Evil: 1\"}",
                        BEDROCK_ERR_INVALID_ARGUMENT, "user_agent_suffix");
    /* Invalid UTF-8 inside a JSON string. */
    expect_client_error("{\"region\": \"\xff\xfe\"}", BEDROCK_ERR_INVALID_ARGUMENT, "config");
    /* A NULL out-parameter is refused; NULL err is allowed. */
    CHECK_STATUS(bedrock_client_new("{}", NULL, NULL), BEDROCK_ERR_INVALID_ARGUMENT);
}

static void test_null_arguments(void) {
    bedrock_client *client = NULL;
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_client_new("{\"region\": \"us-west-2\", \"endpoint_url\": \"http://127.0.0.1:9\"}",
                                     &client, &err), BEDROCK_OK);
    CHECK(err == NULL);

    char *response = (char *)0x1;
    const bedrock_status invalid = BEDROCK_ERR_INVALID_ARGUMENT;
    CHECK_ERROR(bedrock_converse(NULL, "m", "{}", &response, &err), invalid, err, "client");
    CHECK(response == NULL);
    CHECK_ERROR(bedrock_converse(client, NULL, "{}", &response, &err), invalid, err, "model_id");
    CHECK_ERROR(bedrock_converse(client, "", "{}", &response, &err), invalid, err, "model_id");
    CHECK_ERROR(bedrock_converse(client, "m\xff", "{}", &response, &err), invalid, err, "UTF-8");
    CHECK_ERROR(bedrock_converse(client, "m", NULL, &response, &err), invalid, err, "request");
    CHECK_ERROR(bedrock_converse(client, "m", "{\"messages\": [", &response, &err), invalid, err, "request: invalid JSON");
    CHECK_ERROR(bedrock_converse(client, "m", "[1, 2]", &response, &err), invalid, err, "expected a JSON object");
    CHECK_ERROR(bedrock_converse(client, "m", "{}", NULL, &err), invalid, err, "response_json");
    CHECK_ERROR(bedrock_converse_stream(client, "m", "{}", NULL, NULL, &err), invalid, err, "on_event");

    CHECK_STATUS(bedrock_converse_stream(NULL, "m", "{}", never_called, NULL, NULL), BEDROCK_ERR_INVALID_ARGUMENT);

    /* The length-carrying InvokeModel: NULL bytes with a length, a length no buffer has,
       and NULL out-parameters are refused before anything is sent; outputs are cleared. */
    size_t length = 7;
    CHECK_ERROR(bedrock_invoke_model_bytes(client, "m", NULL, 3, NULL, NULL, &response, &length, &err),
                invalid, err, "body");
    CHECK(response == NULL && length == 0);
    CHECK_ERROR(bedrock_invoke_model_bytes(client, "m", "abc", (size_t)-1, NULL, NULL, &response, &length, &err),
                invalid, err, "larger than any buffer");
    CHECK_ERROR(bedrock_invoke_model_bytes(client, "m", "abc", 3, "text/plain\r\nX: 1", NULL, &response, &length, &err),
                invalid, err, "content_type");
    CHECK_ERROR(bedrock_invoke_model_bytes(client, "m", "abc", 3, NULL, NULL, NULL, &length, &err),
                invalid, err, "response");
    CHECK_ERROR(bedrock_invoke_model_bytes(client, "m", "abc", 3, NULL, NULL, &response, NULL, &err),
                invalid, err, "response_len");
    CHECK_ERROR(bedrock_invoke_model_bytes(client, ".", "abc", 3, NULL, NULL, &response, &length, &err),
                invalid, err, "path segment");

    /* The error JSON carries the status. */
    CHECK_STATUS(bedrock_converse(client, NULL, "{}", &response, &err), BEDROCK_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(bedrock_error_json(err), "\"status\":1");
    CHECK_CONTAINS(bedrock_error_json(err), "BEDROCK_ERR_INVALID_ARGUMENT");
    bedrock_error_free(err);

    /* Getters and frees accept NULL. */
    CHECK(bedrock_error_status(NULL) == BEDROCK_ERR_INVALID_ARGUMENT);
    CHECK(bedrock_error_message(NULL) == NULL);
    CHECK(bedrock_error_json(NULL) == NULL);
    bedrock_error_free(NULL);
    bedrock_string_free(NULL);
    bedrock_client_free(NULL);
    bedrock_client_free(client);
}

static void test_connection_refused_is_network(void) {
    /* Port 9 (discard) on loopback has no listener here. */
    bedrock_client *client = NULL;
    CHECK_STATUS(bedrock_client_new("{\"region\": \"us-east-1\", \"endpoint_url\": \"http://127.0.0.1:9\", "
                                    "\"credentials\": {\"access_key_id\": \"A\", \"secret_access_key\": \"S\"}}",
                                    &client, NULL), BEDROCK_OK);
    char *response = NULL;
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_converse(client, "m", "{\"messages\": []}", &response, &err), BEDROCK_ERR_NETWORK);
    CHECK(response == NULL);
    bedrock_error_free(err);
    bedrock_client_free(client);
}

int main(void) {
    test_version();
    test_bad_configs();
    test_null_arguments();
    test_connection_refused_is_network();
    return harness_finish("test_arguments");
}

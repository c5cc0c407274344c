/* Uses an installed libbedrock as a user's program would. Tests/install/run.sh builds it
   out of tree twice, through find_package(Bedrock) and through pkg-config, and runs it with
   the Swift toolchain hidden.

     consumer            checks that the header and the loaded library agree on the version
     consumer URL        also sends a chat to the emulator at URL (bedrock_chat_j, so the
                         jansson flags that the package passes on are exercised too) */
#include <bedrock.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond) do { \
    if (!(cond)) { failures++; fprintf(stderr, "consumer.c:%d: CHECK failed: %s\n", __LINE__, #cond); } \
} while (0)

static void chat_with_emulator(const char *url) {
    json_t *config = json_pack("{s:s, s:s, s:{s:s, s:s}}", "region", "us-east-1", "endpoint_url", url,
                               "credentials", "access_key_id", "AKIDEMULATOR",
                               "secret_access_key", "emulator/secret/key");
    char *config_text = json_dumps(config, JSON_COMPACT);
    bedrock_client *client = NULL;
    bedrock_error *err = NULL;
    bedrock_status status = bedrock_client_new(config_text, &client, &err);
    CHECK(status == BEDROCK_OK);
    if (status != BEDROCK_OK) {
        fprintf(stderr, "bedrock_client_new: %s\n", bedrock_error_message(err));
    } else {
        json_t *request = json_pack("{s:s, s:[[s, s]]}", "model", "anthropic.claude-3-haiku-20240307-v1:0",
                                    "messages", "human", "Hello from an installed libbedrock.");
        json_t *response = NULL;
        status = bedrock_chat_j(client, request, &response, &err);
        CHECK(status == BEDROCK_OK);
        if (status != BEDROCK_OK) fprintf(stderr, "bedrock_chat_j: %s\n", bedrock_error_message(err));
        const char *content = json_string_value(json_object_get(response, "content"));
        CHECK(content && strcmp(content, "You said: Hello from an installed libbedrock.") == 0);
        if (content) printf("chat: %s\n", content);
        json_decref(response);
        json_decref(request);
    }
    bedrock_error_free(err);
    bedrock_client_free(client);
    free(config_text);
    json_decref(config);
}

int main(int argc, char **argv) {
    CHECK(bedrock_version_number() == BEDROCK_VERSION_NUMBER);
    CHECK(strcmp(bedrock_version(), BEDROCK_VERSION) == 0);
    CHECK(BEDROCK_VERSION_NUMBER ==
          BEDROCK_VERSION_MAJOR * 1000000 + BEDROCK_VERSION_MINOR * 1000 + BEDROCK_VERSION_PATCH);
    CHECK(BEDROCK_VERSION_AT_LEAST(BEDROCK_VERSION_MAJOR, BEDROCK_VERSION_MINOR, BEDROCK_VERSION_PATCH));
    CHECK(!BEDROCK_VERSION_AT_LEAST(BEDROCK_VERSION_MAJOR, BEDROCK_VERSION_MINOR, BEDROCK_VERSION_PATCH + 1));
    printf("libbedrock %s (header %s)\n", bedrock_version(), BEDROCK_VERSION);
    if (argc > 1) chat_with_emulator(argv[1]);
    printf("consumer: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}

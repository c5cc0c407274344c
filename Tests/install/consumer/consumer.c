/* Uses an installed libbedrock as a user's program would, through bedrock.h alone.
   Tests/install/run.sh builds it out of tree twice, through find_package(Bedrock) and through
   pkg-config, with a poisoned <jansson.h> first on the include path, so it proves that a
   program that never touches jansson compiles without jansson's headers; then runs it with the
   Swift toolchain hidden.

     consumer            checks that the header and the loaded library agree on the version
     consumer URL        also sends a chat to the emulator at URL */
#include <bedrock.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond) do { \
    if (!(cond)) { failures++; fprintf(stderr, "consumer.c:%d: CHECK failed: %s\n", __LINE__, #cond); } \
} while (0)

static void chat_with_emulator(const char *url) {
    char config[512];
    snprintf(config, sizeof config,
             "{\"region\": \"us-east-1\", \"endpoint_url\": \"%s\", \"credentials\": "
             "{\"access_key_id\": \"AKIDEMULATOR\", \"secret_access_key\": \"emulator/secret/key\"}}", url);
    bedrock_client *client = NULL;
    bedrock_error *err = NULL;
    bedrock_status status = bedrock_client_new(config, &client, &err);
    CHECK(status == BEDROCK_OK);
    if (status != BEDROCK_OK) {
        fprintf(stderr, "bedrock_client_new: %s\n", bedrock_error_message(err));
    } else {
        char *response = NULL;
        status = bedrock_chat(client, "{\"model\": \"anthropic.claude-3-haiku-20240307-v1:0\", "
                              "\"messages\": [[\"human\", \"Hello from an installed libbedrock.\"]]}",
                              &response, &err);
        CHECK(status == BEDROCK_OK);
        if (status != BEDROCK_OK) fprintf(stderr, "bedrock_chat: %s\n", bedrock_error_message(err));
        CHECK(response && strstr(response, "You said: Hello from an installed libbedrock."));
        if (response) printf("chat: %s\n", response);
        bedrock_string_free(response);
    }
    bedrock_error_free(err);
    bedrock_client_free(client);
}

int main(int argc, char **argv) {
    CHECK(bedrock_version_number() == BEDROCK_VERSION_NUMBER);
    CHECK(strcmp(bedrock_version(), BEDROCK_VERSION) == 0);
    CHECK(BEDROCK_VERSION_NUMBER ==
          BEDROCK_VERSION_MAJOR * 1000000 + BEDROCK_VERSION_MINOR * 1000 + BEDROCK_VERSION_PATCH);
    CHECK(BEDROCK_VERSION_AT_LEAST(BEDROCK_VERSION_MAJOR, BEDROCK_VERSION_MINOR, BEDROCK_VERSION_PATCH));
    CHECK(!BEDROCK_VERSION_AT_LEAST(BEDROCK_VERSION_MAJOR, BEDROCK_VERSION_MINOR, BEDROCK_VERSION_PATCH + 1));
    CHECK(strcmp(bedrock_status_string(BEDROCK_OK), "no error") == 0);
    printf("libbedrock %s (header %s)\n", bedrock_version(), BEDROCK_VERSION);
    if (argc > 1) chat_with_emulator(argv[1]);
    printf("consumer: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}

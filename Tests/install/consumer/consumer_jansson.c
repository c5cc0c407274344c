/* Uses an installed libbedrock's jansson forms (bedrock_jansson.h), built out of tree through
   find_package(Bedrock) with Bedrock::bedrock_jansson and through pkg-config's
   "bedrock jansson", so the flags the package passes on for jansson are exercised.

     consumer_jansson URL    sends a chat to the emulator at URL with bedrock_chat_j */
#include <bedrock_jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: consumer_jansson URL\n");
        return 2;
    }
    json_t *config = json_pack("{s:s, s:s, s:{s:s, s:s}}", "region", "us-east-1", "endpoint_url", argv[1],
                               "credentials", "access_key_id", "AKIDEMULATOR",
                               "secret_access_key", "emulator/secret/key");
    char *config_text = json_dumps(config, JSON_COMPACT);
    bedrock_client *client = NULL;
    bedrock_error *err = NULL;
    int ok = 0;
    if (bedrock_client_new(config_text, &client, &err) != BEDROCK_OK) {
        fprintf(stderr, "bedrock_client_new: %s\n", bedrock_error_message(err));
    } else {
        json_t *request = json_pack("{s:s, s:[[s, s]]}", "model", "anthropic.claude-3-haiku-20240307-v1:0",
                                    "messages", "human", "Hello through jansson.");
        json_t *response = NULL;
        if (bedrock_chat_j(client, request, &response, &err) != BEDROCK_OK) {
            fprintf(stderr, "bedrock_chat_j: %s\n", bedrock_error_message(err));
        } else {
            const char *content = json_string_value(json_object_get(response, "content"));
            ok = content && strcmp(content, "You said: Hello through jansson.") == 0;
            printf("chat_j: %s\n", content ? content : "(no content)");
        }
        json_decref(response);
        json_decref(request);
    }
    bedrock_error_free(err);
    bedrock_client_free(client);
    free(config_text);
    json_decref(config);
    printf("consumer_jansson: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}

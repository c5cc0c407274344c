/* Streams a Bedrock reply to stdout as it arrives, through ConverseStream.
 *
 *   converse_stream [--model MODEL_ID] [--system TEXT] PROMPT...
 *
 * Region, endpoint and credentials come from the environment and ~/.aws, as with the AWS CLI
 * (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_ACCESS_KEY_ID, ...).
 * Token usage goes to stderr at the end. */
#include <bedrock.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints text deltas as they come and remembers the usage from the metadata event. */
static int on_event(const char *event_json, size_t len, void *user_data) {
    json_t **usage = user_data;
    json_t *event = json_loadb(event_json, len, 0, NULL);
    if (!event) return 1;
    const char *text = json_string_value(json_object_get(
        json_object_get(json_object_get(event, "contentBlockDelta"), "delta"), "text"));
    if (text) {
        fputs(text, stdout);
        fflush(stdout);
    }
    json_t *metadata_usage = json_object_get(json_object_get(event, "metadata"), "usage");
    if (metadata_usage) *usage = json_incref(metadata_usage);
    json_decref(event);
    return 0;
}

int main(int argc, char **argv) {
    const char *model = "anthropic.claude-3-haiku-20240307-v1:0";
    const char *system_prompt = NULL;
    char prompt[8192] = "";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc) {
            model = argv[++i];
        } else if (!strcmp(argv[i], "--system") && i + 1 < argc) {
            system_prompt = argv[++i];
        } else {
            if (*prompt) strncat(prompt, " ", sizeof prompt - strlen(prompt) - 1);
            strncat(prompt, argv[i], sizeof prompt - strlen(prompt) - 1);
        }
    }
    if (!*prompt) {
        fprintf(stderr, "usage: %s [--model MODEL_ID] [--system TEXT] PROMPT...\n", argv[0]);
        return 2;
    }

    /* Build the Converse request with jansson so any prompt text is escaped correctly. */
    json_t *request = json_pack("{s:[{s:s, s:[{s:s}]}], s:{s:i}}", "messages", "role", "user", "content",
                                "text", prompt, "inferenceConfig", "maxTokens", 512);
    if (system_prompt) json_object_set_new(request, "system", json_pack("[{s:s}]", "text", system_prompt));
    char *request_json = json_dumps(request, JSON_COMPACT);
    json_decref(request);

    bedrock_client *client = NULL;
    bedrock_error *err = NULL;
    json_t *usage = NULL;
    bedrock_status status = bedrock_client_new(NULL, &client, &err);
    if (status == BEDROCK_OK) status = bedrock_converse_stream(client, model, request_json, on_event, &usage, &err);
    putchar('\n');
    fflush(stdout);
    if (status != BEDROCK_OK) {
        fprintf(stderr, "error: %s\n", bedrock_error_message(err));
    } else if (usage) {
        fprintf(stderr, "[%s: %lld input tokens, %lld output tokens]\n", model,
                (long long)json_integer_value(json_object_get(usage, "inputTokens")),
                (long long)json_integer_value(json_object_get(usage, "outputTokens")));
    }
    json_decref(usage);
    free(request_json);
    bedrock_error_free(err);
    bedrock_client_free(client);
    return status == BEDROCK_OK ? 0 : 1;
}

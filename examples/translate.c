/* Translation with a system prompt, as in LangChain's ChatBedrock quick start:
 *
 *   translate [--model MODEL_ID] [--to LANGUAGE] SENTENCE...
 *
 * Uses the provider-independent bedrock_chat with jansson values (bedrock_chat_j). */
#include <bedrock_jansson.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    const char *model = "anthropic.claude-3-haiku-20240307-v1:0";
    const char *language = "French";
    char sentence[4096] = "";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc) {
            model = argv[++i];
        } else if (!strcmp(argv[i], "--to") && i + 1 < argc) {
            language = argv[++i];
        } else {
            if (*sentence) strncat(sentence, " ", sizeof sentence - strlen(sentence) - 1);
            strncat(sentence, argv[i], sizeof sentence - strlen(sentence) - 1);
        }
    }
    if (!*sentence) {
        fprintf(stderr, "usage: %s [--model MODEL_ID] [--to LANGUAGE] SENTENCE...\n", argv[0]);
        return 2;
    }

    char system_prompt[256];
    snprintf(system_prompt, sizeof system_prompt,
             "You are a helpful assistant that translates English to %s. Translate the user sentence.", language);
    json_t *request = json_pack("{s:s, s:[[s,s],[s,s]], s:i, s:f}", "model", model, "messages",
                                "system", system_prompt, "human", sentence, "max_tokens", 512, "temperature", 0.0);

    bedrock_client *client = NULL;
    bedrock_error *err = NULL;
    json_t *response = NULL;
    bedrock_status status = bedrock_client_new(NULL, &client, &err);
    if (status == BEDROCK_OK) status = bedrock_chat_j(client, request, &response, &err);
    if (status == BEDROCK_OK) {
        json_t *usage = json_object_get(response, "usage");
        printf("%s\n", json_string_value(json_object_get(response, "content")));
        fprintf(stderr, "[%s via %s: %lld input tokens, %lld output tokens, stop: %s]\n", model,
                json_string_value(json_object_get(response, "api")),
                (long long)json_integer_value(json_object_get(usage, "input_tokens")),
                (long long)json_integer_value(json_object_get(usage, "output_tokens")),
                json_string_value(json_object_get(response, "stop_reason")));
    } else {
        fprintf(stderr, "error: %s\n", bedrock_error_message(err));
    }
    json_decref(response);
    json_decref(request);
    bedrock_error_free(err);
    bedrock_client_free(client);
    return status == BEDROCK_OK ? 0 : 1;
}

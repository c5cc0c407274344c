/* Tool calling, the whole loop: the model asks for get_weather, this program runs it, sends
 * the result back, and prints the model's final answer.
 *
 *   tool_calling [--model MODEL_ID] [QUESTION...]
 */
#include <bedrock_jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The "tool": a real program would call a weather service here. */
static json_t *get_weather(json_t *args) {
    const char *city = json_string_value(json_object_get(args, "city"));
    char report[256];
    snprintf(report, sizeof report, "It is 18 degrees and sunny in %s.", city ? city : "that city");
    return json_string(report);
}

static json_t *weather_tool(void) {
    return json_pack("{s:s, s:s, s:{s:s, s:{s:{s:s, s:s}}, s:[s]}}", "name", "get_weather", "description",
                     "Get the current weather in a city.", "input_schema", "type", "object", "properties", "city",
                     "type", "string", "description", "The city name", "required", "city");
}

int main(int argc, char **argv) {
    const char *model = "anthropic.claude-3-5-sonnet-20240620-v1:0";
    char question[2048] = "";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc) {
            model = argv[++i];
        } else {
            if (*question) strncat(question, " ", sizeof question - strlen(question) - 1);
            strncat(question, argv[i], sizeof question - strlen(question) - 1);
        }
    }
    if (!*question) snprintf(question, sizeof question, "What is the weather in Paris?");

    json_t *messages = json_pack("[[s,s]]", "human", question);
    json_t *request = json_pack("{s:s, s:O, s:[o], s:i}", "model", model, "messages", messages, "tools",
                                weather_tool(), "max_tokens", 512);
    bedrock_client *client = NULL;
    bedrock_error *err = NULL;
    json_t *response = NULL;
    bedrock_status status = bedrock_client_new(NULL, &client, &err);

    /* Ask until the model stops calling tools (at most a few rounds). */
    for (int round = 0; status == BEDROCK_OK && round < 4; round++) {
        json_decref(response);
        response = NULL;
        status = bedrock_chat_j(client, request, &response, &err);
        if (status != BEDROCK_OK) break;
        json_t *calls = json_object_get(response, "tool_calls");
        if (json_array_size(calls) == 0) break;

        /* Echo the assistant turn (with its tool calls) into the history, then each result. */
        json_array_append_new(messages, json_pack("{s:s, s:O, s:O}", "role", "assistant", "content",
                                                  json_object_get(response, "content"), "tool_calls", calls));
        size_t i;
        json_t *call;
        json_array_foreach(calls, i, call) {
            const char *name = json_string_value(json_object_get(call, "name"));
            char *args = json_dumps(json_object_get(call, "args"), JSON_COMPACT);
            fprintf(stderr, "[the model calls %s(%s)]\n", name ? name : "?", args ? args : "");
            free(args);
            json_t *result = strcmp(name, "get_weather") == 0 ? get_weather(json_object_get(call, "args"))
                                                               : json_string("unknown tool");
            json_array_append_new(messages, json_pack("{s:s, s:o, s:O}", "role", "tool", "content", result,
                                                      "tool_call_id", json_object_get(call, "id")));
        }
        json_object_set(request, "messages", messages);
    }
    if (status == BEDROCK_OK) {
        printf("%s\n", json_string_value(json_object_get(response, "content")));
    } else {
        fprintf(stderr, "error: %s\n", bedrock_error_message(err));
    }
    json_decref(response);
    json_decref(request);
    json_decref(messages);
    bedrock_error_free(err);
    bedrock_client_free(client);
    return status == BEDROCK_OK ? 0 : 1;
}

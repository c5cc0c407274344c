/* bench/client.c - times the C API of libbedrock against bench_server, one scenario at a time.
 *
 *   bench_client URL DATA_DIR [--runs N] [--seconds S] [--calls N] SCENARIO...
 *
 * Scenarios (bench/driver.py names the rows they fill):
 *   converse, invoke, chat          one small call: bedrock_converse, bedrock_invoke_model,
 *                                   bedrock_chat (an Anthropic model: InvokeModel underneath)
 *   converse-stream, invoke-stream  1,000 events: bedrock_converse_stream,
 *                                   bedrock_invoke_model_stream
 *   chat-stream, pull-stream        the same 1,000 InvokeModel events as chat events:
 *                                   bedrock_chat_stream, bedrock_stream_open + _next
 *   converse-stream-1mib            a 1 MiB ConverseStream reply in 16 large events
 *   image                           bedrock_converse with a 4 MiB image (DATA_DIR/image-request.json)
 *   many                            --calls N (default 100000) bedrock_converse calls in a row;
 *                                   prints the RSS after the first 1,000 and at the end
 * Each scenario but `many` prints one JSON line (bench/bench.h); a stream's unit is an
 * event. Exits 1 as soon as a call fails or a reply is not the canned one.
 */
#include <bedrock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct bench {
    bedrock_client *client;
    char *image_request;
    /* What the current stream delivered; token events are counted only when checking. */
    int check;
    long events, token_events;
};

static int failed(bedrock_status status, bedrock_error *err) {
    if (status != BEDROCK_OK) {
        fprintf(stderr, "%s\n", err ? bedrock_error_message(err) : bedrock_status_name(status));
    }
    bedrock_error_free(err);
    return status != BEDROCK_OK;
}

/* Frees a reply after checking the call's status and, when asked, its text. */
static int reply_result(bedrock_status status, bedrock_error *err, char *reply, int check) {
    int bad = failed(status, err);
    if (!bad && check && !(reply && strstr(reply, REPLY_TEXT))) {
        fprintf(stderr, "unexpected reply: %.200s\n", reply ? reply : "(none)");
        bad = 1;
    }
    bedrock_string_free(reply);
    return bad;
}

static int converse(void *state, int check) {
    struct bench *b = state;
    char *reply = NULL;
    bedrock_error *err = NULL;
    bedrock_status status = bedrock_converse(b->client, MODEL, CONVERSE_REQUEST, &reply, &err);
    return reply_result(status, err, reply, check);
}

static int invoke(void *state, int check) {
    struct bench *b = state;
    char *reply = NULL;
    bedrock_error *err = NULL;
    bedrock_status status = bedrock_invoke_model(b->client, MODEL, INVOKE_BODY, &reply, &err);
    return reply_result(status, err, reply, check);
}

static int chat(void *state, int check) {
    struct bench *b = state;
    char *reply = NULL;
    bedrock_error *err = NULL;
    bedrock_status status = bedrock_chat(b->client, CHAT_REQUEST, &reply, &err);
    return reply_result(status, err, reply, check);
}

static int image(void *state, int check) {
    struct bench *b = state;
    char *reply = NULL;
    bedrock_error *err = NULL;
    bedrock_status status = bedrock_converse(b->client, MODEL, b->image_request, &reply, &err);
    return reply_result(status, err, reply, check);
}

static int on_event(const char *event, size_t length, void *user_data) {
    struct bench *b = user_data;
    (void)length;
    b->events++;
    if (b->check && strstr(event, TOKEN)) b->token_events++;
    return 0;
}

static struct bench *start_stream(void *state, int check) {
    struct bench *b = state;
    b->check = check;
    b->events = b->token_events = 0;
    return b;
}

/* Checks a stream's status and, when asked, that it delivered `events` events of which
   `token_events` carried streamed text. */
static int stream_result(struct bench *b, bedrock_status status, bedrock_error *err, long events, long token_events) {
    if (failed(status, err)) return 1;
    if (b->check && (b->events != events || b->token_events != token_events)) {
        fprintf(stderr, "got %ld events (%ld with text), expected %ld (%ld)\n", b->events,
                b->token_events, events, token_events);
        return 1;
    }
    return 0;
}

/* The canned streams: ConverseStream is messageStart, 996 contentBlockDelta, contentBlockStop,
   messageStop, metadata; InvokeModelWithResponseStream is message_start, content_block_start,
   995 content_block_delta, content_block_stop, message_delta, message_stop. The chat events
   of the latter are start, 995 text, usage, stop, message (which has the text too). */
static int converse_stream(void *state, int check) {
    struct bench *b = start_stream(state, check);
    bedrock_error *err = NULL;
    bedrock_status status = bedrock_converse_stream(b->client, MODEL, CONVERSE_REQUEST, on_event, b, &err);
    return stream_result(b, status, err, 1000, 996);
}

static int converse_stream_1mib(void *state, int check) {
    struct bench *b = start_stream(state, check);
    bedrock_error *err = NULL;
    bedrock_status status = bedrock_converse_stream(b->client, LARGE_REPLY_MODEL, CONVERSE_REQUEST, on_event, b, &err);
    return stream_result(b, status, err, 20, 16);
}

static int invoke_stream(void *state, int check) {
    struct bench *b = start_stream(state, check);
    bedrock_error *err = NULL;
    bedrock_status status = bedrock_invoke_model_stream(b->client, MODEL, INVOKE_BODY, on_event, b, &err);
    return stream_result(b, status, err, 1000, 995);
}

static int chat_stream(void *state, int check) {
    struct bench *b = start_stream(state, check);
    bedrock_error *err = NULL;
    bedrock_status status = bedrock_chat_stream(b->client, CHAT_REQUEST, on_event, b, &err);
    return stream_result(b, status, err, 999, 996);
}

static int pull_stream(void *state, int check) {
    struct bench *b = start_stream(state, check);
    bedrock_stream *stream = NULL;
    bedrock_error *err = NULL;
    char *event = NULL;
    bedrock_status status = bedrock_stream_open(b->client, CHAT_REQUEST, &stream, &err);
    while (status == BEDROCK_OK && (status = bedrock_stream_next(stream, &event, &err)) == BEDROCK_OK && event) {
        on_event(event, 0, b);
        bedrock_string_free(event);
    }
    bedrock_stream_free(stream);
    return stream_result(b, status, err, 999, 996);
}

static const struct scenario {
    const char *name;
    bench_call call;
    int units;
} scenarios[] = {
    {"converse", converse, 1},
    {"invoke", invoke, 1},
    {"chat", chat, 1},
    {"converse-stream", converse_stream, 1000},
    {"invoke-stream", invoke_stream, 1000},
    {"chat-stream", chat_stream, 1000},
    {"pull-stream", pull_stream, 1000},
    {"converse-stream-1mib", converse_stream_1mib, 1},
    {"image", image, 1},
};

/* `calls` small calls in a row on one client: the RSS after the first 1,000 and at the end. */
static int many_calls(struct bench *b, long calls) {
    long rss_after_1000 = -1;
    double cpu0 = cpu_seconds();
    for (long i = 0; i < calls; i++) {
        if (converse(b, i == 0 || i == calls - 1) != 0) {
            fprintf(stderr, "c many: call %ld failed\n", i + 1);
            return 1;
        }
        if (i + 1 == 1000) rss_after_1000 = status_kib("VmRSS:");
    }
    printf("{\"client\": \"c\", \"scenario\": \"many\", \"calls\": %ld, \"cpu_us\": [%.3f], "
           "\"rss_after_1000_kib\": %ld, \"rss_end_kib\": %ld}\n",
           calls, (cpu_seconds() - cpu0) * 1e6 / calls, rss_after_1000, status_kib("VmRSS:"));
    return 0;
}

int main(int argc, char **argv) {
    int runs = 5;
    double seconds = 0.5;
    long calls = 100000;
    if (argc < 4) {
        fprintf(stderr, "usage: %s URL DATA_DIR [--runs N] [--seconds S] [--calls N] SCENARIO...\n", argv[0]);
        return 2;
    }
    const char *url = argv[1], *data_dir = argv[2];
    char path[4096], config[4096];
    snprintf(path, sizeof path, "%s/image-request.json", data_dir);
    snprintf(config, sizeof config,
             "{\"region\": \"us-east-1\", \"endpoint_url\": \"%s\", \"credentials\": "
             "{\"access_key_id\": \"" ACCESS_KEY_ID "\", \"secret_access_key\": \"" SECRET_ACCESS_KEY "\"}}", url);
    struct bench b = {.image_request = read_file(path)};
    bedrock_error *err = NULL;
    if (!b.image_request) {
        perror(path);
        return 1;
    }
    if (failed(bedrock_client_new(config, &b.client, &err), err)) return 1;

    int status = 0;
    for (int i = 3; i < argc && status == 0; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--calls") && i + 1 < argc) {
            calls = atol(argv[++i]);
        } else if (!strcmp(argv[i], "many")) {
            status = many_calls(&b, calls);
        } else {
            const struct scenario *s = NULL;
            for (size_t k = 0; k < sizeof scenarios / sizeof *scenarios; k++) {
                if (!strcmp(argv[i], scenarios[k].name)) s = &scenarios[k];
            }
            if (!s) {
                fprintf(stderr, "unknown scenario %s\n", argv[i]);
                return 2;
            }
            status = measure("c", s->name, s->units, s->call, &b, runs, seconds);
        }
    }
    bedrock_client_free(b.client);
    free(b.image_request);
    return status;
}

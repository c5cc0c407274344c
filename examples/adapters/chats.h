/*
 * chats.h - what the three adapter examples share, so that each shows only its event loop:
 * the command line, a client and a multi, a few chat streams started at once that print
 * their tokens as they arrive, and, with --check, the test that ctest runs: every stream
 * ended BEDROCK_OK, its final message equals the text its deltas spelled, and the streams
 * were in flight at the same time.
 *
 *   PROGRAM [--check] [--endpoint URL] [--model MODEL_ID] [PROMPT...]
 *
 * One stream per PROMPT (three made-up ones by default). Region and credentials come from
 * the environment and ~/.aws as with the AWS CLI; --endpoint overrides the endpoint (the
 * emulator's URL, for one).
 */
#ifndef BEDROCK_EXAMPLE_CHATS_H
#define BEDROCK_EXAMPLE_CHATS_H

#include <bedrock.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHATS_MAX 16

typedef struct chats chats;

typedef struct chat {
    chats *all;
    int index;
    bedrock_call *call;
    char *text;       /* the text deltas, concatenated */
    char *message;    /* the final "message" event's content */
    int events;
    long first_text;  /* sequence numbers, across all streams, of the first text event */
    long last_event;  /* and of the last event */
    int done;
    bedrock_status status;
    char error[512];
} chat;

struct chats {
    bedrock_client *client;
    bedrock_multi *multi;
    const char *model;
    int check;
    int count;
    int running;   /* streams whose on_done has not run yet */
    long sequence; /* events seen, across all streams */
    const char *prompts[CHATS_MAX];
    chat items[CHATS_MAX];
    void (*on_all_done)(void *data); /* run by the last on_done: stop the loop here */
    void *on_all_done_data;
};

static char *chats_append(char *buffer, const char *text) {
    size_t used = buffer ? strlen(buffer) : 0, extra = strlen(text);
    char *grown = realloc(buffer, used + extra + 1);
    if (!grown) return buffer;
    memcpy(grown + used, text, extra + 1);
    return grown;
}

/* bedrock_event_fn: prints each token with its stream's number, and remembers the text. */
static int chats_on_event(const char *event_json, size_t len, void *user_data) {
    chat *c = user_data;
    chats *all = c->all;
    json_t *event = json_loadb(event_json, len, 0, NULL);
    const char *type = json_string_value(json_object_get(event, "type"));
    c->events++;
    c->last_event = ++all->sequence;
    if (type && !strcmp(type, "text")) {
        const char *text = json_string_value(json_object_get(event, "text"));
        if (!c->text) c->first_text = c->last_event;
        c->text = chats_append(c->text, text ? text : "");
        printf("[%d] %s\n", c->index + 1, text ? text : "");
        fflush(stdout);
    } else if (type && !strcmp(type, "message")) {
        const char *content = json_string_value(json_object_get(json_object_get(event, "message"), "content"));
        free(c->message);
        c->message = chats_append(NULL, content ? content : "");
    }
    json_decref(event);
    return 0;
}

/* bedrock_done_fn: records how the stream ended; the last one runs on_all_done. */
static void chats_on_done(bedrock_call *call, bedrock_status status, const char *result_json,
                          const bedrock_error *err, void *user_data) {
    (void)call, (void)result_json;
    chat *c = user_data;
    chats *all = c->all;
    c->done++;
    c->status = status;
    if (err) snprintf(c->error, sizeof c->error, "%s", bedrock_error_message(err));
    printf("[%d] done: %s\n", c->index + 1, bedrock_status_name(status));
    fflush(stdout);
    if (--all->running == 0 && all->on_all_done) all->on_all_done(all->on_all_done_data);
}

/* Reads the command line and creates the client and the multi. Returns 0, or the exit code
   after printing why not. */
static int chats_init(chats *all, int argc, char **argv, const char *multi_options) {
    static const char *default_prompts[] = {
        "Name three event loops.", "Why do servers poll sockets?", "Say hello in five languages."};
    const char *endpoint = NULL;
    memset(all, 0, sizeof *all);
    all->model = "anthropic.claude-3-haiku-20240307-v1:0";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--check")) all->check = 1;
        else if (!strcmp(argv[i], "--endpoint") && i + 1 < argc) endpoint = argv[++i];
        else if (!strcmp(argv[i], "--model") && i + 1 < argc) all->model = argv[++i];
        else if (argv[i][0] == '-' || all->count == CHATS_MAX) {
            fprintf(stderr, "usage: %s [--check] [--endpoint URL] [--model MODEL_ID] [PROMPT...] (at most %d)\n",
                    argv[0], CHATS_MAX);
            return 2;
        } else all->prompts[all->count++] = argv[i];
    }
    if (all->count == 0) {
        for (int i = 0; i < 3; i++) all->prompts[i] = default_prompts[i];
        all->count = 3;
    }
    json_t *config = endpoint ? json_pack("{s:s}", "endpoint_url", endpoint) : json_object();
    char *config_json = json_dumps(config, JSON_COMPACT);
    json_decref(config);
    bedrock_error *err = NULL;
    if (bedrock_client_new(config_json, &all->client, &err) != BEDROCK_OK ||
        bedrock_multi_new(all->client, multi_options, &all->multi, &err) != BEDROCK_OK) {
        fprintf(stderr, "error: %s\n", bedrock_error_message(err));
        bedrock_error_free(err);
        free(config_json);
        bedrock_client_free(all->client);
        return 1;
    }
    free(config_json);
    return 0;
}

/* Starts one chat stream per prompt. They go out when the loop first drives the multi. */
static int chats_start(chats *all) {
    for (int i = 0; i < all->count; i++) {
        chat *c = &all->items[i];
        c->all = all;
        c->index = i;
        json_t *request = json_pack("{s:s, s:[[s,s]], s:i}", "model", all->model, "messages", "human",
                                    all->prompts[i], "max_tokens", 256);
        char *request_json = json_dumps(request, JSON_COMPACT);
        json_decref(request);
        bedrock_error *err = NULL;
        bedrock_status status = bedrock_multi_chat_stream(all->multi, request_json, chats_on_event, chats_on_done, c,
                                                          &c->call, &err);
        free(request_json);
        if (status != BEDROCK_OK) {
            fprintf(stderr, "error: stream %d: %s\n", i + 1, bedrock_error_message(err));
            bedrock_error_free(err);
            return 1;
        }
        all->running++;
    }
    return 0;
}

/* Cancels every stream still running (on_done then runs with BEDROCK_ERR_CANCELLED). */
static void chats_cancel(chats *all) {
    for (int i = 0; i < all->count; i++) bedrock_call_cancel(all->items[i].call);
}

/* Prints each stream's outcome and, with --check, tests it; frees the calls and the client
   (the example frees the multi itself, after its adapter). Returns the exit code. */
static int chats_finish(chats *all) {
    int failed = 0;
    long latest_first = 0, earliest_last = -1;
    for (int i = 0; i < all->count; i++) {
        chat *c = &all->items[i];
        int ok = c->done == 1 && c->status == BEDROCK_OK && c->text && c->message && !strcmp(c->text, c->message);
        printf("stream %d: %s, %d events: \"%s\"%s%s\n", i + 1, bedrock_status_name(c->status), c->events,
               c->message ? c->message : "", *c->error ? " " : "", c->error);
        if (!ok) failed++;
        if (!ok && all->check) {
            fprintf(stderr, "stream %d: done %d times, status %s, deltas \"%s\" vs message \"%s\"\n", i + 1, c->done,
                    bedrock_status_name(c->status), c->text ? c->text : "", c->message ? c->message : "(none)");
        }
        if (c->first_text > latest_first) latest_first = c->first_text;
        if (earliest_last < 0 || c->last_event < earliest_last) earliest_last = c->last_event;
        bedrock_call_free(c->call);
        free(c->text);
        free(c->message);
    }
    bedrock_client_free(all->client);
    if (!all->check) return failed ? 1 : 0;
    /* Every stream had its first token before any stream's last event: they ran at once. */
    int overlapped = all->count < 2 || latest_first < earliest_last;
    if (!overlapped) fprintf(stderr, "check: the streams did not overlap: one ended before another began\n");
    if (failed || !overlapped) {
        printf("check: FAILED\n");
        return 1;
    }
    printf("check: %d streams at once, each final message equal to its deltas\n", all->count);
    return 0;
}

#endif /* BEDROCK_EXAMPLE_CHATS_H */

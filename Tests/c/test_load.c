/* Load: many threads share one client and make mixed calls (chat, ConverseStream,
   InvokeModelWithResponseStream, and calls the emulator answers with errors). Every reply must
   belong to its own request (each carries a unique tag the emulator echoes back), none is lost
   or duplicated, each error has its exact status, and resident memory levels off.

     test_load URL_FILE [--threads N] [--calls N]      (defaults: 32 threads, 500 calls each)

   ctest runs a smaller load; README gives the figures of the full one. */
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#define MODEL "anthropic.claude-3-haiku-20240307-v1:0"

/* ASan's quarantine keeps freed memory on purpose, so RSS is checked only without it. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

enum kind { CHAT, CONVERSE_STREAM, INVOKE_STREAM, VALIDATION, ACCESS_DENIED, KINDS };

static bedrock_client *client;
static int threads = 32;
static int calls_per_thread = 500;
static atomic_int done_calls;
static atomic_int failures;
static long rss_early_kb;

typedef struct {
    char text[4096];
    int events;
} collected;

static int collect(const char *event, size_t len, void *user) {
    (void)len;
    collected *c = user;
    c->events++;
    /* Text deltas ("text":"..."), from ConverseStream and from Anthropic chunks alike. */
    const char *markers[] = {"\"text\":\"", "\"text\": \""};
    for (int m = 0; m < 2; m++) {
        for (const char *at = strstr(event, markers[m]); at; at = strstr(at + 1, markers[m])) {
            const char *start = at + strlen(markers[m]);
            const char *end = strchr(start, '"');
            size_t used = strlen(c->text);
            if (end && used + (size_t)(end - start) < sizeof c->text) strncat(c->text, start, (size_t)(end - start));
        }
    }
    return 0;
}

static long rss_kb(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void fail(const char *what, int thread, int call, const char *detail) {
    atomic_fetch_add(&failures, 1);
    if (atomic_load(&failures) <= 10) fprintf(stderr, "thread %d call %d: %s: %s\n", thread, call, what, detail ? detail : "");
}

/* One call of `kind`, tagged "t<thread>c<call>", checked against what the emulator must answer. */
static void one_call(int thread, int call, enum kind kind) {
    char tag[32], text[128], request[512], expected[160];
    snprintf(tag, sizeof tag, "t%dc%d", thread, call);
    bedrock_error *err = NULL;
    char *response = NULL;
    collected c = {{0}, 0};
    bedrock_status status;
    switch (kind) {
    case CHAT:
    case VALIDATION:
    case ACCESS_DENIED:
        snprintf(text, sizeof text, "%s%s", kind == VALIDATION ? "[[fault:validation]] " :
                 kind == ACCESS_DENIED ? "[[fault:access_denied]] " : "", tag);
        snprintf(request, sizeof request, "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", \"%s\"]], \"max_tokens\": 50}", text);
        status = bedrock_chat(client, request, &response, &err);
        break;
    case CONVERSE_STREAM:
        snprintf(request, sizeof request, "{\"messages\": [{\"role\": \"user\", \"content\": [{\"text\": \"%s\"}]}]}", tag);
        status = bedrock_converse_stream(client, MODEL, request, collect, &c, &err);
        break;
    default:
        snprintf(request, sizeof request, "{\"anthropic_version\": \"bedrock-2023-05-31\", \"max_tokens\": 50, "
                 "\"messages\": [{\"role\": \"user\", \"content\": \"%s\"}]}", tag);
        status = bedrock_invoke_model_stream(client, MODEL, request, collect, &c, &err);
        break;
    }
    snprintf(expected, sizeof expected, "You said: %s", tag);
    bedrock_status want = kind == VALIDATION ? BEDROCK_ERR_VALIDATION
                        : kind == ACCESS_DENIED ? BEDROCK_ERR_ACCESS_DENIED : BEDROCK_OK;
    if (status != want) {
        fail("status", thread, call, bedrock_status_name(status));
    } else if (kind == CHAT) {
        /* Its own reply: the tag, and no other call's. */
        char needle[200];
        snprintf(needle, sizeof needle, "\"%s\"", expected);
        if (!response || !strstr(response, needle)) fail("reply", thread, call, response);
    } else if (kind == CONVERSE_STREAM || kind == INVOKE_STREAM) {
        if (strcmp(c.text, expected) != 0) fail("stream", thread, call, c.text);
    }
    bedrock_string_free(response);
    bedrock_error_free(err);
}

static void *run_thread(void *arg) {
    int thread = (int)(intptr_t)arg;
    for (int call = 0; call < calls_per_thread; call++) {
        one_call(thread, call, (enum kind)((thread + call) % KINDS));
        if (atomic_fetch_add(&done_calls, 1) + 1 == threads * calls_per_thread / 10) rss_early_kb = rss_kb();
    }
    return NULL;
}

int main(int argc, char **argv) {
    const char *url = harness_emulator_url(argc, argv);
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--threads") == 0) threads = atoi(argv[i + 1]);
        if (strcmp(argv[i], "--calls") == 0) calls_per_thread = atoi(argv[i + 1]);
    }
    client = harness_client(url, "");
    pthread_t ids[256];
    if (threads > 256) threads = 256;
    for (int t = 0; t < threads; t++) CHECK(pthread_create(&ids[t], NULL, run_thread, (void *)(intptr_t)t) == 0);
    for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
    long rss_end_kb = rss_kb();
    bedrock_client_free(client);
    int total = threads * calls_per_thread;
    printf("%d threads x %d calls: %d done, %d failed; RSS %ld KiB after the first tenth, %ld KiB at the end\n",
           threads, calls_per_thread, atomic_load(&done_calls), atomic_load(&failures), rss_early_kb, rss_end_kb);
    CHECK(atomic_load(&done_calls) == total);
    CHECK(atomic_load(&failures) == 0);
#ifndef UNDER_ASAN
    /* Levels off: the last nine tenths of the calls add little. */
    if (rss_early_kb > 0) CHECK(rss_end_kb <= rss_early_kb + rss_early_kb / 4 + 16 * 1024);
#endif
    return harness_finish("test_load");
}

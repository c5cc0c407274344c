/* Many concurrent chat streams on one thread of a C program (issue: "prove the scale").

     test_multi_scale URL_FILE [--http VERSION] [--ca FILE] [--streams N] [--cancel-half]
                               [--max-connections N]

   Every stream's final message must equal its deltas; the process keeps one thread; open
   sockets stay at or below max_connections; with --cancel-half, another thread cancels every
   other stream midway and the rest complete. Prints the figures: wall time, the longest
   perform, connections, threads, the client's CPU per event and the peak RSS per stream
   (bench/streams.sh runs it at 1, 100 and 1,000 streams on the release library). Needs an emulator that serves thousands of streams (the
   asyncio mode), over HTTP/2 or HTTP/1.1 (raise the fd limit for the latter). */
#include "harness.h"

#include <dirent.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* The driving thread's own CPU time: a perform's wall time also counts the time the emulator,
   on the same two cores, keeps it off the CPU. */
static double thread_cpu_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double cpu_us(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

static int count_status(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int value = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, key, n)) {
            value = atoi(line + n);
            break;
        }
    }
    if (f) fclose(f);
    return value;
}

/* Open TCP sockets of this process (the multi's epoll, eventfd and timerfd are not sockets). */
static int count_sockets(void) {
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *entry;
    int sockets = 0;
    char path[300], target[64];
    while (dir && (entry = readdir(dir))) {
        snprintf(path, sizeof path, "/proc/self/fd/%s", entry->d_name);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n > 0) {
            target[n] = 0;
            if (!strncmp(target, "socket:", 7)) sockets++;
        }
    }
    if (dir) closedir(dir);
    return sockets;
}

typedef struct {
    size_t text_len;
    char text[1024];
    int events;
    int done;
    bedrock_status status;
    int matched;
} stream_state;

/* CPU from the first event on, and the events counted from then: the steady cost per event,
   without the connections and TLS handshakes before it. */
static double first_event_cpu = 0;
static long events_since_first = 0;

static int on_event(const char *event_json, size_t len, void *user_data) {
    stream_state *s = user_data;
    s->events++;
    if (first_event_cpu == 0) first_event_cpu = cpu_us();
    else events_since_first++;
    json_t *event = json_loadb(event_json, len, 0, NULL);
    const char *type = json_string_value(json_object_get(event, "type"));
    if (type && !strcmp(type, "text")) {
        const char *text = json_string_value(json_object_get(event, "text"));
        size_t n = strlen(text);
        if (s->text_len + n < sizeof s->text) {
            memcpy(s->text + s->text_len, text, n + 1);
            s->text_len += n;
        }
    } else if (type && !strcmp(type, "message")) {
        const char *content = json_string_value(json_object_get(json_object_get(event, "message"), "content"));
        s->matched = content && !strcmp(content, s->text);
    }
    json_decref(event);
    return 0;
}

static void on_done(bedrock_call *call, bedrock_status status, const char *result_json, const bedrock_error *err,
                    void *user_data) {
    (void)call;
    (void)result_json;
    stream_state *s = user_data;
    s->done++;
    s->status = status;
    if (status != BEDROCK_OK && status != BEDROCK_ERR_CANCELLED && err && s->done == 1)
        fprintf(stderr, "stream failed: %s\n", bedrock_error_message(err));
}

typedef struct {
    bedrock_call **calls;
    int count;
    double delay_ms;
} canceller;

static void *cancel_every_other(void *arg) {
    canceller *c = arg;
    usleep((useconds_t)(c->delay_ms * 1000));
    for (int i = 0; i < c->count; i += 2) bedrock_call_cancel(c->calls[i]);
    return NULL;
}

int main(int argc, char **argv) {
    const char *url = harness_emulator_url(argc, argv);
    const char *http = "2", *ca = NULL;
    int streams = 1000, cancel_half = 0, max_connections = 64;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--http") && i + 1 < argc) http = argv[++i];
        else if (!strcmp(argv[i], "--ca") && i + 1 < argc) ca = argv[++i];
        else if (!strcmp(argv[i], "--streams") && i + 1 < argc) streams = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--max-connections") && i + 1 < argc) max_connections = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--cancel-half")) cancel_half = 1;
    }
    /* HTTP/1.1 needs a connection (an fd) per concurrent stream. */
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    char extra[512] = "";
    if (ca) snprintf(extra, sizeof extra, "\"ca_file\": \"%s\"", ca);
    bedrock_client *client = harness_client(url, extra);
    bedrock_multi *multi = NULL;
    char options[128];
    snprintf(options, sizeof options, "{\"http_version\": \"%s\", \"max_connections\": %d}", http, max_connections);
    CHECK_STATUS(bedrock_multi_new(client, options, &multi, NULL), BEDROCK_OK);
    /* libcurl's multi handle keeps a socketpair of its own for wakeups: not a connection. */
    int own_sockets = count_sockets();

    stream_state *states = calloc((size_t)streams, sizeof *states);
    bedrock_call **calls = calloc((size_t)streams, sizeof *calls);
    int threads_before = count_status("Threads:");
    int rss_before = count_status("VmRSS:");
    double started = now_ms(), cpu_started = cpu_us();
    for (int i = 0; i < streams; i++) {
        /* 60 words, 20-50 ms apart. */
        char request[1024];
        int delay = 20 + (i * 7) % 31;
        int used = snprintf(request, sizeof request,
                            "{\"model\": \"anthropic.claude-3-haiku-20240307-v1:0\", \"messages\": [[\"human\", "
                            "\"[[fault:token_delay:%d]] s%d", delay, i);
        for (int w = 0; w < 57 && used < (int)sizeof request - 32; w++) used += snprintf(request + used, sizeof request - (size_t)used, " w%d", w);
        snprintf(request + used, sizeof request - (size_t)used, "\"]]}");
        CHECK_STATUS(bedrock_multi_chat_stream(multi, request, on_event, on_done, &states[i], &calls[i], NULL), BEDROCK_OK);
    }
    pthread_t thread;
    canceller c = {calls, streams, 800};
    if (cancel_half) pthread_create(&thread, NULL, cancel_every_other, &c);

    int running = streams, most_sockets = 0, most_threads = threads_before;
    /* The longest perform is also given from 1 s on, once the connections are up: a TLS
       handshake runs inside one libcurl call, and 64 of them make the start's turns long. */
    double longest = 0, longest_cpu = 0, longest_cpu_later = 0, next_sample = 0;
    while (running > 0 && now_ms() - started < 120000) {
        struct pollfd p = {.fd = bedrock_multi_fd(multi), .events = POLLIN};
        long timeout = bedrock_multi_timeout_ms(multi);
        poll(&p, 1, timeout < 0 || timeout > 100 ? 100 : (int)timeout);
        double before = now_ms(), before_cpu = thread_cpu_ms();
        CHECK_STATUS(bedrock_multi_perform(multi, 0, &running, NULL), BEDROCK_OK);
        double took = now_ms() - before, took_cpu = thread_cpu_ms() - before_cpu;
        if (took > longest) longest = took;
        if (took_cpu > longest_cpu) longest_cpu = took_cpu;
        if (before - started >= 1000 && took_cpu > longest_cpu_later) longest_cpu_later = took_cpu;
        /* Sampled every 50 ms: reading /proc costs more than a turn, and would count as the
           client's CPU per event. */
        if (now_ms() >= next_sample) {
            next_sample = now_ms() + 50;
            int sockets = count_sockets() - own_sockets, threads = count_status("Threads:");
            if (sockets > most_sockets) most_sockets = sockets;
            if (threads > most_threads && !cancel_half) most_threads = threads;
        }
    }
    double elapsed = now_ms() - started, cpu = cpu_us() - (first_event_cpu ? first_event_cpu : cpu_started);
    if (cancel_half) pthread_join(thread, NULL);

    int complete = 0, cancelled = 0, wrong = 0;
    long events = 0;
    for (int i = 0; i < streams; i++) {
        events += states[i].events;
        if (states[i].done != 1) wrong++;
        else if (states[i].status == BEDROCK_OK && states[i].matched) complete++;
        else if (states[i].status == BEDROCK_ERR_CANCELLED && cancel_half && i % 2 == 0) cancelled++;
        else wrong++;
        bedrock_call_free(calls[i]);
    }
    CHECK(running == 0);
    CHECK(wrong == 0);
    CHECK(complete == (cancel_half ? streams / 2 : streams));
    CHECK(most_threads == threads_before);
    CHECK(most_sockets <= max_connections);
    int peak = count_status("VmHWM:");
    printf("%d streams over HTTP/%s%s: %d complete, %d cancelled, %.0f ms, longest perform %.1f ms (%.1f ms of CPU; %.1f ms after 1 s), "
           "at most %d connections, %d thread(s), peak RSS %d KiB (%.1f KiB per stream), "
           "client CPU %.2f us per event (%ld events)\n",
           streams, http, cancel_half ? " (half cancelled)" : "", complete, cancelled, elapsed, longest, longest_cpu, longest_cpu_later, most_sockets,
           most_threads, peak, (double)(peak - rss_before) / streams,
           events_since_first ? cpu / (double)events_since_first : 0.0, events);
    free(states);
    free(calls);
    bedrock_multi_free(multi);
    bedrock_client_free(client);
    return harness_finish("test_multi_scale");
}

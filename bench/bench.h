/* bench/bench.h - what bench_client and bench_floor share: the requests they send, what
 * bench/driver.py's canned replies hold, and the timing loop (bench/client.py has the same
 * loop for the Python clients).
 *
 * measure() makes a warm-up call whose reply it checks, times a second one to choose N, the
 * number of calls that takes about `seconds`, then makes `runs` runs of N calls. Each run is
 * timed with getrusage(RUSAGE_SELF), user + system CPU of this process and all its threads
 * (the server is another process, so its CPU is not counted), and with CLOCK_MONOTONIC. The
 * last reply of each run is checked too. It prints one JSON line for bench/driver.py:
 *   {"client", "scenario", "calls", "cpu_us": [...], "wall_us": [...], "rss_kib"}
 * with one figure per run, per unit: a unit is a call, or an event for the stream scenarios
 * (`units` per call). rss_kib is the process's peak RSS after the runs (VmHWM).
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* The model whose replies are small, and whose streams are 1,000 events; the model whose
   ConverseStream reply is 1 MiB in 16 events. Neither has a ':', which libcurl's SigV4
   (the floor's) would sign wrongly. */
#define MODEL "anthropic.claude-3-haiku-20240307-v1"
#define LARGE_REPLY_MODEL "anthropic.claude-3-sonnet-20240229-v1"
#define REPLY_TEXT "Hello! How can I help you today?"
#define TOKEN "ipsum" /* in every streamed text delta, and nowhere else in a stream */

#define CONVERSE_REQUEST \
    "{\"messages\": [{\"role\": \"user\", \"content\": [{\"text\": \"Hello\"}]}], " \
    "\"inferenceConfig\": {\"maxTokens\": 512}}"
#define INVOKE_BODY \
    "{\"anthropic_version\": \"bedrock-2023-05-31\", \"max_tokens\": 512, " \
    "\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}"
#define CHAT_REQUEST \
    "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", \"Hello\"]], \"max_tokens\": 512}"
#define ACCESS_KEY_ID "AKIDBENCHMARK"
#define SECRET_ACCESS_KEY "bench-secret"

enum { MAX_RUNS = 100 };

/* The whole file, NUL-terminated, or NULL. */
static char *read_file(const char *path) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    char *text = size >= 0 ? malloc((size_t)size + 1) : NULL;
    if (text && fread(text, 1, (size_t)size, file) == (size_t)size) {
        text[size] = '\0';
    } else {
        free(text);
        text = NULL;
    }
    fclose(file);
    return text;
}

/* One call of a scenario. With `check` set it also checks that the reply is the canned one,
   and says what is wrong on stderr. Returns 0 on success. */
typedef int (*bench_call)(void *state, int check);

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static double wall_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

/* A figure of /proc/self/status in KiB: "VmRSS:" the RSS now, "VmHWM:" its peak. VmHWM is
   ru_maxrss without what ru_maxrss keeps from before exec (the forking parent's size). */
static long status_kib(const char *field) {
    char line[256];
    long kib = -1;
    FILE *status = fopen("/proc/self/status", "r");
    while (status && kib < 0 && fgets(line, sizeof line, status)) {
        if (!strncmp(line, field, strlen(field))) kib = atol(line + strlen(field));
    }
    if (status) fclose(status);
    return kib;
}

static int measure(const char *client, const char *scenario, int units, bench_call call, void *state,
                   int runs, double seconds) {
    double cpu[MAX_RUNS], wall[MAX_RUNS];
    if (runs < 1 || runs > MAX_RUNS) runs = runs < 1 ? 1 : MAX_RUNS;
    if (call(state, 1) != 0) goto failed;
    double start = wall_seconds();
    if (call(state, 0) != 0) goto failed;
    double one = wall_seconds() - start;
    long calls = one > 0 && seconds / one > 1 ? (long)(seconds / one + 0.5) : 1;
    for (int run = 0; run < runs; run++) {
        double cpu0 = cpu_seconds(), wall0 = wall_seconds();
        for (long i = 0; i < calls; i++) {
            if (call(state, i == calls - 1) != 0) goto failed;
        }
        cpu[run] = (cpu_seconds() - cpu0) * 1e6 / ((double)calls * units);
        wall[run] = (wall_seconds() - wall0) * 1e6 / ((double)calls * units);
    }
    printf("{\"client\": \"%s\", \"scenario\": \"%s\", \"calls\": %ld, \"cpu_us\": [", client, scenario, calls);
    for (int run = 0; run < runs; run++) printf("%s%.3f", run ? ", " : "", cpu[run]);
    printf("], \"wall_us\": [");
    for (int run = 0; run < runs; run++) printf("%s%.3f", run ? ", " : "", wall[run]);
    printf("], \"rss_kib\": %ld}\n", status_kib("VmHWM:"));
    fflush(stdout);
    return 0;
failed:
    fprintf(stderr, "%s %s: the call failed or gave the wrong reply\n", client, scenario);
    return 1;
}

#endif

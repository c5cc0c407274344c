/* bench/load_time.c - what loading libbedrock costs a process that has not loaded it yet.
 *
 *   bench_load_time [--runs N] [--endpoint URL] [LIBRARY]
 *
 * Each run forks a fresh child, which times dlopen(LIBRARY, RTLD_NOW), the first call
 * (bedrock_version), and the first client (bedrock_client_new, no network), and reports them
 * to the parent. With --endpoint, the child then makes the first request, a bedrock_converse
 * to URL (bench_server, or anything that answers Converse), and also reports the whole cold
 * start, dlopen to first reply, in wall time and in CPU time (getrusage). The parent prints
 * the library's file size and the median, minimum and maximum of each figure over N runs
 * (default 50). Each run also times, in a second fresh child, dlopen of libcurl alone: the
 * floor under libbedrock's own, since libbedrock links libcurl and, through it, some thirty
 * libraries of Debian's build. It asserts nothing but that the calls succeed. LIBRARY defaults to the
 * library of the CMake build tree that built this program; bench/run.sh builds the release
 * library and runs this against it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef BEDROCK_BENCH_LIBRARY
#define BEDROCK_BENCH_LIBRARY "libbedrock.so"
#endif

/* The figures; the last three only with --endpoint. */
enum { DLOPEN, FIRST_CALL, FIRST_CLIENT, LOAD_AND_CLIENT, CURL_DLOPEN, FIRST_REQUEST, COLD_START, COLD_START_CPU, FIGURES };
static const char *const figure_names[FIGURES] = {
    "dlopen(RTLD_NOW)",
    "first call (bedrock_version)",
    "first client (bedrock_client_new)",
    "dlopen + first client",
    "dlopen of libcurl alone",
    "first request (bedrock_converse)",
    "dlopen to first reply",
    "dlopen to first reply, CPU",
};

typedef const char *(*version_fn)(void);
typedef int (*client_new_fn)(const char *, void **, void **);
typedef void (*client_free_fn)(void *);
typedef int (*converse_fn)(void *, const char *, const char *, char **, void **);
typedef void (*string_free_fn)(char *);

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

/* Runs in the child: loads the library and writes FIGURES doubles to fd. */
static int measure_once(const char *library, const char *endpoint, int fd) {
    double figures[FIGURES] = {0};
    double cpu0 = cpu_ms();
    double t0 = now_ms();
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    double t1 = now_ms();
    if (!handle) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    version_fn version = (version_fn)dlsym(handle, "bedrock_version");
    client_new_fn client_new = (client_new_fn)dlsym(handle, "bedrock_client_new");
    client_free_fn client_free = (client_free_fn)dlsym(handle, "bedrock_client_free");
    converse_fn converse = (converse_fn)dlsym(handle, "bedrock_converse");
    string_free_fn string_free = (string_free_fn)dlsym(handle, "bedrock_string_free");
    if (!version || !client_new || !client_free || !converse || !string_free) {
        fprintf(stderr, "dlsym: %s\n", dlerror());
        return 1;
    }
    const char *v = version();
    double t2 = now_ms();
    char config[4096];
    if (endpoint) {
        snprintf(config, sizeof config,
                 "{\"region\": \"us-east-1\", \"endpoint_url\": \"%s\", \"credentials\": "
                 "{\"access_key_id\": \"AKIDBENCHMARK\", \"secret_access_key\": \"bench-secret\"}}", endpoint);
    } else {
        snprintf(config, sizeof config, "{\"region\": \"us-east-1\"}");
    }
    void *client = NULL;
    if (client_new(config, &client, NULL) != 0 || !v) {
        fprintf(stderr, "bedrock_client_new failed\n");
        return 1;
    }
    double t3 = now_ms();
    if (endpoint) {
        char *reply = NULL;
        if (converse(client, "anthropic.claude-3-haiku-20240307-v1",
                     "{\"messages\": [{\"role\": \"user\", \"content\": [{\"text\": \"Hello\"}]}]}", &reply, NULL) != 0) {
            fprintf(stderr, "bedrock_converse to %s failed\n", endpoint);
            return 1;
        }
        figures[FIRST_REQUEST] = now_ms() - t3;
        figures[COLD_START] = now_ms() - t0;
        figures[COLD_START_CPU] = cpu_ms() - cpu0;
        string_free(reply);
    }
    client_free(client);
    figures[DLOPEN] = t1 - t0;
    figures[FIRST_CALL] = t2 - t1;
    figures[FIRST_CLIENT] = t3 - t2;
    figures[LOAD_AND_CLIENT] = t3 - t0;
    return write(fd, figures, sizeof figures) == (ssize_t)sizeof figures ? 0 : 1;
}

/* Runs in the second child: loads libcurl alone and writes the time to fd. */
static int measure_curl(const char *library, const char *endpoint, int fd) {
    (void)library;
    (void)endpoint;
    double t0 = now_ms();
    void *handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    double elapsed = now_ms() - t0;
    if (!handle) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    return write(fd, &elapsed, sizeof elapsed) == (ssize_t)sizeof elapsed ? 0 : 1;
}

/* Forks a fresh child that runs measure(fd) and reads `size` bytes of figures from it. */
static int in_child(int (*measure)(const char *, const char *, int), const char *library, const char *endpoint,
                    void *figures, size_t size) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t child = fork();
    if (child < 0) return 1;
    if (child == 0) {
        close(fds[0]);
        _exit(measure(library, endpoint, fds[1]));
    }
    close(fds[1]);
    ssize_t got = read(fds[0], figures, size);
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    return got == (ssize_t)size && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int runs = 50;
    const char *library = BEDROCK_BENCH_LIBRARY;
    const char *endpoint = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--endpoint") && i + 1 < argc) {
            endpoint = argv[++i];
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: %s [--runs N] [--endpoint URL] [LIBRARY]\n", argv[0]);
            return 2;
        } else {
            library = argv[i];
        }
    }
    if (runs < 1) runs = 1;

    char resolved[PATH_MAX];
    struct stat st;
    if (!realpath(library, resolved) || stat(resolved, &st) != 0) {
        fprintf(stderr, "%s: %s\n", library, strerror(errno));
        return 1;
    }

    double *samples = calloc((size_t)runs * FIGURES, sizeof *samples);
    if (!samples) return 1;
    for (int run = 0; run < runs; run++) {
        double figures[FIGURES];
        if (in_child(measure_once, resolved, endpoint, figures, sizeof figures) != 0
            || in_child(measure_curl, NULL, NULL, &figures[CURL_DLOPEN], sizeof figures[CURL_DLOPEN]) != 0) {
            fprintf(stderr, "run %d failed\n", run + 1);
            return 1;
        }
        for (int f = 0; f < FIGURES; f++) samples[f * runs + run] = figures[f];
    }

    printf("library   %s\n", resolved);
    printf("size      %lld bytes (%.1f MiB)\n", (long long)st.st_size, st.st_size / 1048576.0);
    printf("runs      %d, each in a fresh child process\n", runs);
    printf("%-34s %10s %10s %10s\n", "", "median ms", "min ms", "max ms");
    for (int f = 0; f < (endpoint ? FIGURES : FIRST_REQUEST); f++) {
        double *s = samples + f * runs;
        qsort(s, (size_t)runs, sizeof *s, compare_doubles);
        double median = runs % 2 ? s[runs / 2] : (s[runs / 2 - 1] + s[runs / 2]) / 2;
        printf("%-34s %10.3f %10.3f %10.3f\n", figure_names[f], median, s[0], s[runs - 1]);
    }
    free(samples);
    return 0;
}

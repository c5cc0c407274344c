/* A small test harness for the C tests: CHECK macros that report the failing line and keep
   going, and helpers to reach the emulator that ctest starts. */
#ifndef BEDROCK_TEST_HARNESS_H
#define BEDROCK_TEST_HARNESS_H

#include <bedrock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int harness_failures = 0;
static int harness_checks = 0;

/* Counted atomically: some tests check from the threads they start (ThreadSanitizer runs them). */
#define HARNESS_COUNT(counter) __atomic_fetch_add(&(counter), 1, __ATOMIC_RELAXED)

#define CHECK(cond) do { \
    HARNESS_COUNT(harness_checks); \
    if (!(cond)) { HARNESS_COUNT(harness_failures); fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_STATUS(got, want) do { \
    bedrock_status got_ = (got), want_ = (want); \
    HARNESS_COUNT(harness_checks); \
    if (got_ != want_) { HARNESS_COUNT(harness_failures); fprintf(stderr, "%s:%d: status %s, expected %s\n", __FILE__, __LINE__, \
        bedrock_status_name(got_), bedrock_status_name(want_)); } \
} while (0)

#define CHECK_CONTAINS(haystack, needle) do { \
    const char *h_ = (haystack); \
    HARNESS_COUNT(harness_checks); \
    if (!h_ || !strstr(h_, (needle))) { HARNESS_COUNT(harness_failures); fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", \
        __FILE__, __LINE__, h_ ? h_ : "(null)", (needle)); } \
} while (0)

/* Milliseconds on the monotonic clock, for time bounds. */
static inline double harness_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* `call` returns `want`, and the error it stored in `err` says `fragment`; the error is freed. */
#define CHECK_ERROR(call, want, err, fragment) do { \
    CHECK_STATUS((call), (want)); \
    CHECK_CONTAINS(bedrock_error_message(err), (fragment)); \
    bedrock_error_free(err); \
} while (0)

/* Prints the tally in the plain form test runners read, and returns the exit code. */
static inline int harness_finish(const char *name) {
    printf("%s: %d checks, %d failed\n", name, harness_checks, harness_failures);
    return harness_failures == 0 ? 0 : 1;
}

/* The emulator's URL, read from the file ctest's fixture wrote (argv[1]) or from
   BEDROCK_EMULATOR_URL. Exits with a message when neither is there. */
static inline const char *harness_emulator_url(int argc, char **argv) {
    static char url[256];
    const char *env = getenv("BEDROCK_EMULATOR_URL");
    if (env && *env) return env;
    if (argc > 1) {
        FILE *f = fopen(argv[1], "r");
        if (f) {
            size_t n = fread(url, 1, sizeof url - 1, f);
            fclose(f);
            url[n] = 0;
            while (n > 0 && (url[n - 1] == '\n' || url[n - 1] == '\r')) url[--n] = 0;
            if (n > 0) return url;
        }
    }
    fprintf(stderr, "no emulator: pass the URL file as argv[1] or set BEDROCK_EMULATOR_URL\n");
    exit(2);
}

/* The emulator's default credentials (tools/emulator). */
#define EMULATOR_ACCESS_KEY "AKIDEMULATOR"
#define EMULATOR_SECRET_KEY "emulator/secret/key"

/* A client for the emulator at `url`, with `extra` config members spliced in (may be ""). */
static inline bedrock_client *harness_client(const char *url, const char *extra) {
    char config[1024];
    snprintf(config, sizeof config,
             "{\"region\": \"us-east-1\", \"endpoint_url\": \"%s\", \"credentials\": "
             "{\"access_key_id\": \"" EMULATOR_ACCESS_KEY "\", \"secret_access_key\": \"" EMULATOR_SECRET_KEY "\"}%s%s}",
             url, *extra ? ", " : "", extra);
    bedrock_client *client = NULL;
    bedrock_error *err = NULL;
    if (bedrock_client_new(config, &client, &err) != BEDROCK_OK) {
        fprintf(stderr, "bedrock_client_new failed: %s\n", bedrock_error_message(err));
        bedrock_error_free(err);
        exit(1);
    }
    return client;
}

#endif

/* bench/floor.c - the floor under every client: what plain libcurl costs for the same calls.
 *
 *   bench_floor URL DATA_DIR [--runs N] [--seconds S] SCENARIO...
 *
 * One reused curl easy handle (so one keep-alive connection) signs each request with libcurl's
 * own SigV4 (CURLOPT_AWS_SIGV4 "aws:amz:us-east-1:bedrock") and POSTs the same body the C
 * client sends. A small reply is collected into a buffer; a stream's bytes are counted and
 * dropped, never decoded. That is the least any Bedrock client must do, so the gap between a
 * client and this floor is what the client adds.
 *
 * Scenarios, named as bench_client's: converse, invoke, converse-stream, invoke-stream,
 * converse-stream-1mib, image. Each prints one JSON line (bench/bench.h). A reply is checked
 * to be HTTP 200, a small one to hold the canned text, a stream to be as long as the first.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct floor_state {
    CURL *curl;
    char url[4096];
    /* The reply: collected when small, only counted when streamed. */
    int streamed;
    char reply[64 * 1024];
    size_t length;
    size_t first_stream_length;
};

static size_t on_body(char *data, size_t size, size_t count, void *user_data) {
    struct floor_state *f = user_data;
    size_t n = size * count;
    if (!f->streamed) {
        if (n > sizeof f->reply - 1 - f->length) return 0;
        memcpy(f->reply + f->length, data, n);
        f->reply[f->length + n] = '\0';
    }
    f->length += n;
    return n;
}

/* POSTs `body` to /model/{model}/{operation}. */
static int post(struct floor_state *f, const char *model, const char *operation, const char *body, int check) {
    char url[4400];
    snprintf(url, sizeof url, "%s/model/%s/%s", f->url, model, operation);
    f->streamed = strstr(operation, "stream") != NULL;
    f->length = 0;
    curl_easy_setopt(f->curl, CURLOPT_URL, url);
    curl_easy_setopt(f->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(f->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    CURLcode code = curl_easy_perform(f->curl);
    long http_status = 0;
    curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &http_status);
    if (code != CURLE_OK || http_status != 200) {
        fprintf(stderr, "%s: %s, HTTP %ld\n", url, curl_easy_strerror(code), http_status);
        return 1;
    }
    if (!f->streamed) return check && !strstr(f->reply, REPLY_TEXT);
    if (!f->first_stream_length) f->first_stream_length = f->length;
    return check && f->length != f->first_stream_length;
}

static char *image_request;

static int converse(void *state, int check) { return post(state, MODEL, "converse", CONVERSE_REQUEST, check); }
static int invoke(void *state, int check) { return post(state, MODEL, "invoke", INVOKE_BODY, check); }
static int image(void *state, int check) { return post(state, MODEL, "converse", image_request, check); }
static int converse_stream(void *state, int check) {
    return post(state, MODEL, "converse-stream", CONVERSE_REQUEST, check);
}
static int invoke_stream(void *state, int check) {
    return post(state, MODEL, "invoke-with-response-stream", INVOKE_BODY, check);
}
static int converse_stream_1mib(void *state, int check) {
    return post(state, LARGE_REPLY_MODEL, "converse-stream", CONVERSE_REQUEST, check);
}

static const struct scenario {
    const char *name;
    bench_call call;
    int units;
} scenarios[] = {
    {"converse", converse, 1},
    {"invoke", invoke, 1},
    {"converse-stream", converse_stream, 1000},
    {"invoke-stream", invoke_stream, 1000},
    {"converse-stream-1mib", converse_stream_1mib, 1},
    {"image", image, 1},
};

int main(int argc, char **argv) {
    int runs = 5;
    double seconds = 0.5;
    if (argc < 4) {
        fprintf(stderr, "usage: %s URL DATA_DIR [--runs N] [--seconds S] SCENARIO...\n", argv[0]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/image-request.json", argv[2]);
    if (!(image_request = read_file(path))) {
        perror(path);
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    static struct floor_state f;
    snprintf(f.url, sizeof f.url, "%s", argv[1]);
    f.curl = curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");  /* as libbedrock: no 100-continue wait */
    curl_easy_setopt(f.curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(f.curl, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:bedrock");
    curl_easy_setopt(f.curl, CURLOPT_USERPWD, ACCESS_KEY_ID ":" SECRET_ACCESS_KEY);
    curl_easy_setopt(f.curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(f.curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(f.curl, CURLOPT_WRITEDATA, &f);

    int status = 0;
    for (int i = 3; i < argc && status == 0; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else {
            const struct scenario *s = NULL;
            for (size_t k = 0; k < sizeof scenarios / sizeof *scenarios; k++) {
                if (!strcmp(argv[i], scenarios[k].name)) s = &scenarios[k];
            }
            if (!s) {
                fprintf(stderr, "unknown scenario %s\n", argv[i]);
                return 2;
            }
            f.first_stream_length = 0;
            status = measure("floor", s->name, s->units, s->call, &f, runs, seconds);
        }
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(f.curl);
    curl_global_cleanup();
    free(image_request);
    return status;
}

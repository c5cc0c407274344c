/* The event-loop API (bedrock_multi) against the emulator: many streams on one thread in
   simple mode, every operation, queue mode, socket mode with a small poll() loop standing in
   for libuv, cancellation from another thread, re-entrant callbacks, max_pending, retries on
   timers, and that callbacks never run inside perform's caller twice for one call. */
#include "harness.h"

#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#define MODEL "anthropic.claude-3-haiku-20240307-v1:0"

static const char *url;

static int thread_count(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int threads = -1;
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "Threads: %d", &threads) == 1) break;
    }
    if (f) fclose(f);
    return threads;
}

/* One stream's state: the text its deltas spell, and what on_done said. */
typedef struct {
    char text[512];
    char message[512];
    int events;
    int done;
    bedrock_status status;
    char error[256];
} stream_state;

static void append(char *buffer, size_t size, const char *text) {
    size_t used = strlen(buffer);
    snprintf(buffer + used, size - used, "%s", text);
}

static int on_chat_event(const char *event_json, size_t len, void *user_data) {
    stream_state *s = user_data;
    CHECK(strlen(event_json) == len);
    json_t *event = json_loads(event_json, 0, NULL);
    const char *type = json_string_value(json_object_get(event, "type"));
    if (type && !strcmp(type, "text")) append(s->text, sizeof s->text, json_string_value(json_object_get(event, "text")));
    if (type && !strcmp(type, "message")) {
        const char *content = json_string_value(json_object_get(json_object_get(event, "message"), "content"));
        snprintf(s->message, sizeof s->message, "%s", content ? content : "");
    }
    s->events++;
    json_decref(event);
    return 0;
}

static void on_stream_done(bedrock_call *call, bedrock_status status, const char *result_json,
                           const bedrock_error *err, void *user_data) {
    (void)call;
    stream_state *s = user_data;
    s->done++;
    s->status = status;
    if (err) snprintf(s->error, sizeof s->error, "%s", bedrock_error_message(err));
    if (status == BEDROCK_OK) CHECK_CONTAINS(result_json, s->message);
}

/* Drives a multi in simple mode until nothing runs; returns the longest single perform. */
static double drive(bedrock_multi *multi, double limit_ms) {
    double longest = 0, started = harness_now_ms();
    int running = 1;
    while (running > 0 && harness_now_ms() - started < limit_ms) {
        struct pollfd p = {.fd = bedrock_multi_fd(multi), .events = POLLIN};
        long timeout = bedrock_multi_timeout_ms(multi);
        poll(&p, 1, timeout < 0 || timeout > 100 ? 100 : (int)timeout);
        double before = harness_now_ms();
        CHECK_STATUS(bedrock_multi_perform(multi, 0, &running, NULL), BEDROCK_OK);
        double took = harness_now_ms() - before;
        if (took > longest) longest = took;
    }
    CHECK(running == 0);
    return longest;
}

#define STREAMS 200

static void test_many_streams_on_one_thread(bedrock_client *client) {
    bedrock_multi *multi = NULL;
    CHECK_STATUS(bedrock_multi_new(client, "{\"http_version\": \"1.1\", \"max_connections\": 32}", &multi, NULL), BEDROCK_OK);
    static stream_state states[STREAMS];
    bedrock_call *calls[STREAMS];
    int threads_before = thread_count();
    for (int i = 0; i < STREAMS; i++) {
        char request[512];
        snprintf(request, sizeof request,
                 "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", \"[[fault:token_delay:10]] stream %d says one two "
                 "three four five six seven eight nine ten\"]]}", i);
        memset(&states[i], 0, sizeof states[i]);
        CHECK_STATUS(bedrock_multi_chat_stream(multi, request, on_chat_event, on_stream_done, &states[i], &calls[i], NULL),
                     BEDROCK_OK);
    }
    double longest = drive(multi, 60000);
    int complete = 0;
    for (int i = 0; i < STREAMS; i++) {
        char expected[128];
        snprintf(expected, sizeof expected, "You said: [[fault:token_delay:10]] stream %d says one two three four five six seven eight nine ten", i);
        if (states[i].done == 1 && states[i].status == BEDROCK_OK && !strcmp(states[i].text, expected) &&
            !strcmp(states[i].message, expected)) complete++;
        else fprintf(stderr, "stream %d: done %d, status %s, text \"%s\" (%s)\n", i, states[i].done,
                     bedrock_status_name(states[i].status), states[i].text, states[i].error);
        bedrock_call_free(calls[i]);
    }
    CHECK(complete == STREAMS);
    CHECK(thread_count() == threads_before);
    printf("%d streams on one thread: all complete, longest perform %.1f ms, threads %d\n", STREAMS, longest,
           thread_count());
    bedrock_multi_free(multi);
}

/* Every operation once, with its result as the blocking form returns it. */
typedef struct {
    int done;
    bedrock_status status;
    char result[2048];
    int events;
} result_state;

static void on_result(bedrock_call *call, bedrock_status status, const char *result_json, const bedrock_error *err,
                      void *user_data) {
    (void)call;
    (void)err;
    result_state *r = user_data;
    r->done++;
    r->status = status;
    snprintf(r->result, sizeof r->result, "%s", result_json ? result_json : "(null)");
}

static int count_event(const char *event_json, size_t len, void *user_data) {
    (void)event_json;
    (void)len;
    ((result_state *)user_data)->events++;
    return 0;
}

static void test_every_operation(bedrock_client *client) {
    bedrock_multi *multi = NULL;
    CHECK_STATUS(bedrock_multi_new(client, NULL, &multi, NULL), BEDROCK_OK);
    result_state chat = {0}, converse = {0}, invoke = {0}, converse_stream = {0}, invoke_stream = {0};
    bedrock_call *calls[5];
    const char *converse_body = "{\"messages\": [{\"role\": \"user\", \"content\": [{\"text\": \"raw converse\"}]}]}";
    const char *invoke_body = "{\"anthropic_version\": \"bedrock-2023-05-31\", \"max_tokens\": 50, "
                              "\"messages\": [{\"role\": \"user\", \"content\": \"raw invoke\"}]}";
    CHECK_STATUS(bedrock_multi_chat(multi, "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", \"multi chat\"]]}",
                                    on_result, &chat, &calls[0], NULL), BEDROCK_OK);
    CHECK_STATUS(bedrock_multi_converse(multi, MODEL, converse_body, on_result, &converse, &calls[1], NULL), BEDROCK_OK);
    CHECK_STATUS(bedrock_multi_invoke_model(multi, MODEL, invoke_body, on_result, &invoke, &calls[2], NULL), BEDROCK_OK);
    CHECK_STATUS(bedrock_multi_converse_stream(multi, MODEL, converse_body, count_event, on_result, &converse_stream,
                                               &calls[3], NULL), BEDROCK_OK);
    CHECK_STATUS(bedrock_multi_invoke_model_stream(multi, MODEL, invoke_body, count_event, on_result, &invoke_stream,
                                                   &calls[4], NULL), BEDROCK_OK);
    drive(multi, 10000);
    CHECK(chat.done == 1 && chat.status == BEDROCK_OK);
    CHECK_CONTAINS(chat.result, "\"content\":\"You said: multi chat\"");
    CHECK(converse.done == 1 && converse.status == BEDROCK_OK);
    CHECK_CONTAINS(converse.result, "You said: raw converse");
    CHECK(invoke.done == 1 && invoke.status == BEDROCK_OK);
    CHECK_CONTAINS(invoke.result, "You said: raw invoke");
    CHECK(converse_stream.done == 1 && converse_stream.status == BEDROCK_OK && converse_stream.events >= 5);
    CHECK(strcmp(converse_stream.result, "(null)") == 0);
    CHECK(invoke_stream.done == 1 && invoke_stream.status == BEDROCK_OK && invoke_stream.events >= 5);
    char *metrics = NULL;
    CHECK_STATUS(bedrock_call_metrics(calls[3], &metrics, NULL), BEDROCK_OK);
    CHECK_CONTAINS(metrics, "\"attempts\":1");
    CHECK_CONTAINS(metrics, "\"http_version\":\"1.1\"");
    bedrock_string_free(metrics);
    for (int i = 0; i < 5; i++) bedrock_call_free(calls[i]);
    bedrock_multi_free(multi);
}

/* Queue mode: no callbacks; items come out of bedrock_multi_read. */
static void test_queue_mode(bedrock_client *client) {
    bedrock_multi *multi = NULL;
    CHECK_STATUS(bedrock_multi_new(client, "{\"queue\": true}", &multi, NULL), BEDROCK_OK);
    bedrock_call *call = NULL, *bad = NULL;
    CHECK_STATUS(bedrock_multi_chat_stream(multi, "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", \"queued words\"]]}",
                                           on_chat_event, NULL, NULL, &bad, NULL), BEDROCK_ERR_INVALID_ARGUMENT);
    CHECK(bad == NULL);
    CHECK_STATUS(bedrock_multi_chat_stream(multi, "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", \"queued words\"]]}",
                                           NULL, NULL, NULL, &call, NULL), BEDROCK_OK);
    int events = 0, done = 0, running = 1;
    char text[256] = "";
    double started = harness_now_ms();
    while (!done && harness_now_ms() - started < 10000) {
        struct pollfd p = {.fd = bedrock_multi_fd(multi), .events = POLLIN};
        poll(&p, 1, 100);
        CHECK_STATUS(bedrock_multi_perform(multi, 0, &running, NULL), BEDROCK_OK);
        bedrock_call *whose = NULL;
        char *item = NULL;
        while (bedrock_multi_read(multi, &whose, &item, NULL) == BEDROCK_OK && item) {
            CHECK(whose == call);
            json_t *parsed = json_loads(item, 0, NULL);
            const char *type = json_string_value(json_object_get(parsed, "type"));
            if (type && !strcmp(type, "event")) {
                json_t *event = json_object_get(parsed, "event");
                if (!strcmp(json_string_value(json_object_get(event, "type")), "text"))
                    append(text, sizeof text, json_string_value(json_object_get(event, "text")));
                events++;
            } else if (type && !strcmp(type, "done")) {
                done++;
                CHECK(json_integer_value(json_object_get(parsed, "status")) == BEDROCK_OK);
                CHECK(!strcmp(json_string_value(json_object_get(json_object_get(parsed, "result"), "content")), text));
                CHECK(json_is_null(json_object_get(parsed, "error")));
            }
            json_decref(parsed);
            bedrock_string_free(item);
        }
    }
    CHECK(done == 1 && events >= 5 && running == 0);
    CHECK(!strcmp(text, "You said: queued words"));
    bedrock_call_free(call);
    bedrock_multi_free(multi);
}

/* Socket mode: a small poll() loop plays libuv, with the fds and timer the multi asks for. */
typedef struct {
    struct pollfd fds[64];
    void *fd_data[64];
    int count;
    double timer_due; /* < 0: none */
    int timer_calls;
} fake_loop;

static int loop_on_socket(bedrock_multi *multi, int fd, int what, void *loop_data, void *fd_data) {
    fake_loop *loop = loop_data;
    int index = -1;
    for (int i = 0; i < loop->count; i++) if (loop->fds[i].fd == fd) index = i;
    if (what & BEDROCK_POLL_REMOVE) {
        if (index >= 0) {
            loop->fds[index] = loop->fds[loop->count - 1];
            loop->fd_data[index] = loop->fd_data[loop->count - 1];
            loop->count--;
        }
        return 0;
    }
    if (index < 0) {
        index = loop->count++;
        loop->fds[index].fd = fd;
        /* As a real loop would: attach its own data to the fd, and get it back after. */
        loop->fd_data[index] = (void *)(long)(fd + 1000);
        bedrock_multi_assign(multi, fd, loop->fd_data[index]);
    } else {
        CHECK(fd_data == loop->fd_data[index]);
    }
    loop->fds[index].events = (short)(((what & BEDROCK_POLL_IN) ? POLLIN : 0) | ((what & BEDROCK_POLL_OUT) ? POLLOUT : 0));
    return 0;
}

static int loop_on_timer(bedrock_multi *multi, long timeout_ms, void *loop_data) {
    (void)multi;
    fake_loop *loop = loop_data;
    loop->timer_due = timeout_ms < 0 ? -1 : harness_now_ms() + timeout_ms;
    loop->timer_calls++;
    return 0;
}

static void test_socket_mode(bedrock_client *client) {
    bedrock_multi *multi = NULL;
    CHECK_STATUS(bedrock_multi_new(client, NULL, &multi, NULL), BEDROCK_OK);
    fake_loop loop = {.count = 0, .timer_due = -1};
    CHECK_STATUS(bedrock_multi_use_loop(multi, loop_on_socket, loop_on_timer, &loop, NULL), BEDROCK_OK);
    CHECK(loop.count == 1); /* the wakeup fd */
    stream_state states[3];
    bedrock_call *calls[3];
    for (int i = 0; i < 3; i++) {
        memset(&states[i], 0, sizeof states[i]);
        char request[256];
        snprintf(request, sizeof request, "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", \"socket mode %d\"]]}", i);
        CHECK_STATUS(bedrock_multi_chat_stream(multi, request, on_chat_event, on_stream_done, &states[i], &calls[i], NULL),
                     BEDROCK_OK);
    }
    int running = 3;
    double started = harness_now_ms();
    while (running > 0 && harness_now_ms() - started < 10000) {
        int wait = 100;
        if (loop.timer_due >= 0) wait = loop.timer_due <= harness_now_ms() ? 0 : (int)(loop.timer_due - harness_now_ms()) + 1;
        struct pollfd ready[64];
        int count = loop.count;
        memcpy(ready, loop.fds, sizeof(struct pollfd) * (size_t)count);
        poll(ready, (nfds_t)count, wait);
        for (int i = 0; i < count; i++) {
            if (!ready[i].revents) continue;
            int events = ((ready[i].revents & (POLLIN | POLLHUP | POLLERR)) ? BEDROCK_POLL_IN : 0) |
                         ((ready[i].revents & POLLOUT) ? BEDROCK_POLL_OUT : 0);
            CHECK_STATUS(bedrock_multi_socket_action(multi, ready[i].fd, events, &running, NULL), BEDROCK_OK);
        }
        if (loop.timer_due >= 0 && loop.timer_due <= harness_now_ms()) {
            loop.timer_due = -1;
            CHECK_STATUS(bedrock_multi_socket_action(multi, -1, 0, &running, NULL), BEDROCK_OK);
        }
    }
    CHECK(running == 0);
    CHECK(loop.timer_calls > 0);
    for (int i = 0; i < 3; i++) {
        char expected[64];
        snprintf(expected, sizeof expected, "You said: socket mode %d", i);
        CHECK(states[i].done == 1 && states[i].status == BEDROCK_OK && !strcmp(states[i].text, expected));
        bedrock_call_free(calls[i]);
    }
    bedrock_multi_free(multi);
}

/* Callbacks that start, cancel and free calls, and a perform from inside one. */
typedef struct {
    bedrock_multi *multi;
    bedrock_call *follow_up;
    result_state follow_up_result;
    int done_calls;
    bedrock_status nested_perform;
    bedrock_status cancelled_status;
    int events_after_cancel;
    int cancelled;
} reentrant_state;

static void follow_up_done(bedrock_call *call, bedrock_status status, const char *result_json, const bedrock_error *err,
                           void *user_data) {
    reentrant_state *r = user_data;
    on_result(call, status, result_json, err, &r->follow_up_result);
    bedrock_call_free(call); /* free inside its own on_done: deferred until it returns */
}

static void first_done(bedrock_call *call, bedrock_status status, const char *result_json, const bedrock_error *err,
                       void *user_data) {
    (void)result_json;
    (void)err;
    reentrant_state *r = user_data;
    CHECK(status == BEDROCK_OK);
    r->done_calls++;
    int running = 0;
    bedrock_error *nested = NULL;
    r->nested_perform = bedrock_multi_perform(r->multi, 0, &running, &nested);
    CHECK_CONTAINS(bedrock_error_message(nested), "inside a callback");
    bedrock_error_free(nested);
    CHECK_STATUS(bedrock_multi_chat(r->multi, "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", \"started in a callback\"]]}",
                                    follow_up_done, r, &r->follow_up, NULL), BEDROCK_OK);
    bedrock_call_free(call);
}

static int cancel_self_on_first_event(const char *event_json, size_t len, void *user_data) {
    (void)event_json;
    (void)len;
    reentrant_state *r = user_data;
    if (r->cancelled) r->events_after_cancel++;
    r->cancelled = 1;
    return 0;
}

static void cancelled_done(bedrock_call *call, bedrock_status status, const char *result_json, const bedrock_error *err,
                           void *user_data) {
    (void)call;
    (void)err;
    reentrant_state *r = user_data;
    r->cancelled_status = status;
    CHECK(result_json == NULL);
}

static int cancel_from_callback(const char *event_json, size_t len, void *user_data) {
    cancel_self_on_first_event(event_json, len, user_data);
    return 1; /* non-zero: stop this stream */
}

static void test_reentrant_callbacks(bedrock_client *client) {
    reentrant_state r = {0};
    CHECK_STATUS(bedrock_multi_new(client, NULL, &r.multi, NULL), BEDROCK_OK);
    bedrock_call *first = NULL, *stopped = NULL;
    CHECK_STATUS(bedrock_multi_chat(r.multi, "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", \"first\"]]}",
                                    first_done, &r, &first, NULL), BEDROCK_OK);
    CHECK_STATUS(bedrock_multi_chat_stream(r.multi, "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", "
                                           "\"[[fault:token_delay:20]] one two three four five\"]]}",
                                           cancel_from_callback, cancelled_done, &r, &stopped, NULL), BEDROCK_OK);
    drive(r.multi, 10000);
    CHECK(r.done_calls == 1);
    CHECK(r.nested_perform == BEDROCK_ERR_INVALID_ARGUMENT);
    CHECK(r.follow_up_result.done == 1 && r.follow_up_result.status == BEDROCK_OK);
    CHECK_CONTAINS(r.follow_up_result.result, "You said: started in a callback");
    CHECK(r.cancelled_status == BEDROCK_ERR_CANCELLED && r.events_after_cancel == 0);
    bedrock_call_free(stopped);
    bedrock_multi_free(r.multi);
}

/* bedrock_call_cancel from another thread, while the driving thread polls. */
typedef struct {
    bedrock_call **calls;
    int count;
} canceller_args;

static void *cancel_half(void *arg) {
    canceller_args *a = arg;
    usleep(150 * 1000);
    for (int i = 0; i < a->count; i += 2) bedrock_call_cancel(a->calls[i]);
    return NULL;
}

static void test_cancel_from_another_thread(bedrock_client *client) {
    enum { N = 20 };
    bedrock_multi *multi = NULL;
    CHECK_STATUS(bedrock_multi_new(client, NULL, &multi, NULL), BEDROCK_OK);
    stream_state states[N];
    bedrock_call *calls[N];
    for (int i = 0; i < N; i++) {
        memset(&states[i], 0, sizeof states[i]);
        CHECK_STATUS(bedrock_multi_chat_stream(multi, "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", "
                                               "\"[[fault:token_delay:40]] a b c d e f g h i j\"]]}",
                                               on_chat_event, on_stream_done, &states[i], &calls[i], NULL), BEDROCK_OK);
    }
    canceller_args args = {calls, N};
    pthread_t thread;
    pthread_create(&thread, NULL, cancel_half, &args);
    drive(multi, 20000);
    pthread_join(thread, NULL);
    for (int i = 0; i < N; i++) {
        CHECK(states[i].done == 1);
        CHECK(states[i].status == (i % 2 == 0 ? BEDROCK_ERR_CANCELLED : BEDROCK_OK));
        bedrock_call_free(calls[i]);
    }
    bedrock_multi_free(multi);
}

typedef struct {
    bedrock_multi *multi;
    stream_state *state;
    bedrock_call *call;
} other_thread_args;

static void *wake_later(void *arg) {
    usleep(100 * 1000);
    bedrock_multi_wakeup(((other_thread_args *)arg)->multi);
    return NULL;
}

static void *start_later(void *arg) {
    other_thread_args *a = arg;
    usleep(100 * 1000);
    CHECK_STATUS(bedrock_multi_chat_stream(a->multi, "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", \"started elsewhere\"]]}",
                                           on_chat_event, on_stream_done, a->state, &a->call, NULL), BEDROCK_OK);
    return NULL;
}

static void *free_running_call(void *arg) {
    bedrock_call *call = arg;
    usleep(150 * 1000);
    bedrock_call_free(call);
    return NULL;
}

/* Blocks in poll on the multi's fd with no timeout of its own: only the multi can end the wait. */
static int wait_readable(bedrock_multi *multi) {
    struct pollfd p = {.fd = bedrock_multi_fd(multi), .events = POLLIN};
    return poll(&p, 1, 10000) == 1 && (p.revents & POLLIN);
}

/* bedrock_multi_wakeup, starting a call and freeing a running one are promised to any thread:
   each from a thread that is not driving, while the driving thread waits in poll. */
static void test_other_threads_wake_start_and_free(bedrock_client *client) {
    bedrock_multi *multi = NULL;
    CHECK_STATUS(bedrock_multi_new(client, NULL, &multi, NULL), BEDROCK_OK);
    int running = 0;
    CHECK_STATUS(bedrock_multi_perform(multi, 0, &running, NULL), BEDROCK_OK);
    CHECK(running == 0 && bedrock_multi_timeout_ms(multi) < 0);

    other_thread_args args = {multi, NULL, NULL};
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, wake_later, &args) == 0);
    CHECK(wait_readable(multi));
    pthread_join(thread, NULL);
    CHECK_STATUS(bedrock_multi_perform(multi, 0, &running, NULL), BEDROCK_OK);
    struct pollfd idle = {.fd = bedrock_multi_fd(multi), .events = POLLIN};
    CHECK(poll(&idle, 1, 0) == 0); /* perform consumed the wakeup */

    stream_state started = {0}, freed = {0};
    args.state = &started;
    CHECK(pthread_create(&thread, NULL, start_later, &args) == 0);
    CHECK(wait_readable(multi));
    pthread_join(thread, NULL);
    drive(multi, 10000);
    CHECK(started.done == 1 && started.status == BEDROCK_OK);
    CHECK_CONTAINS(started.text, "started elsewhere");
    bedrock_call_free(args.call);

    bedrock_call *call = NULL;
    CHECK_STATUS(bedrock_multi_chat_stream(multi, "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", "
                                           "\"[[fault:token_delay:40]] a b c d e f g h i j\"]]}",
                                           on_chat_event, on_stream_done, &freed, &call, NULL), BEDROCK_OK);
    CHECK(pthread_create(&thread, NULL, free_running_call, call) == 0);
    drive(multi, 10000);
    pthread_join(thread, NULL);
    CHECK(freed.done == 1 && freed.status == BEDROCK_ERR_CANCELLED);
    bedrock_multi_free(multi);
}

/* Retries wait on timers: the driving thread never sleeps through a backoff. */
static void test_retries_are_timers(bedrock_client *client) {
    bedrock_multi *multi = NULL;
    CHECK_STATUS(bedrock_multi_new(client, NULL, &multi, NULL), BEDROCK_OK);
    result_state throttled = {0};
    bedrock_call *call = NULL;
    CHECK_STATUS(bedrock_multi_chat(multi, "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", \"[[fault:throttle]]\"]]}",
                                    on_result, &throttled, &call, NULL), BEDROCK_OK);
    double longest = drive(multi, 30000);
    CHECK(throttled.done == 1 && throttled.status == BEDROCK_ERR_THROTTLED);
    char *metrics = NULL;
    CHECK_STATUS(bedrock_call_metrics(call, &metrics, NULL), BEDROCK_OK);
    CHECK_CONTAINS(metrics, "\"attempts\":3");
    printf("throttled call: %s, longest perform %.1f ms\n", metrics, longest);
    CHECK(longest < 1000);
    bedrock_string_free(metrics);
    bedrock_call_free(call);
    bedrock_multi_free(multi);
}

static void test_limits_and_bad_input(bedrock_client *client) {
    bedrock_multi *multi = NULL;
    bedrock_error *err = NULL;
    CHECK_STATUS(bedrock_multi_new(client, "{\"http_version\": \"3\"}", &multi, &err), BEDROCK_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(bedrock_error_json(err), "\"field\":\"options.http_version\"");
    bedrock_error_free(err);
    CHECK_STATUS(bedrock_multi_new(client, "{\"max_pending\": 2}", &multi, NULL), BEDROCK_OK);
    result_state results[3] = {{0}};
    bedrock_call *calls[3] = {NULL, NULL, NULL};
    const char *request = "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", \"limited\"]]}";
    CHECK_STATUS(bedrock_multi_chat(multi, request, on_result, &results[0], &calls[0], NULL), BEDROCK_OK);
    CHECK_STATUS(bedrock_multi_chat(multi, request, on_result, &results[1], &calls[1], NULL), BEDROCK_OK);
    CHECK_STATUS(bedrock_multi_chat(multi, request, on_result, &results[2], &calls[2], &err), BEDROCK_ERR_LIMIT);
    CHECK_CONTAINS(bedrock_error_message(err), "max_pending");
    bedrock_error_free(err);
    CHECK(calls[2] == NULL);
    CHECK_STATUS(bedrock_multi_chat(multi, "{\"model\": \"\"}", on_result, &results[2], &calls[2], NULL),
                 BEDROCK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(bedrock_multi_chat(multi, request, NULL, NULL, &calls[2], NULL), BEDROCK_ERR_INVALID_ARGUMENT);
    /* Freeing the multi with calls in flight runs their on_done, cancelled. */
    bedrock_multi_free(multi);
    CHECK(results[0].done == 1 && results[0].status == BEDROCK_ERR_CANCELLED);
    CHECK(results[1].done == 1 && results[1].status == BEDROCK_ERR_CANCELLED);
    bedrock_call_cancel(calls[0]); /* after the multi is gone: harmless */
    bedrock_call_free(calls[0]);
    bedrock_call_free(calls[1]);
    CHECK_STATUS(bedrock_multi_perform(NULL, 0, NULL, NULL), BEDROCK_ERR_INVALID_ARGUMENT);
    CHECK(bedrock_multi_fd(NULL) == -1);
    bedrock_multi_free(NULL);
    bedrock_call_free(NULL);
    bedrock_call_cancel(NULL);
}

/* A stop from on_event is a cancel, even when the whole response had already arrived. */
static int stop_at_first_event(const char *event_json, size_t len, void *user_data) {
    (void)event_json;
    (void)len;
    ((result_state *)user_data)->events++;
    return 1;
}

static void test_stop_after_the_response_arrived_is_a_cancel(bedrock_client *client) {
    bedrock_multi *multi = NULL;
    CHECK_STATUS(bedrock_multi_new(client, NULL, &multi, NULL), BEDROCK_OK);
    result_state r = {0};
    bedrock_call *call = NULL;
    CHECK_STATUS(bedrock_multi_chat_stream(multi, "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", \"short\"]]}",
                                           stop_at_first_event, on_result, &r, &call, NULL), BEDROCK_OK);
    int running = 1;
    double started = harness_now_ms();
    while (running > 0 && harness_now_ms() - started < 10000) {
        /* A slow loop: the whole short stream is in before its first event is handed out. */
        struct pollfd p = {.fd = bedrock_multi_fd(multi), .events = POLLIN};
        poll(&p, 1, 300);
        CHECK_STATUS(bedrock_multi_perform(multi, 0, &running, NULL), BEDROCK_OK);
    }
    CHECK(r.done == 1 && r.status == BEDROCK_ERR_CANCELLED && r.events == 1);
    CHECK(strcmp(r.result, "(null)") == 0);
    bedrock_call_free(call);
    bedrock_multi_free(multi);
}

/* The host's hooks may not drive the multi from inside themselves, and socket mode may begin
   after simple mode and end again. */
typedef struct {
    fake_loop loop;
    bedrock_status nested;
    int removes;
} hostile_loop;

static int hostile_on_timer(bedrock_multi *multi, long timeout_ms, void *loop_data) {
    hostile_loop *h = loop_data;
    int running = 0;
    h->nested = bedrock_multi_socket_action(multi, -1, 0, &running, NULL);
    return loop_on_timer(multi, timeout_ms, &h->loop);
}

static int counting_on_socket(bedrock_multi *multi, int fd, int what, void *loop_data, void *fd_data) {
    hostile_loop *h = loop_data;
    if (what & BEDROCK_POLL_REMOVE) h->removes++;
    return loop_on_socket(multi, fd, what, &h->loop, fd_data);
}

static void test_socket_mode_changes_and_hooks(bedrock_client *client) {
    bedrock_multi *multi = NULL;
    CHECK_STATUS(bedrock_multi_new(client, NULL, &multi, NULL), BEDROCK_OK);
    stream_state s;
    memset(&s, 0, sizeof s);
    bedrock_call *call = NULL;
    CHECK_STATUS(bedrock_multi_chat_stream(multi, "{\"model\": \"" MODEL "\", \"messages\": [[\"human\", "
                                           "\"[[fault:token_delay:50]] late socket mode a b c d\"]]}",
                                           on_chat_event, on_stream_done, &s, &call, NULL), BEDROCK_OK);
    /* Simple mode first: the connection opens and the stream starts. */
    int running = 1;
    for (int i = 0; i < 5; i++) {
        struct pollfd p = {.fd = bedrock_multi_fd(multi), .events = POLLIN};
        poll(&p, 1, 60);
        CHECK_STATUS(bedrock_multi_perform(multi, 0, &running, NULL), BEDROCK_OK);
    }
    hostile_loop h;
    memset(&h, 0, sizeof h);
    h.loop.timer_due = -1;
    h.nested = BEDROCK_OK;
    CHECK_STATUS(bedrock_multi_use_loop(multi, counting_on_socket, hostile_on_timer, &h, NULL), BEDROCK_OK);
    CHECK(h.loop.count >= 2); /* the wakeup fd and the open connection */
    double started = harness_now_ms();
    while (running > 0 && harness_now_ms() - started < 10000) {
        int wait = 100;
        if (h.loop.timer_due >= 0) wait = h.loop.timer_due <= harness_now_ms() ? 0 : (int)(h.loop.timer_due - harness_now_ms()) + 1;
        struct pollfd ready[64];
        int count = h.loop.count;
        memcpy(ready, h.loop.fds, sizeof(struct pollfd) * (size_t)count);
        poll(ready, (nfds_t)count, wait);
        for (int i = 0; i < count; i++) {
            if (!ready[i].revents) continue;
            int events = ((ready[i].revents & (POLLIN | POLLHUP | POLLERR)) ? BEDROCK_POLL_IN : 0) |
                         ((ready[i].revents & POLLOUT) ? BEDROCK_POLL_OUT : 0);
            CHECK_STATUS(bedrock_multi_socket_action(multi, ready[i].fd, events, &running, NULL), BEDROCK_OK);
        }
        if (h.loop.timer_due >= 0 && h.loop.timer_due <= harness_now_ms()) {
            h.loop.timer_due = -1;
            CHECK_STATUS(bedrock_multi_socket_action(multi, -1, 0, &running, NULL), BEDROCK_OK);
        }
    }
    CHECK(h.nested == BEDROCK_ERR_INVALID_ARGUMENT);
    CHECK(s.done == 1 && s.status == BEDROCK_OK);
    CHECK_CONTAINS(s.text, "late socket mode a b c d");
    /* Leaving socket mode asks the host to drop every fd it watches. */
    int watched = h.loop.count;
    CHECK_STATUS(bedrock_multi_use_loop(multi, NULL, NULL, NULL, NULL), BEDROCK_OK);
    CHECK(h.loop.count == 0 && h.removes >= watched && h.loop.timer_due < 0);
    bedrock_call_free(call);
    bedrock_multi_free(multi);
}

int main(int argc, char **argv) {
    url = harness_emulator_url(argc, argv);
    bedrock_client *client = harness_client(url, "");
    test_every_operation(client);
    test_queue_mode(client);
    test_socket_mode(client);
    test_reentrant_callbacks(client);
    test_cancel_from_another_thread(client);
    test_other_threads_wake_start_and_free(client);
    test_retries_are_timers(client);
    test_limits_and_bad_input(client);
    test_stop_after_the_response_arrived_is_a_cancel(client);
    test_socket_mode_changes_and_hooks(client);
    test_many_streams_on_one_thread(client);
    bedrock_client_free(client);
    return harness_finish("test_multi");
}

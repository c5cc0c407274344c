/*
 * bedrock_uv.h - drives a bedrock_multi from a libuv loop, in socket mode.
 *
 *   bedrock_uv *adapter = bedrock_uv_attach(multi, loop);
 *   bedrock_multi_chat_stream(multi, request, on_event, on_done, data, &call, NULL);
 *   uv_run(loop, UV_RUN_DEFAULT);       // until uv_stop(), e.g. from the last on_done
 *   bedrock_uv_detach(adapter);         // before bedrock_multi_free()
 *   bedrock_multi_free(multi);
 *   uv_run(loop, UV_RUN_DEFAULT);       // lets libuv finish closing the adapter's handles
 *
 * As curl's docs/examples/multi-uv.c: one uv_poll_t per socket the multi asks to watch,
 * attached to its fd with bedrock_multi_assign(), and one uv_timer_t for the multi's timer.
 * The multi's wakeup fd is one of the watched sockets, so a call started (or
 * bedrock_multi_wakeup()) from another thread wakes the loop. Its poll handle stays active
 * while the adapter is attached, so uv_run() does not return on its own: stop the loop
 * (uv_stop) or detach. Like hiredis's adapters, this header is all there is: libbedrock
 * links no event library.
 *
 * Threads: attach, detach and the loop run on one thread, which is then the multi's driving
 * thread; callbacks (on_event, on_done) run on it, inside uv_run().
 */
#ifndef BEDROCK_UV_H
#define BEDROCK_UV_H

#include <bedrock.h>
#include <stdlib.h>
#include <uv.h>

typedef struct bedrock_uv bedrock_uv;

/* One watched socket: its poll handle, in the adapter's list. */
typedef struct bedrock_uv__socket {
    uv_poll_t poll;
    int fd;
    bedrock_uv *adapter;
    struct bedrock_uv__socket *prev, *next;
} bedrock_uv__socket;

struct bedrock_uv {
    uv_timer_t timer; /* first: the adapter is freed by the timer's close callback */
    uv_loop_t *loop;
    bedrock_multi *multi;
    bedrock_uv__socket *sockets;
};

/* The host saw `fd` ready (or the timer fired: fd -1). socket_action fails only when called
   from inside one of the multi's callbacks, which a libuv callback never is. */
static inline void bedrock_uv__action(bedrock_uv *adapter, int fd, int what) {
    int running = 0;
    bedrock_multi_socket_action(adapter->multi, fd, what, &running, NULL);
}

static inline void bedrock_uv__on_poll(uv_poll_t *handle, int status, int events) {
    bedrock_uv__socket *sock = (bedrock_uv__socket *)handle->data;
    int what = 0;
    if (status < 0) what = BEDROCK_POLL_IN | BEDROCK_POLL_OUT; /* let curl read the error */
    if (events & (UV_READABLE | UV_DISCONNECT)) what |= BEDROCK_POLL_IN;
    if (events & UV_WRITABLE) what |= BEDROCK_POLL_OUT;
    bedrock_uv__action(sock->adapter, sock->fd, what);
}

static inline void bedrock_uv__on_timeout(uv_timer_t *timer) {
    bedrock_uv__action((bedrock_uv *)timer->data, -1, 0);
}

static inline void bedrock_uv__free_handle(uv_handle_t *handle) {
    free(handle->data);
}

/* Stops watching a socket; its memory goes in the close callback, as libuv requires. */
static inline void bedrock_uv__close_socket(bedrock_uv *adapter, bedrock_uv__socket *sock) {
    if (sock->prev) sock->prev->next = sock->next;
    else adapter->sockets = sock->next;
    if (sock->next) sock->next->prev = sock->prev;
    uv_close((uv_handle_t *)&sock->poll, bedrock_uv__free_handle);
}

/* bedrock_socket_fn: watch fd for `what`, or stop (BEDROCK_POLL_REMOVE). */
static inline int bedrock_uv__on_socket(bedrock_multi *multi, int fd, int what, void *loop_data, void *fd_data) {
    bedrock_uv *adapter = (bedrock_uv *)loop_data;
    bedrock_uv__socket *sock = (bedrock_uv__socket *)fd_data;
    if (what & BEDROCK_POLL_REMOVE) {
        if (sock) {
            bedrock_multi_assign(multi, fd, NULL);
            bedrock_uv__close_socket(adapter, sock);
        }
        return 0;
    }
    if (!sock) {
        sock = (bedrock_uv__socket *)calloc(1, sizeof *sock);
        if (!sock) return -1;
        if (uv_poll_init_socket(adapter->loop, &sock->poll, fd) != 0) {
            free(sock);
            return -1;
        }
        sock->poll.data = sock;
        sock->fd = fd;
        sock->adapter = adapter;
        sock->next = adapter->sockets;
        if (adapter->sockets) adapter->sockets->prev = sock;
        adapter->sockets = sock;
        bedrock_multi_assign(multi, fd, sock);
    }
    int events = ((what & BEDROCK_POLL_IN) ? UV_READABLE : 0) | ((what & BEDROCK_POLL_OUT) ? UV_WRITABLE : 0);
    uv_poll_start(&sock->poll, events, bedrock_uv__on_poll);
    return 0;
}

/* bedrock_timer_fn: one timer, each request replacing the last. 0 ms becomes 1 ms, as in
   multi-uv.c: libuv before 1.45 runs a 0 ms timer that is re-armed from its own callback
   again in the same pass, without polling. */
static inline int bedrock_uv__on_timer(bedrock_multi *multi, long timeout_ms, void *loop_data) {
    (void)multi;
    bedrock_uv *adapter = (bedrock_uv *)loop_data;
    if (timeout_ms < 0) uv_timer_stop(&adapter->timer);
    else uv_timer_start(&adapter->timer, bedrock_uv__on_timeout, timeout_ms > 0 ? (uint64_t)timeout_ms : 1, 0);
    return 0;
}

/* Hands the multi's sockets and timer to `loop` (bedrock_multi_use_loop), and from then on
   drives it from there. Returns NULL when out of memory or when use_loop fails (a NULL multi,
   for one; the adapter's timer handle then closes at the loop's next run). A multi takes one
   adapter, once. */
static inline bedrock_uv *bedrock_uv_attach(bedrock_multi *multi, uv_loop_t *loop) {
    bedrock_uv *adapter = (bedrock_uv *)calloc(1, sizeof *adapter);
    if (!adapter) return NULL;
    adapter->loop = loop;
    adapter->multi = multi;
    uv_timer_init(loop, &adapter->timer);
    adapter->timer.data = adapter;
    if (bedrock_multi_use_loop(multi, bedrock_uv__on_socket, bedrock_uv__on_timer, adapter, NULL) != BEDROCK_OK) {
        uv_close((uv_handle_t *)&adapter->timer, bedrock_uv__free_handle);
        return NULL;
    }
    return adapter;
}

/* Stops driving the multi: it leaves socket mode (bedrock_multi_use_loop with NULL hooks),
   and every handle of the adapter is closed (freed by libuv's close callbacks: run the loop
   once more). Calls still running go on in simple mode if something performs; otherwise they
   stall until the multi is freed. Call it on the loop's thread, outside the multi's
   callbacks. NULL is a no-op. */
static inline void bedrock_uv_detach(bedrock_uv *adapter) {
    if (!adapter) return;
    /* Leaving socket mode: the multi asks, through this adapter's hooks, to stop watching
       each fd (which closes its watcher) and cancels the timer. */
    bedrock_multi_use_loop(adapter->multi, NULL, NULL, NULL, NULL);
    while (adapter->sockets) {
        bedrock_uv__close_socket(adapter, adapter->sockets);
    }
    uv_close((uv_handle_t *)&adapter->timer, bedrock_uv__free_handle);
}

#endif /* BEDROCK_UV_H */

/*
 * bedrock_libevent.h - drives a bedrock_multi from a libevent event_base, in socket mode.
 *
 *   bedrock_libevent *adapter = bedrock_libevent_attach(multi, base);
 *   bedrock_multi_chat_stream(multi, request, on_event, on_done, data, &call, NULL);
 *   event_base_dispatch(base);          // until event_base_loopbreak(), e.g. from the last on_done
 *   bedrock_libevent_detach(adapter);   // before bedrock_multi_free()
 *   bedrock_multi_free(multi);
 *
 * As curl's docs/examples/multi-event.c: one persistent event (event_new) per socket the
 * multi asks to watch, attached to its fd with bedrock_multi_assign(), and one timer event
 * for the multi's timer. The multi's wakeup fd is one of the watched sockets, so a call
 * started (or bedrock_multi_wakeup()) from another thread wakes the loop; its event stays
 * added while the adapter is attached, so event_base_dispatch() does not return on its own.
 * Like hiredis's adapters, this header is all there is: libbedrock links no event library.
 *
 * Threads: attach, detach and the loop run on one thread, which is then the multi's driving
 * thread; callbacks (on_event, on_done) run on it, inside event_base_dispatch().
 */
#ifndef BEDROCK_LIBEVENT_H
#define BEDROCK_LIBEVENT_H

#include <bedrock.h>
#include <event2/event.h>
#include <stdlib.h>

typedef struct bedrock_libevent bedrock_libevent;

/* One watched socket: its event, in the adapter's list. */
typedef struct bedrock_libevent__socket {
    struct event *event;
    int fd;
    int what; /* BEDROCK_POLL_IN | BEDROCK_POLL_OUT, as last asked */
    bedrock_libevent *adapter;
    struct bedrock_libevent__socket *prev, *next;
} bedrock_libevent__socket;

struct bedrock_libevent {
    struct event_base *base;
    struct event *timer;
    bedrock_multi *multi;
    bedrock_libevent__socket *sockets;
};

/* The host saw `fd` ready (or the timer fired: fd -1). socket_action fails only when called
   from inside one of the multi's callbacks, which a libevent callback never is. */
static inline void bedrock_libevent__action(bedrock_libevent *adapter, int fd, int what) {
    int running = 0;
    bedrock_multi_socket_action(adapter->multi, fd, what, &running, NULL);
}

static inline void bedrock_libevent__on_event(evutil_socket_t fd, short events, void *arg) {
    bedrock_libevent__socket *sock = (bedrock_libevent__socket *)arg;
    int what = ((events & EV_READ) ? BEDROCK_POLL_IN : 0) | ((events & EV_WRITE) ? BEDROCK_POLL_OUT : 0);
    bedrock_libevent__action(sock->adapter, (int)fd, what);
}

static inline void bedrock_libevent__on_timeout(evutil_socket_t fd, short events, void *arg) {
    (void)fd, (void)events;
    bedrock_libevent__action((bedrock_libevent *)arg, -1, 0);
}

static inline void bedrock_libevent__close_socket(bedrock_libevent *adapter, bedrock_libevent__socket *sock) {
    if (sock->prev) sock->prev->next = sock->next;
    else adapter->sockets = sock->next;
    if (sock->next) sock->next->prev = sock->prev;
    event_free(sock->event); /* event_del first, even from inside its own callback */
    free(sock);
}

/* bedrock_socket_fn: watch fd for `what`, or stop (BEDROCK_POLL_REMOVE). */
static inline int bedrock_libevent__on_socket(bedrock_multi *multi, int fd, int what, void *loop_data, void *fd_data) {
    bedrock_libevent *adapter = (bedrock_libevent *)loop_data;
    bedrock_libevent__socket *sock = (bedrock_libevent__socket *)fd_data;
    if (what & BEDROCK_POLL_REMOVE) {
        if (sock) {
            bedrock_multi_assign(multi, fd, NULL);
            bedrock_libevent__close_socket(adapter, sock);
        }
        return 0;
    }
    short events = (short)(((what & BEDROCK_POLL_IN) ? EV_READ : 0) | ((what & BEDROCK_POLL_OUT) ? EV_WRITE : 0) | EV_PERSIST);
    if (!sock) {
        sock = (bedrock_libevent__socket *)calloc(1, sizeof *sock);
        if (!sock) return -1;
        sock->event = event_new(adapter->base, fd, events, bedrock_libevent__on_event, sock);
        if (!sock->event) {
            free(sock);
            return -1;
        }
        sock->fd = fd;
        sock->adapter = adapter;
        sock->next = adapter->sockets;
        if (adapter->sockets) adapter->sockets->prev = sock;
        adapter->sockets = sock;
        bedrock_multi_assign(multi, fd, sock);
    } else if (sock->what != what) {
        /* A pending event's flags cannot change: take it off, reassign, add it again. */
        event_del(sock->event);
        event_assign(sock->event, adapter->base, fd, events, bedrock_libevent__on_event, sock);
    }
    sock->what = what;
    event_add(sock->event, NULL);
    return 0;
}

/* bedrock_timer_fn: one timer, each request replacing the last. */
static inline int bedrock_libevent__on_timer(bedrock_multi *multi, long timeout_ms, void *loop_data) {
    (void)multi;
    bedrock_libevent *adapter = (bedrock_libevent *)loop_data;
    if (timeout_ms < 0) {
        evtimer_del(adapter->timer);
    } else {
        struct timeval tv;
        tv.tv_sec = timeout_ms / 1000;
        tv.tv_usec = (timeout_ms % 1000) * 1000;
        evtimer_add(adapter->timer, &tv);
    }
    return 0;
}

/* Hands the multi's sockets and timer to `base` (bedrock_multi_use_loop), and from then on
   drives it from there. Returns NULL when out of memory or when use_loop fails (a NULL multi,
   for one). A multi takes one adapter, once. */
static inline bedrock_libevent *bedrock_libevent_attach(bedrock_multi *multi, struct event_base *base) {
    bedrock_libevent *adapter = (bedrock_libevent *)calloc(1, sizeof *adapter);
    if (!adapter) return NULL;
    adapter->base = base;
    adapter->multi = multi;
    adapter->timer = evtimer_new(base, bedrock_libevent__on_timeout, adapter);
    if (!adapter->timer ||
        bedrock_multi_use_loop(multi, bedrock_libevent__on_socket, bedrock_libevent__on_timer, adapter, NULL) != BEDROCK_OK) {
        if (adapter->timer) event_free(adapter->timer);
        free(adapter);
        return NULL;
    }
    return adapter;
}

/* Stops driving the multi and frees the adapter: the multi leaves socket mode
   (bedrock_multi_use_loop with NULL hooks), and every event of the adapter is deleted and
   freed. Calls still running go on in simple mode if something performs; otherwise they stall
   until the multi is freed. Call it on the loop's thread, outside the multi's callbacks.
   NULL is a no-op. */
static inline void bedrock_libevent_detach(bedrock_libevent *adapter) {
    if (!adapter) return;
    /* Leaving socket mode: the multi asks, through this adapter's hooks, to stop watching
       each fd (which closes its watcher) and cancels the timer. */
    bedrock_multi_use_loop(adapter->multi, NULL, NULL, NULL, NULL);
    while (adapter->sockets) {
        bedrock_libevent__close_socket(adapter, adapter->sockets);
    }
    event_free(adapter->timer);
    free(adapter);
}

#endif /* BEDROCK_LIBEVENT_H */

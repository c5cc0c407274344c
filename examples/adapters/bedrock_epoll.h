/*
 * bedrock_epoll.h - drives a bedrock_multi from a plain epoll loop, in simple mode.
 *
 *   bedrock_epoll_add(multi, epfd, (epoll_data_t){.ptr = multi});
 *   for (;;) {
 *       int n = epoll_wait(epfd, events, 16, bedrock_epoll_timeout(multi, my_timeout_ms));
 *       ... handle your own fds; for the multi's (or when the wait timed out):
 *       bedrock_multi_perform(multi, 0, &running, NULL);
 *   }
 *   bedrock_epoll_del(multi, epfd);     // before bedrock_multi_free()
 *
 * Simple mode needs no callbacks from the multi: bedrock_multi_fd() is one fd, readable
 * whenever the multi has work (socket I/O, a due timer, a call started or a
 * bedrock_multi_wakeup() from another thread), and bedrock_multi_timeout_ms() bounds the
 * wait. perform(multi, 0, ...) then does that work without blocking and runs the callbacks.
 * The same works with poll() or select(); bedrock_epoll_run() is the whole loop for a
 * program that has nothing else to wait for.
 *
 * Threads: the loop runs on one thread, the multi's driving thread; callbacks (on_event,
 * on_done) run on it, inside bedrock_multi_perform().
 */
#ifndef BEDROCK_EPOLL_H
#define BEDROCK_EPOLL_H

#include <bedrock.h>
#include <sys/epoll.h>
#include <unistd.h>

/* Adds the multi's fd to the epoll set `epfd`, for reading; epoll_wait reports `data` for
   it. Returns epoll_ctl's result: 0, or -1 with errno set. */
static inline int bedrock_epoll_add(bedrock_multi *multi, int epfd, epoll_data_t data) {
    struct epoll_event event;
    event.events = EPOLLIN;
    event.data = data;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, bedrock_multi_fd(multi), &event);
}

/* Takes the multi's fd out of `epfd`. */
static inline int bedrock_epoll_del(bedrock_multi *multi, int epfd) {
    struct epoll_event unused; /* ignored, but kernels before 2.6.9 wanted one */
    unused.events = 0;
    unused.data.u64 = 0;
    return epoll_ctl(epfd, EPOLL_CTL_DEL, bedrock_multi_fd(multi), &unused);
}

/* The epoll_wait timeout that honours both the host's own (-1: none) and the multi's timers. */
static inline int bedrock_epoll_timeout(const bedrock_multi *multi, int host_timeout_ms) {
    long timeout = bedrock_multi_timeout_ms(multi);
    if (timeout < 0 || (host_timeout_ms >= 0 && timeout > host_timeout_ms)) return host_timeout_ms;
    return timeout > 0x7fffffff ? 0x7fffffff : (int)timeout;
}

/* Runs the multi alone until no call is running: an epoll set of its own, waits bounded by
   the multi's timers, perform after each. Returns BEDROCK_OK, or the error of a failed
   epoll call (BEDROCK_ERR_INTERNAL) or perform (a call from inside a callback). */
static inline bedrock_status bedrock_epoll_run(bedrock_multi *multi, bedrock_error **err) {
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    epoll_data_t data;
    data.ptr = multi;
    if (epfd < 0 || bedrock_epoll_add(multi, epfd, data) != 0) {
        if (epfd >= 0) close(epfd);
        if (err) *err = NULL;
        return BEDROCK_ERR_INTERNAL;
    }
    bedrock_status status;
    int running = 0;
    for (;;) {
        status = bedrock_multi_perform(multi, 0, &running, err);
        if (status != BEDROCK_OK || running == 0) break;
        struct epoll_event event;
        epoll_wait(epfd, &event, 1, bedrock_epoll_timeout(multi, -1)); /* ready, timed out or EINTR: perform */
    }
    close(epfd);
    return status;
}

#endif /* BEDROCK_EPOLL_H */

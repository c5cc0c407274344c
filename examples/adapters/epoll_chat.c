/* Streams a few chats at once from a plain epoll loop (simple mode, bedrock_epoll.h), with
 * the host's own fd beside the multi's: SIGINT, as a signalfd, cancels the streams.
 *
 *   epoll_chat [--check] [--endpoint URL] [--model MODEL_ID] [PROMPT...]     (see chats.h) */
#include "bedrock_epoll.h"
#include "chats.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

int main(int argc, char **argv) {
    chats all;
    int code = chats_init(&all, argc, argv, NULL);
    if (code) return code;

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event watch = {.events = EPOLLIN, .data.ptr = &sigfd};
    epoll_ctl(epfd, EPOLL_CTL_ADD, sigfd, &watch);
    bedrock_epoll_add(all.multi, epfd, (epoll_data_t){.ptr = all.multi});

    code = chats_start(&all);
    int running = all.running;
    while (code == 0 && running > 0) {
        struct epoll_event events[8];
        int n = epoll_wait(epfd, events, 8, bedrock_epoll_timeout(all.multi, -1));
        int due = n == 0; /* the multi's timer */
        for (int i = 0; i < n; i++) {
            if (events[i].data.ptr == all.multi) {
                due = 1;
            } else if (events[i].data.ptr == &sigfd) {
                struct signalfd_siginfo info;
                if (read(sigfd, &info, sizeof info) > 0) fprintf(stderr, "interrupted: cancelling the streams\n");
                chats_cancel(&all); /* wakes the multi: its fd turns readable */
            }
        }
        if (!due) continue;
        bedrock_error *err = NULL;
        if (bedrock_multi_perform(all.multi, 0, &running, &err) != BEDROCK_OK) {
            fprintf(stderr, "perform: %s\n", bedrock_error_message(err));
            bedrock_error_free(err);
            code = 1;
        }
    }

    bedrock_epoll_del(all.multi, epfd);
    close(epfd);
    close(sigfd);
    bedrock_multi_free(all.multi); /* cancels what still runs: on_done runs for it here */
    int result = chats_finish(&all);
    return code ? code : result;
}

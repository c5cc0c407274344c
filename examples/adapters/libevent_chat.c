/* Streams a few chats at once from a libevent loop (socket mode, bedrock_libevent.h). SIGINT
 * cancels the streams; the last stream's on_done stops the loop.
 *
 *   libevent_chat [--check] [--endpoint URL] [--model MODEL_ID] [PROMPT...]     (see chats.h) */
#include "bedrock_libevent.h"
#include "chats.h"

#include <signal.h>

static void stop_loop(void *base) { event_base_loopbreak(base); }

static void on_sigint(evutil_socket_t signum, short events, void *all) {
    (void)signum, (void)events;
    fprintf(stderr, "interrupted: cancelling the streams\n");
    chats_cancel(all);
}

int main(int argc, char **argv) {
    chats all;
    int code = chats_init(&all, argc, argv, NULL);
    if (code) return code;

    struct event_base *base = event_base_new();
    bedrock_libevent *adapter = bedrock_libevent_attach(all.multi, base);
    struct event *sigint = evsignal_new(base, SIGINT, on_sigint, &all);
    evsignal_add(sigint, NULL);
    all.on_all_done = stop_loop;
    all.on_all_done_data = base;

    code = adapter ? chats_start(&all) : 1;
    if (code == 0) event_base_dispatch(base);

    event_free(sigint);
    bedrock_libevent_detach(adapter);
    bedrock_multi_free(all.multi); /* cancels what still runs: on_done runs for it here */
    event_base_free(base);
    int result = chats_finish(&all);
    return code ? code : result;
}

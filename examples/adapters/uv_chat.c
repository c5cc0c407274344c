/* Streams a few chats at once from a libuv loop (socket mode, bedrock_uv.h). SIGINT cancels
 * the streams; the last stream's on_done stops the loop.
 *
 *   uv_chat [--check] [--endpoint URL] [--model MODEL_ID] [PROMPT...]     (see chats.h) */
#include "bedrock_uv.h"
#include "chats.h"

#include <signal.h>

static void stop_loop(void *loop) { uv_stop(loop); }

static void on_sigint(uv_signal_t *handle, int signum) {
    (void)signum;
    fprintf(stderr, "interrupted: cancelling the streams\n");
    chats_cancel(handle->data);
}

int main(int argc, char **argv) {
    chats all;
    int code = chats_init(&all, argc, argv, NULL);
    if (code) return code;

    uv_loop_t loop;
    uv_loop_init(&loop);
    bedrock_uv *adapter = bedrock_uv_attach(all.multi, &loop);
    uv_signal_t sigint;
    uv_signal_init(&loop, &sigint);
    sigint.data = &all;
    uv_signal_start(&sigint, on_sigint, SIGINT);
    all.on_all_done = stop_loop;
    all.on_all_done_data = &loop;

    code = adapter ? chats_start(&all) : 1;
    if (code == 0) uv_run(&loop, UV_RUN_DEFAULT);

    uv_close((uv_handle_t *)&sigint, NULL);
    bedrock_uv_detach(adapter);
    bedrock_multi_free(all.multi); /* cancels what still runs: on_done runs for it here */
    uv_run(&loop, UV_RUN_DEFAULT); /* the closing handles */
    uv_loop_close(&loop);
    int result = chats_finish(&all);
    return code ? code : result;
}

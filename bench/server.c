/* bench/server.c - a Bedrock Runtime server that replays canned replies, for the benchmarks.
 *
 *   bench_server REPLIES_FILE PORT_FILE
 *
 * Listens on an ephemeral port of 127.0.0.1 and writes the port to PORT_FILE once it does.
 * Speaks HTTP/1.1 with keep-alive to any number of connections, one poll() loop, one thread.
 * Each request `POST /model/{modelId}/{operation}` with a Content-Length body is read to its
 * end (the body is discarded: signatures and bodies are not checked) and answered with the
 * reply REPLIES_FILE holds for "{modelId}/{operation}", written with the same write() calls to
 * every client. Anything else gets a 404 and the connection is closed.
 *
 * REPLIES_FILE (bench/driver.py writes it) is a list of replies, each
 *     KEY COUNT\n  then COUNT times:  LENGTH\n BYTES
 * where the COUNT writes together are the whole HTTP response, status line to last byte.
 * A streamed reply is one write for the headers and one per event-stream frame (an HTTP
 * chunk), as a service sends events as they are produced.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MAX_REPLIES = 32, MAX_CONNECTIONS = 64, MAX_HEAD = 64 * 1024 };

struct reply {
    char key[256];
    int count;          /* number of writes */
    char **data;
    size_t *length;
};

struct connection {
    int fd;                     /* -1 when the slot is free */
    char head[MAX_HEAD];        /* the request line and headers, until the blank line */
    size_t head_length;
    long long body_left;        /* body bytes still to read; -1 while reading the head */
    const struct reply *reply;  /* the answer to the request being read or answered */
    int writing;                /* 1 from the end of the body to the reply's last byte */
    int write_index;
    size_t write_offset;
};

static struct reply replies[MAX_REPLIES];
static int reply_count;
static const char not_found[] =
    "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 57\r\n"
    "x-amzn-ErrorType: UnknownOperationException\r\nConnection: close\r\n\r\n"
    "{\"message\": \"bench_server has no reply for this request\"}";

static void load_replies(const char *path) {
    FILE *file = fopen(path, "rb");
    if (!file) { perror(path); exit(1); }
    struct reply *r;
    while (reply_count < MAX_REPLIES && (r = &replies[reply_count],
           fscanf(file, "%255s %d", r->key, &r->count) == 2)) {
        r->data = calloc((size_t)r->count, sizeof *r->data);
        r->length = calloc((size_t)r->count, sizeof *r->length);
        for (int i = 0; i < r->count; i++) {
            if (fscanf(file, "%zu", &r->length[i]) != 1 || fgetc(file) != '\n' ||
                !(r->data[i] = malloc(r->length[i])) ||
                fread(r->data[i], 1, r->length[i], file) != r->length[i]) {
                fprintf(stderr, "%s: malformed reply %s\n", path, r->key);
                exit(1);
            }
        }
        reply_count++;
    }
    fclose(file);
}

/* The reply for a request line "POST /model/{key} HTTP/1.1", or NULL. */
static const struct reply *find_reply(const char *head) {
    static const char prefix[] = "POST /model/";
    if (strncmp(head, prefix, sizeof prefix - 1) != 0) return NULL;
    const char *key = head + sizeof prefix - 1;
    size_t key_length = strcspn(key, " ");
    for (int i = 0; i < reply_count; i++) {
        if (strlen(replies[i].key) == key_length && !memcmp(replies[i].key, key, key_length)) {
            return &replies[i];
        }
    }
    return NULL;
}

static void close_connection(struct connection *c) {
    close(c->fd);
    c->fd = -1;
}

/* Writes what the socket takes of the reply in progress. Returns -1 when the connection
   failed, else 0 (c->writing is 0 again once the reply is all written). */
static int write_reply(struct connection *c) {
    const struct reply *r = c->reply;
    while (c->writing) {
        ssize_t n = send(c->fd, r->data[c->write_index] + c->write_offset,
                         r->length[c->write_index] - c->write_offset, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        c->write_offset += (size_t)n;
        if (c->write_offset == r->length[c->write_index]) {
            c->write_offset = 0;
            if (++c->write_index == r->count) c->writing = 0;
        }
    }
    return 0;
}

/* Takes n bytes of the request. Returns -1 to close the connection. */
static int take_request_bytes(struct connection *c, const char *bytes, size_t n) {
    if (c->body_left < 0) {
        size_t taken = n < MAX_HEAD - 1 - c->head_length ? n : MAX_HEAD - 1 - c->head_length;
        memcpy(c->head + c->head_length, bytes, taken);
        c->head_length += taken;
        c->head[c->head_length] = '\0';
        char *end = strstr(c->head, "\r\n\r\n");
        if (!end) return taken < n ? -1 : 0;  /* a head longer than MAX_HEAD is refused */
        *end = '\0';
        const char *length = strcasestr(c->head, "\r\ncontent-length:");
        long long body = length ? atoll(length + 17) : 0;
        size_t head_end = (size_t)(end + 4 - c->head);
        c->body_left = body - (long long)(c->head_length - head_end) - (long long)(n - taken);
        c->reply = find_reply(c->head);
        if (!c->reply || c->body_left < 0) {  /* unknown route, or bytes after the body */
            send(c->fd, not_found, sizeof not_found - 1, MSG_NOSIGNAL);
            return -1;
        }
    } else {
        if ((long long)n > c->body_left) return -1;  /* clients here do not pipeline */
        c->body_left -= (long long)n;
    }
    if (c->body_left == 0) {
        c->writing = 1;
        c->write_index = 0;
        c->write_offset = 0;
        c->head_length = 0;
        c->body_left = -1;
        return write_reply(c);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s REPLIES_FILE PORT_FILE\n", argv[0]);
        return 2;
    }
    load_replies(argv[1]);

    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t address_length = sizeof address;
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) != 0 ||
        listen(listener, 64) != 0 ||
        getsockname(listener, (struct sockaddr *)&address, &address_length) != 0) {
        perror("listen");
        return 1;
    }
    char temporary[4096];
    snprintf(temporary, sizeof temporary, "%s.tmp", argv[2]);
    FILE *port_file = fopen(temporary, "w");
    if (!port_file || fprintf(port_file, "%d\n", ntohs(address.sin_port)) < 0 ||
        fclose(port_file) != 0 || rename(temporary, argv[2]) != 0) {
        perror(argv[2]);
        return 1;
    }

    static struct connection connections[MAX_CONNECTIONS];
    for (int i = 0; i < MAX_CONNECTIONS; i++) connections[i].fd = -1;
    static char buffer[256 * 1024];
    struct pollfd fds[MAX_CONNECTIONS + 1];
    struct connection *polled[MAX_CONNECTIONS + 1];
    for (;;) {
        int n = 0;
        fds[n++] = (struct pollfd){.fd = listener, .events = POLLIN};
        for (int i = 0; i < MAX_CONNECTIONS; i++) {
            struct connection *c = &connections[i];
            if (c->fd < 0) continue;
            polled[n] = c;
            fds[n++] = (struct pollfd){.fd = c->fd, .events = c->writing ? POLLOUT : POLLIN};
        }
        if (poll(fds, (nfds_t)n, -1) < 0) {
            if (errno == EINTR) continue;
            perror("poll");
            return 1;
        }
        if (fds[0].revents & POLLIN) {
            int fd;
            while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                struct connection *slot = NULL;
                for (int i = 0; i < MAX_CONNECTIONS && !slot; i++) {
                    if (connections[i].fd < 0) slot = &connections[i];
                }
                if (!slot) { close(fd); continue; }
                *slot = (struct connection){.fd = fd, .body_left = -1};
            }
        }
        for (int i = 1; i < n; i++) {
            struct connection *c = polled[i];
            if (!fds[i].revents) continue;
            if (c->writing) {
                if (write_reply(c) != 0) close_connection(c);
                continue;
            }
            ssize_t got = recv(c->fd, buffer, sizeof buffer, 0);
            if (got == 0 || (got < 0 && errno != EAGAIN) ||
                (got > 0 && take_request_bytes(c, buffer, (size_t)got) != 0)) {
                close_connection(c);
            }
        }
    }
}

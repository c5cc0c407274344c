/* bedrock-chat: chat with a model on Amazon Bedrock from the command line.
 *
 *   bedrock-chat [OPTIONS] [PROMPT...]        (bedrock-chat --help tells the whole story)
 *
 * Uses only libbedrock's public C API (bedrock.h), jansson for JSON, and libcrypto for
 * base64. The reply streams through the pull API (bedrock_stream_open/next), so that Ctrl-C
 * cancels it cleanly from a thread that waits for the signal; --no-stream uses bedrock_chat. */
#define _POSIX_C_SOURCE 200809L /* sigwait, pthread_sigmask, strdup, isatty under -std=c11 */

#include <bedrock.h>
#include <jansson.h>
#include <openssl/evp.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define PROGRAM "bedrock-chat"
#define DEFAULT_MODEL "anthropic.claude-3-haiku-20240307-v1:0"

/* Exit codes, as --help documents them. A libbedrock failure exits with 10 + its status. */
enum {
    EXIT_OTHER = 1,
    EXIT_USAGE = 2,
    EXIT_STATUS_BASE = 10,
    EXIT_SIGNAL_BASE = 128,
};

static const char help_text[] =
    "Usage: " PROGRAM " [OPTIONS] [PROMPT...]\n"
    "       COMMAND | " PROGRAM " [OPTIONS] [PROMPT...] [-]\n"
    "\n"
    "Send PROMPT to a model on Amazon Bedrock and print the reply as it arrives. With no\n"
    "PROMPT the prompt is read from stdin; a \"-\" among the words puts stdin's text there.\n"
    "Token usage goes to stderr when the reply ends.\n"
    "\n"
    "Request:\n"
    "  -m, --model ID          model or inference profile id; default $BEDROCK_CHAT_MODEL,\n"
    "                          else " DEFAULT_MODEL "\n"
    "      --provider NAME     the model family, needed only when ID is an ARN or a custom\n"
    "                          model: anthropic, amazon, meta, mistral, cohere, ai21,\n"
    "                          deepseek or openai\n"
    "  -s, --system TEXT       system prompt\n"
    "  -t, --temperature N     sampling temperature; 0 gives the most predictable reply\n"
    "      --max-tokens N      stop the reply after N tokens\n"
    "  -i, --image FILE        attach an image (PNG, JPEG, GIF or WebP); repeat for more\n"
    "      --tools FILE        offer tools: a JSON array of {\"name\", \"description\",\n"
    "                          \"input_schema\"} (Converse {\"toolSpec\": ...} entries work too);\n"
    "                          the model's tool calls are printed, not run\n"
    "      --api API           auto (default: the provider's own InvokeModel format where it\n"
    "                          can carry the request), invoke, or converse\n"
    "\n"
    "Output:\n"
    "      --json              print every stream event as one JSON line on stdout (with\n"
    "                          --no-stream: the whole response); no usage line\n"
    "      --no-stream         wait for the whole reply, then print it\n"
    "  -q, --quiet             no usage line on stderr\n"
    "      --parallel FILE     send each line of FILE (\"-\": stdin) as a prompt of its own, all\n"
    "                          at once (over HTTP/2, on one connection); PROMPT, if given, goes\n"
    "                          before each line. The replies print in the order of the lines,\n"
    "                          each under a \"==> N: LINE <==\" header (--json: every event,\n"
    "                          tagged with its \"prompt\" number, as it arrives); a failed\n"
    "                          prompt is reported and the others still print\n"
    "\n"
    "AWS:\n"
    "      --profile NAME      shared config profile; default $AWS_PROFILE, else \"default\"\n"
    "      --region REGION     AWS region; default $AWS_REGION, $AWS_DEFAULT_REGION, then the\n"
    "                          profile's region\n"
    "      --endpoint-url URL  send requests to URL instead of Bedrock's regional endpoint\n"
    "\n"
    "  -h, --help              show this help and exit\n"
    "  -V, --version           show the versions of " PROGRAM " and libbedrock and exit\n"
    "\n";

/* Split in two: C only promises string literals of up to 4095 characters. */
static const char help_text_more[] =
    "Examples:\n"
    "  " PROGRAM " \"Explain AWS SigV4 in two sentences\"\n"
    "  git diff | " PROGRAM " -s \"You review code.\" \"Review this diff:\" -\n"
    "  " PROGRAM " --image chart.png \"What does this chart show?\"\n"
    "  " PROGRAM " --tools tools.json \"What is the weather in Paris?\"\n"
    "  " PROGRAM " --json \"Hi\" | jq -r 'select(.type == \"text\") | .text'\n"
    "  " PROGRAM " --parallel questions.txt \"Answer in one sentence:\"\n"
    "  " PROGRAM " --region us-west-2 -m us.anthropic.claude-3-5-haiku-20241022-v1:0 \"Hi\"\n"
    "\n"
    "Environment:\n"
    "  AWS_PROFILE, AWS_REGION, AWS_DEFAULT_REGION\n"
    "                          profile and region, as with the AWS CLI\n"
    "  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN\n"
    "                          credentials, used before the shared files (unless --profile)\n"
    "  AWS_BEARER_TOKEN_BEDROCK\n"
    "                          a Bedrock API key, sent instead of a SigV4 signature\n"
    "  AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE\n"
    "                          the shared files; default ~/.aws/config, ~/.aws/credentials\n"
    "  AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_ENDPOINT_URL\n"
    "                          the endpoint, when there is no --endpoint-url\n"
    "  HTTPS_PROXY, NO_PROXY   the proxy\n"
    "  BEDROCK_CHAT_MODEL      the default --model\n"
    "\n"
    "Exit status:\n"
    "      0  the reply arrived, whatever its stop reason (tool calls and max tokens too)\n"
    "      1  something else went wrong, e.g. stdout could not be written\n"
    "      2  usage: an unknown option, a bad value, an unreadable --image or --tools file,\n"
    "         an empty prompt\n"
    "   10+N  libbedrock failed with bedrock_status N:\n"
    "     11  invalid request                  18  rejected by Bedrock (validation)\n"
    "     12  no region, or unknown profile    19  model or resource not found\n"
    "     13  no credentials, or rejected      20  the model failed or is not ready\n"
    "     14  endpoint unreachable (network)   21  Bedrock service error\n"
    "     15  timed out                        22  unreadable reply (protocol)\n"
    "     16  throttled, after every retry     23  cancelled\n"
    "     17  access denied                    24  internal error in libbedrock\n"
    "    130  interrupted by Ctrl-C (143 by SIGTERM)\n";

/* ---- Small helpers ---------------------------------------------------------------------- */

static void die_oom(void) {
    fputs(PROGRAM ": out of memory\n", stderr);
    exit(EXIT_OTHER);
}

/* Prints "bedrock-chat: MESSAGE" and the --help hint, and exits with the usage code. */
static void usage_error(const char *format, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *format, ...) {
    va_list args;
    va_start(args, format);
    fputs(PROGRAM ": ", stderr);
    vfprintf(stderr, format, args);
    va_end(args);
    fputs("\nTry '" PROGRAM " --help' for more information.\n", stderr);
    exit(EXIT_USAGE);
}

typedef struct {
    char *data;
    size_t len, cap;
} buffer;

static void buffer_append(buffer *b, const char *bytes, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *data = realloc(b->data, cap);
        if (!data) die_oom();
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = 0;
}

static void buffer_free(buffer *b) {
    free(b->data);
    *b = (buffer){0};
}

/* Reads all of `file` into `out` (NUL-terminated). Returns false with errno on failure. */
static bool read_all(FILE *file, buffer *out) {
    char chunk[65536];
    size_t n;
    buffer_append(out, "", 0);
    while ((n = fread(chunk, 1, sizeof chunk, file)) > 0) buffer_append(out, chunk, n);
    return !ferror(file);
}

static bool read_file(const char *path, buffer *out) {
    FILE *file = fopen(path, "rb");
    if (!file) return false;
    bool ok = read_all(file, out);
    int saved = errno;
    fclose(file);
    errno = saved;
    return ok;
}

/* A JSON string, or a usage error naming `what` when `text` is not valid UTF-8. */
static json_t *utf8_string(const char *what, const char *text) {
    json_t *string = json_string(text);
    if (!string) usage_error("%s is not valid UTF-8", what);
    return string;
}

/* A string member of a JSON object; "" when it is missing or not a string. */
static const char *text_of(const json_t *object, const char *key) {
    const char *text = json_string_value(json_object_get(object, key));
    return text ? text : "";
}

static bool is_blank(const char *text) {
    for (; *text; text++)
        if (!strchr(" \t\r\n\f\v", *text)) return false;
    return true;
}

/* ---- Options ---------------------------------------------------------------------------- */

typedef struct {
    const char *model;
    const char *provider;
    const char *system;
    const char *api;
    const char *profile;
    const char *region;
    const char *endpoint_url;
    const char *tools_file;
    const char *parallel_file; /* --parallel: one prompt per line */
    const char **images;
    size_t image_count;
    double temperature;
    bool has_temperature;
    long max_tokens; /* 0: not set */
    bool json;
    bool no_stream;
    bool quiet;
    char **words; /* the prompt words, in order; "-" stands for stdin */
    int word_count;
} options;

enum {
    OPT_PROVIDER = 256,
    OPT_MAX_TOKENS,
    OPT_TOOLS,
    OPT_API,
    OPT_JSON,
    OPT_NO_STREAM,
    OPT_PROFILE,
    OPT_REGION,
    OPT_ENDPOINT_URL,
    OPT_PARALLEL,
};

static const struct option long_options[] = {
    {"model", required_argument, NULL, 'm'},
    {"provider", required_argument, NULL, OPT_PROVIDER},
    {"system", required_argument, NULL, 's'},
    {"temperature", required_argument, NULL, 't'},
    {"max-tokens", required_argument, NULL, OPT_MAX_TOKENS},
    {"image", required_argument, NULL, 'i'},
    {"tools", required_argument, NULL, OPT_TOOLS},
    {"api", required_argument, NULL, OPT_API},
    {"json", no_argument, NULL, OPT_JSON},
    {"no-stream", no_argument, NULL, OPT_NO_STREAM},
    {"quiet", no_argument, NULL, 'q'},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"region", required_argument, NULL, OPT_REGION},
    {"endpoint-url", required_argument, NULL, OPT_ENDPOINT_URL},
    {"parallel", required_argument, NULL, OPT_PARALLEL},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static const char *nonempty(const char *flag, const char *value) {
    if (!*value) usage_error("%s needs a value", flag);
    return value;
}

/* Explains what getopt_long refused: `arg` is the argument it stopped at. */
static void report_bad_option(bool missing_value, const char *arg) __attribute__((noreturn));
static void report_bad_option(bool missing_value, const char *arg) {
    if (strncmp(arg, "--", 2) != 0) { /* short options, perhaps bundled: name the one at fault */
        if (missing_value) usage_error("option '-%c' needs a value", optopt);
        usage_error("unknown option '-%c'", optopt);
    }
    size_t name_len = strcspn(arg + 2, "=");
    for (const struct option *option = long_options; option->name; option++) {
        if (strlen(option->name) != name_len || strncmp(option->name, arg + 2, name_len)) continue;
        if (missing_value) usage_error("option '--%s' needs a value", option->name);
        if (arg[2 + name_len] == '=') usage_error("option '--%s' takes no value", option->name);
    }
    if (missing_value) usage_error("option '%s' needs a value", arg);
    usage_error("unknown option '%.*s'", (int)(name_len + 2), arg);
}

static void parse_options(int argc, char **argv, options *o) {
    const char *env_model = getenv("BEDROCK_CHAT_MODEL");
    o->model = env_model && *env_model ? env_model : DEFAULT_MODEL;
    opterr = 0; /* the messages below say more than getopt's */
    int c;
    while ((c = getopt_long(argc, argv, ":m:s:t:i:qhV", long_options, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'm': o->model = nonempty("--model", optarg); break;
        case OPT_PROVIDER: o->provider = nonempty("--provider", optarg); break;
        case 's': o->system = optarg; break;
        case 't':
            errno = 0;
            o->temperature = strtod(optarg, &end);
            if (errno || end == optarg || *end || !isfinite(o->temperature) || o->temperature < 0)
                usage_error("--temperature wants a number of 0 or more, not '%s'", optarg);
            o->has_temperature = true;
            break;
        case OPT_MAX_TOKENS:
            errno = 0;
            o->max_tokens = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || o->max_tokens < 1 || o->max_tokens > INT_MAX)
                usage_error("--max-tokens wants a whole number of 1 or more, not '%s'", optarg);
            break;
        case 'i': {
            const char **images = realloc(o->images, (o->image_count + 1) * sizeof *images);
            if (!images) die_oom();
            o->images = images;
            o->images[o->image_count++] = nonempty("--image", optarg);
            break;
        }
        case OPT_TOOLS: o->tools_file = nonempty("--tools", optarg); break;
        case OPT_API:
            if (strcmp(optarg, "auto") && strcmp(optarg, "invoke") && strcmp(optarg, "converse"))
                usage_error("--api is auto, invoke or converse, not '%s'", optarg);
            o->api = optarg;
            break;
        case OPT_JSON: o->json = true; break;
        case OPT_NO_STREAM: o->no_stream = true; break;
        case 'q': o->quiet = true; break;
        case OPT_PROFILE: o->profile = nonempty("--profile", optarg); break;
        case OPT_REGION: o->region = nonempty("--region", optarg); break;
        case OPT_ENDPOINT_URL: o->endpoint_url = nonempty("--endpoint-url", optarg); break;
        case OPT_PARALLEL: o->parallel_file = nonempty("--parallel", optarg); break;
        case 'h':
            fputs(help_text, stdout);
            fputs(help_text_more, stdout);
            exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : EXIT_OTHER);
        case 'V':
            printf("%s %s (libbedrock %s)\n", PROGRAM, BEDROCK_VERSION, bedrock_version());
            exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : EXIT_OTHER);
        default:
            report_bad_option(c == ':', argv[optind - 1]);
        }
    }
    o->words = argv + optind;
    o->word_count = argc - optind;
}

/* ---- The request ------------------------------------------------------------------------ */

/* The prompt: the words joined by spaces, with stdin's text in place of "-" (or all of it
   when there are no words). Trailing newlines of stdin's text are dropped. */
static char *read_prompt(const options *o) {
    buffer prompt = {0}, input = {0};
    bool use_stdin = o->word_count == 0;
    for (int i = 0; i < o->word_count; i++) {
        if (strcmp(o->words[i], "-") == 0) {
            if (use_stdin) usage_error("'-' (the prompt from stdin) can appear only once");
            use_stdin = true;
        }
    }
    if (use_stdin) {
        if (isatty(STDIN_FILENO)) fputs(PROGRAM ": reading the prompt from stdin; end it with Ctrl-D\n", stderr);
        if (!read_all(stdin, &input)) {
            fprintf(stderr, PROGRAM ": cannot read the prompt from stdin: %s\n", strerror(errno));
            exit(EXIT_USAGE);
        }
        while (input.len > 0 && (input.data[input.len - 1] == '\n' || input.data[input.len - 1] == '\r'))
            input.data[--input.len] = 0;
        if (memchr(input.data, 0, input.len)) usage_error("the prompt on stdin contains a NUL byte");
    }
    buffer_append(&prompt, "", 0);
    if (o->word_count == 0) buffer_append(&prompt, input.data, input.len);
    bool previous_was_stdin = false;
    for (int i = 0; i < o->word_count; i++) {
        bool is_stdin = strcmp(o->words[i], "-") == 0;
        if (i > 0) buffer_append(&prompt, is_stdin || previous_was_stdin ? "\n" : " ", 1);
        if (is_stdin) {
            buffer_append(&prompt, input.data, input.len);
        } else {
            buffer_append(&prompt, o->words[i], strlen(o->words[i]));
        }
        previous_was_stdin = is_stdin;
    }
    buffer_free(&input);
    return prompt.data;
}

/* The media type of an image, from its first bytes, else from its file name's extension. */
static const char *image_media_type(const char *path, const unsigned char *bytes, size_t len) {
    if (len >= 8 && !memcmp(bytes, "\x89PNG\r\n\x1a\n", 8)) return "image/png";
    if (len >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) return "image/jpeg";
    if (len >= 6 && (!memcmp(bytes, "GIF87a", 6) || !memcmp(bytes, "GIF89a", 6))) return "image/gif";
    if (len >= 12 && !memcmp(bytes, "RIFF", 4) && !memcmp(bytes + 8, "WEBP", 4)) return "image/webp";
    const char *dot = strrchr(path, '.');
    if (dot && strchr(dot, '/') == NULL) {
        if (!strcasecmp(dot, ".png")) return "image/png";
        if (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg")) return "image/jpeg";
        if (!strcasecmp(dot, ".gif")) return "image/gif";
        if (!strcasecmp(dot, ".webp")) return "image/webp";
    }
    return NULL;
}

/* {"type": "image", "media_type", "data": base64} for the image file at `path`. */
static json_t *image_block(const char *path) {
    buffer file = {0};
    if (!read_file(path, &file)) usage_error("cannot read --image %s: %s", path, strerror(errno));
    if (file.len == 0) usage_error("--image %s is empty", path);
    const char *media_type = image_media_type(path, (const unsigned char *)file.data, file.len);
    if (!media_type) usage_error("--image %s is not a PNG, JPEG, GIF or WebP image", path);
    if (file.len > INT_MAX / 4 * 3 - 3) usage_error("--image %s is too large", path);
    char *base64 = malloc(4 * ((file.len + 2) / 3) + 1);
    if (!base64) die_oom();
    EVP_EncodeBlock((unsigned char *)base64, (const unsigned char *)file.data, (int)file.len);
    json_t *block = json_pack("{s:s, s:s, s:s}", "type", "image", "media_type", media_type, "data", base64);
    free(base64);
    buffer_free(&file);
    if (!block) die_oom();
    return block;
}

/* The tools of a --tools file: a JSON array of chat tools ({"name", "description",
   "input_schema"}) or Converse tools ({"toolSpec": {"name", "description", "inputSchema":
   {"json"}}}), or an object with such a "tools" array. Returns a new chat tools array. */
static json_t *load_tools(const char *path) {
    json_error_t error;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
    if (!root) {
        if (error.line < 1) usage_error("cannot read --tools %s: %s", path, error.text);
        usage_error("--tools %s:%d:%d: %s", path, error.line, error.column, error.text);
    }
    json_t *list = json_is_object(root) ? json_object_get(root, "tools") : root;
    if (!json_is_array(list)) usage_error("--tools %s: expected a JSON array of tools", path);
    json_t *tools = json_array();
    size_t i;
    json_t *tool;
    json_array_foreach(list, i, tool) {
        json_t *spec = json_object_get(tool, "toolSpec");
        if (spec) {
            json_t *converted = json_pack("{s:O*, s:O*, s:O*}", "name", json_object_get(spec, "name"), "description",
                                          json_object_get(spec, "description"), "input_schema",
                                          json_object_get(json_object_get(spec, "inputSchema"), "json"));
            if (!converted) die_oom();
            json_array_append_new(tools, converted);
        } else if (json_is_object(tool)) {
            json_array_append(tools, tool);
        } else {
            usage_error("--tools %s: tool %zu is not an object", path, i);
        }
        if (!json_is_string(json_object_get(json_array_get(tools, i), "name")))
            usage_error("--tools %s: tool %zu has no \"name\"", path, i);
    }
    json_decref(root);
    return tools;
}

/* The chat request (bedrock.h's shape) for the options and prompt. */
static char *build_request(const options *o, const char *prompt) {
    json_t *request = json_object();
    json_object_set_new(request, "model", utf8_string("--model", o->model));
    if (o->provider) json_object_set_new(request, "provider", utf8_string("--provider", o->provider));
    if (o->api) json_object_set_new(request, "api", json_string(o->api));

    json_t *messages = json_array();
    if (o->system)
        json_array_append_new(messages, json_pack("{s:s, s:o}", "role", "system", "content",
                                                  utf8_string("--system", o->system)));
    json_t *content;
    if (o->image_count == 0) {
        content = utf8_string("the prompt", prompt);
    } else {
        content = json_array();
        for (size_t i = 0; i < o->image_count; i++) json_array_append_new(content, image_block(o->images[i]));
        if (!is_blank(prompt))
            json_array_append_new(content, json_pack("{s:s, s:o}", "type", "text", "text",
                                                     utf8_string("the prompt", prompt)));
    }
    json_array_append_new(messages, json_pack("{s:s, s:o}", "role", "user", "content", content));
    json_object_set_new(request, "messages", messages);

    if (o->has_temperature) json_object_set_new(request, "temperature", json_real(o->temperature));
    if (o->max_tokens) json_object_set_new(request, "max_tokens", json_integer(o->max_tokens));
    if (o->tools_file) json_object_set_new(request, "tools", load_tools(o->tools_file));

    char *text = json_dumps(request, JSON_COMPACT);
    json_decref(request);
    if (!text) die_oom();
    return text;
}

/* The client config: only what the flags set; the library resolves the rest. */
static char *build_config(const options *o) {
    json_t *config = json_pack("{s:s}", "user_agent_suffix", PROGRAM "/" BEDROCK_VERSION);
    if (o->profile) json_object_set_new(config, "profile", utf8_string("--profile", o->profile));
    if (o->region) json_object_set_new(config, "region", utf8_string("--region", o->region));
    if (o->endpoint_url) json_object_set_new(config, "endpoint_url", utf8_string("--endpoint-url", o->endpoint_url));
    char *text = json_dumps(config, JSON_COMPACT);
    json_decref(config);
    if (!text) die_oom();
    return text;
}

/* ---- Errors a person can act on --------------------------------------------------------- */

static const char *env_value(const char *name) {
    const char *value = getenv(name);
    return value && *value ? value : NULL;
}

/* The endpoint the request went to, as far as the CLI can tell (the library resolves a
   profile's endpoint_url too, which is not visible here). */
static void describe_endpoint(const options *o, char *out, size_t size) {
    const char *url = o->endpoint_url ? o->endpoint_url : env_value("AWS_ENDPOINT_URL_BEDROCK_RUNTIME");
    if (!url) url = env_value("AWS_ENDPOINT_URL");
    const char *region = o->region ? o->region : env_value("AWS_REGION");
    if (!region) region = env_value("AWS_DEFAULT_REGION");
    if (url) {
        snprintf(out, size, "%s", url);
    } else if (region) {
        const char *suffix = strncmp(region, "cn-", 3) ? "" : ".cn";
        snprintf(out, size, "https://bedrock-runtime.%s.amazonaws.com%s", region, suffix);
    } else {
        snprintf(out, size, "Bedrock's endpoint for your region");
    }
}

/* Prints what went wrong and what to do about it; returns the exit code. */
static int report_error(const options *o, bedrock_status status, const bedrock_error *err) {
    const char *message = err ? bedrock_error_message(err) : bedrock_status_name(status);
    json_t *details = err ? json_loads(bedrock_error_json(err), 0, NULL) : NULL;
    json_int_t attempts = json_integer_value(json_object_get(details, "attempts"));
    const char *error_type = json_string_value(json_object_get(details, "error_type"));
    /* The JSON path of the input to blame, for INVALID_ARGUMENT and CONFIG: "request.provider". */
    const char *field = json_string_value(json_object_get(details, "field"));
    if (!field) field = "";
    char endpoint[512];
    describe_endpoint(o, endpoint, sizeof endpoint);
    char after[64] = "";
    if (attempts > 1) snprintf(after, sizeof after, " after %lld attempts", (long long)attempts);

    FILE *e = stderr;
    bool show_details = true;
    switch (status) {
    case BEDROCK_ERR_INVALID_ARGUMENT:
        if (!strcmp(field, "request.provider")) {
            fprintf(e, PROGRAM ": cannot tell which provider model \"%s\" belongs to.\n", o->model);
            fputs("  Pass --provider NAME (anthropic, amazon, meta, mistral, cohere, ai21, deepseek, openai).\n", e);
        } else if (!strncmp(field, "request.tools", strlen("request.tools"))) {
            fprintf(e, PROGRAM ": the tools in --tools %s are not valid.\n", o->tools_file ? o->tools_file : "");
        } else if (!strncmp(field, "config.", strlen("config."))) {
            fputs(PROGRAM ": a --region, --profile or --endpoint-url value is not valid.\n", e);
        } else {
            fputs(PROGRAM ": the request is not valid.\n", e);
        }
        break;
    case BEDROCK_ERR_CONFIG:
        if (!strcmp(field, "config.region")) {
            const char *region = o->region ? o->region : env_value("AWS_REGION");
            if (!region) region = env_value("AWS_DEFAULT_REGION");
            if (region) {
                fprintf(e, PROGRAM ": \"%s\" is not an AWS region name (for example us-east-1).\n", region);
            } else {
                fputs(PROGRAM ": no AWS region is set.\n"
                      "  Pass --region REGION (for example --region us-east-1), set AWS_REGION, or set a region\n"
                      "  in your profile with `aws configure`.\n", e);
                show_details = false;
            }
        } else if (!strcmp(field, "config.profile")) {
            const char *profile = o->profile ? o->profile : env_value("AWS_PROFILE");
            fprintf(e, PROGRAM ": the AWS profile \"%s\" does not exist.\n"
                       "  `aws configure list-profiles` lists the profiles there are; `aws configure --profile NAME`\n"
                       "  creates one.\n", profile ? profile : "?");
        } else {
            fputs(PROGRAM ": the AWS configuration cannot be used.\n", e);
        }
        break;
    case BEDROCK_ERR_CREDENTIALS:
        if (!error_type) {
            fputs(PROGRAM ": no AWS credentials found.\n"
                  "  Name a profile that has them (--profile NAME, or AWS_PROFILE=NAME), run `aws configure`\n"
                  "  to create one, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_BEARER_TOKEN_BEDROCK\n"
                  "  for a Bedrock API key).\n", e);
        } else {
            fprintf(e, PROGRAM ": Bedrock rejected the AWS credentials (%s).\n"
                       "  Check that they are current and belong to this account (`aws sts get-caller-identity`), or\n"
                       "  choose others with --profile or AWS_PROFILE.\n", error_type);
        }
        break;
    case BEDROCK_ERR_NETWORK:
        fprintf(e, PROGRAM ": could not reach Bedrock at %s%s.\n"
                   "  Check the network connection and any proxy (HTTPS_PROXY), and that --region or\n"
                   "  --endpoint-url is right.\n", endpoint, after);
        break;
    case BEDROCK_ERR_TIMEOUT:
        fprintf(e, PROGRAM ": the request to %s timed out%s.\n", endpoint, after);
        break;
    case BEDROCK_ERR_THROTTLED:
        fprintf(e, PROGRAM ": Bedrock is throttling requests for model \"%s\"; gave up%s.\n"
                   "  Wait a little and try again, or ask for a higher quota in Service Quotas.\n",
                o->model, attempts > 1 ? after : " after 1 attempt");
        break;
    case BEDROCK_ERR_ACCESS_DENIED:
        fprintf(e, PROGRAM ": access denied to model \"%s\".\n"
                   "  Enable the model under Model access in the Bedrock console, and check that your IAM policy\n"
                   "  allows bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream on it.\n", o->model);
        break;
    case BEDROCK_ERR_VALIDATION:
        fprintf(e, PROGRAM ": Bedrock rejected the request for model \"%s\".\n", o->model);
        break;
    case BEDROCK_ERR_NOT_FOUND:
        fprintf(e, PROGRAM ": model \"%s\" was not found.\n"
                   "  Check the id (`aws bedrock list-foundation-models`), that the model is offered in this region,\n"
                   "  and whether it must be called through an inference profile (for example \"us.%s\").\n",
                o->model, o->model);
        break;
    case BEDROCK_ERR_MODEL: {
        bool not_ready = error_type && !strcmp(error_type, "ModelNotReadyException");
        fprintf(e, PROGRAM ": model \"%s\" failed to answer%s.\n", o->model,
                not_ready ? " (it is not ready yet; try again shortly)" : "");
        break;
    }
    case BEDROCK_ERR_SERVICE:
        fprintf(e, PROGRAM ": Bedrock had a service error%s; try again later.\n", after);
        break;
    case BEDROCK_ERR_PROTOCOL:
        fprintf(e, PROGRAM ": the reply from %s is not in Bedrock's format.\n", endpoint);
        break;
    case BEDROCK_ERR_CANCELLED:
        fputs(PROGRAM ": cancelled.\n", e);
        show_details = false;
        break;
    default:
        fprintf(e, PROGRAM ": libbedrock failed: %s.\n", bedrock_status_string(status));
        break;
    }
    if (show_details) {
        /* The first line says it; later lines (a signature mismatch's canonical request) are
           for a debugger, not for a person at a terminal. */
        size_t first_line = strcspn(message, "\n");
        const char *request_id = json_string_value(json_object_get(details, "request_id"));
        fprintf(e, "  (%s: %.*s", bedrock_status_name(status), (int)first_line, message);
        if (message[first_line] && request_id) fprintf(e, " ... request id %s", request_id);
        fputs(")\n", e);
    }
    json_decref(details);
    return EXIT_STATUS_BASE + (int)status;
}

/* In --json mode, the error also goes to stdout as the last line. */
static void print_json_error(const bedrock_error *err) {
    if (!err) return;
    printf("{\"type\":\"error\",\"error\":%s}\n", bedrock_error_json(err));
    fflush(stdout);
}

/* ---- Printing the reply ----------------------------------------------------------------- */

typedef struct {
    bool json;
    bool line_open;      /* stdout has text after its last newline */
    bool reasoning_open; /* stderr has an unfinished [thinking] line */
    /* the tool call being streamed */
    bool tool_open;
    char *tool_name, *tool_id;
    buffer tool_args;
    json_t *message; /* the final "message" event's message */
} printer;

static void end_line(printer *p) {
    if (p->line_open) {
        putchar('\n');
        p->line_open = false;
    }
}

static void end_reasoning(printer *p) {
    if (p->reasoning_open) {
        fputc('\n', stderr);
        p->reasoning_open = false;
    }
}

/* "[tool call] get_weather {"city": "Paris"}  (id tooluse_...)" on a line of its own. */
static void print_tool_call(printer *p, const char *name, const char *id, json_t *args) {
    end_line(p);
    char *text = args ? json_dumps(args, JSON_ENCODE_ANY) : NULL;
    printf("[tool call] %s %s", name ? name : "?", text ? text : "{}");
    if (id && *id) printf("  (id %s)", id);
    putchar('\n');
    free(text);
}

static void finish_tool_call(printer *p) {
    if (!p->tool_open) return;
    json_t *args = p->tool_args.len ? json_loads(p->tool_args.data, 0, NULL) : json_object();
    if (args) {
        print_tool_call(p, p->tool_name, p->tool_id, args);
    } else { /* not JSON after all: show it as it came */
        json_t *raw = json_string(p->tool_args.data);
        print_tool_call(p, p->tool_name, p->tool_id, raw);
        json_decref(raw);
    }
    json_decref(args);
    free(p->tool_name);
    free(p->tool_id);
    p->tool_name = p->tool_id = NULL;
    buffer_free(&p->tool_args);
    p->tool_open = false;
}

static void print_text(printer *p, const char *text) {
    size_t len = strlen(text);
    if (len == 0) return;
    fwrite(text, 1, len, stdout);
    p->line_open = text[len - 1] != '\n';
}

static void print_reasoning(printer *p, const char *text) {
    if (!*text) return;
    if (!p->reasoning_open) {
        end_line(p);
        fputs("[thinking] ", stderr);
        p->reasoning_open = true;
    }
    fputs(text, stderr);
}

/* Prints one line of JSON: `text` as it is when it is one line already, else re-encoded. */
static void print_json_line(const char *text) {
    if (!strchr(text, '\n')) {
        puts(text);
        return;
    }
    json_t *value = json_loads(text, JSON_DECODE_ANY, NULL);
    char *line = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    puts(line ? line : "null");
    free(line);
    json_decref(value);
}

/* Handles one stream event: prints it (--json) or what it adds to the reply. */
static void print_event(printer *p, const char *event_json) {
    json_t *event = json_loads(event_json, 0, NULL);
    const char *type = text_of(event, "type");
    if (!strcmp(type, "message")) {
        json_decref(p->message);
        p->message = json_incref(json_object_get(event, "message"));
    }
    if (p->json) {
        print_json_line(event_json);
    } else {
        if (strcmp(type, "tool_call_delta")) finish_tool_call(p);
        if (strcmp(type, "reasoning")) end_reasoning(p);
        if (!strcmp(type, "text")) {
            print_text(p, text_of(event, "text"));
        } else if (!strcmp(type, "reasoning")) {
            print_reasoning(p, text_of(event, "text"));
        } else if (!strcmp(type, "tool_call_start")) {
            p->tool_name = strdup(text_of(event, "name"));
            p->tool_id = strdup(text_of(event, "id"));
            if (!p->tool_name || !p->tool_id) die_oom();
            p->tool_open = true;
        } else if (!strcmp(type, "tool_call_delta") && p->tool_open) {
            const char *args = text_of(event, "args");
            buffer_append(&p->tool_args, args, strlen(args));
        }
    }
    fflush(stdout);
    json_decref(event);
}

/* Prints a whole chat response (--no-stream): reasoning to stderr, text and tool calls to
   stdout, in their order. */
static void print_response(printer *p, json_t *response) {
    size_t i;
    json_t *block;
    json_array_foreach(json_object_get(response, "blocks"), i, block) {
        const char *type = json_string_value(json_object_get(block, "type"));
        if (!type) continue;
        if (!strcmp(type, "reasoning")) {
            print_reasoning(p, text_of(block, "text"));
            end_reasoning(p);
        } else if (!strcmp(type, "text")) {
            print_text(p, text_of(block, "text"));
        } else if (!strcmp(type, "tool_use")) {
            print_tool_call(p, text_of(block, "name"), text_of(block, "id"), json_object_get(block, "input"));
        }
    }
    end_line(p);
}

/* "[model · api · 12 in / 34 out tokens · stop: end_turn]" on stderr. */
static void print_usage(json_t *message, const char *requested_model) {
    json_t *usage = json_object_get(message, "usage");
    const char *model = json_string_value(json_object_get(message, "model_id"));
    const char *api = json_string_value(json_object_get(message, "api"));
    const char *stop = json_string_value(json_object_get(message, "stop_reason"));
    fprintf(stderr, "[%s \xC2\xB7 %s \xC2\xB7 %lld in / %lld out tokens", model ? model : requested_model,
            api ? api : "?", (long long)json_integer_value(json_object_get(usage, "input_tokens")),
            (long long)json_integer_value(json_object_get(usage, "output_tokens")));
    json_int_t cache_read = json_integer_value(json_object_get(usage, "cache_read_input_tokens"));
    json_int_t cache_write = json_integer_value(json_object_get(usage, "cache_write_input_tokens"));
    if (cache_read || cache_write)
        fprintf(stderr, " (cache: %lld read, %lld written)", (long long)cache_read, (long long)cache_write);
    fprintf(stderr, " \xC2\xB7 stop: %s]\n", stop ? stop : "?");
}

/* ---- Ctrl-C ----------------------------------------------------------------------------- */

/* SIGINT and SIGTERM are blocked in every thread but this one, which waits for them and
   cancels the stream in flight (bedrock_stream_cancel may be called from any thread); the
   main thread then finishes its output and exits 128 + the signal. A second signal, or one
   that arrives while no stream can be cancelled, exits at once. */
static pthread_mutex_t signal_lock = PTHREAD_MUTEX_INITIALIZER;
static bedrock_stream *active_stream;
static bedrock_call **active_calls; /* --parallel's calls */
static size_t active_call_count;
static int received_signal;

static void *wait_for_signals(void *arg) {
    sigset_t *signals = arg;
    for (;;) {
        int signal_number = 0;
        if (sigwait(signals, &signal_number) != 0) continue;
        pthread_mutex_lock(&signal_lock);
        bool again = received_signal != 0;
        received_signal = signal_number;
        bedrock_stream *stream = active_stream;
        bool cancellable = stream || active_call_count;
        if (stream && !again) bedrock_stream_cancel(stream);
        for (size_t i = 0; i < active_call_count && !again; i++) bedrock_call_cancel(active_calls[i]);
        pthread_mutex_unlock(&signal_lock);
        if (!cancellable || again) {
            fflush(stdout);
            _exit(EXIT_SIGNAL_BASE + signal_number);
        }
    }
    return NULL;
}

static void start_signal_thread(void) {
    static sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_t thread;
    if (pthread_sigmask(SIG_BLOCK, &signals, NULL) != 0 ||
        pthread_create(&thread, NULL, wait_for_signals, &signals) != 0) {
        pthread_sigmask(SIG_UNBLOCK, &signals, NULL); /* keep the default: the signal ends the process */
        return;
    }
    pthread_detach(thread);
}

static void set_active_stream(bedrock_stream *stream) {
    pthread_mutex_lock(&signal_lock);
    active_stream = stream;
    if (stream && received_signal) bedrock_stream_cancel(stream);
    pthread_mutex_unlock(&signal_lock);
}

static void set_active_calls(bedrock_call **calls, size_t count) {
    pthread_mutex_lock(&signal_lock);
    active_calls = calls;
    active_call_count = count;
    for (size_t i = 0; i < count && received_signal; i++) bedrock_call_cancel(calls[i]);
    pthread_mutex_unlock(&signal_lock);
}

static int take_received_signal(void) {
    pthread_mutex_lock(&signal_lock);
    int signal_number = received_signal;
    pthread_mutex_unlock(&signal_lock);
    return signal_number;
}

/* ---- Main ------------------------------------------------------------------------------- */

static bedrock_status run_stream(bedrock_client *client, const char *request, printer *p, bedrock_error **err) {
    bedrock_stream *stream = NULL;
    bedrock_status status = bedrock_stream_open(client, request, &stream, err);
    if (status != BEDROCK_OK) return status;
    set_active_stream(stream);
    char *event = NULL;
    while ((status = bedrock_stream_next(stream, &event, err)) == BEDROCK_OK && event) {
        print_event(p, event);
        bedrock_string_free(event);
    }
    set_active_stream(NULL);
    bedrock_stream_free(stream);
    finish_tool_call(p);
    end_reasoning(p);
    if (!p->json) end_line(p);
    return status;
}

static bedrock_status run_plain(bedrock_client *client, const char *request, printer *p, bedrock_error **err) {
    char *response = NULL;
    bedrock_status status = bedrock_chat(client, request, &response, err);
    if (status != BEDROCK_OK) return status;
    p->message = json_loads(response, 0, NULL);
    if (p->json) {
        print_json_line(response);
    } else {
        print_response(p, p->message);
    }
    bedrock_string_free(response);
    return BEDROCK_OK;
}

/* ---- --parallel ------------------------------------------------------------------------- */

/* One line of --parallel's file, sent as a call of its own on a bedrock_multi. */
typedef struct {
    const options *o;
    int number; /* 1-based, as the headers and --json's "prompt" say */
    char *line;
    bedrock_call *call;
    json_t *response; /* on success */
    int code;         /* the exit code this prompt alone would give; 0 on success */
    bool done;
} parallel_job;

/* The non-blank lines of --parallel's file, with PROMPT (when given) before each. */
static size_t read_parallel_lines(const options *o, parallel_job **out) {
    buffer input = {0};
    FILE *file = strcmp(o->parallel_file, "-") ? fopen(o->parallel_file, "rb") : stdin;
    if (!file || !read_all(file, &input))
        usage_error("cannot read --parallel %s: %s", o->parallel_file, strerror(errno));
    if (file != stdin) fclose(file);
    if (memchr(input.data, 0, input.len)) usage_error("--parallel %s contains a NUL byte", o->parallel_file);
    for (int i = 0; i < o->word_count; i++)
        if (!strcmp(o->words[i], "-")) usage_error("'-' cannot be used with --parallel: the prompts are its lines");
    char *prefix = o->word_count ? read_prompt(o) : NULL;
    parallel_job *jobs = NULL;
    size_t count = 0;
    for (char *line = input.data, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        line[strcspn(line, "\r")] = 0;
        if (is_blank(line)) continue;
        buffer prompt = {0};
        if (prefix) {
            buffer_append(&prompt, prefix, strlen(prefix));
            buffer_append(&prompt, " ", 1);
        }
        buffer_append(&prompt, line, strlen(line));
        parallel_job *grown = realloc(jobs, (count + 1) * sizeof *jobs);
        if (!grown) die_oom();
        jobs = grown;
        jobs[count] = (parallel_job){.o = o, .number = (int)count + 1, .line = prompt.data};
        count++;
    }
    free(prefix);
    buffer_free(&input);
    if (count == 0) usage_error("--parallel %s has no prompts (one per line)", o->parallel_file);
    *out = jobs;
    return count;
}

/* --json: `object` as one line, tagged with the prompt's number. */
static void print_tagged_line(json_t *object, int number) {
    json_object_set_new(object, "prompt", json_integer(number));
    char *line = json_dumps(object, JSON_COMPACT);
    if (line) puts(line);
    fflush(stdout);
    free(line);
}

static int parallel_event(const char *event_json, size_t len, void *user_data) {
    json_t *event = json_loadb(event_json, len, 0, NULL);
    print_tagged_line(event, ((parallel_job *)user_data)->number);
    json_decref(event);
    return 0;
}

static void parallel_done(bedrock_call *call, bedrock_status status, const char *result_json,
                          const bedrock_error *err, void *user_data) {
    (void)call;
    parallel_job *job = user_data;
    job->done = true;
    if (status == BEDROCK_OK) {
        job->response = json_loads(result_json, 0, NULL);
        return;
    }
    int signal_number = take_received_signal();
    if (job->o->json) {
        json_t *line = json_pack("{s:s, s:o?}", "type", "error", "error",
                                 err ? json_loads(bedrock_error_json(err), 0, NULL) : NULL);
        print_tagged_line(line, job->number);
        json_decref(line);
    } else {
        fprintf(stderr, "==> %d: %s <==\n", job->number, job->line);
    }
    job->code = status == BEDROCK_ERR_CANCELLED && signal_number ? EXIT_SIGNAL_BASE + signal_number
                                                                : report_error(job->o, status, err);
}

/* Prints a finished prompt's reply (a failure was reported when it happened). */
static void print_parallel_reply(parallel_job *job, size_t count) {
    if (!job->response) return;
    if (job->o->json) {  /* the events went out as they came; with --no-stream, the response now */
        if (job->o->no_stream) print_tagged_line(job->response, job->number);
        return;
    }
    if (count > 1) printf("%s==> %d: %s <==\n", job->number > 1 ? "\n" : "", job->number, job->line);
    printer p = {0};
    print_response(&p, job->response);
    fflush(stdout);
    if (!job->o->quiet) print_usage(job->response, job->o->model);
}

/* Sends every line at once on one bedrock_multi, driven here with poll, and prints the replies
   in the order of the lines as they complete. Returns the exit code: the first failure's. */
static int run_parallel(bedrock_client *client, const options *o) {
    parallel_job *jobs = NULL;
    size_t count = read_parallel_lines(o, &jobs);
    bedrock_multi *multi = NULL;
    bedrock_error *err = NULL;
    bedrock_status status = bedrock_multi_new(client, NULL, &multi, &err);
    if (status != BEDROCK_OK) {
        int code = report_error(o, status, err);
        bedrock_error_free(err);
        return code;
    }
    bedrock_call **calls = calloc(count, sizeof *calls);
    if (!calls) die_oom();
    size_t started = 0;
    for (size_t i = 0; i < count; i++) {
        char *request = build_request(o, jobs[i].line);
        bool events = o->json && !o->no_stream;
        status = events ? bedrock_multi_chat_stream(multi, request, parallel_event, parallel_done, &jobs[i], &jobs[i].call, &err)
                        : bedrock_multi_chat(multi, request, parallel_done, &jobs[i], &jobs[i].call, &err);
        free(request);
        if (status == BEDROCK_OK) {
            calls[started++] = jobs[i].call;
        } else {
            parallel_done(NULL, status, NULL, err, &jobs[i]);
            bedrock_error_free(err);
            err = NULL;
        }
    }
    set_active_calls(calls, started);
    bool progress = !o->json && !o->quiet && isatty(STDERR_FILENO);
    size_t next = 0, finished = 0;
    while (next < count) {
        finished = 0;
        for (size_t i = 0; i < count; i++) finished += jobs[i].done;
        if (progress) fprintf(stderr, "\r\033[K[%zu of %zu replies]", finished, count);
        for (; next < count && jobs[next].done; next++) {
            if (progress) fputs("\r\033[K", stderr);
            print_parallel_reply(&jobs[next], count);
        }
        if (next == count) break;
        struct pollfd ready = {.fd = bedrock_multi_fd(multi), .events = POLLIN};
        long timeout = bedrock_multi_timeout_ms(multi);
        poll(&ready, 1, timeout < 0 || timeout > 100 ? 100 : (int)timeout);
        int running = 0;
        if (bedrock_multi_perform(multi, 0, &running, &err) != BEDROCK_OK) {
            int code = report_error(o, bedrock_error_status(err), err);
            bedrock_error_free(err);
            err = NULL;
            if (code) break;
        }
    }
    set_active_calls(NULL, 0);
    for (size_t i = 0; i < count; i++) bedrock_call_free(jobs[i].call);
    bedrock_multi_free(multi); /* runs the on_done of calls a failed perform left, which read the jobs */
    int code = 0;
    for (size_t i = 0; i < count; i++) {
        if (!code) code = jobs[i].code;
        json_decref(jobs[i].response);
        free(jobs[i].line);
    }
    free(calls);
    free(jobs);
    return code;
}

int main(int argc, char **argv) {
    options o = {0};
    parse_options(argc, argv, &o);
    if (bedrock_version_number() / 1000000 != BEDROCK_VERSION_NUMBER / 1000000)
        fprintf(stderr, PROGRAM ": warning: built for libbedrock %s but loaded %s\n", BEDROCK_VERSION,
                bedrock_version());

    char *config = build_config(&o);
    if (o.parallel_file) {
        start_signal_thread();
        bedrock_client *client = NULL;
        bedrock_error *err = NULL;
        bedrock_status status = bedrock_client_new(config, &client, &err);
        int code = status == BEDROCK_OK ? run_parallel(client, &o) : report_error(&o, status, err);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, PROGRAM ": could not write the replies to stdout: %s\n", strerror(errno));
            if (code == 0) code = EXIT_OTHER;
        }
        bedrock_error_free(err);
        bedrock_client_free(client);
        free(config);
        free(o.images);
        return code;
    }
    char *prompt = read_prompt(&o);
    if (is_blank(prompt) && o.image_count == 0)
        usage_error("the prompt is empty: give it as arguments, or on stdin");
    char *request = build_request(&o, prompt);
    if (!o.no_stream) start_signal_thread();

    bedrock_client *client = NULL;
    bedrock_error *err = NULL;
    printer p = {.json = o.json};
    bedrock_status status = bedrock_client_new(config, &client, &err);
    if (status == BEDROCK_OK)
        status = o.no_stream ? run_plain(client, request, &p, &err) : run_stream(client, request, &p, &err);

    int code = 0;
    int signal_number = take_received_signal();
    if (status == BEDROCK_ERR_CANCELLED && signal_number) {
        fputs(PROGRAM ": interrupted\n", stderr);
        code = EXIT_SIGNAL_BASE + signal_number;
    } else if (status != BEDROCK_OK) {
        if (o.json) print_json_error(err);
        code = report_error(&o, status, err);
    } else if (!o.json && !o.quiet && p.message) {
        print_usage(p.message, o.model);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, PROGRAM ": could not write the reply to stdout: %s\n", strerror(errno));
        if (code == 0) code = EXIT_OTHER;
    }

    json_decref(p.message);
    bedrock_error_free(err);
    bedrock_client_free(client);
    free(config);
    free(request);
    free(prompt);
    free(o.images);
    return code;
}

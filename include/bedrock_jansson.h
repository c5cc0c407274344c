/*
 * bedrock_jansson.h - the libbedrock calls that take and return jansson values (json_t), for
 * C code that already builds its JSON with jansson. They live apart from bedrock.h so that a
 * program that never uses jansson compiles without its headers. Include this header (it
 * includes <bedrock.h>) and link jansson yourself; the symbols are in libbedrock either way.
 * Reference counts follow jansson's rules: arguments are borrowed, and a json_t the library
 * returns is a new reference that the caller releases with json_decref().
 */
#ifndef BEDROCK_JANSSON_H
#define BEDROCK_JANSSON_H

#include <jansson.h>

#include "bedrock.h"

#ifdef __cplusplus
extern "C" {
#endif

/* bedrock_chat with jansson values. `request` is borrowed. On success *response is a new
   reference the caller releases with json_decref(); on failure it is NULL. */
bedrock_status bedrock_chat_j(bedrock_client *client, const json_t *request, json_t **response, bedrock_error **err);

#ifdef __cplusplus
}
#endif

#endif /* BEDROCK_JANSSON_H */

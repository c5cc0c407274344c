#ifndef BEDROCK_CJANSSON_SHIM_H
#define BEDROCK_CJANSSON_SHIM_H
#include <jansson.h>
#endif

#ifndef BEDROCK_CZLIB_SHIM_H
#define BEDROCK_CZLIB_SHIM_H
#include <zlib.h>
#endif

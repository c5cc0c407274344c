#ifndef BEDROCK_CLINUX_SHIM_H
#define BEDROCK_CLINUX_SHIM_H
/* The Linux event interfaces the multi engine waits on, which Swift's Glibc module leaves out. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#endif

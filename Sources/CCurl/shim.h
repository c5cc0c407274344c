#ifndef BEDROCK_CCURL_SHIM_H
#define BEDROCK_CCURL_SHIM_H
/* curl_easy_setopt/getinfo and curl_multi_setopt are C variadics, which Swift cannot call.
   These typed wrappers give Swift one entry point per argument type. */
#include <curl/curl.h>

typedef size_t (*bedrock_curl_data_fn)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*bedrock_curl_xferinfo_fn)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                        curl_off_t ultotal, curl_off_t ulnow);
typedef int (*bedrock_curl_prereq_fn)(void *userdata, char *primary_ip, char *local_ip, int primary_port, int local_port);

static inline CURLcode bedrock_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode bedrock_curl_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode bedrock_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode bedrock_curl_setopt_data_fn(CURL *h, CURLoption o, bedrock_curl_data_fn f) { return curl_easy_setopt(h, o, f); }
static inline CURLcode bedrock_curl_setopt_xferinfo_fn(CURL *h, CURLoption o, bedrock_curl_xferinfo_fn f) { return curl_easy_setopt(h, o, f); }
static inline CURLcode bedrock_curl_setopt_seek_fn(CURL *h, curl_seek_callback f) { return curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, f); }
static inline CURLcode bedrock_curl_setopt_prereq_fn(CURL *h, bedrock_curl_prereq_fn f) { return curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, f); }
static inline CURLcode bedrock_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode bedrock_curl_getinfo_ptr(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode bedrock_curl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode bedrock_curl_getinfo_voidp(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode bedrock_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode bedrock_curl_multi_setopt_ptr(CURLM *m, CURLMoption o, void *v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode bedrock_curl_multi_setopt_socket_fn(CURLM *m, curl_socket_callback f) {
    return curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, f);
}
static inline CURLMcode bedrock_curl_multi_setopt_timer_fn(CURLM *m, curl_multi_timer_callback f) {
    return curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, f);
}
#endif

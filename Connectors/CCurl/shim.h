#ifndef PATRON_CCURL_SHIM_H
#define PATRON_CCURL_SHIM_H

// Typed, non-variadic wrappers over libcurl's variadic calls (curl_easy_setopt,
// curl_easy_getinfo), which Swift cannot call directly. Same approach as GRDB's
// GRDBSQLite shim over sqlite3_config. Each wrapper passes exactly the C type
// that libcurl documents for the option family, so no promotion surprises.

#include <curl/curl.h>

/// Callback types as libcurl declares them (curl_write_callback / curl_read_callback).
typedef size_t (*patron_curl_write_callback)(char *buffer, size_t size, size_t count, void *userdata);
typedef size_t (*patron_curl_read_callback)(char *buffer, size_t size, size_t count, void *userdata);

static inline CURLcode patron_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode patron_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode patron_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode patron_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode patron_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode patron_curl_setopt_write_callback(CURL *handle, CURLoption option,
                                                         patron_curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode patron_curl_setopt_read_callback(CURL *handle, CURLoption option,
                                                        patron_curl_read_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode patron_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode patron_curl_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    // libcurl's CURLINFO_STRING outputs are `char *` owned by the handle.
    return curl_easy_getinfo(handle, info, (char **)value);
}

static inline CURLcode patron_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode patron_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif

/*
 * json.h - JSON text with numbers as their shortest text.
 *
 * jansson parses requests and builds documents, but its writer prints a
 * double with 17 significant digits (0.7 becomes 0.69999999999999996);
 * mlw writes the shortest text that reads back as the same double, as
 * Python's json and JavaScript do (STYLE, Output), in HTTP answers and
 * wherever else JSON is written.  Non-finite doubles
 * are written NaN, Infinity and -Infinity as Python's json.dumps writes
 * them (MLflow's server and client accept them; strict JSON has no
 * spelling for them).  Strings are written as UTF-8 with the escapes
 * JSON requires; an invalid UTF-8 byte becomes \ufffd, so the output is
 * always valid UTF-8.  Every function appends to out.
 */
#ifndef MLW_UTIL_JSON_H
#define MLW_UTIL_JSON_H

#include <stddef.h>

struct mlw_buf;
struct json_t;

/* v as compact JSON (object keys in insertion order) */
void mlw_json_write(struct mlw_buf *out, const struct json_t *v);

/* s[0..len) as a JSON string, quotes included */
void mlw_json_add_string(struct mlw_buf *out, const char *s, size_t len);

/* How many bytes of s[0..len) are valid UTF-8 from the start (len: all). */
size_t mlw_json_utf8_prefix(const char *s, size_t len);

/* v as the shortest text that reads back as v */
void mlw_json_add_number(struct mlw_buf *out, double v);

#endif

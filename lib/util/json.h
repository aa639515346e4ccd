/*
 * json.h - JSON text from jansson values, with numbers as people expect.
 *
 * Every JSON mlw writes (-o json, --query results, hook payloads, the
 * catalog's JSON columns) goes through mlw_json_write(), never through
 * json_dumps(): jansson prints reals with "%.17g", so 0.7 came out as
 * 0.69999999999999996.  Here a real is the shortest text that reads back
 * as the same double (mlw_fmt_double(), lib/util/number.h), with ".0" kept
 * on whole numbers so that it reads back as a real ("1.0"), as Python's
 * json, JavaScript and jq 1.7 print them.  Non-finite reals are written
 * NaN, Infinity and -Infinity as Python's json.dumps writes them (MLflow's
 * server and client accept them; strict JSON has no spelling for them).
 * Strings are escaped as JSON requires ('"', '\\', control characters);
 * valid UTF-8 is kept as is and an invalid byte becomes \ufffd, so the
 * output is always valid UTF-8.
 *
 *	char *s = mlw_json_dumps(v, MLW_JSON_INDENT);
 *	...
 *	free(s);
 */
#ifndef MLW_UTIL_JSON_H
#define MLW_UTIL_JSON_H

#include <stddef.h>

struct mlw_buf;
struct json_t;

#define MLW_JSON_COMPACT 0	/* {"a":1,"b":[1,2]} */
#define MLW_JSON_INDENT 1	/* two spaces a level, ": " after keys */
#define MLW_JSON_SORT_KEYS 2	/* keys in byte order, not insertion order */
#define MLW_JSON_COLOR 4	/* ANSI colours for a terminal (-o jsonc) */

/* Append v (NULL: null) as JSON text to b; flags as above. */
void mlw_json_write(struct mlw_buf *b, const struct json_t *v, unsigned flags);

/* v as JSON text in a new string the caller frees with free(). */
char *mlw_json_dumps(const struct json_t *v, unsigned flags);

/*
 * A scalar as the text a table cell, a TSV field or a YAML plain scalar
 * shows: strings bare, integers, reals as mlw_fmt_double() (no ".0"),
 * true/false; null appends nothing and returns 0 (1 otherwise); a list or
 * an object appends its compact JSON.
 */
int mlw_json_scalar_text(struct mlw_buf *b, const struct json_t *v);

/* Append a real as JSON text: shortest, ".0" kept on whole numbers. */
void mlw_json_real_text(struct mlw_buf *b, double v);

/* s[0..len) as a JSON string, quotes included */
void mlw_json_add_string(struct mlw_buf *b, const char *s, size_t len);

/* v as the shortest text that reads back as v, no ".0" added */
void mlw_json_add_number(struct mlw_buf *b, double v);

/* How many bytes of s[0..len) are valid UTF-8 from the start (len: all). */
size_t mlw_json_utf8_prefix(const char *s, size_t len);

#endif

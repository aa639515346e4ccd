/*
 * output.h - the output layer shared by every command.
 *
 * A command describes its result once, as a tree of objects, lists and
 * scalars, and the layer renders it in the format the user picked with
 * -o: "table" (aligned columns for people, fits the terminal), "json" (one
 * stable document: snake_case keys, full ids, RFC 3339 UTC times), "yaml",
 * or "tsv" (no header, tab-separated, for cut and awk).  Keys are kept in
 * insertion order.
 *
 *	struct mlw_out *o = mlw_out_new();
 *	mlw_out_list_begin(o, NULL);
 *	mlw_out_object_begin(o, NULL);
 *	mlw_out_str(o, "name", "diabetes");
 *	mlw_out_int(o, "version", 3);
 *	mlw_out_end(o);
 *	mlw_out_end(o);
 *	ret = mlw_out_write(o, MLW_FMT_TABLE, stdout, 80);
 *	mlw_out_free(o);
 *
 * -o jsonc and yamlc are json and yaml with colours (keys blue, strings
 * green, numbers cyan, true/false/null magenta); -o none writes nothing.
 *
 * Inside an object every value needs a key; inside a list (or at the top)
 * the key is NULL.  Non-finite numbers are written as the strings "NaN",
 * "Infinity" and "-Infinity" (JSON has no literal for them).
 */
#ifndef MLW_UTIL_OUTPUT_H
#define MLW_UTIL_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

enum mlw_format {
	MLW_FMT_DEFAULT = 0,	/* the command's own plain output */
	MLW_FMT_TABLE,
	MLW_FMT_JSON,
	MLW_FMT_YAML,
	MLW_FMT_TSV,
	MLW_FMT_NONE,		/* nothing at all (az's -o none) */
	MLW_FMT_JSONC,		/* json with ANSI colours, for a terminal */
	MLW_FMT_YAMLC		/* yaml with ANSI colours, for a terminal */
};

/*
 * Parse "table", "json", "jsonc", "yaml", "yamlc", "tsv" or "none";
 * MLW_EINVALID otherwise.  Whether colour suits the output is the
 * caller's decision (a terminal, NO_COLOR): it may write JSONC as JSON.
 */
int mlw_format_parse(enum mlw_format *out, const char *name);

struct mlw_out;

/*
 * A new, empty document: the caller's, freed with mlw_out_free().  Keys
 * and values given to the functions below are copied.
 */
struct mlw_out *mlw_out_new(void);
/*
 * For long lists in tsv: each element of the top-level list is written to
 * fp as soon as it is complete and then dropped, so memory stays flat.
 * Finish with mlw_out_write(o, MLW_FMT_TSV, fp, 0) as usual.
 */
struct mlw_out *mlw_out_new_tsv_stream(FILE *fp);
/* For long lists in a table: rows are kept as text, not values. */
struct mlw_out *mlw_out_new_table_list(void);
/* Free o and its document (NULL is fine). */
void mlw_out_free(struct mlw_out *o);

/* Open a list or an object (key NULL inside a list or at the top)... */
void mlw_out_list_begin(struct mlw_out *o, const char *key);
void mlw_out_object_begin(struct mlw_out *o, const char *key);
/* ...and close the innermost one. */
void mlw_out_end(struct mlw_out *o);

/* Scalars; a NULL string is written as null. */
void mlw_out_str(struct mlw_out *o, const char *key, const char *value);
void mlw_out_int(struct mlw_out *o, const char *key, int64_t value);
void mlw_out_num(struct mlw_out *o, const char *key, double value);
void mlw_out_bool(struct mlw_out *o, const char *key, int value);
void mlw_out_null(struct mlw_out *o, const char *key);
/* an RFC 3339 UTC timestamp from seconds since the epoch */
void mlw_out_time(struct mlw_out *o, const char *key, double epoch);
/* a jansson value, recursively, as the items above */
struct json_t;
void mlw_out_json(struct mlw_out *o, const char *key, struct json_t *v);
/*
 * The finished document as a jansson value, borrowed from o (NULL when
 * empty); for --query (lib/util/query.h).  Not for streamed outputs.
 */
struct json_t *mlw_out_root(struct mlw_out *o);

/*
 * Render to fp.  width is the terminal width for tables (0: unlimited).
 * Returns 0, or MLW_ERROR when writing failed (a full disk is an error).
 */
int mlw_out_write(struct mlw_out *o, enum mlw_format fmt, FILE *fp,
		  int width);
/* The same, appended to b instead of written. */
struct mlw_buf;
int mlw_out_render(struct mlw_out *o, enum mlw_format fmt, struct mlw_buf *b,
		   int width);

/* Format epoch seconds as RFC 3339 UTC with milliseconds. */
void mlw_fmt_time(char out[32], double epoch);

#endif

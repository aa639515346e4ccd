/*
 * query.h - the JMESPath subset of az's --query: enough for scripts.
 *
 *	name			a field
 *	outputs.model.path	nested fields
 *	[0], [-1]		an element of a list
 *	[].name			a projection: the field of every element
 *	{A:name, B:status}	a multiselect hash
 *	[].{n:name}		both
 *
 * A field missing is null, as in JMESPath.  Results print as JSON, or
 * with -o tsv as az prints them: strings bare, one list element per line,
 * an object's values tab-separated.
 */
#ifndef MLW_UTIL_QUERY_H
#define MLW_UTIL_QUERY_H

#include "util/output.h"

#include <stdio.h>

struct json_t;
struct mlw_buf;

/*
 * Evaluate query on doc (borrowed): *out is a new reference, NULL for
 * null.  MLW_EINVALID with a message when the query is outside the
 * subset.
 */
int mlw_query_apply(struct json_t **out, struct json_t *doc,
		    const char *query);

/*
 * Evaluate query on a JSON document given as text; the result as JSON
 * text in *out (the caller frees; "null" when nothing matches).
 * MLW_ERROR for text that is not JSON, MLW_EINVALID for a query outside
 * the subset.
 */
int mlw_query_eval(char **out, const char *json, const char *query);

/*
 * Apply query to the finished document of o and append the result to b
 * in fmt: DEFAULT and JSON as JSON, JSONC coloured, YAML and TABLE through
 * the output layer, TSV as az prints query results, NONE nothing.  0, or
 * MLW_EINVALID for a query outside the subset (nothing appended).
 */
int mlw_query_render(struct mlw_out *o, const char *query,
		     enum mlw_format fmt, struct mlw_buf *b);
/* The same, written to fp (a failed write is MLW_ERROR). */
int mlw_query_print(struct mlw_out *o, const char *query,
		    enum mlw_format fmt, FILE *fp);

#endif

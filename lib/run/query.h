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
#ifndef MLW_RUN_QUERY_H
#define MLW_RUN_QUERY_H

#include "util/output.h"

#include <stdio.h>

/* evaluate query on a JSON document; the result (or NULL) as JSON text */
int mlw_query_eval(char **out, const char *json, const char *query);

/* render o, apply query, print in fmt (DEFAULT and JSON: JSON) */
int mlw_query_print(struct mlw_out *o, const char *query,
		    enum mlw_format fmt, FILE *fp);

#endif

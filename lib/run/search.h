/*
 * search.h - searching runs with MLflow's filter grammar (runs/search).
 *
 * A filter is clauses joined by AND (OR is refused, as MLflow refuses
 * it), each IDENTIFIER COMPARATOR VALUE:
 *
 *	metrics.rmse < 0.5 AND params.alpha = '0.1'
 *	tags.`mlflow.user` LIKE 'ann%' AND attributes.status = 'FINISHED'
 *	attributes.run_id IN ('happy_lamp_4k2', 'calm_owl_x1z')
 *
 * The identifier is an entity and a key: metric (or metrics), param
 * (params, parameter, parameters), tag (tags), attribute (attributes,
 * attr, run); a key with other characters is quoted in backticks or
 * double quotes (tags.`mlflow.source.name`).  A bare key is an
 * attribute.  Comparators, case-insensitive, by entity:
 *
 *	metrics			= != < <= > >= against a number: the
 *				metric's last value (highest step)
 *	params, tags		= != LIKE ILIKE against a quoted string;
 *				tags also IS NULL, IS NOT NULL
 *	attributes run_id, run_name, status, user_id, lifecycle_stage
 *				= != LIKE ILIKE against a string; run_id
 *				and status also IN, NOT IN ('a', 'b')
 *	attributes start_time, end_time (ms since the epoch; created is
 *				start_time)	= != < <= > >= a number
 *
 * A clause on a metric, param or tag a run does not have is false for
 * it (also with !=).  LIKE is case-sensitive (% any run of characters,
 * _ one), ILIKE not.  status compares MLflow's names (tracking.h:
 * RUNNING, SCHEDULED, FINISHED, FAILED, KILLED).
 *
 * order_by items: an identifier, optionally ASC or DESC (ASC by
 * default): "metrics.rmse", "params.alpha DESC", "attributes.start_time
 * DESC", "start_time".  Runs without the key come last whichever the
 * direction; a NaN metric is above every number.  Ties, and no order at
 * all, go by start_time DESC then run_id.
 */
#ifndef MLW_RUN_SEARCH_H
#define MLW_RUN_SEARCH_H

#include "run/run.h"

#include <stddef.h>
#include <stdint.h>

struct mlw_catalog;

enum mlw_search_entity {
	MLW_SEARCH_METRIC,
	MLW_SEARCH_PARAM,
	MLW_SEARCH_TAG,
	MLW_SEARCH_ATTRIBUTE
};

enum mlw_search_op {
	MLW_SEARCH_EQ, MLW_SEARCH_NE, MLW_SEARCH_LT, MLW_SEARCH_LE,
	MLW_SEARCH_GT, MLW_SEARCH_GE, MLW_SEARCH_LIKE, MLW_SEARCH_ILIKE,
	MLW_SEARCH_IN, MLW_SEARCH_NOT_IN, MLW_SEARCH_IS_NULL,
	MLW_SEARCH_IS_NOT_NULL
};

struct mlw_search_clause {
	enum mlw_search_entity entity;
	char *key;
	enum mlw_search_op op;
	int is_number;		/* the value is number, else text */
	double number;
	char *text;
	char **list;		/* IN, NOT IN */
	size_t nr_list;
};

/* A parsed filter; an empty filter has no clauses. */
struct mlw_search_filter {
	struct mlw_search_clause *clauses;
	size_t nr;
};

/*
 * Parse filter (NULL or blank: no clauses) into out, which the caller
 * empties with mlw_search_filter_release() whatever the return.  0, or
 * MLW_EINVALID saying what is wrong and where.  The entity and
 * comparator rules above are checked for runs: layers searching other
 * things (experiments) take the clauses and check their own.
 */
int mlw_search_parse(struct mlw_search_filter *out, const char *filter);
void mlw_search_filter_release(struct mlw_search_filter *f);

/* One order_by item, parsed. */
struct mlw_search_order {
	enum mlw_search_entity entity;
	char *key;
	int ascending;
};

/* Parse an order_by item; free out->key.  0 or MLW_EINVALID. */
int mlw_search_parse_order(struct mlw_search_order *out, const char *text);

/*
 * LIKE matching of s against pattern (% any run, _ one character),
 * icase: ASCII letters fold.  1 when it matches.
 */
int mlw_search_like(const char *pattern, const char *s, int icase);

enum mlw_search_view {
	MLW_SEARCH_ACTIVE_ONLY,		/* runs not deleted (archived) */
	MLW_SEARCH_DELETED_ONLY,
	MLW_SEARCH_ALL
};

struct mlw_run_search {
	const int64_t *experiment_ids;	/* at least one */
	size_t nr_experiments;
	const char *filter;		/* may be NULL */
	const char *const *order_by;
	size_t nr_order_by;
	enum mlw_search_view view;
	int64_t max_results;		/* > 0 */
	int64_t offset;			/* runs to skip (the page token) */
};

/*
 * The runs q selects, in its order, each with its details loaded
 * (params, tags, last metric values; mlw_run_load_details() minus
 * inputs, outputs and artifacts), given to fn which owns it
 * (mlw_run_free()); fn's non-zero return stops and is returned.  *more
 * is 1 when runs are left after these.  MLW_EINVALID for a filter or
 * order_by that does not parse or breaks the rules above.
 */
int mlw_run_search(struct mlw_catalog *cat, const struct mlw_run_search *q,
		   int *more, mlw_run_fn fn, void *data);

#endif

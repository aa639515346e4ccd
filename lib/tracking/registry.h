/*
 * registry.h - what the files of MLflow's model registry share
 * (registry.c: registered models; versions.c: their versions and
 * aliases; registry-search.c: searching them).  See registry.c for the
 * mapping onto mlw's model assets.
 */
#ifndef MLW_TRACKING_REGISTRY_H
#define MLW_TRACKING_REGISTRY_H

#include "tracking/internal.h"

#include <jansson.h>
#include <stddef.h>

struct mlw_asset;
struct sqlite3_stmt;

/* a registered model as the registry knows it */
struct model {
	char *name;
	char *description;
	double created, updated;
	int has_row;		/* in registered_models */
	size_t nr_versions;	/* not archived */
};

void model_release(struct model *m);
/* the model named name into *m: 0, or an answer given (-1) */
int model_load(struct call *c, const char *name, struct model *m);
/* the model of the request's field ("name"), or an answer (-1) */
int find_model(struct call *c, const char *field, struct model *m);

/* MLflow's spelling of a stage, whatever its case; NULL for none */
const char *stage_name(const char *s);
/* the stage a version is in, as MLflow names it */
const char *current_stage(const struct mlw_asset *a);
/* versions as numbers when both are, else as text: -1, 0, 1 */
int version_cmp(const char *a, const char *b);

/* a statement of the registry on the call's connection */
int registry_prep(struct call *c, struct sqlite3_stmt **st, const char *sql);
/* run one statement binding the strings given (NULL ends them) */
int exec_strs(struct call *c, const char *sql, const char *a, const char *b,
	      const char *d);

/* the model's [{alias, version}] into *out (a new reference) */
int model_aliases(struct call *c, json_t **out, const char *name);
/* MLflow's ModelVersion of a; aliases: the model's [{alias, version}] */
json_t *version_json(const struct mlw_asset *a, json_t *aliases);
/* every live version of the model as ModelVersions, oldest first */
int model_versions(struct call *c, json_t **out, const char *name);
/* the newest version in each stage (stage NULL: every stage) */
json_t *latest_versions(json_t *versions, const char *stage);
/* MLflow's RegisteredModel of m */
int model_json(struct call *c, json_t **out, const struct model *m);

/* tags of a request as (key, value) checks: 0 or an answer */
int check_tags(struct call *c, json_t *tags);
/* a tag's value as text (numbers too), "" when absent */
const char *tag_value(struct call *c, json_t *t);

#endif

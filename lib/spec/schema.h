/*
 * schema.h - table-driven schemas for Azure ML CLI v2 specs, and the
 * checker that walks a YAML node tree against them.
 *
 * A schema is a static table: scalar types, enums, objects with named
 * fields, free-keyed dictionaries, lists, objects discriminated by a tag
 * key ("type: choice"), and unions.  The checker reports every problem it
 * finds as a diagnostic with the source position of the offending node;
 * it never stops at the first one.  For a union it reports only the
 * alternative the user most likely meant (same shape, fewest problems)
 * instead of a wall of alternatives.
 *
 * Fields carry MLW_F_LOCAL when mlw honours them on this machine; the
 * others are accepted and recorded (an instance_type, an image).  The man
 * page mlw-spec(5) is written from these tables.
 */
#ifndef MLW_SPEC_SCHEMA_H
#define MLW_SPEC_SCHEMA_H

#include <stddef.h>

struct mlw_yaml_node;

enum mlw_schema_type {
	MLW_S_ANY,		/* anything */
	MLW_S_SCALAR,		/* any non-null scalar */
	MLW_S_STR,		/* a scalar, taken as text */
	MLW_S_INT,
	MLW_S_NUM,
	MLW_S_BOOL,
	MLW_S_ENUM,		/* one of values, case-insensitive */
	MLW_S_VERSION,		/* a string or a number; null is an error */
	MLW_S_OBJ,		/* fields */
	MLW_S_DICT,		/* any keys, each value an item */
	MLW_S_LIST,		/* each element an item */
	MLW_S_TAGGED,		/* tag_key selects one of variants */
	MLW_S_UNION		/* one of alts */
};

/* schema flags */
#define MLW_S_OPEN 1		/* OBJ: unknown keys are accepted */
#define MLW_S_NULLABLE 2	/* a null value is accepted */
#define MLW_S_ONE_KEY 4		/* OBJ: exactly one of the fields */
#define MLW_S_LENIENT 8		/* OBJ: unknown keys are warnings (az: INCLUDE) */

/* field flags */
#define MLW_F_REQUIRED 1
#define MLW_F_LOCAL 2		/* honoured locally; otherwise recorded */

struct mlw_schema;

struct mlw_field {
	const char *key;
	const struct mlw_schema *schema;
	unsigned flags;
};

struct mlw_variant {
	const char *value;
	const struct mlw_schema *schema;
};

struct mlw_schema {
	enum mlw_schema_type type;
	const char *what;		/* "an environment", for messages */
	unsigned flags;
	const struct mlw_field *fields;		/* OBJ */
	const struct mlw_schema *item;		/* DICT, LIST */
	const char *const *values;		/* ENUM */
	const struct mlw_schema *const *alts;	/* UNION */
	const char *tag_key;			/* TAGGED */
	const char *tag_default;
	const struct mlw_variant *variants;
};

/* --- diagnostics --------------------------------------------------------- */

struct mlw_diag {
	int warning;
	const char *source;	/* borrowed from the document */
	int line, col;
	char *msg;
};

struct mlw_diags {
	struct mlw_diag *items;
	size_t nr, alloc;
	size_t errors, warnings;
};

#define MLW_DIAGS_INIT { NULL, 0, 0, 0, 0 }

/* Add an error (warning = 0) or a warning located at node at. */
void mlw_diags_add(struct mlw_diags *d, int warning,
		   const struct mlw_yaml_node *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Add at an explicit position (source borrowed). */
void mlw_diags_add_at(struct mlw_diags *d, int warning, const char *source,
		      int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Move every diagnostic of src to the end of dst. */
void mlw_diags_move(struct mlw_diags *dst, struct mlw_diags *src);
/* Sort by source (primary first), line, column; stable. */
void mlw_diags_sort(struct mlw_diags *d, const char *primary);
void mlw_diags_release(struct mlw_diags *d);

/*
 * Check node n (NULL: absent) against s; path names n in messages
 * ("inputs.lr"; "" for the root).  Problems are appended to d.
 */
void mlw_schema_check(const struct mlw_schema *s, const struct mlw_yaml_node *n,
		      const char *path, struct mlw_diags *d);

/* The field of an OBJ schema named key, or NULL. */
const struct mlw_field *mlw_schema_field(const struct mlw_schema *s,
					 const char *key);

/* --- the spec kinds ------------------------------------------------------ */

enum mlw_spec_kind {
	MLW_SPEC_UNKNOWN = 0,
	MLW_SPEC_COMMAND_JOB,
	MLW_SPEC_SWEEP_JOB,
	MLW_SPEC_PIPELINE_JOB,
	MLW_SPEC_AUTOML_JOB,
	MLW_SPEC_COMMAND_COMPONENT,
	MLW_SPEC_PIPELINE_COMPONENT,
	MLW_SPEC_DATA,
	MLW_SPEC_MODEL,
	MLW_SPEC_ENVIRONMENT,
	MLW_SPEC_MLTABLE,
	MLW_SPEC_ONLINE_ENDPOINT,		/* managedOnlineEndpoint */
	MLW_SPEC_K8S_ONLINE_ENDPOINT,
	MLW_SPEC_ONLINE_DEPLOYMENT,		/* managedOnlineDeployment */
	MLW_SPEC_K8S_ONLINE_DEPLOYMENT,
	MLW_SPEC_BATCH_ENDPOINT,
	MLW_SPEC_BATCH_DEPLOYMENT,		/* legacy or typed */
	MLW_SPEC_MODEL_BATCH_DEPLOYMENT,
	MLW_SPEC_PIPELINE_BATCH_DEPLOYMENT,	/* pipelineComponentBatch... */
	MLW_SPEC_AML_COMPUTE,			/* amlCompute (Azure's) */
	MLW_SPEC_SLURM_COMPUTE,			/* slurmCompute (mlw's own) */
	MLW_SPEC_LOCAL_COMPUTE,			/* localCompute (mlw's own) */
	MLW_SPEC_KIND_NR
};

struct mlw_spec_kind_info {
	enum mlw_spec_kind kind;
	const char *name;	/* the $schema basename: "commandJob" */
	const char *group;	/* the command: job, component, endpoint... */
	const char *what;	/* "command job", for messages */
	const struct mlw_schema *schema;
};

/* The table entry of kind; never NULL for a valid kind. */
const struct mlw_spec_kind_info *mlw_spec_kind_info(enum mlw_spec_kind kind);
/* Lookup by $schema basename, case-insensitive; MLW_SPEC_UNKNOWN if none. */
enum mlw_spec_kind mlw_spec_kind_by_name(const char *name);

#endif

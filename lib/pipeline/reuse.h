/*
 * reuse.h - the key under which a pipeline step's result is reused.
 *
 * A step whose key equals that of an earlier Completed step takes that
 * step's outputs instead of running (unless its component says
 * is_deterministic: false or the pipeline force_rerun: true).  The key
 * is the SHA-256 of a canonical JSON document (keys sorted, no blanks)
 * of four parts, and of nothing else:
 *
 *	component	what the component runs: its command, inputs (type,
 *			default, optional, min, max, enum), outputs (type,
 *			and the name of a file output's file),
 *			environment_variables, distribution, limits, and
 *			any other field but the ones that only describe it
 *			($schema, name, version, display_name, description,
 *			tags, properties, is_deterministic) or are parts
 *			of their own (code, environment) or say where it
 *			runs (compute, resources, queue_settings, identity,
 *			services); with the step's own environment_variables,
 *			distribution and limits laid over it
 *	code		the id of the tree its code folder was snapshotted
 *			to (the content, honouring .gitignore/.amlignore),
 *			or null without code
 *	environment	the environment as written (a reference, or the
 *			inline mapping), or null
 *	inputs		each input given a value: its type and either the
 *			literal text or the id of the object its data is
 *			(the content, not the name or path it came by)
 *
 * So renaming a data asset, moving a folder, or reformatting the spec
 * reuses; changing a byte of the code or the data, a literal, the
 * command or the environment does not.  The version ("v": 1) is part of
 * the document: a change to this rule changes every key.
 */
#ifndef MLW_PIPELINE_REUSE_H
#define MLW_PIPELINE_REUSE_H

#include "store/odb.h"

#include <stddef.h>

struct mlw_pipeline_step;

struct mlw_reuse_input {
	const char *name;
	const char *type;	/* "string", "uri_folder"... or NULL */
	const char *literal;	/* a literal's text, or NULL */
	const char *object;	/* a data input's object id (hex), or NULL */
};

struct mlw_reuse_parts {
	const char *component;	/* mlw_reuse_component_text() */
	const char *code;	/* tree id (hex) or NULL */
	const char *environment;	/* or NULL */
	const struct mlw_reuse_input *inputs;	/* any order */
	size_t nr_inputs;
};

/*
 * The canonical text of what step runs (the "component" part above);
 * the caller frees.  step is a command step of a loaded pipeline.
 */
char *mlw_reuse_component_text(const struct mlw_pipeline_step *step);

/* The environment part: a reference as written, a mapping as JSON. */
char *mlw_reuse_environment_text(const struct mlw_pipeline_step *step);

/* The key of parts, as 64 hex digits and a NUL. */
void mlw_reuse_key(char hex[MLW_OID_HEXSZ + 1],
		   const struct mlw_reuse_parts *parts);

#endif

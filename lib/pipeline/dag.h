/*
 * dag.h - a pipeline spec as a graph of steps, checked before anything
 * runs.
 *
 * mlw_pipeline_load() reads a loaded pipeline job spec (spec.h, without
 * errors) and the components its steps name, binds every step input to
 * where its value comes from, and checks the graph:
 *
 *	${{parent.inputs.X}}		the pipeline's input X (a literal or
 *					a path), or, inside a pipeline
 *					component, what its step binds X to
 *	${{parent.jobs.S.outputs.Y}}	output Y of step S: an edge S -> step
 *	${{parent.outputs.X}}		(a step output) promotes it to the
 *					pipeline's output X
 *	a literal, {type, path}		a value or data of its own
 *
 * Nested pipelines (type: pipeline steps running a pipeline component,
 * or a pipeline job whose component: is one) are flattened: their steps
 * join the graph as "OUTER/INNER", their inputs and outputs are resolved
 * through, and the pipeline step itself stays as a group (kind
 * MLW_STEP_PIPELINE) that runs nothing.  Each binding ends at a literal,
 * a path, or an output of a command or sweep step.
 *
 * A sweep step (type: sweep) runs its trial component (trial:, as
 * component: is for a command step) once per sampled point: its inputs
 * named in its search_space are sampled (they bind nothing, and each
 * must be an input of the trial), the others bound as a command step's;
 * its outputs are its best trial's.
 *
 * Problems are diagnostics at the text that causes them (FILE:LINE:COL):
 * a cycle (naming its steps in order), a binding to a step or an output
 * that does not exist, an output feeding an input of another type, a
 * literal that is not of its input's type (or outside its min, max or
 * enum), a component that cannot be found, a step of a type mlw cannot
 * run.
 */
#ifndef MLW_PIPELINE_DAG_H
#define MLW_PIPELINE_DAG_H

#include "pipeline/component.h"
#include "spec/schema.h"

#include <stddef.h>

struct mlw_spec;
struct mlw_yaml_node;

enum mlw_bind_kind {
	MLW_BIND_NONE,		/* nothing: an optional input not given */
	MLW_BIND_LITERAL,	/* value: the text of a literal */
	MLW_BIND_PATH,		/* value: an absolute local path or an
				   azureml: reference as written */
	MLW_BIND_STEP		/* output of command step `step` */
};

struct mlw_pipeline_input {
	char *name;
	char *type;		/* declared, or a literal's; NULL: not said */
	enum mlw_bind_kind bind;
	char *value;
	size_t step;		/* BIND_STEP: index into steps */
	char *output;		/* BIND_STEP: its output's name */
	char *mode;		/* as written, or NULL */
	/* where the binding (or the value) is written; NULL: a default */
	const struct mlw_yaml_node *at;
	/*
	 * A pipeline component's input checked on its own: its value is
	 * not known yet, so what it feeds is not checked (nor unbound).
	 */
	int unknown;
	/* a sweep step's input in its search_space: each trial's value */
	int sampled;
};

struct mlw_pipeline_output {
	char *name;
	char *type;		/* declared; "uri_folder" when not said */
	char *mode;
	char *file_name;	/* a uri_file's, from a path; NULL: its name */
	/* registered as a data asset when its producer completes */
	char *asset_name, *asset_version;
	/* ${{parent.outputs.X}}: promoted to its pipeline's output X */
	char *promoted;
	/*
	 * A pipeline step's output (or the pipeline's own): the command
	 * step output it is, src_step < 0 when no step produces it.
	 */
	long src_step;
	char *src_output;
	const struct mlw_yaml_node *at;
};

enum mlw_step_kind {
	MLW_STEP_COMMAND,
	MLW_STEP_SWEEP,
	MLW_STEP_PIPELINE	/* a group: its steps follow it */
};

struct mlw_pipeline_step {
	char *name;		/* "train", nested "outer/train" */
	char *key;		/* its key in its jobs: mapping ("train") */
	enum mlw_step_kind kind;
	long group;		/* the pipeline step it is in, -1 at the top */
	int depth;		/* nesting level, 0 at the top */
	const struct mlw_yaml_node *node;	/* the step mapping */
	struct mlw_component *component;	/* owned */
	struct mlw_pipeline_input *inputs;
	size_t nr_inputs;
	struct mlw_pipeline_output *outputs;
	size_t nr_outputs;
	/* command and sweep steps: the steps whose outputs it reads */
	size_t *deps;
	size_t nr_deps;
	char *compute;		/* as written (recorded), or NULL */
	/*
	 * its component's is_deterministic; for a sweep step also that
	 * its sampling is seeded (or a grid)
	 */
	int deterministic;
};

struct mlw_pipeline_options {
	/*
	 * components.check_only: loaded to be checked ('validate'), never
	 * run: what only this machine lacks (steps of types it cannot run,
	 * components and data it cannot reach) are warnings.
	 */
	struct mlw_component_options components;
};

struct mlw_pipeline {
	const struct mlw_spec *spec;	/* borrowed */
	struct mlw_pipeline_step *steps;
	size_t nr_steps, alloc_steps;
	/* command and sweep steps, each after every step it reads from */
	size_t *order;
	size_t nr_order;
	struct mlw_pipeline_input *inputs;	/* the pipeline's own */
	size_t nr_inputs;
	struct mlw_pipeline_output *outputs;
	size_t nr_outputs;
	/* settings */
	int continue_on_step_failure;	/* default false */
	int force_rerun;		/* default false */
	char *default_compute, *default_datastore;	/* recorded */
	struct mlw_diags diags;		/* errors found; see above */
	int check_only;			/* see mlw_pipeline_options */
	/* the pipeline's own component (pipeline job with component:) */
	struct mlw_component *component;
};

/*
 * Build and check the graph of spec (a pipeline job without errors; or,
 * with components.check_only, a pipeline component, whose inputs with no
 * default are not known yet).
 * Returns 0 and *out, with (*out)->diags.errors when the pipeline is
 * wrong (nothing may run then); a negative code (message set, *out
 * NULL) when the store fails.  Free with mlw_pipeline_free() (the
 * diagnostics point into it).
 */
int mlw_pipeline_load(struct mlw_pipeline **out, const struct mlw_spec *spec,
		      const struct mlw_pipeline_options *opts);
void mlw_pipeline_free(struct mlw_pipeline *p);

/* the step named name ("train", "outer/train"), or -1 */
long mlw_pipeline_find(const struct mlw_pipeline *p, const char *name);

/* "command", "sweep", "pipeline" */
const char *mlw_step_kind_name(enum mlw_step_kind kind);

/*
 * Whether data of output type out may feed an input declared in_type
 * (NULL: not declared, anything goes).  Folders feed folder types,
 * files feed files; nothing feeds a literal (string, integer, number,
 * boolean).
 */
int mlw_pipeline_types_compatible(const char *out, const char *in_type);

/* 1 for the types that are data (uri_file, uri_folder, mltable, models) */
int mlw_pipeline_is_data_type(const char *type);

#endif

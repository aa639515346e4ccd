/*
 * reuse.c - the reuse key of a pipeline step (reuse.h).
 */
#include "pipeline/reuse.h"
#include "pipeline/dag.h"
#include "spec/yaml.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/json.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* fields that describe a component or say where it runs: not in the key */
static const char *const not_in_key[] = {
	"$schema", "name", "version", "display_name", "description", "tags",
	"properties", "is_deterministic", "code", "environment", "compute",
	"resources", "queue_settings", "identity", "services", "type",
	"experiment_name", "component", "inputs", "outputs", "instance_count",
	NULL
};

/* what of an input declaration changes what a command sees */
static const char *const input_fields[] = {
	"type", "default", "optional", "min", "max", "enum", NULL
};

/*
 * the step's own fields that override its component's, and a sweep
 * step's sweep (its trial component is the component)
 */
static const char *const step_overrides[] = {
	"environment_variables", "distribution", "limits", "search_space",
	"sampling_algorithm", "objective", "early_termination", NULL
};

static int listed(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (!strcmp(*l, s))
			return 1;
	return 0;
}

/* the fields of map (a mapping node) not listed in skip, as JSON */
static void add_fields(json_t *obj, const struct mlw_yaml_node *map,
		       const char *const *skip, int keep_listed)
{
	size_t i;

	if (!map || map->kind != MLW_YAML_MAP)
		return;
	for (i = 0; i < map->nr / 2; i++) {
		const char *k = mlw_yaml_key(map, i)->text;

		if (listed(skip, k) != keep_listed)
			continue;
		json_object_set_new(obj, k, mlw_yaml_to_jansson(
					    mlw_yaml_value(map, i)));
	}
}

char *mlw_reuse_component_text(const struct mlw_pipeline_step *step)
{
	const struct mlw_component *c = step->component;
	json_t *doc = json_object(), *in = json_object(), *out = json_object();
	json_t *over = json_object();
	const struct mlw_yaml_node *decl = c->inline_step ? NULL :
		mlw_component_inputs(c);
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i;

	add_fields(doc, c->root, not_in_key, 0);
	for (i = 0; decl && i < decl->nr / 2; i++) {
		json_t *d = json_object();

		add_fields(d, mlw_yaml_value(decl, i), input_fields, 1);
		json_object_set_new(in, mlw_yaml_key(decl, i)->text, d);
	}
	json_object_set_new(doc, "inputs", in);
	for (i = 0; i < step->nr_outputs; i++) {
		const struct mlw_pipeline_output *o = &step->outputs[i];
		/* a file's name is what the command sees of it */
		char *t = o->file_name ? mlw_xstrfmt("%s %s", o->type,
						     o->file_name) :
			  mlw_strdup(o->type);

		json_object_set_new(out, o->name, json_string(t));
		free(t);
	}
	json_object_set_new(doc, "outputs", out);
	if (!c->inline_step)
		add_fields(over, step->node, step_overrides, 1);
	json_object_set_new(doc, "step", over);
	mlw_json_write(&b, doc, MLW_JSON_COMPACT | MLW_JSON_SORT_KEYS);
	json_decref(doc);
	return mlw_buf_detach(&b, NULL);
}

char *mlw_reuse_environment_text(const struct mlw_pipeline_step *step)
{
	const struct mlw_yaml_node *env = NULL;
	struct mlw_buf b = MLW_BUF_INIT;
	json_t *j;

	if (!step->component->inline_step)
		env = mlw_yaml_map_get(step->node, "environment");
	if (!env || mlw_yaml_is_null(env))
		env = mlw_yaml_map_get(step->component->root, "environment");
	if (!env || mlw_yaml_is_null(env))
		return NULL;
	j = mlw_yaml_to_jansson(env);
	mlw_json_write(&b, j, MLW_JSON_COMPACT | MLW_JSON_SORT_KEYS);
	json_decref(j);
	return mlw_buf_detach(&b, NULL);
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

void mlw_reuse_key(char hex[MLW_OID_HEXSZ + 1],
		   const struct mlw_reuse_parts *parts)
{
	json_t *doc = json_object(), *in = json_object();
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_oid oid;
	size_t i;

	json_object_set_new(doc, "v", json_integer(1));
	json_object_set_new(doc, "component", string_or_null(parts->component));
	json_object_set_new(doc, "code", string_or_null(parts->code));
	json_object_set_new(doc, "environment",
			    string_or_null(parts->environment));
	for (i = 0; i < parts->nr_inputs; i++) {
		const struct mlw_reuse_input *x = &parts->inputs[i];
		json_t *v = json_object();

		json_object_set_new(v, "type", string_or_null(x->type));
		if (x->object)
			json_object_set_new(v, "object", json_string(x->object));
		else
			json_object_set_new(v, "literal",
					    string_or_null(x->literal));
		json_object_set_new(in, x->name, v);
	}
	json_object_set_new(doc, "inputs", in);
	mlw_json_write(&b, doc, MLW_JSON_COMPACT | MLW_JSON_SORT_KEYS);
	json_decref(doc);
	mlw_hash_buf(&oid, b.buf, b.len);
	mlw_oid_to_hex(hex, &oid);
	mlw_buf_release(&b);
}

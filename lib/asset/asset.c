/*
 * asset.c - what an asset is: its kinds, key=value lists, the request
 * struct and the event payload; see asset.h.  Snapshots are in
 * snapshot.c, catalog rows in record.c, restoring content in restore.c,
 * the verbs in service.c.
 */
#include "asset/asset.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/json.h"
#include "util/name.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ---- kinds ---- */

static const char *const data_types[] = {
	"uri_folder", "uri_file", "mltable", NULL
};
static const char *const model_types[] = {
	"custom_model", "mlflow_model", "triton_model", NULL
};
static const char *const no_types[] = { NULL };
static const char *const component_types[] = { "command", "pipeline", NULL };

/* indexed by enum mlw_asset_kind; entry 0 is no kind */
static const struct mlw_asset_kind_info kinds[] = {
	[MLW_ASSET_DATA] = {
		.kind = MLW_ASSET_DATA,
		.name = "data",
		.label = "data asset",
		.command = "data",
		.arm_type = "data",
		.types = data_types,
		.content = MLW_ASSET_CONTENT_PATH,
	},
	[MLW_ASSET_MODEL] = {
		.kind = MLW_ASSET_MODEL,
		.name = "model",
		.label = "model",
		.command = "model",
		.arm_type = "models",
		.types = model_types,
		.content = MLW_ASSET_CONTENT_PATH,
		.has_stage = 1,
		.registered_event = "model-registered",
	},
	[MLW_ASSET_ENVIRONMENT] = {
		.kind = MLW_ASSET_ENVIRONMENT,
		.name = "environment",
		.label = "environment",
		.command = "env",
		.arm_type = "environments",
		.types = no_types,
		.content = MLW_ASSET_CONTENT_ENVIRONMENT,
	},
	/*
	 * Its content is a folder: the spec as component.yml, and the code
	 * it runs (lib/pipeline/component.h lays it out).
	 */
	[MLW_ASSET_COMPONENT] = {
		.kind = MLW_ASSET_COMPONENT,
		.name = "component",
		.label = "component",
		.command = "component",
		.arm_type = "components",
		.types = component_types,
		.content = MLW_ASSET_CONTENT_PATH,
	},
};

#define NR_KINDS (sizeof(kinds) / sizeof(*kinds))

const struct mlw_asset_kind_info *mlw_asset_kind_info(enum mlw_asset_kind kind)
{
	if ((size_t)kind >= NR_KINDS || !kinds[kind].name)
		BUG("unknown asset kind %d", (int)kind);
	return &kinds[kind];
}

const char *mlw_asset_kind_name(enum mlw_asset_kind kind)
{
	return mlw_asset_kind_info(kind)->name;
}

enum mlw_asset_kind mlw_asset_kind_from_name(const char *name)
{
	size_t i;

	for (i = 1; name && i < NR_KINDS; i++)
		if (kinds[i].name && !strcmp(kinds[i].name, name))
			return kinds[i].kind;
	return 0;
}

/* ---- key=value lists ---- */

void mlw_asset_kvs_set(struct mlw_asset_kvs *kvs, const char *key,
		       const char *value)
{
	size_t i;

	for (i = 0; i < kvs->nr; i++)
		if (!strcmp(kvs->items[i].key, key)) {
			free(kvs->items[i].value);
			kvs->items[i].value = mlw_strdup(value);
			return;
		}
	MLW_ALLOC_GROW(kvs->items, kvs->nr + 1, kvs->alloc);
	kvs->items[kvs->nr].key = mlw_strdup(key);
	kvs->items[kvs->nr].value = mlw_strdup(value);
	kvs->nr++;
}

int mlw_asset_kvs_parse(struct mlw_asset_kvs *kvs, const char *arg,
			const char *what)
{
	const char *eq = strchr(arg, '=');
	char *key;

	if (!eq || eq == arg)
		return mlw_error_setc(MLW_EINVALID,
				      "%s '%s' is not KEY=VALUE", what, arg);
	key = mlw_strndup(arg, (size_t)(eq - arg));
	mlw_asset_kvs_set(kvs, key, eq + 1);
	free(key);
	return 0;
}

int mlw_asset_kvs_parse_list(struct mlw_asset_kvs *kvs,
			     const struct mlw_strlist *l, const char *what)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && l && i < l->nr; i++)
		ret = mlw_asset_kvs_parse(kvs, l->items[i], what);
	return ret;
}

int mlw_asset_kvs_remove(struct mlw_asset_kvs *kvs, const char *key)
{
	size_t i;

	for (i = 0; i < kvs->nr; i++)
		if (!strcmp(kvs->items[i].key, key)) {
			free(kvs->items[i].key);
			free(kvs->items[i].value);
			memmove(kvs->items + i, kvs->items + i + 1,
				(kvs->nr - i - 1) * sizeof(*kvs->items));
			kvs->nr--;
			return 1;
		}
	return 0;
}

const char *mlw_asset_kvs_get(const struct mlw_asset_kvs *kvs,
			      const char *key)
{
	size_t i;

	for (i = 0; i < kvs->nr; i++)
		if (!strcmp(kvs->items[i].key, key))
			return kvs->items[i].value;
	return NULL;
}

void mlw_asset_kvs_release(struct mlw_asset_kvs *kvs)
{
	size_t i;

	for (i = 0; i < kvs->nr; i++) {
		free(kvs->items[i].key);
		free(kvs->items[i].value);
	}
	free(kvs->items);
	kvs->items = NULL;
	kvs->nr = kvs->alloc = 0;
}

static json_t *kvs_to_json(const struct mlw_asset_kvs *kvs)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < kvs->nr; i++)
		json_object_set_new(o, kvs->items[i].key,
				    json_string(kvs->items[i].value));
	return o;
}

char *mlw_asset_kvs_to_text(const struct mlw_asset_kvs *kvs)
{
	json_t *o = kvs_to_json(kvs);
	char *s = mlw_json_dumps(o, MLW_JSON_COMPACT | MLW_JSON_SORT_KEYS);

	json_decref(o);
	return s;
}

int mlw_asset_kvs_from_text(struct mlw_asset_kvs *out, const char *text,
			    const char *what)
{
	json_t *o, *v;
	const char *key;

	/* most assets have no tags: skip the parser */
	if (!text || !*text || !strcmp(text, "{}"))
		return 0;
	o = json_loads(text, 0, NULL);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return mlw_error_setc(MLW_ECORRUPT,
				      "catalog: %s of an asset is not a JSON object",
				      what);
	}
	json_object_foreach(o, key, v)
		mlw_asset_kvs_set(out, key, json_is_string(v) ?
				  json_string_value(v) : "");
	json_decref(o);
	return 0;
}

/* ---- specs ---- */

void mlw_asset_spec_init(struct mlw_asset_spec *spec, enum mlw_asset_kind kind)
{
	memset(spec, 0, sizeof(*spec));
	spec->kind = kind;
}

void mlw_asset_spec_release(struct mlw_asset_spec *spec)
{
	free(spec->name);
	free(spec->version);
	free(spec->path);
	free(spec->type);
	free(spec->description);
	mlw_asset_kvs_release(&spec->tags);
	mlw_asset_kvs_release(&spec->properties);
	free(spec->base_dir);
	free(spec->stage);
	free(spec->job_name);
	free(spec->flavors);
	free(spec->signature);
	free(spec->image);
	free(spec->conda_file);
	free(spec->conda_file_contents);
	free(spec->build_context);
	free(spec->dockerfile_path);
	mlw_asset_kvs_release(&spec->environment_variables);
	free(spec->inference_config);
	memset(spec, 0, sizeof(*spec));
}

int mlw_asset_name_ok(const char *name)
{
	return mlw_name_ok(MLW_NAME_ASSET, name);
}

int mlw_asset_version_ok(const char *version)
{
	return mlw_name_ok(MLW_NAME_VERSION, version);
}

void mlw_asset_content_release(struct mlw_asset_content *c)
{
	free(c->path);
	free(c->reference);
	free(c->flavors);
	free(c->signature);
	memset(c, 0, sizeof(*c));
}

/* ---- events ---- */

/* the payload Azure ML's model-registered event carries */

char *mlw_asset_event_payload(const struct mlw_asset *a)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "ModelName", json_string(a->name));
	json_object_set_new(o, "ModelVersion", json_string(a->version));
	json_object_set_new(o, "ModelTags", kvs_to_json(&a->tags));
	json_object_set_new(o, "ModelProperties", kvs_to_json(&a->properties));
	s = mlw_json_dumps(o, MLW_JSON_COMPACT);
	json_decref(o);
	return s;
}


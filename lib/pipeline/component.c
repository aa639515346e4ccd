/*
 * component.c - find the component a pipeline step names (component.h).
 */
#include "pipeline/component.h"
#include "asset/asset.h"
#include "pipeline/registry.h"
#include "store/repo.h"
#include "spec/ref.h"
#include "spec/spec.h"
#include "spec/yaml.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

void mlw_component_free(struct mlw_component *c)
{
	if (!c)
		return;
	mlw_spec_free(c->spec);
	free(c->dir);
	free(c->ref);
	free(c->name);
	free(c->version);
	free(c);
}

struct mlw_component *mlw_component_inline_step(
	const struct mlw_yaml_node *step, const char *base_dir)
{
	struct mlw_component *c = mlw_calloc(1, sizeof(*c));

	c->kind = MLW_SPEC_COMMAND_COMPONENT;
	c->root = step;
	c->inline_step = 1;
	c->dir = mlw_strdup(base_dir ? base_dir : ".");
	return c;
}

const struct mlw_yaml_node *mlw_component_inputs(const struct mlw_component *c)
{
	const struct mlw_yaml_node *n = mlw_yaml_map_get(c->root, "inputs");

	return n && n->kind == MLW_YAML_MAP ? n : NULL;
}

const struct mlw_yaml_node *mlw_component_outputs(
	const struct mlw_component *c)
{
	const struct mlw_yaml_node *n = mlw_yaml_map_get(c->root, "outputs");

	return n && n->kind == MLW_YAML_MAP ? n : NULL;
}

int mlw_component_deterministic(const struct mlw_component *c)
{
	int v = 1;

	if (mlw_yaml_to_bool(mlw_yaml_map_get(c->root, "is_deterministic"),
			     &v))
		return 1;
	return v;
}

char *mlw_component_builtin_path(const char *dir, const char *name)
{
	struct stat st;
	char *path;

	if (!dir || !mlw_name_ok(MLW_NAME_COMPONENT, name))
		return NULL;
	path = mlw_xstrfmt("%s/%s.yml", dir, name);
	if (!stat(path, &st) && S_ISREG(st.st_mode))
		return path;
	free(path);
	return NULL;
}

static const char *kind_what(enum mlw_spec_kind k)
{
	return k == MLW_SPEC_PIPELINE_COMPONENT ? "a pipeline component" :
	       "a command component";
}

/*
 * Load a component spec file; its own problems go to d.  The kind it
 * declares must be want (a command step runs a command component).
 */
static int load_file(struct mlw_component *c, struct mlw_diags *d,
		     const struct mlw_yaml_node *node, const char *path,
		     enum mlw_spec_kind want, int check_only)
{
	struct mlw_spec_options so;
	size_t i;
	int ret, errors;

	memset(&so, 0, sizeof(so));
	so.group = "component";
	ret = mlw_spec_load(&c->spec, path, &so);
	if (ret == MLW_ENOTFOUND || ret == MLW_EINVALID) {
		mlw_diags_add(d, check_only && ret == MLW_ENOTFOUND, node,
			      "component '%s': %s", node->text,
			      mlw_error_last());
		mlw_error_clear();
		return MLW_EINVALID;
	}
	if (ret)
		return ret;
	errors = (int)c->spec->diags.errors;
	for (i = 0; i < c->spec->diags.nr; i++) {
		const struct mlw_diag *x = &c->spec->diags.items[i];

		if (!x->warning)
			mlw_diags_add_at(d, 0, x->source ? x->source :
					 c->spec->path, x->line, x->col, "%s",
					 x->msg);
	}
	if (errors)
		return MLW_EINVALID;
	if (c->spec->kind != want) {
		const char *k = mlw_spec_kind_name(c->spec->kind);

		mlw_diags_add(d, 0, node, "component '%s' is %s %s, not %s",
			      node->text, strchr("aeiou", k[0]) ? "an" : "a", k,
			      kind_what(want));
		return MLW_EINVALID;
	}
	c->kind = want;
	c->root = c->spec->doc->root;
	c->dir = mlw_strdup(c->spec->dir);
	return 0;
}

/* the registered component ref names: 0 and *out, or MLW_ENOTFOUND */
static int registered(struct mlw_asset **out, struct mlw_repo *repo,
		      const struct mlw_ref *ref)
{
	struct mlw_catalog *cat;
	int ret;

	*out = NULL;
	if (!repo)
		return MLW_ENOTFOUND;
	ret = mlw_repo_catalog(&cat, repo);
	if (!ret)
		ret = mlw_asset_lookup(out, cat, MLW_ASSET_COMPONENT, ref);
	return ret;
}

/*
 * azureml:NAME[:VERSION|@latest]: a registered component, else a built-in
 * one of that name (whose version is the one its file says).
 */
static int load_asset(struct mlw_component *c, struct mlw_diags *d,
		      const struct mlw_yaml_node *node,
		      const struct mlw_ref *ref, enum mlw_spec_kind want,
		      const struct mlw_component_options *opts)
{
	struct mlw_asset *a;
	char *path;
	int ret;

	ret = registered(&a, opts ? opts->repo : NULL, ref);
	if (!ret) {
		c->kind = want;
		ret = mlw_component_from_asset(c, d, node, opts->repo, a);
		mlw_asset_free(a);
		return ret ? ret : c->broken ? MLW_EINVALID : 0;
	}
	if (ret != MLW_ENOTFOUND)
		return ret;
	mlw_error_clear();
	if (ref->label && strcmp(ref->label, "latest")) {
		mlw_diags_add(d, 0, node, "component '%s': labels other than "
			      "'latest' are not kept locally", node->text);
		return MLW_EINVALID;
	}
	path = mlw_component_builtin_path(opts ? opts->builtin_dir : NULL,
					  ref->name);
	if (!path) {
		mlw_diags_add(d, opts && opts->check_only, node, "component "
			      "'%s' is not registered (see 'mlw component "
			      "list')", node->text);
		return MLW_EINVALID;
	}
	ret = load_file(c, d, node, path, want, 0);
	free(path);
	if (ret)
		return ret;
	c->builtin = 1;
	c->name = mlw_strdup(ref->name);
	c->version = mlw_spec_get_version(c->spec, "version");
	if (ref->version && (!c->version || strcmp(ref->version, c->version))) {
		mlw_diags_add(d, 0, node, "component '%s': the built-in "
			      "component '%s' is version %s", node->text,
			      ref->name, c->version ? c->version : "(none)");
		return MLW_EINVALID;
	}
	return 0;
}

int mlw_component_resolve(struct mlw_component **out, struct mlw_diags *d,
			  const struct mlw_yaml_node *node,
			  const char *base_dir, enum mlw_spec_kind want,
			  const struct mlw_component_options *opts)
{
	struct mlw_component *c = mlw_calloc(1, sizeof(*c));
	struct mlw_ref ref = MLW_REF_INIT;
	int ret = 0;

	*out = NULL;
	if (node->kind == MLW_YAML_MAP) {
		c->kind = want;
		c->root = node;
		c->dir = mlw_strdup(base_dir ? base_dir : ".");
		*out = c;
		return 0;
	}
	if (node->kind != MLW_YAML_SCALAR || mlw_yaml_is_null(node)) {
		mlw_diags_add(d, 0, node, "a step's component must be a "
			      "reference or a mapping");
		c->broken = 1;
		c->dir = mlw_strdup(base_dir ? base_dir : ".");
		*out = c;
		return 0;
	}
	c->ref = mlw_strdup(node->text);
	if (mlw_ref_parse(&ref, node->text, base_dir)) {
		mlw_diags_add(d, 0, node, "component '%s': %s", node->text,
			      mlw_error_last());
		mlw_error_clear();
		ret = MLW_EINVALID;
		goto out;
	}
	switch (ref.kind) {
	case MLW_REF_LOCAL:
		ret = load_file(c, d, node, ref.path, want,
				opts && opts->check_only);
		break;
	case MLW_REF_ASSET:
		ret = load_asset(c, d, node, &ref, want, opts);
		break;
	case MLW_REF_REGISTRY:
	case MLW_REF_REMOTE:
		mlw_diags_add(d, opts && opts->check_only, node, "component "
			      "'%s' is in an Azure registry, which mlw cannot "
			      "reach offline; register a copy with 'mlw "
			      "component create'", node->text);
		ret = MLW_EINVALID;
		break;
	default:
		mlw_diags_add(d, 0, node, "'%s' does not name a component",
			      node->text);
		ret = MLW_EINVALID;
	}
out:
	mlw_ref_release(&ref);
	if (ret && ret != MLW_EINVALID) {
		mlw_component_free(c);
		return ret;
	}
	/* kept when broken: d may point into its file */
	c->broken = ret != 0;
	if (!c->dir)
		c->dir = mlw_strdup(base_dir ? base_dir : ".");
	*out = c;
	return 0;
}

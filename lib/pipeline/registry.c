/*
 * registry.c - components as versioned assets (registry.h).
 */
#include "pipeline/registry.h"
#include "pipeline/component.h"
#include "run/git.h"
#include "spec/ref.h"
#include "spec/spec.h"
#include "spec/yaml.h"
#include "store/repo.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ignore {
	struct mlw_ignore *ig;
	int skip_mlw;		/* leave the workspace's .mlw out too */
};

static int ignore_cb(const char *relpath, int is_dir, void *data)
{
	struct ignore *i = data;

	if (i->skip_mlw && !strcmp(relpath, ".mlw"))
		return 1;
	return i->ig && mlw_ignore_match(i->ig, relpath, is_dir);
}

/* a folder as a job's code is snapshotted: ignore rules honoured */
static int snapshot_dir(struct mlw_oid *out, uint64_t *size,
			struct mlw_odb *odb, const char *dir, int skip_mlw)
{
	struct mlw_snapshot_opts so;
	struct ignore i;
	int ret;

	memset(&so, 0, sizeof(so));
	i.ig = NULL;
	i.skip_mlw = skip_mlw;
	if (mlw_ignore_new(&i.ig, dir))
		mlw_error_clear();	/* no libgit2: nothing ignored */
	so.ignore = ignore_cb;
	so.data = &i;
	ret = mlw_tree_write_dir(out, size, odb, dir, &so);
	mlw_ignore_free(i.ig);
	return ret;
}

/* the local folder spec's code: names, or NULL */
static int code_dir(char **out, const struct mlw_spec *spec)
{
	const struct mlw_yaml_node *n = mlw_spec_get(spec, "code");
	struct mlw_ref ref = MLW_REF_INIT;
	struct stat st;
	int ret = 0;

	*out = NULL;
	if (!n || mlw_yaml_is_null(n))
		return 0;
	if (mlw_spec_get_ref(spec, "code", &ref) || ref.kind != MLW_REF_LOCAL)
		ret = mlw_error_setc(MLW_EINVALID, "%s:%d:%d: code '%s' is "
				     "not a local folder", n->source, n->line,
				     n->col, n->text);
	else if (stat(ref.path, &st) || !S_ISDIR(st.st_mode))
		ret = mlw_error_setc(MLW_EINVALID, "%s:%d:%d: code folder "
				     "'%s' does not exist", n->source, n->line,
				     n->col, n->text);
	else
		*out = mlw_path_absolute(ref.path);
	mlw_ref_release(&ref);
	return ret;
}

/* the content tree of spec (registry.h) */
static int content_tree(struct mlw_oid *out, struct mlw_odb *odb,
			const struct mlw_spec *spec)
{
	struct mlw_tree t = MLW_TREE_INIT;
	struct mlw_oid oid;
	char *dir = NULL;
	uint64_t size;
	int ret;

	ret = mlw_odb_write_path(&oid, &size, odb, spec->path, MLW_OBJ_BLOB,
				 MLW_ODB_WRITE);
	if (ret)
		return ret;
	mlw_tree_add(&t, MLW_MODE_FILE, "component.yml", &oid, size);
	if (spec->kind == MLW_SPEC_COMMAND_COMPONENT) {
		ret = code_dir(&dir, spec);
		if (!ret && dir) {
			ret = snapshot_dir(&oid, &size, odb, dir, 0);
			if (!ret)
				mlw_tree_add(&t, MLW_MODE_DIR, "code", &oid,
					     size);
		}
	} else {
		ret = snapshot_dir(&oid, &size, odb, spec->dir, 1);
		if (!ret)
			mlw_tree_add(&t, MLW_MODE_DIR, "files", &oid, size);
	}
	if (!ret)
		ret = mlw_tree_write(out, NULL, odb, &t);
	mlw_tree_release(&t);
	free(dir);
	return ret;
}

int mlw_component_create(struct mlw_asset_result *out,
			 struct mlw_asset_ctx *ctx, const struct mlw_spec *spec,
			 const char *name, const char *version)
{
	struct mlw_asset_request req;
	struct mlw_asset_spec as;
	const struct mlw_yaml_node *tags;
	struct mlw_oid tree;
	const char *s;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = content_tree(&tree, ctx->odb, spec);
	if (ret)
		return ret;
	mlw_asset_spec_init(&as, MLW_ASSET_COMPONENT);
	s = name ? name : mlw_spec_get_str(spec, "name");
	as.name = mlw_strdup(s ? s : "");
	as.version = version ? mlw_strdup(version) :
		     mlw_spec_get_version(spec, "version");
	as.type = mlw_strdup(spec->kind == MLW_SPEC_PIPELINE_COMPONENT ?
			     "pipeline" : "command");
	as.path = mlw_path_absolute(spec->path);
	s = mlw_spec_get_str(spec, "description");
	as.description = s ? mlw_strdup(s) : NULL;
	tags = mlw_spec_get(spec, "tags");
	for (i = 0; tags && tags->kind == MLW_YAML_MAP && i < tags->nr / 2; i++)
		mlw_asset_kvs_set(&as.tags, mlw_yaml_key(tags, i)->text,
				  mlw_yaml_value(tags, i)->text ?
				  mlw_yaml_value(tags, i)->text : "");
	memset(&req, 0, sizeof(req));
	req.spec = &as;
	req.content_object = &tree;
	ret = mlw_asset_create(out, ctx, &req);
	mlw_asset_spec_release(&as);
	return ret;
}

/* entry name of tree t, or NULL */
static const struct mlw_tree_entry *entry(const struct mlw_tree *t,
					  const char *name)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (!strcmp(t->entries[i].name, name))
			return &t->entries[i];
	return NULL;
}

/*
 * A pipeline component's folder restored once (content-addressed:
 * never changed once there) under .mlw/cache/components/ID; the
 * folder's path, the caller's.
 */
static int restore_files(char **out, struct mlw_repo *repo,
			 struct mlw_odb *odb, const struct mlw_oid *oid)
{
	char hex[MLW_OID_HEXSZ + 1], *rel, *dir, *tmp;
	struct stat st;
	int ret;

	mlw_oid_to_hex(hex, oid);
	rel = mlw_xstrfmt("cache/components/%s", hex);
	dir = mlw_repo_path(repo, rel);
	free(rel);
	if (!stat(dir, &st)) {
		*out = dir;
		return 0;
	}
	tmp = mlw_xstrfmt("%s.tmp%ld", dir, (long)getpid());
	ret = mlw_mkdir_p(tmp, 0777);
	if (!ret) {
		rmdir(tmp);
		ret = mlw_tree_checkout(odb, oid, tmp, 0);
	}
	/* another process may have restored it first: theirs is the same */
	if (!ret && rename(tmp, dir) && errno != ENOTEMPTY && errno != EEXIST)
		ret = mlw_error_errno("cannot restore component files into "
				      "'%s'", dir);
	if (ret) {
		free(dir);
		dir = NULL;
	}
	if (!access(tmp, F_OK) && mlw_remove_tree(tmp))
		mlw_error_clear();
	free(tmp);
	*out = dir;
	return ret;
}

int mlw_component_from_asset(struct mlw_component *c, struct mlw_diags *d,
			     const struct mlw_yaml_node *node,
			     struct mlw_repo *repo, const struct mlw_asset *a)
{
	struct mlw_tree t = MLW_TREE_INIT;
	struct mlw_buf text = MLW_BUF_INIT;
	const struct mlw_tree_entry *e;
	struct mlw_spec_options so;
	enum mlw_object_type type;
	struct mlw_odb *odb;
	struct mlw_oid oid;
	char *name = NULL, *files = NULL;
	int ret;

	ret = mlw_repo_odb(&odb, repo);
	if (!ret && !a->object)
		ret = mlw_error_setc(MLW_ECORRUPT, "component '%s' version "
				     "'%s' has no content", a->name,
				     a->version);
	if (!ret)
		ret = mlw_oid_from_hex(&oid, a->object);
	if (!ret)
		ret = mlw_tree_read(&t, odb, &oid);
	e = ret ? NULL : entry(&t, "component.yml");
	if (!ret && !e)
		ret = mlw_error_setc(MLW_ECORRUPT, "component '%s' version "
				     "'%s' has no component.yml", a->name,
				     a->version);
	if (!ret)
		ret = mlw_odb_read_buf(&text, &type, odb, &e->oid,
				       MLW_YAML_MAX_SIZE);
	if (!ret && (e = entry(&t, "files")))
		ret = restore_files(&files, repo, odb, &e->oid);
	if (ret)
		goto out;
	if ((e = entry(&t, "code")) && e->mode == MLW_MODE_DIR) {
		c->has_code_tree = 1;
		c->code_tree = e->oid;
	}
	/* a pipeline's relative references resolve in its restored folder */
	if (files) {
		const char *base = a->path ? strrchr(a->path, '/') : NULL;

		name = mlw_xstrfmt("%s/%s", files, base ? base + 1 :
				   "component.yml");
	} else {
		name = mlw_xstrfmt("azureml:%s:%s", a->name, a->version);
	}
	memset(&so, 0, sizeof(so));
	so.group = "component";
	ret = mlw_spec_load_mem(&c->spec, name, text.buf ? text.buf : "",
				&so);
	if (ret)
		goto out;
	if (c->spec->diags.errors || c->spec->kind != c->kind) {
		mlw_diags_add(d, 0, node, "component '%s' version '%s' is "
			      "not a %s component that loads",
			      a->name, a->version,
			      c->kind == MLW_SPEC_PIPELINE_COMPONENT ?
			      "pipeline" : "command");
		c->broken = 1;
		goto out;
	}
	c->root = c->spec->doc->root;
	c->dir = mlw_strdup(c->spec->dir);
	c->name = mlw_strdup(a->name);
	c->version = mlw_strdup(a->version);
out:
	free(name);
	free(files);
	mlw_buf_release(&text);
	mlw_tree_release(&t);
	return ret;
}

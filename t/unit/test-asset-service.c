/*
 * test-asset-service.c - the asset verbs of lib/asset/service.h called as
 * a library, in a scratch workspace: versions given and not, the
 * immutability of a (name, version), archive and restore, labels and the
 * other forms of reference, update, the registered hook, content read
 * from elsewhere than the recorded path (a job's output), the operation
 * log, and two threads registering the same name at once, each with its
 * own catalog connection and object store.
 */
#include "tap.h"
#include "asset/asset.h"
#include "asset/service.h"
#include "spec/ref.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *top;		/* the scratch workspace */

static char *path_of(const char *rel)
{
	return mlw_path_join(top, rel);
}

static void write_text(const char *rel, const char *text)
{
	char *p = path_of(rel);

	if (mlw_write_file_atomic(p, text, strlen(text)))
		printf("# cannot write %s: %s\n", p, mlw_error_last());
	free(p);
}

/* a workspace's catalog and objects, opened anew (one set a thread) */
static struct mlw_repo *open_repo(void)
{
	struct mlw_repo *repo = NULL;
	struct mlw_catalog *cat;
	struct mlw_odb *odb;

	if (mlw_repo_discover(&repo, top, NULL) ||
	    mlw_repo_catalog(&cat, repo) || mlw_repo_odb(&odb, repo)) {
		printf("# cannot open the workspace: %s\n", mlw_error_last());
		mlw_repo_free(repo);
		return NULL;
	}
	return repo;
}

static void ctx_for(struct mlw_asset_ctx *ctx, struct mlw_repo *repo)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cat = repo->catalog;
	ctx->odb = repo->odb;
	ctx->mlw_dir = repo->dir;
	ctx->worktree = repo->worktree;
	ctx->flags = MLW_ASSET_HOOKS | MLW_ASSET_STATCACHE;
	ctx->log_command = "test";
	ctx->log_args = "test-asset-service";
}

/*
 * Register rel (a file for data, a folder for a model) as kind's name,
 * version NULL for the next; models get a tag, for the hook's payload.
 */
static int create(struct mlw_asset_result *res, struct mlw_asset_ctx *ctx,
		  enum mlw_asset_kind kind, const char *name,
		  const char *version, const char *rel)
{
	struct mlw_asset_request req = { NULL, NULL, NULL, NULL };
	struct mlw_asset_spec spec;
	int ret;

	mlw_asset_spec_init(&spec, kind);
	spec.name = mlw_strdup(name);
	spec.version = version ? mlw_strdup(version) : NULL;
	spec.path = path_of(rel);
	if (kind == MLW_ASSET_DATA)
		spec.type = mlw_strdup("uri_file");
	else
		mlw_asset_kvs_set(&spec.tags, "by", "unit");
	req.spec = &spec;
	ret = mlw_asset_create(res, ctx, &req);
	mlw_asset_spec_release(&spec);
	return ret;
}

static int create_data(struct mlw_asset_result *res, struct mlw_asset_ctx *ctx,
		       const char *name, const char *version, const char *rel)
{
	return create(res, ctx, MLW_ASSET_DATA, name, version, rel);
}

/* the version ref names, or "not found", "invalid" or "error N" */
static char *version_of(struct mlw_asset_ctx *ctx, enum mlw_asset_kind kind,
			const char *text)
{
	struct mlw_asset *a = NULL;
	struct mlw_ref ref;
	char *out;
	int ret = mlw_ref_parse_operand(&ref, text);

	if (!ret)
		ret = mlw_asset_show(&a, ctx, kind, &ref);
	if (!ret)
		out = mlw_strdup(a->version);
	else if (ret == MLW_ENOTFOUND)
		out = mlw_strdup("not found");
	else if (ret == MLW_EINVALID)
		out = mlw_strdup("invalid");
	else
		out = mlw_xstrfmt("error %d", ret);
	mlw_asset_free(a);
	mlw_ref_release(&ref);
	return out;
}

static int count_cb(const struct mlw_asset *a, void *data)
{
	(*(int *)data)++;
	return 0;
}

static int count_versions(struct mlw_asset_ctx *ctx, const char *name,
			  int flags)
{
	struct mlw_asset_query q = { MLW_ASSET_DATA, name, flags, 0 };
	int n = 0;

	if (mlw_asset_list(ctx, &q, count_cb, &n))
		return -1;
	return n;
}

static void test_versions(struct mlw_asset_ctx *ctx)
{
	struct mlw_asset_result res;
	char *first_object;

	write_text("a.csv", "x,y\n1,2\n");
	write_text("b.csv", "x,y\n3,4\n");
	ok(!create_data(&res, ctx, "d", NULL, "a.csv") &&
	   !strcmp(res.asset->version, "1") && !res.existed,
	   "no version given: 1");
	first_object = mlw_strdup(res.asset ? res.asset->object : "");
	is_int(res.nr_files, 1, "  one file stored");
	mlw_asset_result_release(&res);
	ok(!create_data(&res, ctx, "d", NULL, "b.csv") &&
	   !strcmp(res.asset->version, "2"), "then 2");
	mlw_asset_result_release(&res);

	/* the same version with the same content: the one that is there */
	ok(!create_data(&res, ctx, "d", "1", "a.csv") && res.existed &&
	   !strcmp(res.asset->object, first_object),
	   "same (name, version, content) again: existed, unchanged");
	mlw_asset_result_release(&res);
	ok(create_data(&res, ctx, "d", "1", "b.csv") == MLW_EEXISTS &&
	   strstr(mlw_error_last(), first_object) && !res.asset,
	   "same (name, version), other content: MLW_EEXISTS naming it");
	is_int(count_versions(ctx, "d", 0), 2, "  and nothing recorded");

	ok(!create_data(&res, ctx, "d", "10", "a.csv"), "version 10");
	mlw_asset_result_release(&res);
	ok(!create_data(&res, ctx, "d", "beta", "a.csv"), "version beta");
	mlw_asset_result_release(&res);
	ok(!create_data(&res, ctx, "d", NULL, "b.csv") &&
	   !strcmp(res.asset->version, "11"),
	   "next after 10 and beta: 11 (integers only)");
	mlw_asset_result_release(&res);
	ok(create_data(&res, ctx, "bad name", NULL, "a.csv") == MLW_EINVALID,
	   "a name the store refuses: MLW_EINVALID");
	ok(create_data(&res, ctx, "d", NULL, "absent.csv") == MLW_ENOTFOUND,
	   "a path that does not exist: MLW_ENOTFOUND");
	free(first_object);
}

static void test_references(struct mlw_asset_ctx *ctx)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "d", "11" },
		{ "d@latest", "11" },
		{ "d:2", "2" },
		{ "azureml:d:beta", "beta" },
		{ "/subscriptions/s/resourceGroups/g/providers/"
		  "Microsoft.MachineLearningServices/workspaces/w/data/d/"
		  "versions/10", "10" },
		{ "d:99", "not found" },
		{ "d@prod", "not found" },	/* only "latest" is kept */
		{ "azureml://registries/r/data/d/versions/1", "not found" },
		{ "azureml://datastores/s/paths/d.csv", "not found" },
		{ "azureml:jobs/j/outputs/d", "invalid" },
		{ "/subscriptions/s/resourceGroups/g/providers/"
		  "Microsoft.MachineLearningServices/workspaces/w/models/d/"
		  "versions/10", "invalid" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = version_of(ctx, MLW_ASSET_DATA, cases[i].text);

		is_str(got, cases[i].want, "show '%s'", cases[i].text);
		free(got);
	}
}

static void test_archive(struct mlw_asset_ctx *ctx)
{
	struct mlw_ref ref;
	char *v;

	mlw_ref_parse_operand(&ref, "d:11");
	ok(!mlw_asset_archive(ctx, MLW_ASSET_DATA, &ref, 1),
	   "archive one version");
	mlw_ref_release(&ref);
	v = version_of(ctx, MLW_ASSET_DATA, "d@latest");
	is_str(v, "beta", "  @latest skips it (the newest left)");
	free(v);
	is_int(count_versions(ctx, "d", 0), 4, "  listed without it");
	is_int(count_versions(ctx, "d", MLW_ASSET_LIST_ARCHIVED_ONLY), 1,
	       "  and alone with --archived-only");
	v = version_of(ctx, MLW_ASSET_DATA, "d:11");
	is_str(v, "11", "  still there by its version");
	free(v);

	mlw_ref_parse_operand(&ref, "d");
	ok(!mlw_asset_archive(ctx, MLW_ASSET_DATA, &ref, 1),
	   "archive the whole asset");
	v = version_of(ctx, MLW_ASSET_DATA, "d");
	ok(!strcmp(v, "not found") && strstr(mlw_error_last(), "archived"),
	   "  no latest: every version is archived");
	free(v);
	ok(!mlw_asset_archive(ctx, MLW_ASSET_DATA, &ref, 0),
	   "restore the whole asset");
	mlw_ref_release(&ref);
	v = version_of(ctx, MLW_ASSET_DATA, "d");
	is_str(v, "11", "  the newest is back");
	free(v);
	is_int(count_versions(ctx, "d", 0), 5, "  with every version");

	mlw_ref_parse_operand(&ref, "nope");
	ok(mlw_asset_archive(ctx, MLW_ASSET_DATA, &ref, 1) == MLW_ENOTFOUND,
	   "archiving what is not there: MLW_ENOTFOUND");
	mlw_ref_release(&ref);
}

static void test_update(struct mlw_asset_ctx *ctx)
{
	struct mlw_asset_changes ch = MLW_ASSET_CHANGES_INIT;
	struct mlw_asset *a = NULL;
	struct mlw_ref ref;

	mlw_ref_parse_operand(&ref, "d:2");
	ok(mlw_asset_update(&a, ctx, MLW_ASSET_DATA, &ref, &ch) ==
	   MLW_EINVALID, "an update that changes nothing: MLW_EINVALID");
	ok(!mlw_asset_changes_set(&ch, MLW_ASSET_DATA, "description=two") &&
	   !mlw_asset_changes_set(&ch, MLW_ASSET_DATA, "tags.team=ml"),
	   "--set description and a tag");
	ok(mlw_asset_changes_set(&ch, MLW_ASSET_DATA, "stage=Prod") ==
	   MLW_EINVALID, "--set stage: data has no stage");
	ok(mlw_asset_changes_set(&ch, MLW_ASSET_DATA, "path=x") ==
	   MLW_EINVALID && strstr(mlw_error_last(), "immutable"),
	   "--set path: content is immutable");
	ok(!mlw_asset_update(&a, ctx, MLW_ASSET_DATA, &ref, &ch) &&
	   !strcmp(a->description, "two") &&
	   !strcmp(mlw_asset_kvs_get(&a->tags, "team"), "ml") &&
	   !strcmp(a->version, "2"), "updated: description and tag");
	mlw_asset_free(a);
	mlw_asset_changes_release(&ch);

	mlw_asset_changes_remove(&ch, "tags.nope");
	ok(mlw_asset_update(&a, ctx, MLW_ASSET_DATA, &ref, &ch) ==
	   MLW_EINVALID && !a, "removing a tag that is not there fails");
	mlw_asset_changes_release(&ch);
	ok(mlw_asset_changes_remove(&ch, "description") == MLW_EINVALID,
	   "--remove takes tags only");
	mlw_asset_changes_remove(&ch, "tags.team");
	ok(!mlw_asset_update(&a, ctx, MLW_ASSET_DATA, &ref, &ch) &&
	   !a->tags.nr && !strcmp(a->description, "two"),
	   "removing the tag keeps the rest");
	mlw_asset_free(a);
	mlw_asset_changes_release(&ch);
	mlw_ref_release(&ref);
}

static int create_model(struct mlw_asset_result *res,
			struct mlw_asset_ctx *ctx, const char *name,
			const char *version, const char *rel)
{
	return create(res, ctx, MLW_ASSET_MODEL, name, version, rel);
}

static char *read_text(const char *rel)
{
	char *p = path_of(rel), buf[4096];
	FILE *f = fopen(p, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	free(p);
	buf[n] = '\0';
	return f ? mlw_strdup(buf) : NULL;
}

static void test_hooks(struct mlw_asset_ctx *ctx)
{
	struct mlw_asset_result res;
	char *hook = path_of(".mlw/hooks/model-registered"), *text;
	char *m = path_of("m");
	int ret;

	mlw_mkdir_p(m, 0777);
	write_text("m/weights.txt", "0.5\n");
	write_text(".mlw/hooks/model-registered",
		   "#!/bin/sh\ncat >>\"$MLW_DIR/../payloads\"; echo >>\"$MLW_DIR/../payloads\"\n"
		   "test \"$MLW_EVENT\" = model-registered\n");
	chmod(hook, 0755);
	ok(!create_model(&res, ctx, "clf", NULL, "m") && res.hook_ran &&
	   !res.hook_error, "a new model runs model-registered");
	mlw_asset_result_release(&res);
	text = read_text("payloads");
	ok(text && strstr(text, "\"ModelName\":\"clf\"") &&
	   strstr(text, "\"ModelVersion\":\"1\"") &&
	   strstr(text, "\"by\":\"unit\""), "  with the payload on stdin: %s",
	   text ? text : "(none)");
	free(text);
	ok(!create_model(&res, ctx, "clf", "1", "m") && res.existed &&
	   !res.hook_ran, "an existing version runs no hook");
	mlw_asset_result_release(&res);

	write_text(".mlw/hooks/model-registered", "#!/bin/sh\nexit 3\n");
	chmod(hook, 0755);
	ret = create_model(&res, ctx, "clf", NULL, "m");
	ok(!ret && res.hook_ran && res.hook_error &&
	   strstr(res.hook_error, "status 3") &&
	   !strcmp(res.asset->version, "2"),
	   "a failing hook is reported; the version stands: %s",
	   res.hook_error ? res.hook_error : "(no error)");
	mlw_asset_result_release(&res);

	ctx->flags &= ~MLW_ASSET_HOOKS;
	ok(!create_model(&res, ctx, "clf", NULL, "m") && !res.hook_ran,
	   "without MLW_ASSET_HOOKS no hook runs");
	mlw_asset_result_release(&res);
	ctx->flags |= MLW_ASSET_HOOKS;
	unlink(hook);
	free(hook);
	free(m);
}

/* a job's output: read from its folder or its object, recorded as such */
static void test_job_output(struct mlw_asset_ctx *ctx)
{
	struct mlw_asset_request req = { NULL, NULL, NULL, NULL };
	struct mlw_asset_result res;
	struct mlw_asset_spec spec;
	struct mlw_oid oid;
	char *area = path_of("runs-area/out");

	mlw_mkdir_p(area, 0777);
	write_text("runs-area/out/model.txt", "42\n");
	mlw_asset_spec_init(&spec, MLW_ASSET_MODEL);
	spec.name = mlw_strdup("from-job");
	spec.path = mlw_strdup("azureml:jobs/j1/outputs/out");
	spec.job_name = mlw_strdup("j1");
	req.spec = &spec;
	ok(mlw_asset_create(&res, ctx, &req) == MLW_ENOTFOUND,
	   "a job output's path alone is not found here (lib/run's)");
	req.content_path = area;
	ok(!mlw_asset_create(&res, ctx, &req) &&
	   !strcmp(res.asset->path, "azureml:jobs/j1/outputs/out") &&
	   !strcmp(res.asset->job_name, "j1"),
	   "read from the output's folder, recorded as the job's output");
	if (res.asset)
		mlw_oid_from_hex(&oid, res.asset->object);
	mlw_asset_result_release(&res);

	req.content_path = NULL;
	req.content_object = &oid;
	ok(!mlw_asset_create(&res, ctx, &req) &&
	   !strcmp(res.asset->version, "2") &&
	   !strcmp(res.asset->path, "azureml:jobs/j1/outputs/out"),
	   "read from the output's stored object: the same tree");
	mlw_asset_result_release(&res);
	mlw_asset_spec_release(&spec);
	free(area);
}

static int oplog_count(struct mlw_catalog *cat)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(mlw_catalog_db(cat), "SELECT COUNT(*) FROM"
			       " oplog WHERE command = 'test'", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* ---- two threads ---- */

#define PER_THREAD 12

struct worker {
	int id;
	int failures;
	char versions[PER_THREAD][16];
	char objects[PER_THREAD][MLW_OID_HEXSZ + 1];
	char error[256];
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct mlw_repo *repo = open_repo();
	struct mlw_asset_ctx ctx;
	int i;

	if (!repo) {
		w->failures = PER_THREAD;
		return NULL;
	}
	ctx_for(&ctx, repo);
	for (i = 0; i < PER_THREAD; i++) {
		struct mlw_asset_result res;
		char rel[64], text[64];

		snprintf(rel, sizeof(rel), "t%d-%d.csv", w->id, i);
		snprintf(text, sizeof(text), "thread,row\n%d,%d\n", w->id, i);
		write_text(rel, text);
		if (create_data(&res, &ctx, "shared", NULL, rel)) {
			w->failures++;
			snprintf(w->error, sizeof(w->error), "%s",
				 mlw_error_last());
			continue;
		}
		snprintf(w->versions[i], sizeof(w->versions[i]), "%s",
			 res.asset->version);
		snprintf(w->objects[i], sizeof(w->objects[i]), "%s",
			 res.asset->object);
		mlw_asset_result_release(&res);
	}
	mlw_repo_free(repo);
	return NULL;
}

static void test_threads(struct mlw_asset_ctx *ctx)
{
	struct worker w[2];
	pthread_t t[2];
	int seen[2 * PER_THREAD + 1], i, k, all = 1;

	memset(w, 0, sizeof(w));
	memset(seen, 0, sizeof(seen));
	for (k = 0; k < 2; k++) {
		w[k].id = k;
		pthread_create(&t[k], NULL, work, &w[k]);
	}
	for (k = 0; k < 2; k++)
		pthread_join(t[k], NULL);
	ok(!w[0].failures && !w[1].failures,
	   "two threads register %d versions each%s%s", PER_THREAD,
	   w[0].error[0] || w[1].error[0] ? ": " : "",
	   w[0].error[0] ? w[0].error : w[1].error);
	for (k = 0; k < 2; k++)
		for (i = 0; i < PER_THREAD; i++) {
			long v = strtol(w[k].versions[i], NULL, 10);

			if (v < 1 || v > 2 * PER_THREAD || seen[v]++)
				all = 0;
		}
	ok(all, "  versions 1..%d, each given once", 2 * PER_THREAD);
	is_int(count_versions(ctx, "shared", 0), 2 * PER_THREAD,
	       "  all listed");
	/* each version holds what its thread wrote */
	for (k = 0; k < 2 && all; k++)
		for (i = 0; i < PER_THREAD; i++) {
			struct mlw_asset *a = NULL;

			if (mlw_asset_get(&a, ctx->cat, MLW_ASSET_DATA,
					  "shared", w[k].versions[i]) ||
			    strcmp(a->object, w[k].objects[i]))
				all = 0;
			mlw_asset_free(a);
		}
	ok(all, "  each version names its own content");
}

int main(void)
{
	char tmpl[] = "/tmp/mlw-test-asset-XXXXXX";
	struct mlw_repo *repo;
	struct mlw_asset_ctx ctx;
	int before;

	top = mkdtemp(tmpl);
	if (!top || mlw_repo_init(top)) {
		printf("Bail out! cannot make a workspace: %s\n",
		       mlw_error_last());
		return 1;
	}
	repo = open_repo();
	if (!repo) {
		printf("Bail out! cannot open the workspace\n");
		return 1;
	}
	ctx_for(&ctx, repo);
	test_versions(&ctx);
	test_references(&ctx);
	test_archive(&ctx);
	test_update(&ctx);
	test_hooks(&ctx);
	test_job_output(&ctx);
	before = oplog_count(ctx.cat);
	ok(before > 10, "every change is in the operation log (%d)", before);
	test_threads(&ctx);
	is_int(oplog_count(ctx.cat), before + 2 * PER_THREAD,
	       "  and so is each thread's");
	mlw_repo_free(repo);
	mlw_remove_tree(top);
	return done_testing();
}

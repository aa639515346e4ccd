/*
 * test-tracking-run.c - the run verbs of the MLflow API (run/tracking.h)
 * and runs/search's filter grammar (run/search.h): key rules, batch
 * limits, all-or-nothing batches, tracking runs and their status, tag
 * deletion, datasets, history pages, and searches table-driven
 * (filter, order, the runs expected in order).
 */
#include "tap.h"
#include "run/experiment.h"
#include "run/run.h"
#include "run/search.h"
#include "run/tracking.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[] = "/tmp/mlw-test-tracking-run-XXXXXX";

#define diag(...) do { \
	fputs("# ", stdout); \
	printf(__VA_ARGS__); \
	fputc('\n', stdout); \
} while (0)

static void test_keys(void)
{
	static const struct {
		const char *key;
		int good;
	} keys[] = {
		{ "loss", 1 }, { "val/loss", 1 }, { "a b:c-d.e_f", 1 },
		{ "éta", 1 }, { "", 0 }, { "/loss", 0 }, { "loss/", 0 },
		{ "a//b", 0 }, { "a/./b", 0 }, { "../a", 0 }, { "a/..", 0 },
		{ ".", 0 }, { "a$b", 0 }, { "a\nb", 0 }, { "a\\b", 0 },
	};
	char big[300];
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		ok((!mlw_run_check_key("metric", keys[i].key)) == keys[i].good,
		   "key '%s' is %s", keys[i].key,
		   keys[i].good ? "valid" : "refused");
	memset(big, 'k', sizeof(big) - 1);
	big[250] = '\0';
	ok(!mlw_run_check_key("param", big), "250 bytes is the limit");
	big[250] = 'k';
	big[251] = '\0';
	ok(mlw_run_check_key("param", big) == MLW_EINVALID,
	   "251 bytes is refused");
}

static void test_batch_limits(void)
{
	struct mlw_run_metric *m = mlw_calloc(1001, sizeof(*m));
	struct mlw_run_kv kv[101];
	struct mlw_run_batch b;
	size_t i;

	for (i = 0; i < 1001; i++)
		m[i].key = "m";
	for (i = 0; i < 101; i++) {
		kv[i].key = "k";
		kv[i].value = "v";
	}
	memset(&b, 0, sizeof(b));
	b.metrics = m;
	b.nr_metrics = 1000;
	ok(!mlw_run_batch_check(&b), "1000 metrics pass");
	b.nr_metrics = 1001;
	ok(mlw_run_batch_check(&b) == MLW_EINVALID, "1001 metrics do not");
	b.nr_metrics = 950;
	b.params = kv;
	b.nr_params = 51;
	ok(mlw_run_batch_check(&b) == MLW_EINVALID &&
	   strstr(mlw_error_last(), "in total"), "1001 items in all do not");
	b.nr_metrics = 0;
	b.nr_params = 101;
	ok(mlw_run_batch_check(&b) == MLW_EINVALID, "101 params do not");
	b.nr_params = 0;
	b.tags = kv;
	b.nr_tags = 101;
	ok(mlw_run_batch_check(&b) == MLW_EINVALID, "101 tags do not");
	free(m);
}

static struct mlw_run *new_run(struct mlw_catalog *cat, const char *exp,
			       const char *run_name, double start)
{
	struct mlw_run_tracking_request req;
	struct mlw_run *run = NULL;

	memset(&req, 0, sizeof(req));
	req.experiment = exp;
	req.run_name = run_name;
	req.start_time = start;
	if (mlw_run_create_tracking(&run, cat, &req))
		diag("create: %s", mlw_error_last());
	return run;
}

static void test_runs(struct mlw_catalog *cat)
{
	struct mlw_run_kv params[2] = { { "alpha", "0.1" }, { "alpha", "0.2" } };
	struct mlw_run_kv tags[1] = { { "team", "a" } };
	struct mlw_run_metric metrics[3] = {
		{ "loss", 0, 1.0, 100 }, { "loss", 1, NAN, 101 },
		{ "loss", 2, INFINITY, 102 },
	};
	struct mlw_run_batch b;
	struct mlw_run *run = new_run(cat, "exp", "first", 1000), *got;
	struct mlw_run_tracking_request req;
	struct mlw_run_kv clash = { "mlflow.runName", "other" };
	size_t i;

	ok(run && !strcmp(run->type, "tracking") &&
	   run->status == MLW_RUN_RUNNING, "a tracking run, Running");
	if (!run)
		return;
	memset(&b, 0, sizeof(b));
	b.params = params;
	b.nr_params = 2;
	ok(mlw_run_log_batch(cat, run->id, &b) == MLW_EINVALID,
	   "a param with two values in one batch is refused");
	b.nr_params = 1;
	b.tags = tags;
	b.nr_tags = 1;
	b.metrics = metrics;
	b.nr_metrics = 3;
	ok(!mlw_run_log_batch(cat, run->id, &b), "a batch is written");
	b.params = &params[1];
	b.nr_tags = 0;
	b.nr_metrics = 1;
	ok(mlw_run_log_batch(cat, run->id, &b) == MLW_EEXISTS,
	   "a param changed later is refused");
	ok(!mlw_run_get(&got, cat, run->name) &&
	   !mlw_run_load_details(cat, got), "the run reads back");
	is_int(got->nr_params, 1, "one param");
	is_str(got->params[0].value, "0.1", "its first value");
	is_int(got->nr_metrics, 1, "one metric");
	ok(isinf(got->metrics[0].value) && got->metrics[0].step == 2,
	   "the refused batch wrote no point: the last is +Inf at step 2");
	for (i = 0; i < got->nr_tags; i++)
		if (!strcmp(got->tags[i].key, "mlflow.runName"))
			is_str(got->tags[i].value, "first",
			       "mlflow.runName is the run name");
	is_str(got->display_name, "first", "the display name too");
	mlw_run_free(got);

	ok(!mlw_run_tracking_update(cat, run->name, MLW_RUN_COMPLETED, 2000,
				    "renamed"), "runs/update");
	ok(!mlw_run_get(&got, cat, run->name), "reads back");
	ok(got->status == MLW_RUN_COMPLETED &&
	   got->times[MLW_RUN_ENDED_TIME] == 2000, "finished at end_time");
	is_str(got->display_name, "renamed", "renamed");
	mlw_run_free(got);
	ok(!mlw_run_tracking_update(cat, run->name, MLW_RUN_RUNNING, 0, NULL),
	   "a tracking run may run again");
	ok(!mlw_run_get(&got, cat, run->name) &&
	   got->status == MLW_RUN_RUNNING && !got->times[MLW_RUN_ENDED_TIME],
	   "Running, no end");
	mlw_run_free(got);

	ok(!mlw_run_delete_tag(cat, run->id, "team"), "delete a tag");
	ok(mlw_run_delete_tag(cat, run->id, "team") == MLW_ENOTFOUND,
	   "twice: not found");
	ok(!mlw_run_set_deleted(cat, run->name, 1), "delete the run");
	ok(!mlw_run_get(&got, cat, run->name) && got->archived,
	   "it is archived");
	mlw_run_free(got);
	ok(!mlw_run_set_deleted(cat, run->name, 0), "restore it");
	mlw_run_free(run);

	memset(&req, 0, sizeof(req));
	req.experiment = "exp";
	req.run_name = "mine";
	req.tags = &clash;
	req.nr_tags = 1;
	ok(mlw_run_create_tracking(&got, cat, &req) == MLW_EINVALID,
	   "run_name and mlflow.runName disagreeing is refused");
	ok(mlw_run_tracking_update(cat, "no_such_run", MLW_RUN_FAILED, 0,
				   NULL) == MLW_ENOTFOUND,
	   "update of an unknown run: not found");
}

static int count_point(const struct mlw_run_metric *m,
		       const struct mlw_run_metric_pos *pos, void *data)
{
	struct mlw_buf *b = data;

	mlw_buf_addf(b, "%lld:%g ", (long long)m->step, m->value);
	return 0;
}

static void test_history(struct mlw_catalog *cat)
{
	struct mlw_run *run = new_run(cat, "exp", NULL, 0);
	struct mlw_run_metric m[5];
	struct mlw_run_batch b;
	struct mlw_run_metric_pos pos;
	struct mlw_buf out = MLW_BUF_INIT;
	int more, i;

	if (!run)
		return;
	is_str(run->display_name, run->name, "no run_name: its name");
	memset(&b, 0, sizeof(b));
	for (i = 0; i < 5; i++) {
		m[i].key = "acc";
		m[i].step = i;
		m[i].value = i * 10;
		m[i].time = 1;
	}
	b.metrics = m;
	b.nr_metrics = 5;
	ok(!mlw_run_log_batch(cat, run->id, &b), "five points");
	ok(!mlw_run_metric_page(cat, run->id, "acc", NULL, 2, &more,
				count_point, &out) && more,
	   "a first page of 2, more left");
	is_str(out.buf, "0:0 1:10 ", "the first two");
	pos.step = 1;
	pos.seq = 2;
	mlw_buf_setlen(&out, 0);
	ok(!mlw_run_metric_page(cat, run->id, "acc", &pos, 3, &more,
				count_point, &out) && !more,
	   "the rest in a page of 3, none left");
	is_str(out.buf, "2:20 3:30 4:40 ", "the last three");
	mlw_buf_setlen(&out, 0);
	ok(!mlw_run_metric_page(cat, run->id, "nope", NULL, 3, &more,
				count_point, &out) && !out.len,
	   "an unknown key has no points");
	mlw_buf_release(&out);
	mlw_run_free(run);
}

static void test_inputs(struct mlw_catalog *cat)
{
	struct mlw_run *run = new_run(cat, "exp", NULL, 0);
	struct mlw_run_kv ctx = { "mlflow.data.context", "training" };
	struct mlw_run_dataset d, *got;
	size_t nr;

	if (!run)
		return;
	memset(&d, 0, sizeof(d));
	d.name = "iris";
	d.digest = "abc123";
	d.source_type = "local";
	ok(mlw_run_log_inputs(cat, run->id, &d, 1) == MLW_EINVALID,
	   "a dataset without its source is refused");
	d.source = "{\"uri\": \"iris.csv\"}";
	d.tags = &ctx;
	d.nr_tags = 1;
	ok(!mlw_run_log_inputs(cat, run->id, &d, 1), "a dataset is logged");
	ok(!mlw_run_log_inputs(cat, run->id, &d, 1), "again: replaced");
	ok(!mlw_run_load_inputs(&got, &nr, cat, run->id) && nr == 1,
	   "one dataset reads back");
	if (nr == 1) {
		is_str(got[0].source, d.source, "its source");
		ok(got[0].nr_tags == 1 &&
		   !strcmp(got[0].tags[0].value, "training"), "its tag");
	}
	mlw_run_datasets_free(got, nr);
	mlw_run_free(run);
}

struct names {
	struct mlw_buf b;
};

static int add_name(struct mlw_run *run, void *data)
{
	struct mlw_buf *b = data;

	mlw_buf_addf(b, "%s%s", b->len ? " " : "", run->display_name);
	mlw_run_free(run);
	return 0;
}

static void test_search(struct mlw_catalog *cat)
{
	/* runs s1..s5 in experiment "search", started 1..5 */
	static const struct {
		const char *name;
		double rmse;		/* 0: none */
		const char *alpha;	/* NULL: none */
		const char *tag;
	} runs[] = {
		{ "s1", 0.5, "0.1", "Ann" },
		{ "s2", 0.3, "0.2", "bob" },
		{ "s3", -1, "0.1", NULL },	/* NaN */
		{ "s4", 0.9, NULL, "ann" },
		{ "s5", 0, "0.3", "carl" },
	};
	static const struct {
		const char *filter, *order;
		const char *want;	/* NULL: MLW_EINVALID */
	} cases[] = {
		{ NULL, NULL, "s5 s4 s3 s2 s1" },
		{ "", "metrics.rmse", "s2 s1 s4 s3 s5" },
		{ NULL, "metrics.rmse DESC", "s3 s4 s1 s2 s5" },
		{ "metrics.rmse < 0.6", "metrics.rmse ASC", "s2 s1" },
		{ "metrics.rmse >= 0.5 and params.alpha = '0.1'", NULL, "s1" },
		{ "params.alpha != '0.1'", "params.alpha DESC", "s5 s2" },
		{ "tags.who LIKE 'a%'", NULL, "s4" },
		{ "tags.who ILIKE 'a%'", "attributes.start_time", "s1 s4" },
		{ "tags.who IS NULL", NULL, "s3" },
		{ "tags.`who` = \"carl\"", NULL, "s5" },
		{ "attributes.run_name IN ('s1', 's3')", NULL, "s3 s1" },
		{ "attributes.run_name LIKE 's_'", "run_name DESC",
		  "s5 s4 s3 s2 s1" },
		{ "attributes.status = 'RUNNING'", "start_time", "s1 s2 s3 s4 s5" },
		{ "attributes.status = 'FINISHED'", NULL, "" },
		{ "attributes.start_time > 2500", "start_time ASC", "s3 s4 s5" },
		{ "metrics.rmse = 'x'", NULL, NULL },
		{ "params.alpha = 0.1", NULL, NULL },
		{ "params.alpha > '0.1'", NULL, NULL },
		{ "metrics.rmse < 1 OR metrics.rmse > 2", NULL, NULL },
		{ "attributes.nope = 'x'", NULL, NULL },
		{ "metrics.rmse <", NULL, NULL },
		{ "tags.who = 'unterminated", NULL, NULL },
		{ "bogus.key = 'x'", NULL, NULL },
		{ NULL, "metrics.rmse SIDEWAYS", NULL },
	};
	int64_t exp_id = 0;
	size_t i;

	for (i = 0; i < sizeof(runs) / sizeof(*runs); i++) {
		struct mlw_run *run = new_run(cat, "search", runs[i].name,
					      (double)i + 1);
		struct mlw_run_metric m = { "rmse", 0, runs[i].rmse, 1 };
		struct mlw_run_kv p = { "alpha", (char *)runs[i].alpha };
		struct mlw_run_kv t = { "who", (char *)runs[i].tag };
		struct mlw_run_batch b;

		if (!run)
			return;
		if (m.value < 0)
			m.value = NAN;
		memset(&b, 0, sizeof(b));
		b.metrics = &m;
		b.nr_metrics = runs[i].rmse ? 1 : 0;
		b.params = &p;
		b.nr_params = runs[i].alpha ? 1 : 0;
		b.tags = &t;
		b.nr_tags = runs[i].tag ? 1 : 0;
		if (mlw_run_log_batch(cat, run->id, &b))
			diag("log: %s", mlw_error_last());
		exp_id = run->experiment_id;
		mlw_run_free(run);
	}
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mlw_run_search s;
		struct mlw_buf got = MLW_BUF_INIT;
		int more, ret;

		memset(&s, 0, sizeof(s));
		s.experiment_ids = &exp_id;
		s.nr_experiments = 1;
		s.filter = cases[i].filter;
		s.order_by = &cases[i].order;
		s.nr_order_by = cases[i].order ? 1 : 0;
		s.max_results = 100;
		ret = mlw_run_search(cat, &s, &more, add_name, &got);
		if (!cases[i].want) {
			ok(ret == MLW_EINVALID, "'%s' '%s' is refused: %s",
			   cases[i].filter ? cases[i].filter : "",
			   cases[i].order ? cases[i].order : "",
			   mlw_error_last());
		} else {
			if (ret)
				diag("%s", mlw_error_last());
			is_str(got.buf, cases[i].want, "filter '%s' order '%s'",
			       cases[i].filter ? cases[i].filter : "",
			       cases[i].order ? cases[i].order : "");
		}
		mlw_buf_release(&got);
	}
	{
		struct mlw_run_search s;
		struct mlw_buf got = MLW_BUF_INIT;
		int more = 0;

		memset(&s, 0, sizeof(s));
		s.experiment_ids = &exp_id;
		s.nr_experiments = 1;
		s.max_results = 2;
		s.offset = 2;
		ok(!mlw_run_search(cat, &s, &more, add_name, &got) && more,
		   "a page in the middle has more after it");
		is_str(got.buf, "s3 s2", "the runs of that page");
		mlw_buf_release(&got);
	}
	ok(mlw_search_like("a%c_e", "abbbcde", 0), "LIKE matches");
	ok(!mlw_search_like("A%", "abc", 0), "LIKE is case-sensitive");
	ok(mlw_search_like("A%", "abc", 1), "ILIKE is not");
}

int main(void)
{
	struct mlw_catalog *cat;
	struct mlw_repo *repo;

	test_keys();
	test_batch_limits();
	if (!mkdtemp(dir) || mlw_repo_init(dir) ||
	    mlw_repo_discover(&repo, dir, NULL) ||
	    mlw_repo_catalog(&cat, repo)) {
		ok(0, "a workspace: %s", mlw_error_last());
		return done_testing();
	}
	test_runs(cat);
	test_history(cat);
	test_inputs(cat);
	test_search(cat);
	mlw_repo_free(repo);
	mlw_remove_tree(dir);
	return done_testing();
}

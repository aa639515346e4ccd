/*
 * test-sweep-space.c - unit tests for lib/sweep: search spaces built from
 * YAML, every distribution's range, quantisation and log scale, nested
 * choices, encoding, value text, the errors a spec gets, and the normal
 * quantile underneath.
 */
#include "tap.h"
#include "spec/schema.h"
#include "spec/spec.h"
#include "spec/yaml.h"
#include "sweep/rand.h"
#include "sweep/space.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* the search space of the corpus's pipeline sweep: all ten types */
static const char all_types[] =
	"search_space:\n"
	"  batch_size:\n"
	"    type: choice\n"
	"    values: [25, 35]\n"
	"  first_layer_neurons:\n"
	"    type: randint\n"
	"    upper: 50\n"
	"  second_layer_neurons:\n"
	"    type: quniform\n"
	"    min_value: 10\n"
	"    max_value: 50\n"
	"    q: 5\n"
	"  third_layer_neurons:\n"
	"    type: qlognormal\n"
	"    mu: 5\n"
	"    sigma: 1\n"
	"    q: 5\n"
	"  epochs:\n"
	"    type: qloguniform\n"
	"    min_value: 1\n"
	"    max_value: 5\n"
	"    q: 5\n"
	"  momentum:\n"
	"    type: qnormal\n"
	"    mu: 10\n"
	"    sigma: 5\n"
	"    q: 2\n"
	"  weight_decay:\n"
	"    type: lognormal\n"
	"    mu: 0\n"
	"    sigma: 1\n"
	"  learning_rate:\n"
	"    type: loguniform\n"
	"    min_value: -6\n"
	"    max_value: -1\n"
	"  f1:\n"
	"    type: normal\n"
	"    mu: 0\n"
	"    sigma: 1\n"
	"  f2:\n"
	"    type: uniform\n"
	"    min_value: 10\n"
	"    max_value: 20\n";

static const char nested[] =
	"search_space:\n"
	"  model:\n"
	"    type: choice\n"
	"    values:\n"
	"      - name: ridge\n"
	"        alpha: {type: loguniform, min_value: -5, max_value: 2}\n"
	"      - name: knn\n"
	"        k: {type: randint, upper: 10}\n"
	"        weights: {type: choice, values: [uniform, distance]}\n"
	"      - {type: uniform, min_value: 0, max_value: 1}\n"
	"      - plain\n"
	"  flag:\n"
	"    type: choice\n"
	"    values: [true, false]\n";

/* load text and build the space of its search_space; diagnostics to d */
static struct mlw_sweep_space *build(const char *text, struct mlw_diags *d,
				     struct mlw_yaml_doc **docp)
{
	struct mlw_yaml_doc *doc;
	struct mlw_sweep_space *space = NULL;

	if (mlw_yaml_load_mem(&doc, "sweep.yml", text, strlen(text)) < 0) {
		printf("# yaml: %s\n", mlw_error_last());
		return NULL;
	}
	if (mlw_sweep_space_from_yaml(&space, mlw_yaml_map_get(doc->root,
							       "search_space"),
				      d) < 0)
		space = NULL;
	if (docp)
		*docp = doc;
	else
		mlw_yaml_free(doc);
	return space;
}

static double num(const struct mlw_sweep_value *params, const char *name)
{
	const struct mlw_sweep_value *v = mlw_sweep_value_get(params, name);

	if (!v)
		return NAN;
	if (v->kind == MLW_VALUE_INT)
		return (double)v->i;
	return v->kind == MLW_VALUE_FLOAT ? v->f : NAN;
}

static int is_multiple(double x, double q)
{
	return fabs(x / q - nearbyint(x / q)) < 1e-9;
}

static void test_quantile(void)
{
	double worst = 0, x;
	int i;

	ok(fabs(mlw_sweep_norm_quantile(0.975) - 1.959963984540054) < 1e-14,
	   "normal quantile 0.975 = 1.959963984540054");
	ok(fabs(mlw_sweep_norm_quantile(1e-10) + 6.361340902404056) < 1e-12,
	   "normal quantile far in the tail");
	for (i = -800; i <= 400; i++) {
		x = i / 100.0;
		worst = fmax(worst, fabs(mlw_sweep_norm_quantile(
						 mlw_sweep_norm_cdf(x)) - x));
	}
	ok(worst < 1e-9, "quantile(cdf(x)) = x over [-8, 4] (worst %g)",
	   worst);
	ok(mlw_sweep_norm_quantile(0) == -INFINITY &&
	   isnan(mlw_sweep_norm_quantile(1.5)), "quantile's edges");
}

static void test_all_types(void)
{
	struct mlw_diags d = MLW_DIAGS_INIT;
	struct mlw_sweep_space *space = build(all_types, &d, NULL);
	struct mlw_sweep_rng rng;
	double *u, sum = 0, ss = 0, lsum = 0, lss = 0, lr_lo = INFINITY;
	double lr_hi = 0;
	int bad[10] = { 0 }, i, n = 20000, seen25 = 0, seen35 = 0;
	int ri_lo = 99, ri_hi = -1;

	ok(space && !d.errors, "all ten distributions build");
	if (!space)
		return;
	is_int(space->nr, 10, "ten parameters");
	is_int(space->dims, 10, "ten coordinates");
	u = calloc(space->dims, sizeof(double));
	mlw_sweep_rng_init(&rng, 1, 2);
	for (i = 0; i < n; i++) {
		struct mlw_sweep_value *p;
		double x;
		size_t k;

		for (k = 0; k < space->dims; k++)
			u[k] = mlw_sweep_rng_uniform(&rng);
		p = mlw_sweep_space_decode(space, u);
		x = num(p, "batch_size");
		seen25 += x == 25;
		seen35 += x == 35;
		bad[0] += x != 25 && x != 35;
		bad[0] += mlw_sweep_value_get(p, "batch_size")->kind !=
			  MLW_VALUE_INT;
		x = num(p, "first_layer_neurons");
		bad[1] += x < 0 || x >= 50 || x != floor(x) ||
			  mlw_sweep_value_get(p, "first_layer_neurons")->kind
			  != MLW_VALUE_INT;
		ri_lo = x < ri_lo ? (int)x : ri_lo;
		ri_hi = x > ri_hi ? (int)x : ri_hi;
		x = num(p, "second_layer_neurons");
		bad[2] += x < 10 || x > 50 || !is_multiple(x, 5);
		x = num(p, "third_layer_neurons");
		bad[3] += x < 0 || !is_multiple(x, 5);
		x = num(p, "epochs");
		/* round(exp(U(1, 5)) / 5) * 5: 5 .. 150 */
		bad[4] += x < 5 || x > 150 || !is_multiple(x, 5);
		x = num(p, "momentum");
		bad[5] += !is_multiple(x, 2);
		x = num(p, "weight_decay");
		bad[6] += !(x > 0);
		lsum += log(x);
		lss += log(x) * log(x);
		x = num(p, "learning_rate");
		bad[7] += x < exp(-6) || x > exp(-1);
		lr_lo = fmin(lr_lo, x);
		lr_hi = fmax(lr_hi, x);
		x = num(p, "f1");
		sum += x;
		ss += x * x;
		x = num(p, "f2");
		bad[9] += x < 10 || x >= 20;
		mlw_sweep_value_free(p);
	}
	ok(!bad[0] && seen25 > n / 3 && seen35 > n / 3,
	   "choice: ints, both values, evenly");
	ok(!bad[1] && ri_lo == 0 && ri_hi == 49,
	   "randint(50): integers 0 to 49, upper excluded");
	ok(!bad[2], "quniform: multiples of 5 in [10, 50]");
	ok(!bad[3], "qlognormal: non-negative multiples of 5");
	ok(!bad[4], "qloguniform: round(exp(U(1, 5)) / 5) * 5");
	ok(!bad[5], "qnormal: multiples of 2");
	ok(!bad[6] && fabs(lsum / n) < 0.05 &&
	   fabs(sqrt(lss / n) - 1) < 0.05,
	   "lognormal(0, 1): positive, log is N(0, 1)");
	ok(!bad[7] && lr_lo < exp(-5.9) && lr_hi > exp(-1.1),
	   "loguniform(-6, -1): the bounds are exponents");
	ok(fabs(sum / n) < 0.05 && fabs(sqrt(ss / n - (sum / n) * (sum / n))
					- 1) < 0.05,
	   "normal(0, 1): mean 0, standard deviation 1");
	ok(!bad[9], "uniform: [10, 20)");
	free(u);
	mlw_sweep_space_free(space);
	mlw_diags_release(&d);
}

static void test_log_scale(void)
{
	struct mlw_diags d = MLW_DIAGS_INIT;
	struct mlw_sweep_space *space = build(
		"search_space:\n"
		"  lr: {type: loguniform, min_value: -6, max_value: -1}\n", &d,
		NULL);
	double u = 0.5, back;
	struct mlw_sweep_value *p;

	if (!space) {
		ok(0, "loguniform space");
		return;
	}
	p = mlw_sweep_space_decode(space, &u);
	ok(fabs(num(p, "lr") - exp(-3.5)) < 1e-15,
	   "loguniform: the middle of the cube is exp(-3.5)");
	mlw_sweep_space_encode(space, p, &back);
	ok(fabs(back - 0.5) < 1e-12, "the log scale encodes back to 0.5");
	mlw_sweep_value_free(p);
	u = 0.25;
	space->log_base = log(10);
	p = mlw_sweep_space_decode(space, &u);
	ok(fabs(num(p, "lr") - pow(10, -4.75)) < 1e-18,
	   "logbase 10: 10^U(-6, -1)");
	mlw_sweep_value_free(p);
	mlw_sweep_space_free(space);
	mlw_diags_release(&d);
}

static void test_quantize(void)
{
	char text[32];
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_sweep_value *v = mlw_sweep_value_new(MLW_VALUE_FLOAT);

	v->f = mlw_sweep_quantize(0.31, 0.1);
	mlw_sweep_value_format(&b, v);
	is_str(b.buf, "0.3", "quniform q 0.1 gives 0.3, not "
	       "0.30000000000000004");
	mlw_buf_reset(&b);
	v->f = mlw_sweep_quantize(0.7, 0.05);
	mlw_sweep_value_format(&b, v);
	is_str(b.buf, "0.7", "q 0.05: 0.7");
	ok(mlw_sweep_quantize(7.5, 5) == 10 &&
	   mlw_sweep_quantize(12.5, 5) == 10,
	   "ties round to even (1.5 -> 2, 2.5 -> 2)");
	ok(mlw_sweep_quantize(-0.2, 1) == 0 &&
	   !signbit(mlw_sweep_quantize(-0.2, 1)), "no negative zero");
	ok(mlw_sweep_quantize(1e300, 0.1) == nearbyint(1e300 / 0.1) * 0.1,
	   "huge multiples fall back to k * q");
	mlw_buf_release(&b);
	mlw_sweep_value_free(v);
	(void)text;
}

static void test_nested(void)
{
	struct mlw_diags d = MLW_DIAGS_INIT;
	struct mlw_sweep_space *space = build(nested, &d, NULL);
	struct mlw_sweep_rng rng;
	int seen[4] = { 0 }, bad = 0, roundtrip = 0, i;
	double *u, *u2, *x;

	ok(space && !d.errors, "nested choice builds");
	if (!space)
		return;
	/* model, model.alpha, model.k, model.weights, model (uniform), flag */
	is_int(space->dims, 6, "a coordinate for each nested distribution");
	is_int(space->features, 4 + 1 + 1 + 2 + 1 + 2,
	       "one-hot for categories, one feature for the rest");
	ok(!space->params[0]->ordinal && space->params[1]->ordinal == 0,
	   "string, dictionary and bool choices are categorical");
	u = calloc(space->dims, sizeof(double));
	u2 = calloc(space->dims, sizeof(double));
	x = calloc(space->features, sizeof(double));
	mlw_sweep_rng_init(&rng, 7, 0);
	for (i = 0; i < 2000; i++) {
		struct mlw_sweep_value *p, *p2;
		const struct mlw_sweep_value *m;
		size_t k;

		for (k = 0; k < space->dims; k++)
			u[k] = mlw_sweep_rng_uniform(&rng);
		p = mlw_sweep_space_decode(space, u);
		m = mlw_sweep_value_get(p, "model");
		if (m->kind == MLW_VALUE_DICT &&
		    !strcmp(mlw_sweep_value_get(p, "model.name")->s, "ridge")) {
			double a = num(p, "model.alpha");

			seen[0]++;
			bad += m->nr != 2 || !(a >= exp(-5) && a <= exp(2));
		} else if (m->kind == MLW_VALUE_DICT) {
			const char *w = mlw_sweep_value_get(p,
							    "model.weights")->s;

			seen[1]++;
			bad += m->nr != 3 || num(p, "model.k") < 0 ||
			       num(p, "model.k") > 9 ||
			       (strcmp(w, "uniform") && strcmp(w, "distance"));
		} else if (m->kind == MLW_VALUE_FLOAT) {
			seen[2]++;
			bad += m->f < 0 || m->f >= 1;
		} else {
			seen[3]++;
			bad += m->kind != MLW_VALUE_STR ||
			       strcmp(m->s, "plain");
		}
		if (mlw_sweep_space_encode(space, p, u2) < 0) {
			printf("# encode: %s\n", mlw_error_last());
		} else {
			p2 = mlw_sweep_space_decode(space, u2);
			roundtrip += mlw_sweep_value_equal(p, p2);
			mlw_sweep_value_free(p2);
		}
		mlw_sweep_space_features(space, u2, x);
		mlw_sweep_value_free(p);
	}
	ok(!bad && seen[0] > 300 && seen[1] > 300 && seen[2] > 300 &&
	   seen[3] > 300, "each branch is picked and sampled in range "
	   "(%d %d %d %d)", seen[0], seen[1], seen[2], seen[3]);
	is_int(roundtrip, 2000, "decode(encode(values)) gives the values back");
	free(u);
	free(u2);
	free(x);
	mlw_sweep_space_free(space);
	mlw_diags_release(&d);
}

static void test_text(void)
{
	struct mlw_diags d = MLW_DIAGS_INIT;
	struct mlw_sweep_space *space = build(nested, &d, NULL);
	struct mlw_strlist names = MLW_STRLIST_INIT, texts = MLW_STRLIST_INIT;
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_sweep_value *p;
	double u[6] = { 0.3, 0.5, 0.95, 0.99, 0.5, 0.1 }, x[11];

	if (!space) {
		ok(0, "nested space");
		return;
	}
	/* model 0.3 -> knn, k at 0.95 -> 9, weights 0.99 -> distance */
	p = mlw_sweep_space_decode(space, u);
	mlw_sweep_value_format(&b, mlw_sweep_value_get(p, "model"));
	is_str(b.buf, "{\"name\": \"knn\", \"k\": 9, "
	       "\"weights\": \"distance\"}",
	       "a dictionary value is JSON for ${{search_space.model}}");
	mlw_buf_reset(&b);
	mlw_sweep_value_format(&b, mlw_sweep_value_get(p, "flag"));
	is_str(b.buf, "true", "a boolean");
	mlw_sweep_value_flatten(p, &names, &texts);
	ok(names.nr == 4 && !strcmp(names.items[0], "model.name") &&
	   !strcmp(texts.items[0], "knn") &&
	   !strcmp(names.items[1], "model.k") &&
	   !strcmp(texts.items[1], "9") &&
	   !strcmp(names.items[3], "flag"),
	   "flat parameters name a dictionary's entries model.KEY");
	mlw_sweep_space_features(space, u, x);
	ok(x[0] == 0 && x[1] == 1 && x[2] == 0 && x[3] == 0 &&
	   x[4] == 0.5 && x[5] > 0.94 && x[6] == 0 && x[7] == 1 &&
	   x[8] == 0.5 && x[9] == 1 && x[10] == 0,
	   "features: one-hot branch, unused branches neutral");
	mlw_sweep_value_free(p);
	mlw_strlist_release(&names);
	mlw_strlist_release(&texts);
	mlw_buf_release(&b);
	mlw_sweep_space_free(space);
	mlw_diags_release(&d);

	space = build("search_space:\n"
		      "  bs: {type: choice, values: [64, 16, 32.5]}\n"
		      "  s: {type: choice, values: ['a b', \"q\\\"\", 0.1]}\n",
		      &d, NULL);
	if (space) {
		double v[2] = { 0.1, 0.9 }, f[4];

		p = mlw_sweep_space_decode(space, v);
		mlw_sweep_value_format(&b, mlw_sweep_value_get(p, "bs"));
		mlw_buf_addch(&b, ' ');
		mlw_sweep_value_format(&b, mlw_sweep_value_get(p, "s"));
		is_str(b.buf, "64 0.1", "ints as ints, floats shortest");
		ok(space->params[0]->ordinal, "a numeric choice is ordinal");
		mlw_sweep_space_features(space, v, f);
		ok(fabs(f[0] - 2.5 / 3) < 1e-12,
		   "ordinal feature: 64 ranks last of 16, 32.5, 64");
		mlw_sweep_value_free(p);
		mlw_sweep_space_free(space);
	} else {
		ok(0, "choice texts");
	}
	mlw_buf_release(&b);
	mlw_diags_release(&d);
}

/* values a catalog might hold that the space cannot have produced */
static void test_encode_errors(void)
{
	struct mlw_diags d = MLW_DIAGS_INIT;
	struct mlw_sweep_space *space = build(
		"search_space:\n"
		"  w: {type: lognormal, mu: 0, sigma: 1}\n"
		"  n: {type: randint, upper: 4}\n"
		"  k: {type: choice, values: [a, b]}\n"
		"  q: {type: quniform, min_value: 0, max_value: 1, q: 0.25}\n",
		&d, NULL);
	static const char *const cases[][4] = {
		{ "-1", "2", "a", "0.5" },	/* lognormal is positive */
		{ "1", "4", "a", "0.5" },	/* randint(4) stops at 3 */
		{ "1", "2", "c", "0.5" },	/* not a choice */
		{ "1", "2", "a", "0.3" },	/* not a multiple of 0.25 */
		{ "1", "2", "a", "2" },		/* beyond the support */
	};
	double u[4];
	size_t i;
	int refused = 0, good;

	if (!space) {
		ok(0, "encode space");
		return;
	}
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mlw_sweep_value *p = mlw_sweep_value_new(MLW_VALUE_DICT);
		struct mlw_sweep_value *v;
		int k;

		for (k = 0; k < 4; k++) {
			if (k == 2) {
				v = mlw_sweep_value_new(MLW_VALUE_STR);
				v->s = strdup(cases[i][k]);
			} else if (k == 1) {
				v = mlw_sweep_value_new(MLW_VALUE_INT);
				v->i = atoi(cases[i][k]);
			} else {
				v = mlw_sweep_value_new(MLW_VALUE_FLOAT);
				v->f = strtod(cases[i][k], NULL);
			}
			mlw_sweep_value_dict_add(p, space->names[k], v);
		}
		refused += mlw_sweep_space_encode(space, p, u) == MLW_EINVALID;
		if (!i) {
			p->items[0]->f = 1;
			good = !mlw_sweep_space_encode(space, p, u);
			ok(good && fabs(u[0] - 0.5) < 1e-12 && u[1] == 0.625 &&
			   u[2] == 0.25 && fabs(u[3] - 0.5) < 1e-12,
			   "valid values encode to their cells' middles");
		}
		mlw_sweep_value_free(p);
	}
	is_int(refused, 5, "values outside the space are refused");
	ok(mlw_sweep_space_encode(space, NULL, u) == MLW_EINVALID &&
	   strstr(mlw_error_last(), "no value for search_space 'w'"),
	   "a missing value is named");
	mlw_sweep_space_free(space);
	mlw_diags_release(&d);
}

/* one bad spec: the error message and its position */
static void expect_error(const char *body, const char *msg, int line, int col)
{
	struct mlw_diags d = MLW_DIAGS_INIT;
	struct mlw_buf text = MLW_BUF_INIT;
	struct mlw_sweep_space *space;
	size_t i;
	int found = 0;

	mlw_buf_addf(&text, "search_space:\n%s", body);
	space = build(text.buf, &d, NULL);
	for (i = 0; i < d.nr; i++)
		if (strstr(d.items[i].msg, msg) && d.items[i].line == line &&
		    d.items[i].col == col)
			found = 1;
	ok(!space && found, "error '%s' at %d:%d", msg, line, col);
	if (!found)
		for (i = 0; i < d.nr; i++)
			printf("#   got %d:%d: %s\n", d.items[i].line,
			       d.items[i].col, d.items[i].msg);
	mlw_sweep_space_free(space);
	mlw_buf_release(&text);
	mlw_diags_release(&d);
}

static void test_errors(void)
{
	struct mlw_diags d = MLW_DIAGS_INIT;
	struct mlw_sweep_space *space;

	space = build("search_space: {}\n", &d, NULL);
	ok(!space && d.errors == 1 && strstr(d.items[0].msg, "empty") &&
	   d.items[0].line == 1 && d.items[0].col == 15,
	   "an empty search space is an error at its position");
	mlw_diags_release(&d);
	expect_error("  a:\n    type: choice\n    values: []\n",
		     "choice has no values", 4, 13);
	expect_error("  a:\n    type: choice\n", "choice needs 'values'", 3, 5);
	expect_error("  a:\n    type: uniform\n    min_value: 5\n"
		     "    max_value: 1\n",
		     "min_value 5 is greater than max_value 1", 4, 16);
	expect_error("  a: {type: quniform, min_value: 0, max_value: 1, "
		     "q: -1}\n",
		     "q must be positive, not -1", 2, 54);
	expect_error("  a: {type: qnormal, mu: 0, sigma: 1, q: 0}\n",
		     "q must be positive, not 0", 2, 42);
	expect_error("  a: {type: normal, mu: 0, sigma: 0}\n",
		     "sigma must be positive", 2, 35);
	expect_error("  a: {type: randint, upper: 0}\n",
		     "'upper' must be positive", 2, 29);
	expect_error("  a: {type: unifrom, min_value: 0, max_value: 1}\n",
		     "unknown distribution 'unifrom' (did you mean 'uniform'?)",
		     2, 13);
	expect_error("  a: {type: uniform, min_vale: 0, max_value: 1}\n",
		     "unknown key 'min_vale' in the uniform distribution of "
		     "search_space 'a' (did you mean 'min_value'?)", 2, 22);
	expect_error("  a: {type: uniform, min_value: x, max_value: 1}\n",
		     "'min_value' must be a finite number, not x", 2, 33);
	expect_error("  a b: {type: randint, upper: 3}\n",
		     "may hold only letters, digits", 2, 3);
	expect_error("  a: [1, 2]\n", "a distribution must be a mapping", 2,
		     6);
	expect_error("  a:\n    type: choice\n    values:\n      - x: 1\n"
		     "        y: {type: uniform, min_value: 2, max_value: 1}\n",
		     "search_space 'a.y': min_value 2", 6, 39);
}

/* every sweep search space of the corpus builds */
static void test_corpus(void)
{
	const char *dir = getenv("SHARED_DIRECTORY");
	static const char *const files[] = {
		"corpus/cli/jobs/single-step/scikit-learn/iris/job-sweep.yml",
		"corpus/cli/jobs/single-step/lightgbm/iris/job-sweep.yml",
		"corpus/_extra/Azure/azure-sdk-for-python/sdk/ml/azure-ai-ml/"
		"tests/test_configs/sweep_job/sweep-median.yaml",
	};
	size_t i, built = 0, loaded = 0;

	if (!dir) {
		ok(1, "# SKIP no $SHARED_DIRECTORY corpus");
		return;
	}
	for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
		struct mlw_diags d = MLW_DIAGS_INIT;
		struct mlw_yaml_doc *doc;
		struct mlw_sweep_space *space;
		char *path = mlw_xstrfmt("%s/%s", dir, files[i]);

		if (mlw_yaml_load_file(&doc, path) < 0) {
			free(path);
			continue;
		}
		loaded++;
		if (!mlw_sweep_space_from_yaml(&space,
					       mlw_yaml_map_get(doc->root,
								"search_space"),
					       &d)) {
			built++;
			mlw_sweep_space_free(space);
		}
		mlw_diags_release(&d);
		mlw_yaml_free(doc);
		free(path);
	}
	ok(loaded == i && built == loaded,
	   "the corpus's sweep spaces build (%zu of %zu)", built, i);
}

int main(void)
{
	test_quantile();
	test_all_types();
	test_log_scale();
	test_quantize();
	test_nested();
	test_text();
	test_encode_errors();
	test_errors();
	test_corpus();
	return done_testing();
}

/*
 * test-sweep-sampler.c - unit tests for lib/sweep's samplers: Sobol points
 * against the published sequence, scrambling, discrepancy; random
 * reproducibility whatever the order of requests; grid order and
 * exhaustion; Bayesian reproducibility, concurrency and convergence.
 */
#include "tap.h"
#include "spec/schema.h"
#include "spec/yaml.h"
#include "sweep/bayes.h"
#include "sweep/rand.h"
#include "sweep/sampler.h"
#include "sweep/sobol.h"
#include "sweep/space.h"
#include "util/buf.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct mlw_yaml_doc *doc;

static struct mlw_sweep_space *build(const char *text)
{
	struct mlw_diags d = MLW_DIAGS_INIT;
	struct mlw_sweep_space *space = NULL;

	mlw_yaml_free(doc);
	doc = NULL;
	if (mlw_yaml_load_mem(&doc, "sweep.yml", text, strlen(text)) < 0 ||
	    mlw_sweep_space_from_yaml(&space, mlw_yaml_map_get(doc->root,
							       "search_space"),
				      &d) < 0) {
		size_t i;

		for (i = 0; i < d.nr; i++)
			printf("# %d:%d: %s\n", d.items[i].line,
			       d.items[i].col, d.items[i].msg);
		space = NULL;
	}
	mlw_diags_release(&d);
	return space;
}

/* SciPy's qmc.Sobol(d, scramble=False), from Joe and Kuo's numbers */
static const double published6[8][6] = {
	{ 0, 0, 0, 0, 0, 0 },
	{ 0.5, 0.5, 0.5, 0.5, 0.5, 0.5 },
	{ 0.75, 0.25, 0.25, 0.25, 0.75, 0.75 },
	{ 0.25, 0.75, 0.75, 0.75, 0.25, 0.25 },
	{ 0.375, 0.375, 0.625, 0.875, 0.375, 0.125 },
	{ 0.875, 0.875, 0.125, 0.375, 0.875, 0.625 },
	{ 0.625, 0.125, 0.875, 0.625, 0.625, 0.875 },
	{ 0.125, 0.625, 0.375, 0.125, 0.125, 0.375 },
};

/* dimensions 100, 255 and 256 of the same, points 0 to 15 */
static const double published_high[16][3] = {
	{ 0, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.75, 0.75, 0.75 },
	{ 0.25, 0.25, 0.25 }, { 0.875, 0.375, 0.375 },
	{ 0.375, 0.875, 0.875 }, { 0.125, 0.625, 0.625 },
	{ 0.625, 0.125, 0.125 }, { 0.9375, 0.0625, 0.4375 },
	{ 0.4375, 0.5625, 0.9375 }, { 0.1875, 0.8125, 0.6875 },
	{ 0.6875, 0.3125, 0.1875 }, { 0.0625, 0.4375, 0.0625 },
	{ 0.5625, 0.9375, 0.5625 }, { 0.8125, 0.6875, 0.8125 },
	{ 0.3125, 0.1875, 0.3125 },
};

/* Hickernell's centred L2 discrepancy, squared */
static double cd2(const double *x, size_t n, size_t s)
{
	double a = 0, b = 0;
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		double t = 1;

		for (k = 0; k < s; k++) {
			double z = fabs(x[i * s + k] - 0.5);

			t *= 1 + 0.5 * z - 0.5 * z * z;
		}
		a += t;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			double t = 1;

			for (k = 0; k < s; k++)
				t *= 1 + 0.5 * fabs(x[i * s + k] - 0.5) +
				     0.5 * fabs(x[j * s + k] - 0.5) -
				     0.5 * fabs(x[i * s + k] - x[j * s + k]);
			b += t;
		}
	return pow(13.0 / 12, (double)s) - 2 * a / n + b / ((double)n * n);
}

static void test_sobol(void)
{
	struct mlw_sweep_sobol s, s2;
	double u[256], *pts = malloc(256 * 5 * sizeof(double));
	double *rnd = malloc(256 * 5 * sizeof(double));
	int bad = 0, i, k, seed, wins = 0;

	mlw_sweep_sobol_init(&s, 6, 0, 0);
	for (i = 0; i < 8; i++) {
		mlw_sweep_sobol_point(&s, i, u);
		for (k = 0; k < 6; k++)
			bad += u[k] != published6[i][k];
	}
	ok(!bad, "unscrambled: the first 8 points in 6 dimensions are "
	   "the published ones");
	mlw_sweep_sobol_release(&s);
	mlw_sweep_sobol_init(&s, 256, 0, 0);
	bad = 0;
	for (i = 0; i < 16; i++) {
		mlw_sweep_sobol_point(&s, i, u);
		bad += u[99] != published_high[i][0] ||
		       u[254] != published_high[i][1] ||
		       u[255] != published_high[i][2];
	}
	ok(!bad, "dimensions 100, 255 and 256 match too");
	mlw_sweep_sobol_release(&s);
	ok(mlw_sweep_sobol_init(&s, 257, 1, 0) == MLW_EINVALID,
	   "257 dimensions are refused");

	/* scrambled: the net property and the seed */
	mlw_sweep_sobol_init(&s, 5, 1, 42);
	mlw_sweep_sobol_init(&s2, 5, 1, 42);
	bad = 0;
	{
		int cells[5][256] = { { 0 } }, same = 1;

		for (i = 0; i < 256; i++) {
			double v[5];

			mlw_sweep_sobol_point(&s, i, pts + i * 5);
			mlw_sweep_sobol_point(&s2, i, v);
			for (k = 0; k < 5; k++) {
				double x = pts[i * 5 + k];

				bad += !(x >= 0 && x < 1);
				cells[k][(int)(x * 256)]++;
				same &= v[k] == x;
			}
		}
		for (k = 0; k < 5; k++)
			for (i = 0; i < 256; i++)
				bad += cells[k][i] != 1;
		ok(!bad, "scrambled: 256 points, one in each of 256 cells of "
		   "every coordinate");
		ok(same, "the same seed gives the same points");
	}
	mlw_sweep_sobol_release(&s2);
	mlw_sweep_sobol_init(&s2, 5, 1, 43);
	mlw_sweep_sobol_point(&s2, 3, u);
	ok(u[0] != pts[15] && pts[0] != 0, "another seed, other points; "
	   "the first point is not 0");
	mlw_sweep_sobol_release(&s2);
	mlw_sweep_sobol_release(&s);

	/* discrepancy: scrambled Sobol against random, 5 seeds */
	for (seed = 1; seed <= 5; seed++) {
		struct mlw_sweep_rng rng;

		mlw_sweep_sobol_init(&s, 5, 1, seed);
		mlw_sweep_rng_init(&rng, seed, 0);
		for (i = 0; i < 256; i++) {
			mlw_sweep_sobol_point(&s, i, pts + i * 5);
			for (k = 0; k < 5; k++)
				rnd[i * 5 + k] = mlw_sweep_rng_uniform(&rng);
		}
		wins += cd2(pts, 256, 5) * 4 < cd2(rnd, 256, 5);
		mlw_sweep_sobol_release(&s);
	}
	is_int(wins, 5, "Sobol's centred L2 discrepancy is under a quarter "
	       "of random's (256 points, 5 dimensions, 5 seeds)");
	free(pts);
	free(rnd);
}

static const char two_params[] =
	"search_space:\n"
	"  lr: {type: loguniform, min_value: -6, max_value: -1}\n"
	"  depth: {type: randint, upper: 8}\n"
	"  kind: {type: choice, values: [a, b, c]}\n";

static void test_random(void)
{
	struct mlw_sweep_space *space = build(two_params);
	struct mlw_sweep_sampler *a, *b, *c;
	double ua[10][3], ub[10][3], uc[3];
	int i, same = 1, differ = 0, in = 1;

	if (!space) {
		ok(0, "random space");
		return;
	}
	mlw_sweep_sampler_new(&a, space, MLW_SAMPLE_RANDOM, 999, 1);
	mlw_sweep_sampler_new(&b, space, MLW_SAMPLE_RANDOM, 999, 1);
	mlw_sweep_sampler_new(&c, space, MLW_SAMPLE_RANDOM, 1000, 1);
	for (i = 0; i < 10; i++)
		mlw_sweep_sampler_next(a, i, NULL, 0, ua[i]);
	for (i = 9; i >= 0; i--)
		mlw_sweep_sampler_next(b, i, NULL, 0, ub[i]);
	for (i = 0; i < 10; i++) {
		same &= !memcmp(ua[i], ub[i], sizeof(ua[i]));
		mlw_sweep_sampler_next(c, i, NULL, 0, uc);
		differ += !!memcmp(ua[i], uc, sizeof(uc));
		in &= ua[i][0] >= 0 && ua[i][0] < 1 && ua[i][2] < 1;
	}
	ok(same, "random: trial i depends on the seed and i only, not the "
	   "order of requests");
	ok(differ == 10 && in, "another seed gives other points in [0, 1)");
	ok(mlw_sweep_sampler_size(a) == 0, "random has no size limit");
	mlw_sweep_sampler_free(a);
	mlw_sweep_sampler_free(b);
	mlw_sweep_sampler_free(c);

	mlw_sweep_sampler_new(&a, space, MLW_SAMPLE_SOBOL, 5, 1);
	mlw_sweep_sampler_new(&b, space, MLW_SAMPLE_SOBOL, 5, 1);
	mlw_sweep_sampler_next(a, 7, NULL, 0, ua[0]);
	for (i = 0; i < 8; i++)
		mlw_sweep_sampler_next(b, i, NULL, 0, ub[i]);
	ok(!memcmp(ua[0], ub[7], sizeof(ua[0])),
	   "sobol: point 7 is the same asked first or eighth");
	mlw_sweep_sampler_free(a);
	mlw_sweep_sampler_free(b);
	mlw_sweep_space_free(space);
}

/* the grid's values of trial index as "a=1 b=x" */
static void grid_text(struct mlw_buf *out, const struct mlw_sweep_space *space,
		      struct mlw_sweep_sampler *s, size_t index, int *ret)
{
	double u[8];
	struct mlw_sweep_value *p;
	size_t i;

	*ret = mlw_sweep_sampler_next(s, index, NULL, 0, u);
	if (*ret)
		return;
	p = mlw_sweep_space_decode(space, u);
	for (i = 0; i < p->nr; i++) {
		mlw_buf_addf(out, "%s%s=", i ? " " : "", p->keys[i]);
		mlw_sweep_value_format(out, p->items[i]);
	}
	mlw_buf_addch(out, ';');
	mlw_sweep_value_free(p);
}

static void test_grid(void)
{
	struct mlw_sweep_space *space = build(
		"search_space:\n"
		"  a: {type: choice, values: [1, 2]}\n"
		"  b: {type: choice, values: [x, y, z]}\n");
	struct mlw_sweep_sampler *s;
	struct mlw_buf b = MLW_BUF_INIT;
	int ret = 0;
	size_t i;

	if (!space || mlw_sweep_sampler_new(&s, space, MLW_SAMPLE_GRID, 0,
					    1) < 0) {
		ok(0, "grid sampler");
		return;
	}
	is_int(mlw_sweep_sampler_size(s), 6, "2 x 3 = 6 grid points");
	for (i = 0; i < 6 && !ret; i++)
		grid_text(&b, space, s, i, &ret);
	is_str(b.buf, "a=1 b=x;a=1 b=y;a=1 b=z;a=2 b=x;a=2 b=y;a=2 b=z;",
	       "the cartesian product, first parameter slowest");
	mlw_buf_reset(&b);
	grid_text(&b, space, s, 6, &ret);
	is_int(ret, MLW_SWEEP_EXHAUSTED, "the seventh request: exhausted");
	mlw_sweep_sampler_free(s);
	mlw_sweep_space_free(space);

	space = build("search_space:\n"
		      "  m:\n"
		      "    type: choice\n"
		      "    values:\n"
		      "      - plain\n"
		      "      - {k: {type: choice, values: [1, 2]},"
		      " w: {type: choice, values: [u, v]}}\n"
		      "  c: {type: choice, values: [true, false]}\n");
	if (!space || mlw_sweep_sampler_new(&s, space, MLW_SAMPLE_GRID, 0,
					    1) < 0) {
		ok(0, "nested grid sampler");
		return;
	}
	is_int(mlw_sweep_sampler_size(s), (1 + 2 * 2) * 2,
	       "nested choices multiply in where they are picked");
	for (i = 0, ret = 0; i < 4 && !ret; i++)
		grid_text(&b, space, s, i, &ret);
	is_str(b.buf, "m=plain c=true;m=plain c=false;"
	       "m={\"k\": 1, \"w\": \"u\"} c=true;"
	       "m={\"k\": 1, \"w\": \"u\"} c=false;", "nested grid order");
	mlw_sweep_sampler_free(s);
	mlw_sweep_space_free(space);
	mlw_buf_release(&b);

	space = build(two_params);
	ok(mlw_sweep_sampler_new(&s, space, MLW_SAMPLE_GRID, 0, 1) ==
	   MLW_EINVALID && strstr(mlw_error_last(), "'lr' is loguniform"),
	   "grid refuses a loguniform: %s", mlw_error_last());
	mlw_sweep_space_free(space);
}

/* minimise (x - 0.3)^2 + (y - 0.7)^2 over [0, 1]^2 with quantised y */
static double bowl(const struct mlw_sweep_value *p)
{
	double x = mlw_sweep_value_get(p, "x")->f;
	double y = mlw_sweep_value_get(p, "y")->f;
	const char *k = mlw_sweep_value_get(p, "k")->s;

	return (x - 0.3) * (x - 0.3) + (y - 0.7) * (y - 0.7) +
	       (strcmp(k, "good") ? 0.5 : 0);
}

static void test_bayesian(void)
{
	struct mlw_sweep_space *space = build(
		"search_space:\n"
		"  x: {type: uniform, min_value: 0, max_value: 1}\n"
		"  y: {type: quniform, min_value: 0, max_value: 1, q: 0.05}\n"
		"  k: {type: choice, values: [bad, good, worse]}\n");
	struct mlw_sweep_sampler *s, *s2;
	struct mlw_sweep_observation h[30];
	double U[30][3], again[3], best = INFINITY;
	int i, quantised = 1, good = 0, ret = 0;

	if (!space || mlw_sweep_sampler_new(&s, space, MLW_SAMPLE_BAYESIAN, 3,
					    0) < 0) {
		ok(0, "bayesian sampler: %s", mlw_error_last());
		return;
	}
	for (i = 0; i < 30 && !ret; i++) {
		struct mlw_sweep_value *p;
		double y;

		ret = mlw_sweep_sampler_next(s, i, h, i, U[i]);
		if (ret < 0)
			break;
		p = mlw_sweep_space_decode(space, U[i]);
		y = mlw_sweep_value_get(p, "y")->f;
		quantised &= fabs(y / 0.05 - nearbyint(y / 0.05)) < 1e-9;
		good += i >= 15 && !strcmp(mlw_sweep_value_get(p, "k")->s,
					   "good");
		h[i].u = U[i];
		h[i].running = 0;
		h[i].value = bowl(p);
		best = fmin(best, h[i].value);
		mlw_sweep_value_free(p);
	}
	ok(!ret, "30 Bayesian suggestions (%s)", ret ? mlw_error_last() : "");
	ok(quantised, "quantised values stay multiples of q");
	ok(best < 2e-3, "it finds the bowl's bottom: best %g", best);
	ok(good >= 9, "the good category wins most trials after the "
	   "start (%d of 15)", good);

	/* the same seed and history give the same suggestion */
	mlw_sweep_sampler_new(&s2, space, MLW_SAMPLE_BAYESIAN, 3, 0);
	mlw_sweep_sampler_next(s2, 20, h, 20, again);
	ok(!memcmp(again, U[20], sizeof(again)),
	   "reproducible: same seed, same history, same point");
	mlw_sweep_sampler_free(s2);

	/* a running trial: the next suggestion is elsewhere */
	mlw_sweep_sampler_next(s, 12, h, 12, U[12]);
	h[12].u = U[12];
	h[12].running = 1;
	mlw_sweep_sampler_next(s, 13, h, 13, U[13]);
	ok(memcmp(U[12], U[13], sizeof(U[12])),
	   "with trial 12 running, trial 13 gets another point");
	mlw_sweep_sampler_free(s);
	mlw_sweep_space_free(space);

	ok(fabs(mlw_sweep_log_ei(0, 1, 0, 0) -
		log(mlw_sweep_norm_pdf(0))) < 1e-12,
	   "log EI at z = 0 is log phi(0)");
	ok(isfinite(mlw_sweep_log_ei(40, 1, 0, 0)) &&
	   mlw_sweep_log_ei(40, 1, 0, 0) < mlw_sweep_log_ei(30, 1, 0, 0),
	   "log EI stays finite and ordered far in the tail");
	ok(fabs(mlw_sweep_log_ei(-5.9, 1, 0, 0) -
		mlw_sweep_log_ei(-6.1, 1, 0, 0)) < 0.3 &&
	   fabs(exp(mlw_sweep_log_ei(7, 1, 0, 0)) -
		(-7 * mlw_sweep_norm_cdf(-7) + mlw_sweep_norm_pdf(7))) <
	   1e-15, "log EI is continuous where its formula switches");
}

int main(void)
{
	test_sobol();
	test_random();
	test_grid();
	test_bayesian();
	mlw_yaml_free(doc);
	return done_testing();
}

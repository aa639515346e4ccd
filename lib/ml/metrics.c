/*
 * metrics.c - regression and classification metrics (metrics.h).
 */
#include "ml/metrics.h"
#include "ml/dataset.h"
#include "util/alloc.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* a double's bits as an unsigned key in the same order (no NaN) */
static uint64_t sort_key(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof(b));
	return b >> 63 ? ~b : b | (1ULL << 63);
}

/*
 * Ranks 1..n with ties given their average rank (scipy's rankdata).
 * qsort(3) took ~0.3 s per million values and an LSD radix sort (six
 * scattering passes over 16 MB) ~0.15 s, so: a bucket sort.  One pass
 * counts the values into n / 8 buckets spread linearly between the
 * smallest and largest value, one pass scatters the (key, row) pairs,
 * and each bucket, a few dozen pairs in cache, is sorted by its keys
 * (insertion sort, or qsort(3) for the rare crowded bucket of skewed
 * data).  The pairs live in huge pages (mlw_big_alloc): on a virtual
 * machine each 4 KB first-touch fault costs tens of microseconds.
 */
struct keyed {
	uint64_t key;
	size_t i;
};

static int cmp_keyed(const void *a, const void *b)
{
	uint64_t x = ((const struct keyed *)a)->key;
	uint64_t y = ((const struct keyed *)b)->key;

	return x < y ? -1 : x > y;
}

static void sort_bucket(struct keyed *a, size_t n)
{
	size_t i, j;

	if (n > 64) {
		qsort(a, n, sizeof(*a), cmp_keyed);
		return;
	}
	for (i = 1; i < n; i++) {
		struct keyed t = a[i];

		for (j = i; j > 0 && a[j - 1].key > t.key; j--)
			a[j] = a[j - 1];
		a[j] = t;
	}
}

/* up to this many values are ranked in buffers on the stack */
#define SMALL_RANK 512

static void rank(double *r, const double *v, size_t n)
{
	size_t size = mlw_st_mult(n + 1, sizeof(struct keyed));
	size_t nb = n / 8 + 1, i, j, k;
	/* a sweep ranks a few hundred values thousands of times */
	struct keyed small[SMALL_RANK + 1];
	size_t small_start[SMALL_RANK / 8 + 2];
	size_t *start = n <= SMALL_RANK ? small_start :
			mlw_calloc(nb + 1, sizeof(size_t));
	struct keyed *a = n <= SMALL_RANK ? small : mlw_big_alloc(size);
	double lo = INFINITY, hi = -INFINITY, scale;

	if (start == small_start)
		memset(start, 0, (nb + 1) * sizeof(size_t));
	for (i = 0; i < n; i++) {
		if (v[i] < lo)
			lo = v[i];
		if (v[i] > hi)
			hi = v[i];
	}
	/* NaN, infinities or one value: one bucket, sorted by key */
	scale = hi > lo && isfinite(hi - lo) ? (double)nb / (hi - lo) : 0;
#define BUCKET(x) (scale > 0 && (x) > lo ? \
		   ((k = (size_t)(((x) - lo) * scale)) < nb ? k : nb - 1) : 0)
	for (i = 0; i < n; i++)
		start[BUCKET(v[i]) + 1]++;
	for (j = 0; j < nb; j++)
		start[j + 1] += start[j];
	for (i = 0; i < n; i++) {
		size_t d = start[BUCKET(v[i])]++;

		a[d].key = sort_key(v[i]);
		a[d].i = i;
	}
#undef BUCKET
	/* start[j] is now the end of bucket j */
	for (j = 0, i = 0; j < nb; i = start[j++])
		sort_bucket(a + i, start[j] - i);
	/* -0.0 and 0.0 have adjacent keys and tie as values */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[a[j].i] == v[a[i].i]; j++)
			;
		for (k = i; k < j; k++)
			r[a[k].i] = (double)(i + j + 1) / 2.0;
	}
	if (a != small) {
		mlw_big_free(a, size);
		free(start);
	}
}

/* rank() of several vectors at once, one thread each when they are long */
struct rank_job {
	double *r;
	const double *v;
	size_t n;
	pthread_t thread;
};

static void *rank_thread(void *arg)
{
	struct rank_job *j = arg;

	rank(j->r, j->v, j->n);
	return NULL;
}

static void rank_all(struct rank_job *jobs, size_t nr)
{
	size_t i, started = 0;

	for (i = 1; i < nr; i++) {
		if (jobs[i].n < 100000 ||
		    pthread_create(&jobs[i].thread, NULL, rank_thread, &jobs[i]))
			break;
		started = i;
	}
	rank_thread(&jobs[0]);
	for (i = started + 1; i < nr; i++)
		rank_thread(&jobs[i]);
	for (i = 1; i <= started; i++)
		pthread_join(jobs[i].thread, NULL);
}

static double mean(const double *v, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s / (double)n;
}

static double pearson(const double *a, const double *b, size_t n)
{
	double ma = mean(a, n), mb = mean(b, n), sab = 0, saa = 0, sbb = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		sab += (a[i] - ma) * (b[i] - mb);
		saa += (a[i] - ma) * (a[i] - ma);
		sbb += (b[i] - mb) * (b[i] - mb);
	}
	return sab / sqrt(saa * sbb);
}

void mlw_metrics_ranks(double *r, const double *v, size_t n)
{
	rank(r, v, n);
}

void mlw_metrics_regression(struct mlw_metric *out, const double *y,
			    const double *pred, size_t n)
{
	mlw_metrics_regression_ranked(out, y, NULL, pred, n);
}

void mlw_metrics_regression_ranked(struct mlw_metric *out, const double *y,
				   const double *ry_given, const double *pred,
				   size_t n)
{
	double my = mean(y, n), sse = 0, sst = 0, sae = 0, ymin = y[0];
	double ymax = y[0], me = 0, var_e = 0, *ry, *rp;
	double small[SMALL_RANK];
	size_t i;

	for (i = 0; i < n; i++) {
		double e = y[i] - pred[i];

		sse += e * e;
		sst += (y[i] - my) * (y[i] - my);
		sae += fabs(e);
		me += e;
		if (y[i] < ymin)
			ymin = y[i];
		if (y[i] > ymax)
			ymax = y[i];
	}
	me /= (double)n;
	for (i = 0; i < n; i++) {
		double e = y[i] - pred[i] - me;

		var_e += e * e;
	}
	ry = ry_given ? NULL : mlw_big_alloc(mlw_st_mult(n, sizeof(double)));
	rp = ry_given && n <= SMALL_RANK ? small :
	     mlw_big_alloc(mlw_st_mult(n, sizeof(double)));
	if (ry_given) {
		rank(rp, pred, n);
	} else {
		struct rank_job jobs[2] = { { ry, y, n, 0 }, { rp, pred, n, 0 } };

		rank_all(jobs, 2);
	}
	out[0].name = "r2_score";
	/* scikit-learn: a constant y gives 1 when predicted exactly, else 0 */
	out[0].value = sst != 0 ? 1 - sse / sst : sse == 0 ? 1 : 0;
	out[1].name = "root_mean_squared_error";
	out[1].value = sqrt(sse / (double)n);
	out[2].name = "normalized_root_mean_squared_error";
	out[2].value = ymax > ymin ? out[1].value / (ymax - ymin) : NAN;
	out[3].name = "mean_absolute_error";
	out[3].value = sae / (double)n;
	out[4].name = "spearman_correlation";
	out[4].value = pearson(ry_given ? ry_given : ry, rp, n);
	out[5].name = "explained_variance";
	out[5].value = sst != 0 ? 1 - var_e / sst : var_e == 0 ? 1 : 0;
	if (ry)
		mlw_big_free(ry, n * sizeof(double));
	if (rp != small)
		mlw_big_free(rp, n * sizeof(double));
}

size_t mlw_argmax_row(const double *proba, size_t n, size_t K, size_t i)
{
	size_t k, best = 0;

	for (k = 1; k < K; k++)
		if (proba[k * n + i] > proba[best * n + i])
			best = k;
	return best;
}

/* ROC AUC of score s for the positives pos[i] (Mann-Whitney, ties = 1/2) */
/* r: the ranks of the scores (rank()); pos: the positive rows */
static double auc(const double *r, const unsigned char *pos, size_t n)
{
	double npos = 0, nneg, rank_sum = 0;
	size_t i;

	/* Mann-Whitney: the positives' rank sum, ties averaged */
	for (i = 0; i < n; i++)
		if (pos[i]) {
			npos++;
			rank_sum += r[i];
		}
	nneg = (double)n - npos;
	if (!npos || !nneg)
		return NAN;
	return (rank_sum - npos * (npos + 1) / 2) / (npos * nneg);
}

void mlw_metrics_classification(struct mlw_metric *out, size_t *confusion,
				const double *y, const double *proba,
				size_t n, size_t K)
{
	size_t *cm = mlw_calloc(K * K, sizeof(size_t));
	unsigned char *pos = mlw_malloc(n + 1);
	/* the ranks of two classes' scores at a time, on two threads */
	double *ranks = mlw_big_alloc(mlw_st_mult(2 * n + 1, sizeof(double)));
	double correct = 0, pm = 0, pw = 0, rm = 0, rw = 0, fm = 0, fw = 0;
	double am = 0, aw = 0, aw_sup = 0, ll = 0, eps = DBL_EPSILON;
	size_t i, k, nr_auc = 0;

	for (i = 0; i < n; i++) {
		size_t t = (size_t)y[i], pr = mlw_argmax_row(proba, n, K, i);
		double s = 0, pt;

		cm[t * K + pr]++;
		correct += t == pr;
		/* clip then renormalise, as log_loss(eps="auto") */
		for (k = 0; k < K; k++) {
			double q = proba[k * n + i];

			s += q < eps ? eps : q > 1 - eps ? 1 - eps : q;
		}
		pt = proba[t * n + i];
		pt = pt < eps ? eps : pt > 1 - eps ? 1 - eps : pt;
		ll -= log(pt / s);
	}
	for (k = 0; k < K; k++) {
		double tp = (double)cm[k * K + k], support = 0, predicted = 0;
		double prec, rec, f1, a;
		size_t j;

		for (j = 0; j < K; j++) {
			support += (double)cm[k * K + j];
			predicted += (double)cm[j * K + k];
		}
		prec = predicted ? tp / predicted : 0;
		rec = support ? tp / support : 0;
		f1 = prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0;
		pm += prec;
		rm += rec;
		fm += f1;
		pw += prec * support;
		rw += rec * support;
		fw += f1 * support;
		if (k % 2 == 0) {
			struct rank_job jobs[2] = {
				{ ranks, proba + k * n, n, 0 },
				{ ranks + n, proba + (k + 1) * n, n, 0 }
			};

			rank_all(jobs, k + 1 < K ? 2 : 1);
		}
		for (i = 0; i < n; i++)
			pos[i] = (size_t)y[i] == k;
		a = auc(ranks + (k % 2) * n, pos, n);
		if (!isnan(a)) {
			am += a;
			aw += a * support;
			aw_sup += support;
			nr_auc++;
		}
	}
	out[0].name = "accuracy";
	out[0].value = correct / (double)n;
	out[1].name = "precision_score_macro";
	out[1].value = pm / (double)K;
	out[2].name = "precision_score_weighted";
	out[2].value = pw / (double)n;
	out[3].name = "recall_score_macro";
	out[3].value = rm / (double)K;
	out[4].name = "recall_score_weighted";
	out[4].value = rw / (double)n;
	out[5].name = "f1_score_macro";
	out[5].value = fm / (double)K;
	out[6].name = "f1_score_weighted";
	out[6].value = fw / (double)n;
	out[7].name = "AUC_macro";
	out[7].value = nr_auc == K ? am / (double)K : NAN;
	out[8].name = "AUC_weighted";
	out[8].value = nr_auc == K ? aw / aw_sup : NAN;
	out[9].name = "log_loss";
	out[9].value = ll / (double)n;
	out[10].name = "norm_macro_recall";
	out[10].value = (out[3].value - 1.0 / (double)K) / (1 - 1.0 / (double)K);
	if (confusion)
		memcpy(confusion, cm, K * K * sizeof(size_t));
	free(cm);
	free(pos);
	mlw_big_free(ranks, (2 * n + 1) * sizeof(double));
}

/*
 * metrics.c - regression and classification metrics (metrics.h).
 */
#include "ml/metrics.h"
#include "ml/dataset.h"
#include "util/alloc.h"

#include <float.h>
#include <math.h>
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
 * The values are sorted by an LSD radix sort of (key, row) pairs, 11
 * bits a pass, skipping passes where every key has the same digit:
 * qsort(3) took ~0.3 s per million values, more than the rest of the
 * metrics together.  The pairs live in huge pages (mlw_big_alloc): on a
 * virtual machine each 4 KB first-touch fault costs tens of microseconds.
 */
struct keyed {
	uint64_t key;
	size_t i;
};

static void rank(double *r, const double *v, size_t n)
{
	size_t size = mlw_st_mult(n + 1, sizeof(struct keyed));
	struct keyed *a = mlw_big_alloc(size), *b = mlw_big_alloc(size), *swap;
	struct keyed *orig_a = a, *orig_b = b;
	size_t i, j, k, shift;

	for (i = 0; i < n; i++) {
		a[i].key = sort_key(v[i]);
		a[i].i = i;
	}
	for (shift = 0; n && shift < 64; shift += 11) {
		size_t count[2048] = { 0 }, sum = 0, d;

		for (i = 0; i < n; i++)
			count[(a[i].key >> shift) & 2047]++;
		if (count[(a[0].key >> shift) & 2047] == n)
			continue;
		for (d = 0; d < 2048; d++) {
			size_t c = count[d];

			count[d] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[count[(a[i].key >> shift) & 2047]++] = a[i];
		swap = a;
		a = b;
		b = swap;
	}
	/* -0.0 and 0.0 have adjacent keys and tie as values */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[a[j].i] == v[a[i].i]; j++)
			;
		for (k = i; k < j; k++)
			r[a[k].i] = (double)(i + j + 1) / 2.0;
	}
	mlw_big_free(orig_a, size);
	mlw_big_free(orig_b, size);
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

void mlw_metrics_regression(struct mlw_metric *out, const double *y,
			    const double *pred, size_t n)
{
	double my = mean(y, n), sse = 0, sst = 0, sae = 0, ymin = y[0];
	double ymax = y[0], me = 0, var_e = 0, *ry, *rp;
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
	ry = mlw_malloc(mlw_st_mult(n, sizeof(double)));
	rp = mlw_malloc(mlw_st_mult(n, sizeof(double)));
	rank(ry, y, n);
	rank(rp, pred, n);
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
	out[4].value = pearson(ry, rp, n);
	out[5].name = "explained_variance";
	out[5].value = sst != 0 ? 1 - var_e / sst : var_e == 0 ? 1 : 0;
	free(ry);
	free(rp);
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
static double auc(const double *s, const unsigned char *pos, size_t n)
{
	double *r = mlw_malloc(mlw_st_mult(n + 1, sizeof(double)));
	double npos = 0, nneg, rank_sum = 0;
	size_t i;

	/* Mann-Whitney: the positives' rank sum, ties averaged */
	rank(r, s, n);
	for (i = 0; i < n; i++)
		if (pos[i]) {
			npos++;
			rank_sum += r[i];
		}
	nneg = (double)n - npos;
	free(r);
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
		for (i = 0; i < n; i++)
			pos[i] = (size_t)y[i] == k;
		a = auc(proba + k * n, pos, n);
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
}

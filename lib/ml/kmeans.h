/*
 * kmeans.h - k-means clustering, as scikit-learn's KMeans with
 * algorithm "lloyd": k-means++ seeding (greedy, 2 + log k candidates a
 * step), Lloyd iterations until no label changes or the squared centre
 * shift falls to tol times the mean feature variance, empty clusters
 * taking the points farthest from their centres; the best of n_init
 * runs by inertia (the sum of squared distances to the nearest centre).
 *
 * Initial centres may be given instead (one run, as init=array).
 */
#ifndef MLW_ML_KMEANS_H
#define MLW_ML_KMEANS_H

#include "ml/context.h"

#include <stddef.h>
#include <stdint.h>

struct mlw_kmeans_params {
	size_t nr_clusters;	/* 8 */
	int n_init;		/* 10 (scikit-learn 1.2) */
	int max_iter;		/* 300 */
	double tol;		/* 1e-4 */
	uint64_t seed;		/* 0: seeds a generator when rng is NULL */
	struct mlw_rng *rng;	/* the generator of the seeding, or NULL */
	const double *init;	/* k x p column-major (ld k), or NULL */
	/* may be NULL: progress after each of the n_init runs */
	struct mlw_train_ctx *ctx;
};

void mlw_kmeans_params_init(struct mlw_kmeans_params *p);

struct mlw_kmeans_model {
	size_t nr_clusters, nr_features;
	double *centers;	/* k x p, column-major (cluster c in row c) */
	double inertia;
	int nr_iter;		/* of the best run */
};

/*
 * Fit on X (n x p, column-major, borrowed); labels (n, may be NULL)
 * gets each row's cluster.  0, MLW_EINVALID (more clusters than rows)
 * or MLW_ERROR (no LAPACK).
 */
int mlw_kmeans_fit(struct mlw_kmeans_model *out, size_t *labels,
		   const struct mlw_kmeans_params *params, const double *X,
		   size_t n, size_t p);

/* labels of n rows of X: the nearest centre; distances (may be NULL)
 * gets each row's squared distance to it.  0 or MLW_ERROR. */
int mlw_kmeans_predict(size_t *labels, double *distances,
		       const struct mlw_kmeans_model *m, const double *X,
		       size_t n);

/*
 * The mean silhouette coefficient of the clustering (Euclidean
 * distances), as sklearn.metrics.silhouette_score; O(n^2 p).  MLW_EINVALID
 * unless 2 <= number of clusters used <= n - 1.
 */
int mlw_silhouette_score(double *out, const double *X, size_t n, size_t p,
			 const size_t *labels, size_t k);

void mlw_kmeans_release(struct mlw_kmeans_model *m);

extern const struct mlw_trainer mlw_kmeans_trainer;

#endif

/*
 * memo.c - the designs trainings share (memo.h, memo-internal.h).
 *
 * One lock guards the list of designs; each design's trainer stash has
 * its own.  A design is built outside the lock by the training that
 * needs it (two threads may build the same one at the start of a sweep:
 * the second to keep it gets the first's and frees its own), so building
 * a big design never holds up trainings on other designs.
 */
#include "ml/memo-internal.h"
#include "ml/dataset.h"
#include "ml/metrics.h"
#include "util/alloc.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* what a trainer keeps for a design */
struct mlw_fit_memo {
	pthread_mutex_t lock;
	struct stash {
		char *kind;
		void *data;
		size_t size;
	} *stash;
	size_t nr, alloc;
	struct mlw_train_memo *memo;	/* for its byte count */
};

/* rows of a dataset scored with a design's featurizer */
struct eval {
	struct mlw_dataset *ds;		/* a reference */
	size_t *rows, n;		/* rows NULL: all n */
	uint64_t hash;
	double *X, *y;
	double *ry;			/* regression: the ranks of y */
	size_t p;
};

struct entry {
	/* the key */
	struct mlw_dataset *ds;		/* a reference */
	size_t target;
	int classification, standardize;
	size_t *cols, nr_cols;
	size_t *rows, n;		/* rows NULL: all n */
	uint64_t hash;
	/* the design */
	struct mlw_featurizer *featurizer;
	struct mlw_target target_enc;
	double *X, *y;
	double *ry;			/* regression: the ranks of y */
	int X_owned;			/* else a view of ds */
	struct mlw_fit_memo fit;
	struct eval *evals;
	size_t nr_evals, alloc_evals;
};

struct mlw_train_memo {
	pthread_mutex_t lock;
	struct entry **entries;
	size_t nr, alloc;
	size_t max_bytes, bytes, hits;
};

struct mlw_train_memo *mlw_train_memo_new(size_t max_bytes)
{
	struct mlw_train_memo *m = mlw_calloc(1, sizeof(*m));

	pthread_mutex_init(&m->lock, NULL);
	m->max_bytes = max_bytes ? max_bytes : (size_t)256 << 20;
	return m;
}

static void free_eval(struct eval *e)
{
	mlw_big_free(e->X, e->n * e->p * sizeof(double));
	mlw_big_free(e->y, (e->n + 1) * sizeof(double));
	free(e->ry);
	free(e->rows);
	mlw_dataset_unref(e->ds);
}

static void free_entry(struct entry *e)
{
	size_t i, p = e->featurizer->nr_features;

	for (i = 0; i < e->nr_evals; i++)
		free_eval(&e->evals[i]);
	free(e->evals);
	for (i = 0; i < e->fit.nr; i++) {
		free(e->fit.stash[i].kind);
		free(e->fit.stash[i].data);
	}
	free(e->fit.stash);
	pthread_mutex_destroy(&e->fit.lock);
	if (e->X_owned)
		mlw_big_free(e->X, e->n * p * sizeof(double));
	mlw_big_free(e->y, (e->n + 1) * sizeof(double));
	free(e->ry);
	mlw_featurizer_free(e->featurizer);
	mlw_target_release(&e->target_enc);
	free(e->cols);
	free(e->rows);
	mlw_dataset_unref(e->ds);
	free(e);
}

void mlw_train_memo_free(struct mlw_train_memo *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nr; i++)
		free_entry(m->entries[i]);
	free(m->entries);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void mlw_train_memo_stats(struct mlw_train_memo *m,
			  struct mlw_train_memo_stats *out)
{
	pthread_mutex_lock(&m->lock);
	out->designs = m->nr;
	out->hits = m->hits;
	out->bytes = m->bytes;
	pthread_mutex_unlock(&m->lock);
}

/* FNV-1a over the row numbers (rows NULL: all n) */
static uint64_t rows_hash(const size_t *rows, size_t n)
{
	uint64_t h = 14695981039346656037ULL ^ n;
	size_t i;

	if (!rows)
		return h;
	for (i = 0; i < n; i++) {
		h ^= rows[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int same_rows(const size_t *a, const size_t *b, size_t n)
{
	if (!a || !b)
		return !a && !b;
	return !memcmp(a, b, n * sizeof(*a));
}

static size_t *copy_rows(const size_t *rows, size_t n)
{
	size_t *c;

	if (!rows)
		return NULL;
	c = mlw_malloc(mlw_st_mult(n + 1, sizeof(*c)));
	memcpy(c, rows, n * sizeof(*c));
	return c;
}

/* the ranks of y, for the regression metrics; NULL for classes */
static double *ranks(const double *y, size_t n, int classification)
{
	double *r;

	if (classification)
		return NULL;
	r = mlw_malloc(mlw_st_mult(n + 1, sizeof(double)));
	mlw_metrics_ranks(r, y, n);
	return r;
}

static int matches(const struct entry *e, const struct mlw_memo_key *k,
		   uint64_t hash)
{
	return e->hash == hash && e->ds == k->ds && e->n == k->n &&
	       e->target == k->target &&
	       e->classification == k->classification &&
	       e->standardize == k->standardize &&
	       e->nr_cols == k->nr_cols &&
	       !memcmp(e->cols, k->cols, k->nr_cols * sizeof(*k->cols)) &&
	       same_rows(e->rows, k->rows, k->n);
}

static void fill(struct mlw_memo_design *out, struct entry *e)
{
	out->featurizer = e->featurizer;
	out->target = e->target_enc;
	out->X = e->X;
	out->y = e->y;
	out->ry = e->ry;
	out->fit = &e->fit;
	out->entry = e;
}

/* under the lock */
static struct entry *find(struct mlw_train_memo *m,
			  const struct mlw_memo_key *k, uint64_t hash)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		if (matches(m->entries[i], k, hash))
			return m->entries[i];
	return NULL;
}

int mlw_memo_design_find(struct mlw_memo_design *out,
			 struct mlw_train_memo *m,
			 const struct mlw_memo_key *k)
{
	uint64_t hash = rows_hash(k->rows, k->n);
	struct entry *e;

	pthread_mutex_lock(&m->lock);
	e = find(m, k, hash);
	if (e) {
		m->hits++;
		fill(out, e);
	}
	pthread_mutex_unlock(&m->lock);
	return !!e;
}

int mlw_memo_design_keep(struct mlw_memo_design *out,
			 struct mlw_train_memo *m,
			 const struct mlw_memo_key *k,
			 struct mlw_featurizer *f, struct mlw_target *t,
			 double *X, int X_owned, double *y)
{
	uint64_t hash = rows_hash(k->rows, k->n);
	size_t p = f->nr_features;
	size_t bytes = ((X_owned ? k->n * p : 0) + 2 * k->n + 1 +
			(k->rows ? k->n : 0)) * sizeof(double);
	double *ry = ranks(y, k->n, k->classification);
	struct entry *e;

	pthread_mutex_lock(&m->lock);
	e = find(m, k, hash);
	if (!e && m->bytes + bytes > m->max_bytes) {
		pthread_mutex_unlock(&m->lock);
		free(ry);
		return 0;
	}
	if (e) {
		/* another thread kept it first: ours goes */
		fill(out, e);
		pthread_mutex_unlock(&m->lock);
		free(ry);
		if (X_owned)
			mlw_big_free(X, k->n * p * sizeof(double));
		mlw_big_free(y, (k->n + 1) * sizeof(double));
		mlw_featurizer_free(f);
		mlw_target_release(t);
		return 1;
	}
	e = mlw_calloc(1, sizeof(*e));
	e->ds = mlw_dataset_ref((struct mlw_dataset *)k->ds);
	e->target = k->target;
	e->classification = k->classification;
	e->standardize = k->standardize;
	e->cols = mlw_calloc(k->nr_cols + 1, sizeof(*e->cols));
	memcpy(e->cols, k->cols, k->nr_cols * sizeof(*e->cols));
	e->nr_cols = k->nr_cols;
	e->rows = copy_rows(k->rows, k->n);
	e->n = k->n;
	e->hash = hash;
	e->featurizer = f;
	e->target_enc = *t;
	memset(t, 0, sizeof(*t));
	e->X = X;
	e->X_owned = X_owned;
	e->y = y;
	e->ry = ry;
	pthread_mutex_init(&e->fit.lock, NULL);
	e->fit.memo = m;
	MLW_ALLOC_GROW(m->entries, m->nr + 1, m->alloc);
	m->entries[m->nr++] = e;
	m->bytes += bytes;
	fill(out, e);
	pthread_mutex_unlock(&m->lock);
	return 1;
}

static struct eval *find_eval(struct entry *e, const struct mlw_dataset *ds,
			      const size_t *rows, size_t n, uint64_t hash)
{
	size_t i;

	for (i = 0; i < e->nr_evals; i++) {
		struct eval *v = &e->evals[i];

		if (v->hash == hash && v->ds == ds && v->n == n &&
		    same_rows(v->rows, rows, n))
			return v;
	}
	return NULL;
}

int mlw_memo_eval_find(const double **X, const double **y,
		       const double **ry, struct mlw_train_memo *m,
		       const struct mlw_memo_design *d,
		       const struct mlw_dataset *ds, const size_t *rows,
		       size_t n)
{
	struct eval *v;

	pthread_mutex_lock(&m->lock);
	v = find_eval(d->entry, ds, rows, n, rows_hash(rows, n));
	if (v) {
		*X = v->X;
		*y = v->y;
		*ry = v->ry;
	}
	pthread_mutex_unlock(&m->lock);
	return !!v;
}

int mlw_memo_eval_keep(const double **X_out, const double **y_out,
		       const double **ry_out, struct mlw_train_memo *m,
		       const struct mlw_memo_design *d,
		       const struct mlw_dataset *ds, const size_t *rows,
		       size_t n, double *X, double *y)
{
	struct entry *e = d->entry;
	uint64_t hash = rows_hash(rows, n);
	size_t p = e->featurizer->nr_features;
	size_t bytes = (n * p + 2 * n + 1 + (rows ? n : 0)) * sizeof(double);
	double *ry = ranks(y, n, e->classification);
	struct eval *v;

	pthread_mutex_lock(&m->lock);
	v = find_eval(e, ds, rows, n, hash);
	if (!v && m->bytes + bytes > m->max_bytes) {
		pthread_mutex_unlock(&m->lock);
		free(ry);
		return 0;
	}
	if (v) {
		*X_out = v->X;
		*y_out = v->y;
		*ry_out = v->ry;
		pthread_mutex_unlock(&m->lock);
		free(ry);
		mlw_big_free(X, n * p * sizeof(double));
		mlw_big_free(y, (n + 1) * sizeof(double));
		return 1;
	}
	MLW_ALLOC_GROW(e->evals, e->nr_evals + 1, e->alloc_evals);
	v = &e->evals[e->nr_evals++];
	v->ds = mlw_dataset_ref((struct mlw_dataset *)ds);
	v->rows = copy_rows(rows, n);
	v->n = n;
	v->hash = hash;
	v->X = X;
	v->y = y;
	v->ry = ry;
	v->p = p;
	m->bytes += bytes;
	*X_out = X;
	*y_out = y;
	*ry_out = ry;
	pthread_mutex_unlock(&m->lock);
	return 1;
}

const void *mlw_fit_memo_get(struct mlw_fit_memo *fm, const char *kind,
			     size_t size)
{
	const void *data = NULL;
	size_t i;

	pthread_mutex_lock(&fm->lock);
	for (i = 0; i < fm->nr; i++)
		if (!strcmp(fm->stash[i].kind, kind) &&
		    fm->stash[i].size == size)
			data = fm->stash[i].data;
	pthread_mutex_unlock(&fm->lock);
	return data;
}

const void *mlw_fit_memo_put(struct mlw_fit_memo *fm, const char *kind,
			     void *data, size_t size)
{
	struct mlw_train_memo *m = fm->memo;
	const void *kept = NULL;
	size_t i;
	int room;

	pthread_mutex_lock(&fm->lock);
	for (i = 0; i < fm->nr && !kept; i++)
		if (!strcmp(fm->stash[i].kind, kind) &&
		    fm->stash[i].size == size)
			kept = fm->stash[i].data;
	if (kept) {
		pthread_mutex_unlock(&fm->lock);
		free(data);
		return kept;
	}
	/* the memo's lock inside a stash's, never the other way round */
	pthread_mutex_lock(&m->lock);
	room = m->bytes + size <= m->max_bytes;
	if (room)
		m->bytes += size;
	pthread_mutex_unlock(&m->lock);
	if (room) {
		MLW_ALLOC_GROW(fm->stash, fm->nr + 1, fm->alloc);
		fm->stash[fm->nr].kind = mlw_strdup(kind);
		fm->stash[fm->nr].data = data;
		fm->stash[fm->nr++].size = size;
	}
	pthread_mutex_unlock(&fm->lock);
	return room ? data : NULL;
}

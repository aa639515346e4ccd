/*
 * memo-internal.h - the memo's designs, for mlw_train() (train.c); see
 * memo.h for what a memo is.
 *
 * A design is found by its key; when it is not kept, the training
 * builds it as it would without a memo and hands it over to be kept.
 * What is found is read-only and lives as long as the memo: the
 * featurizer and target encoding are the memo's (a model that outlives
 * the training takes copies).
 */
#ifndef MLW_ML_MEMO_INTERNAL_H
#define MLW_ML_MEMO_INTERNAL_H

#include "ml/features.h"
#include "ml/memo.h"

#include <stddef.h>

struct mlw_dataset;

/* what a design is of */
struct mlw_memo_key {
	const struct mlw_dataset *ds;
	size_t target;			/* the target column */
	int classification, standardize;
	const size_t *cols;		/* the feature columns */
	size_t nr_cols;
	const size_t *rows;		/* the training rows; NULL: all n */
	size_t n;
};

/* a kept design (borrowed from the memo) */
struct mlw_memo_design {
	struct mlw_featurizer *featurizer;
	struct mlw_target target;
	const double *X, *y;		/* n x p (leading dimension n), n */
	const double *ry;		/* regression: the ranks of y */
	struct mlw_fit_memo *fit;	/* the trainer's stash */
	void *entry;
};

/* 1 with *out when key's design is kept, else 0 */
int mlw_memo_design_find(struct mlw_memo_design *out,
			 struct mlw_train_memo *m,
			 const struct mlw_memo_key *k);

/*
 * Keep the design of key: featurizer f, target encoding *t, X (n x p,
 * mlw_big_alloc'ed when X_owned, else a view of key->ds) and y (n + 1
 * doubles, mlw_big_alloc'ed).  Returns 1 with *out, the memo owning
 * them (or, when another thread kept the same design first, that one,
 * and these are freed); 0 when the memo is full: they stay the caller's.
 */
int mlw_memo_design_keep(struct mlw_memo_design *out,
			 struct mlw_train_memo *m,
			 const struct mlw_memo_key *k,
			 struct mlw_featurizer *f, struct mlw_target *t,
			 double *X, int X_owned, double *y);

/*
 * The design of rows of ds (NULL: all n) under design d's featurizer
 * and target: found (1 with *X, *y and, for regression, *ry the ranks
 * of y, else NULL), or kept (X, y mlw_big_alloc'ed, n x p and n + 1
 * doubles: 1 with *X_out, *y_out, *ry_out, which may be another
 * thread's, these being freed), 0 when absent or the memo is full.
 */
int mlw_memo_eval_find(const double **X, const double **y,
		       const double **ry, struct mlw_train_memo *m,
		       const struct mlw_memo_design *d,
		       const struct mlw_dataset *ds, const size_t *rows,
		       size_t n);
int mlw_memo_eval_keep(const double **X_out, const double **y_out,
		       const double **ry_out, struct mlw_train_memo *m,
		       const struct mlw_memo_design *d,
		       const struct mlw_dataset *ds, const size_t *rows,
		       size_t n, double *X, double *y);

#endif

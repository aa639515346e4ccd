/*
 * memo.h - what trainings on the same data share: the work that does not
 * depend on the hyperparameters, done once.
 *
 * A sweep trains the same algorithm on the same rows a thousand times
 * with another alpha.  With a memo in the context (ctx->memo), mlw_train()
 * keeps, per design (the dataset, the target, the feature columns,
 * standardize, and the exact rows: every cross-validation fold's
 * training rows, the held-out rows, all rows), what it derived from the
 * data alone: the fitted featurizer and target encoding, the design
 * matrix and target vector, the design of each set of rows it scored
 * with that featurizer, and what the trainer itself keeps there (a
 * ridge keeps the centred Gram matrix: a new alpha is then a p x p
 * solve).  Everything kept is exactly what the fit without a memo
 * computes, in the same order, so the models and metrics are the same
 * to the bit; t/unit/test-ml-memo.c compares them.
 *
 *	struct mlw_train_memo *memo = mlw_train_memo_new(0);
 *	ctx.memo = memo;		// on every trial's context
 *	... mlw_train(&res, ds, &req, &ctx) on any number of threads
 *	mlw_train_memo_free(memo);	// after the last training
 *
 * Thread-safe: trainings on several threads share one memo (a design is
 * built by the first that needs it; the others wait for it, then read
 * it).  Entries are never dropped before mlw_train_memo_free(); once the
 * memo holds max_bytes, new designs are not kept (the trainings compute
 * them, as without a memo).  An entry holds a reference to its dataset
 * (mlw_dataset_ref()), so a key is never a freed dataset's address.
 * Distributed trainings (ctx->comm) do not use it.
 */
#ifndef MLW_ML_MEMO_H
#define MLW_ML_MEMO_H

#include <stddef.h>

struct mlw_train_memo;
struct mlw_fit_memo;

/* A new memo keeping at most max_bytes (0: 256 MiB). */
struct mlw_train_memo *mlw_train_memo_new(size_t max_bytes);
void mlw_train_memo_free(struct mlw_train_memo *m);

struct mlw_train_memo_stats {
	size_t designs;		/* designs kept */
	size_t hits;		/* trainings' designs found kept */
	size_t bytes;		/* held */
};
void mlw_train_memo_stats(struct mlw_train_memo *m,
			  struct mlw_train_memo_stats *out);

/*
 * For a trainer's fit(): in->memo (trainer.h), when not NULL, is where
 * it may keep what it derives from in->X and in->y alone, under a kind
 * naming what it is ("ridge-gram").  get returns what was kept under
 * kind (size bytes) or NULL; put keeps data (mlw_malloc'ed; the memo
 * frees it) and returns what is kept now: data, or what another thread
 * put first (data is then freed); or NULL when the memo is full (data
 * stays the caller's).  What is returned is read-only and lives as long
 * as the memo.
 */
const void *mlw_fit_memo_get(struct mlw_fit_memo *fm, const char *kind,
			     size_t size);
const void *mlw_fit_memo_put(struct mlw_fit_memo *fm, const char *kind,
			     void *data, size_t size);

#endif

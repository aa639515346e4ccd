/*
 * dist.h - the parts of mlw_train() that change when the rows are spread
 * over ranks (context.h: ctx->comm): the featurizer and the target are
 * fitted on every rank's rows, so every rank holds the same ones, and a
 * failure on one rank stops them all at the same point.
 *
 * Which trainers can be distributed exactly is said by
 * mlw_trainer_distributable(): those whose fit needs sums over the rows
 * only.  Categorical features are refused for now (their vocabulary
 * would have to be merged); numeric and boolean ones are fitted from
 * summed counts and sums, as one process fits them.
 */
#ifndef MLW_ML_DIST_H
#define MLW_ML_DIST_H

#include "ml/context.h"
#include "ml/dataset.h"
#include "ml/features.h"
#include "ml/trainer.h"

#include <stddef.h>

/*
 * NULL when t can be trained on rows spread over ranks to the
 * one-process model, else why not ("kernel_ridge needs the kernel of
 * all rows at once").
 */
const char *mlw_trainer_distributable(const struct mlw_trainer *t);

/*
 * After a step each rank did on its own rows, every rank calls this:
 * 0 when no rank failed; else every rank returns the failure of the
 * first rank that failed: its own message when every rank failed, else
 * "rank R: <its message>", and ctx->error_elsewhere is set on every
 * rank but 0 (rank 0 says it for all: the output of the others may be
 * lost when mpirun stops them).  Alone: ret.
 */
int mlw_train_agree(struct mlw_train_ctx *ctx, int ret);

/*
 * mlw_featurizer_fit() over every rank's rows of ds (all of this rank's
 * rows): the imputed values and standardization from summed counts.
 * MLW_EINVALID on every rank alike: a categorical column, a column
 * without values.
 */
int mlw_featurizer_fit_dist(struct mlw_featurizer **out,
			    const struct mlw_dataset *ds, const size_t *cols,
			    size_t nr_cols, int standardize,
			    struct mlw_train_ctx *ctx);

/*
 * mlw_target_fit() over every rank's rows: for a classifier, the union
 * of the ranks' classes, in the order one process sorts them.
 */
int mlw_target_fit_dist(struct mlw_target *out, const struct mlw_dataset *ds,
			size_t col, int classification,
			struct mlw_train_ctx *ctx);

#endif

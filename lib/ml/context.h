/*
 * context.h - what a training call carries besides its data and request:
 * a seeded random generator, a thread budget, a sink for warnings and an
 * optional progress callback that may ask to stop early.
 *
 * Nothing in lib/ml keeps state between calls: two trainings on two
 * threads, each with its own context, never share anything but the
 * read-only dataset, so a sweep can run trials side by side; but for a
 * memo (memo.h) the caller puts in several contexts, which keeps what
 * those trainings would otherwise compute again.
 *
 *	struct mlw_train_ctx ctx;
 *	struct mlw_strlist warnings = MLW_STRLIST_INIT;
 *
 *	mlw_train_ctx_init(&ctx, seed);
 *	ctx.nr_threads = 2;		// this call's share of the CPUs
 *	ctx.warnings = &warnings;	// or NULL to drop them
 *	ctx.progress = on_step;		// or NULL
 *	ctx.progress_data = trial;
 *
 * The progress callback is called after each iteration of the iterative
 * solvers (logistic regression, lasso and elastic net, k-means) and after
 * each cross-validation fold; a non-zero return stops that loop where it
 * is: the solver keeps what it has (converged 0) and cross-validation
 * averages the folds done.  ctx->stopped then says so.
 */
#ifndef MLW_ML_CONTEXT_H
#define MLW_ML_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

struct mlw_comm;
struct mlw_metric;
struct mlw_train_memo;
struct mlw_strlist;

/* splitmix64: a small, seeded, portable generator */
struct mlw_rng {
	uint64_t state;
};

static inline uint64_t mlw_rng_next(struct mlw_rng *r)
{
	uint64_t z = (r->state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* uniform in [0, 1), 53 random bits */
static inline double mlw_rng_uniform(struct mlw_rng *r)
{
	return (double)(mlw_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Shuffle v[0..n) in place (Fisher-Yates, from the end). */
void mlw_rng_shuffle(struct mlw_rng *r, size_t *v, size_t n);

/* One report to the progress callback. */
struct mlw_progress {
	const char *stage;	/* "iteration" or "fold" (static) */
	int step;		/* 1, 2, ... */
	int nr_steps;		/* the most there can be, or 0 */
	const char *metric;	/* "objective" or a metric name (static) */
	double value;
	/* a fold: every metric of the fold (metric is the first), else NULL */
	const struct mlw_metric *metrics;
	size_t nr_metrics;
};

typedef int (*mlw_progress_fn)(const struct mlw_progress *p, void *data);

struct mlw_train_ctx {
	struct mlw_rng rng;
	int nr_threads;			/* < 1 means 1 */
	struct mlw_strlist *warnings;	/* may be NULL */
	mlw_progress_fn progress;	/* may be NULL */
	void *progress_data;
	int stopped;			/* progress returned non-zero */
	/*
	 * bytes a fit may take beyond its data (0: the memory the system
	 * says is available); a fit that would need more is refused
	 */
	size_t memory_limit;
	/*
	 * The ranks training together (comm.h), or NULL: this process
	 * alone.  With a comm the dataset is this rank's share of the
	 * rows; every sum a fit takes over the rows goes through
	 * mlw_train_sum(), and a trainer that needs all rows at once
	 * refuses (mlw_train() says which can be distributed).
	 */
	struct mlw_comm *comm;
	/*
	 * Set when a distributed training failed and this rank need not
	 * print why: another rank's failure stopped it, or every rank
	 * failed alike and rank 0 says it.
	 */
	int error_elsewhere;
	/* what trainings on the same data share (memo.h), or NULL */
	struct mlw_train_memo *memo;
};

/* rng seeded with seed, one thread, no warnings, no progress */
void mlw_train_ctx_init(struct mlw_train_ctx *ctx, uint64_t seed);

/*
 * The memory a fit may use: ctx->memory_limit, or the system's
 * available memory (MemAvailable of /proc/meminfo); 0 when unknown.
 */
size_t mlw_train_ctx_memory(const struct mlw_train_ctx *ctx);

/* ctx->nr_threads, at least 1 and at most max */
int mlw_train_ctx_threads(const struct mlw_train_ctx *ctx, int max);

/*
 * Report a step; returns 1 when the callback asks to stop (ctx->stopped
 * is set and stays set), else 0.  ctx may be NULL.
 */
int mlw_train_report(struct mlw_train_ctx *ctx, const char *stage, int step,
		     int nr_steps, const char *metric, double value);
/*
 * The same for cross-validation fold step of nr_steps, with the fold's
 * nr metrics m (at least one): a sweep picks its primary metric there.
 */
int mlw_train_report_fold(struct mlw_train_ctx *ctx, int step, int nr_steps,
			  const struct mlw_metric *m, size_t nr);

/*
 * Distributed training (ctx->comm set): v[0..n) becomes its sum over
 * every rank, the same bits on each; nothing without a comm.  ctx may
 * be NULL.
 */
void mlw_train_sum(struct mlw_train_ctx *ctx, double *v, size_t n);
/* n summed over the ranks (n itself alone) */
size_t mlw_train_total(struct mlw_train_ctx *ctx, size_t n);
/* 1 when ctx has a comm (even of one rank) */
int mlw_train_distributed(const struct mlw_train_ctx *ctx);

/* Add a warning to ctx->warnings (when there is one); ctx may be NULL. */
void mlw_train_warn(struct mlw_train_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

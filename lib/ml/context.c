/*
 * context.c - the per-call context of training (context.h).
 */
#include "ml/context.h"
#include "ml/comm.h"
#include "ml/metrics.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mlw_rng_shuffle(struct mlw_rng *r, size_t *v, size_t n)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = (size_t)(mlw_rng_next(r) % i), t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

void mlw_train_ctx_init(struct mlw_train_ctx *ctx, uint64_t seed)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->rng.state = seed;
	ctx->nr_threads = 1;
}

size_t mlw_train_ctx_memory(const struct mlw_train_ctx *ctx)
{
	unsigned long long kb = 0;
	char line[256];
	FILE *fp;

	if (ctx && ctx->memory_limit)
		return ctx->memory_limit;
	fp = fopen("/proc/meminfo", "re");
	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(fp);
	return (size_t)kb * 1024;
}

int mlw_train_ctx_threads(const struct mlw_train_ctx *ctx, int max)
{
	int n = ctx && ctx->nr_threads > 1 ? ctx->nr_threads : 1;

	return n > max ? max : n;
}

/* hand p to the callback; 1 when it asks to stop (then or before) */
static int report(struct mlw_train_ctx *ctx, const struct mlw_progress *p)
{
	if (!ctx || !ctx->progress)
		return 0;
	if (ctx->stopped)
		return 1;
	if (ctx->progress(p, ctx->progress_data))
		ctx->stopped = 1;
	return ctx->stopped;
}

int mlw_train_report(struct mlw_train_ctx *ctx, const char *stage, int step,
		     int nr_steps, const char *metric, double value)
{
	struct mlw_progress p = { stage, step, nr_steps, metric, value,
				  NULL, 0 };

	return report(ctx, &p);
}

int mlw_train_report_fold(struct mlw_train_ctx *ctx, int step, int nr_steps,
			  const struct mlw_metric *m, size_t nr)
{
	struct mlw_progress p = { "fold", step, nr_steps, m[0].name,
				  m[0].value, m, nr };

	return report(ctx, &p);
}

void mlw_train_warn(struct mlw_train_ctx *ctx, const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	if (!ctx || !ctx->warnings)
		return;
	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	mlw_strlist_push_owned(ctx->warnings, mlw_buf_detach(&b, NULL));
}

void mlw_train_sum(struct mlw_train_ctx *ctx, double *v, size_t n)
{
	if (ctx && ctx->comm)
		mlw_comm_sum(ctx->comm, v, n);
}

size_t mlw_train_total(struct mlw_train_ctx *ctx, size_t n)
{
	double t = (double)n;

	mlw_train_sum(ctx, &t, 1);
	return (size_t)t;
}

int mlw_train_distributed(const struct mlw_train_ctx *ctx)
{
	return ctx && ctx->comm;
}

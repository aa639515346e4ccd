/*
 * progress.c - progress meters; see progress.h.
 */
#include "util/progress.h"
#include "util/alloc.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int enabled;

struct mlw_progress {
	char *title;
	uint64_t total, done;
	int flags;
	double last_draw, start;
	int drawn;
};

void mlw_progress_enable(int on)
{
	enabled = on;
}

struct mlw_progress *mlw_progress_new(const char *title, uint64_t total,
				      int flags)
{
	struct mlw_progress *p;

	if (!enabled)
		return NULL;
	p = mlw_calloc(1, sizeof(*p));
	p->title = mlw_strdup(title);
	p->total = total;
	p->flags = flags;
	p->start = mlw_now();
	return p;
}

static void amount(char *out, size_t n, uint64_t v, int bytes)
{
	if (!bytes)
		snprintf(out, n, "%llu", (unsigned long long)v);
	else if (v >= (1ull << 30))
		snprintf(out, n, "%.2f GiB", (double)v / (1ull << 30));
	else if (v >= (1ull << 20))
		snprintf(out, n, "%.1f MiB", (double)v / (1ull << 20));
	else
		snprintf(out, n, "%.1f KiB", (double)v / 1024);
}

static void draw(struct mlw_progress *p, int final)
{
	char done[32], total[32];
	double now = mlw_now();

	if (!final && now - p->last_draw < 0.1)
		return;
	/* nothing worth showing for work that finishes in a blink */
	if (!p->drawn && now - p->start < 0.5 && !final)
		return;
	if (final && !p->drawn)
		return;
	p->last_draw = now;
	p->drawn = 1;
	amount(done, sizeof(done), p->done, p->flags & MLW_PROGRESS_BYTES);
	if (p->total) {
		amount(total, sizeof(total), p->total,
		       p->flags & MLW_PROGRESS_BYTES);
		fprintf(stderr, "\r%s: %3d%% (%s/%s)", p->title,
			(int)(p->done * 100 / p->total), done, total);
	} else {
		fprintf(stderr, "\r%s: %s", p->title, done);
	}
	if (final)
		fprintf(stderr, ", done.\n");
	fflush(stderr);
}

void mlw_progress_update(struct mlw_progress *p, uint64_t done)
{
	if (!p)
		return;
	p->done = done;
	draw(p, 0);
}

void mlw_progress_add(struct mlw_progress *p, uint64_t delta)
{
	if (p)
		mlw_progress_update(p, p->done + delta);
}

void mlw_progress_done(struct mlw_progress *p)
{
	if (!p)
		return;
	draw(p, 1);
	free(p->title);
	free(p);
}

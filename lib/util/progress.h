/*
 * progress.h - progress meters on stderr, for people at a terminal.
 *
 * A meter is created disabled unless cmd/ says the user can see it
 * (stderr is a terminal and -q was not given); a disabled meter costs a
 * branch per update.  Updates are throttled to ten redraws a second.
 *
 *	struct mlw_progress *p = mlw_progress_new("storing", total, MLW_PROGRESS_BYTES);
 *	for (...) mlw_progress_update(p, done);
 *	mlw_progress_done(p);
 */
#ifndef MLW_UTIL_PROGRESS_H
#define MLW_UTIL_PROGRESS_H

#include <stdint.h>

#define MLW_PROGRESS_BYTES 1	/* show amounts as KiB/MiB/GiB */

struct mlw_progress;

/* Process-wide switch, set once by cmd/: 1 when meters may be drawn. */
void mlw_progress_enable(int on);

/* total 0 means unknown; title is copied */
struct mlw_progress *mlw_progress_new(const char *title, uint64_t total,
				      int flags);
/* done so far; drawn at most ten times a second */
void mlw_progress_update(struct mlw_progress *p, uint64_t done);
/* delta more done */
void mlw_progress_add(struct mlw_progress *p, uint64_t delta);
/* draw the final state, end the line, free */
void mlw_progress_done(struct mlw_progress *p);

#endif

/*
 * pool.h - catalog connections for a process with threads.
 *
 * A catalog connection (struct mlw_catalog) holds a transaction's state
 * and is used by one thread at a time.  A process where several threads
 * use the catalog at once (a sweep's supervisor and its trial workers,
 * the tracking server's request threads) takes a connection from a pool
 * for each piece of work and puts it back after: connections are opened
 * as needed up to a maximum, then reused, and a thread that finds them
 * all out waits for one.  SQLite's WAL lets their reads proceed together;
 * writers queue on the write lock (BEGIN IMMEDIATE, busy timeout), which
 * is why work is batched (child.h) rather than a transaction a point.
 *
 * Every function may be called from any thread.
 */
#ifndef MLW_RUN_POOL_H
#define MLW_RUN_POOL_H

struct mlw_catalog;
struct mlw_repo;
struct mlw_run_pool;

/*
 * A pool of at most max (at least 1) connections to repo's catalog.
 * Nothing is opened yet.  Free with mlw_run_pool_free().
 */
int mlw_run_pool_new(struct mlw_run_pool **out, struct mlw_repo *repo,
		     unsigned max);

/*
 * A connection for this thread's use until mlw_run_pool_put(): a free
 * one, a new one, or, when max are out, the first put back.  0 with
 * *out, or the error of opening the catalog.
 */
int mlw_run_pool_get(struct mlw_catalog **out, struct mlw_run_pool *pool);

/* Give cat back; a transaction left open on it is rolled back. */
void mlw_run_pool_put(struct mlw_run_pool *pool, struct mlw_catalog *cat);

/* Close every connection; all must have been put back. */
void mlw_run_pool_free(struct mlw_run_pool *pool);

#endif

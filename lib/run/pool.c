/*
 * pool.c - catalog connections shared by threads; see pool.h.
 */
#include "run/pool.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "util/alloc.h"

#include <pthread.h>
#include <stdlib.h>

struct mlw_run_pool {
	pthread_mutex_t lock;
	pthread_cond_t returned;
	char *path;
	unsigned max, open;
	struct mlw_catalog **free_list;	/* max slots */
	unsigned nr_free;
};

int mlw_run_pool_new(struct mlw_run_pool **out, struct mlw_repo *repo,
		     unsigned max)
{
	struct mlw_run_pool *p = mlw_calloc(1, sizeof(*p));

	p->max = max ? max : 1;
	p->path = mlw_repo_path(repo, "mlw.db");
	p->free_list = mlw_calloc(p->max, sizeof(*p->free_list));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->returned, NULL);
	*out = p;
	return 0;
}

int mlw_run_pool_get(struct mlw_catalog **out, struct mlw_run_pool *p)
{
	int ret;

	pthread_mutex_lock(&p->lock);
	while (!p->nr_free && p->open == p->max)
		pthread_cond_wait(&p->returned, &p->lock);
	if (p->nr_free) {
		*out = p->free_list[--p->nr_free];
		pthread_mutex_unlock(&p->lock);
		return 0;
	}
	/* opened outside the lock: opening reads the schema */
	p->open++;
	pthread_mutex_unlock(&p->lock);
	ret = mlw_catalog_open(out, p->path);
	if (ret) {
		pthread_mutex_lock(&p->lock);
		p->open--;
		pthread_cond_signal(&p->returned);
		pthread_mutex_unlock(&p->lock);
	}
	return ret;
}

void mlw_run_pool_put(struct mlw_run_pool *p, struct mlw_catalog *cat)
{
	mlw_catalog_rollback(cat);
	pthread_mutex_lock(&p->lock);
	p->free_list[p->nr_free++] = cat;
	pthread_cond_signal(&p->returned);
	pthread_mutex_unlock(&p->lock);
}

void mlw_run_pool_free(struct mlw_run_pool *p)
{
	unsigned i;

	if (!p)
		return;
	for (i = 0; i < p->nr_free; i++)
		mlw_catalog_free(p->free_list[i]);
	pthread_cond_destroy(&p->returned);
	pthread_mutex_destroy(&p->lock);
	free(p->free_list);
	free(p->path);
	free(p);
}

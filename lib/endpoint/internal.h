/*
 * internal.h - what the files of lib/endpoint share and nothing above
 * them uses: the record writes under the verbs of endpoint.h, keys, and
 * the adapters over the layers below (assets, runs), so that a change of
 * those layers' names is a fix in one place.
 */
#ifndef MLW_ENDPOINT_INTERNAL_H
#define MLW_ENDPOINT_INTERNAL_H

#include "endpoint/endpoint.h"

#include <stdint.h>

struct mlw_catalog;
struct mlw_repo;

/* --- records (registry.c), inside the caller's transaction */

/* insert ep (MLW_EEXISTS), or replace its row (generation bumped) */
int mlw_endpoint_record_create(struct mlw_catalog *cat,
			       struct mlw_endpoint *ep);
int mlw_endpoint_record_update(struct mlw_catalog *cat,
			       struct mlw_endpoint *ep);
/* the endpoint and its deployments */
int mlw_endpoint_record_delete(struct mlw_catalog *cat, const char *name);
/* bump the generation: a server reloads */
int mlw_endpoint_touch(struct mlw_catalog *cat, const char *name);

/* Azure's defaults for every setting of a deployment */
void mlw_deployment_defaults(struct mlw_deployment *d);
/* insert (create; MLW_EEXISTS) or replace d; its endpoint is touched */
int mlw_deployment_record_write(struct mlw_catalog *cat,
				struct mlw_deployment *d, int create);
int mlw_deployment_record_delete(struct mlw_catalog *cat,
				 const char *endpoint, const char *name);
/* drop a deployment from both traffic maps of ep */
void mlw_endpoint_forget_deployment(struct mlw_endpoint *ep,
				    const char *name);

/* two new keys; or the two given, written as keys.json (mode 0600) */
int mlw_endpoint_keys_create(struct mlw_repo *repo, const char *name);
int mlw_endpoint_keys_write(struct mlw_repo *repo, const char *name,
			    const char *primary, const char *secondary);

/*
 * Take .mlw/endpoints/NAME/server.lock (made if missing), waiting for it
 * when wait; MLW_ELOCKED when another process holds it and !wait.  The
 * lock is the server's for as long as *fd_out stays open.
 */
int mlw_endpoint_server_lock(int *fd_out, struct mlw_repo *repo,
			     const char *name, int wait);

/* --- models and working files (apply.c) */

struct mlw_model;

/* a fresh folder .mlw/tmp/WHAT-XXXXXX; the caller removes and frees it */
int mlw_endpoint_tmpdir(char **out, struct mlw_repo *repo, const char *what);
/*
 * Restore d's model under dir as dir/MODEL_PATH (a folder's tree, or a
 * file), verified as it is written; *path_out is that path, the
 * caller's.  MLW_ENOTFOUND when the model's object is missing.
 */
int mlw_deployment_checkout_model(char **path_out, struct mlw_repo *repo,
				  const struct mlw_deployment *d,
				  const char *dir);
struct mlw_worker_pool;
/*
 * Start nr workers (worker.h) for d's scoring script in dir, laid out as
 * Azure lays it out: dir/code (the working folder), the model under
 * dir/azureml-models/NAME/VERSION/ (AZUREML_MODEL_DIR), d's
 * environment_variables set, and more_env ("NAME=VALUE", or NULL).
 * Their output goes to log_fd.  0 and *out, or negative.
 */
int mlw_deployment_workers(struct mlw_worker_pool **out,
			   struct mlw_repo *repo,
			   const struct mlw_deployment *d, const char *dir,
			   unsigned nr, int log_fd, const char *more_env);
/* read d's model as mlw scores it (ml/model.h); a temporary checkout */
int mlw_deployment_read_model(struct mlw_model *m, struct mlw_repo *repo,
			      const struct mlw_deployment *d);

#endif

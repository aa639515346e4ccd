/*
 * endpoint.h - online and batch endpoints and their deployments: the
 * registry every front door shares ('mlw endpoint', the online server,
 * batch jobs).
 *
 * Where this layer sits: lib/endpoint is above lib/http (the online
 * server's routes are here, on lib/http's server, which knows nothing of
 * endpoints) and above lib/run (a batch invocation is a run) and
 * lib/asset and lib/ml (deployments name models; mlw's own models are
 * scored in-process), and below cmd/:
 *
 *	util <- store <- spec <- {asset, ml} <- run <- {sweep, pipeline}
 *		<- http <- endpoint <- cmd
 *
 * A separate lib/serve between http and endpoint would hold nothing but
 * these routes, which need the registry anyway; the tracking API and the
 * web view get folders of their own above http, beside this one.
 *
 * The records are the "endpoint" tables of the catalog (catalog.h's
 * mlw_catalog_use()): endpoints, endpoint_deployments and the request
 * log endpoint_requests.  Their gc roots are each deployment's model,
 * code and spec objects, so 'mlw gc' keeps what a deployment serves.
 * Every change to an endpoint or one of its deployments bumps the
 * endpoint's generation: a running server polls it and swaps in the new
 * configuration.  Keys live beside the catalog, in
 * .mlw/endpoints/NAME/keys.json (mode 0600, in a 0700 folder), never in
 * the catalog that every reader of the store may read.
 *
 * "A model used by a deployment cannot be archived": the asset layer is
 * below this one and must not know of deployments, so the rule is kept
 * by the catalog itself: this layer's schema adds a trigger on the
 * assets table that aborts archiving a model version a deployment
 * names.  Whatever front door archives (the CLI, a future HTTP API),
 * the same UPDATE fails in the same transaction, with no race between a
 * check and the archive; mlw_catalog_db_error() maps the trigger's abort
 * to MLW_EINVALID with its message.
 */
#ifndef MLW_ENDPOINT_ENDPOINT_H
#define MLW_ENDPOINT_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

struct json_t;
struct mlw_catalog;
struct mlw_out;
struct mlw_repo;
struct mlw_spec;

enum mlw_endpoint_kind {
	MLW_ENDPOINT_ONLINE = 1,
	MLW_ENDPOINT_BATCH
};

/* "online", "batch" */
const char *mlw_endpoint_kind_name(enum mlw_endpoint_kind kind);

/* deployment -> percent, in the order given */
struct mlw_traffic_entry {
	char *deployment;
	int percent;
};
struct mlw_traffic {
	struct mlw_traffic_entry *items;
	size_t nr, alloc;
};

/* set (or replace) one entry */
void mlw_traffic_set(struct mlw_traffic *t, const char *deployment,
		     int percent);
/* the percent of deployment (0 when absent) */
int mlw_traffic_get(const struct mlw_traffic *t, const char *deployment);
void mlw_traffic_release(struct mlw_traffic *t);
/*
 * Parse az's "--traffic 'blue=90 green=10'" (spaces or commas between
 * pairs) into t, replacing the entries named.  MLW_EINVALID.
 */
int mlw_traffic_parse(struct mlw_traffic *t, const char *text,
		      const char *what);

struct mlw_endpoint {
	char *name;
	enum mlw_endpoint_kind kind;
	char *auth_mode;	/* key, aml_token, aad_token */
	char *description;
	struct json_t *tags, *properties;	/* objects of strings */
	struct mlw_traffic traffic;	/* online: live traffic */
	struct mlw_traffic mirror;	/* online: mirrored traffic */
	char *default_deployment;	/* batch: defaults.deployment_name */
	/*
	 * The spec as applied: the object id of its text, the path it was
	 * read from (relative paths resolve beside it), and the --set
	 * overrides given, a JSON list; what 'update --set' starts from.
	 */
	char *spec, *spec_path, *spec_overrides;
	int64_t generation;	/* bumped by every change */
	double created, updated;
};

struct mlw_request_settings {
	int64_t timeout_ms;		/* request_timeout_ms (5000) */
	int64_t max_concurrent;		/* per instance (1) */
	int64_t max_queue_wait_ms;	/* (500) */
};

struct mlw_batch_settings {
	int64_t mini_batch_size;	/* files, or rows of one file (10) */
	int64_t max_concurrency_per_instance;	/* (1) */
	int64_t error_threshold;	/* failed items allowed; -1 any */
	int64_t max_retries;		/* retry_settings.max_retries (3) */
	int64_t retry_timeout;		/* retry_settings.timeout, s (30) */
	char *output_action;		/* append_row, summary_only */
	char *output_file_name;		/* predictions.csv */
	char *logging_level;		/* warning, info, debug */
};

struct mlw_deployment {
	char *endpoint, *name;
	enum mlw_endpoint_kind kind;
	/* "azureml:NAME:VERSION" of a registered model, or NULL (inline) */
	char *model;
	int64_t model_asset;	/* its assets.id; 0 when inline */
	char *model_object;	/* tree or blob id of the model's files */
	char *model_type;	/* custom_model, mlflow_model, ... */
	/* the model's file or folder name under AZUREML_MODEL_DIR */
	char *model_path;
	char *code;		/* tree id of code_configuration.code */
	char *scoring_script;	/* relative to the code folder */
	char *environment;	/* as the spec named it (recorded) */
	char *instance_type;	/* recorded */
	int64_t instance_count;	/* worker processes */
	struct json_t *environment_variables;	/* object of strings */
	struct mlw_request_settings request;
	int app_insights_enabled;
	int data_collection;	/* data_collector collections enabled */
	struct mlw_batch_settings batch;
	char *description;
	struct json_t *tags;
	char *spec, *spec_path, *spec_overrides;	/* as an endpoint's */
	double created, updated;
};

void mlw_endpoint_free(struct mlw_endpoint *ep);
void mlw_deployment_free(struct mlw_deployment *d);

/* Bring the endpoint tables into cat (mlw_catalog_use()); 0 or code. */
int mlw_endpoint_use(struct mlw_catalog *cat);

/*
 * One endpoint; MLW_ENOTFOUND "endpoint 'x' not found".  *out is the
 * caller's (mlw_endpoint_free()).
 */
int mlw_endpoint_get(struct mlw_endpoint **out, struct mlw_catalog *cat,
		     const char *name);
/* just the generation (a server's poll); MLW_ENOTFOUND */
int mlw_endpoint_generation(int64_t *out, struct mlw_catalog *cat,
			    const char *name);
/* every endpoint, by name; fn owns nothing; non-zero stops and returns */
typedef int (*mlw_endpoint_fn)(const struct mlw_endpoint *ep, void *data);
int mlw_endpoint_list(struct mlw_catalog *cat, mlw_endpoint_fn fn,
		      void *data);

/* MLW_ENOTFOUND "deployment 'b' not found in endpoint 'e'" */
int mlw_deployment_get(struct mlw_deployment **out, struct mlw_catalog *cat,
		       const char *endpoint, const char *name);
typedef int (*mlw_deployment_fn)(const struct mlw_deployment *d, void *data);
/* the deployments of endpoint (NULL: all), by endpoint and name */
int mlw_deployment_list(struct mlw_catalog *cat, const char *endpoint,
			mlw_deployment_fn fn, void *data);

/*
 * The context of the verbs below: the workspace, and a sink for
 * warnings (fields mlw records but cannot honour, notes).
 */
struct mlw_endpoint_ctx {
	struct mlw_repo *repo;
	void (*warn)(const char *msg, void *data);
	void *data;
};

/* where a spec came from, kept for 'update --set' */
struct mlw_endpoint_source {
	const char *text;	/* its YAML text */
	const char *path;	/* the file it was read from */
	const char *const *overrides;	/* the --set overrides applied */
	size_t nr_overrides;
};

#define MLW_ENDPOINT_CREATE 1	/* a new one: MLW_EEXISTS when there */
#define MLW_ENDPOINT_UPDATE 2	/* an existing one: MLW_ENOTFOUND */

/*
 * 'endpoint create|update -f': the endpoint spec (managedOnlineEndpoint,
 * kubernetesOnlineEndpoint, batchEndpoint) recorded in one transaction;
 * an online endpoint in key or aml_token mode gets its two keys at
 * creation.  Traffic given by the spec must name deployments the
 * endpoint has and sum to 0 or 100 (mirror: at most 50 each, never to a
 * deployment with live traffic).  *out (may be NULL) is the record.
 * MLW_EINVALID (a bad value, the message says which), MLW_EEXISTS,
 * MLW_ENOTFOUND.
 */
int mlw_endpoint_apply(struct mlw_endpoint **out, struct mlw_endpoint_ctx *ctx,
		       const struct mlw_spec *spec,
		       const struct mlw_endpoint_source *src, int mode);

/*
 * 'endpoint update --traffic/--mirror-traffic': set the entries given
 * (either may be NULL), checked as above.  *out as above.
 */
int mlw_endpoint_set_traffic(struct mlw_endpoint **out,
			     struct mlw_endpoint_ctx *ctx, const char *name,
			     const char *traffic, const char *mirror);

/*
 * 'endpoint delete': the endpoint, its deployments, keys, logs and
 * working files.  A server still serving it is told to stop first
 * (mlw_endpoint_stop_server()).  MLW_ENOTFOUND.
 */
int mlw_endpoint_delete(struct mlw_endpoint_ctx *ctx, const char *name);

/*
 * 'endpoint deployment create|update -f': the deployment spec of an
 * existing endpoint of the same kind.  The model is resolved (a
 * registered model, or an inline path stored as objects), the code
 * folder stored as a tree; a deployment without a scoring script must
 * have a model mlw can score itself, read back to be sure.  all_traffic
 * sends it 100% of the live traffic; set_default makes it a batch
 * endpoint's default.  The model-deployed hook runs after the commit
 * (*hook_error, when not NULL, gets its failure message: the deployment
 * stands).  MLW_EINVALID, MLW_EEXISTS, MLW_ENOTFOUND (the endpoint, the
 * model or a path).
 */
int mlw_deployment_apply(struct mlw_deployment **out,
			 struct mlw_endpoint_ctx *ctx,
			 const struct mlw_spec *spec,
			 const struct mlw_endpoint_source *src, int mode,
			 int all_traffic, int set_default, char **hook_error);

/*
 * 'endpoint deployment delete': refused (MLW_EINVALID) while it takes
 * live or mirrored traffic.  MLW_ENOTFOUND.
 */
int mlw_deployment_delete(struct mlw_endpoint_ctx *ctx, const char *endpoint,
			  const char *name);

/*
 * What a record was last applied from (its spec, spec_path and
 * spec_overrides), for update --set without -f: *text (read from the
 * object store) and the overrides appended to overrides; the text is
 * the caller's.  MLW_ENOTFOUND when the record has no spec;
 * MLW_ECORRUPT when its overrides do not read back.
 */
struct mlw_strlist;
int mlw_endpoint_stored_spec(char **text, struct mlw_strlist *overrides,
			     struct mlw_endpoint_ctx *ctx, const char *spec,
			     const char *spec_overrides);

/* what a create or update applies (mlw_endpoint_spec_text()) */
struct mlw_endpoint_spec_request {
	const char *file;	/* -f FILE, or NULL */
	/* -n and --endpoint-name: the overrides name= and endpoint_name= */
	const char *name, *endpoint_name;
	const char *const *sets;	/* --set PATH=VALUE */
	size_t nr_sets;
	/* without file: what the record was applied from (update) */
	const char *stored_spec, *stored_path, *stored_overrides;
	/* without file or record: this text (create -n NAME alone) */
	const char *made_up;
	/* the spec's name in messages when it has no path ("endpoint") */
	const char *what;
};

/*
 * The spec's text (*text, the caller's) and the path it goes by (*path:
 * the file, the record's path, or req->what), and its overrides appended
 * to overrides in the order they apply: the record's, the sets, then
 * name= and endpoint_name=.  MLW_EINVALID "WHAT has no spec to update"
 * for a record without one; the errors of reading the file.
 */
int mlw_endpoint_spec_text(char **text, const char **path,
			   struct mlw_strlist *overrides,
			   struct mlw_endpoint_ctx *ctx,
			   const struct mlw_endpoint_spec_request *req);

/* src for spec, loaded from text with overrides (all borrowed) */
void mlw_endpoint_source_init(struct mlw_endpoint_source *src,
			      const char *text, const struct mlw_spec *spec,
			      const struct mlw_strlist *overrides);

/* --- keys: .mlw/endpoints/NAME/keys.json, mode 0600 */

#define MLW_ENDPOINT_KEY_SIZE 45	/* 44 base64 characters and NUL */

/*
 * The endpoint's two keys.  MLW_ENOTFOUND when it has none (a batch
 * endpoint, an aad_token one); MLW_ECORRUPT for a damaged file.
 */
int mlw_endpoint_keys(char primary[MLW_ENDPOINT_KEY_SIZE],
		      char secondary[MLW_ENDPOINT_KEY_SIZE],
		      struct mlw_repo *repo, const char *name);
/* A new primary (which 0) or secondary (1) key; the other is kept. */
int mlw_endpoint_regenerate_key(struct mlw_endpoint_ctx *ctx,
				const char *name, int which);

/* .mlw/endpoints/NAME[/rel]: the endpoint's folder; the caller frees */
char *mlw_endpoint_path(struct mlw_repo *repo, const char *name,
			const char *rel);

/* --- documents (show, list: -o json and friends) */

/*
 * Append ep as an object (az ml's fields: name, kind, auth_mode,
 * description, tags, properties, traffic, mirror_traffic, defaults,
 * scoring_uri, openapi_uri, provisioning_state, created, updated).
 * scoring_uri and openapi_uri are the running server's ("" none).
 */
void mlw_endpoint_document(struct mlw_out *o, const struct mlw_endpoint *ep,
			   const char *base_url);
void mlw_endpoint_row(struct mlw_out *o, const struct mlw_endpoint *ep);
void mlw_deployment_document(struct mlw_out *o,
			     const struct mlw_deployment *d);
void mlw_deployment_row(struct mlw_out *o, const struct mlw_deployment *d);

#endif

/*
 * asset.h - versioned data, model and environment assets.
 *
 * An asset is a (kind, name, version) row in the catalog pointing at its
 * content in the object store: a file is a blob, a folder a tree, an
 * environment's conda file a blob and its build context a tree.  Remote
 * paths (https://, wasbs://, abfss://, azureml://datastores/...) are
 * recorded as references: mlw works offline and never fetches them.
 *
 * A (name, version) is immutable once created.  Registering it again
 * with the same content returns the existing asset; with other content
 * it is MLW_EEXISTS naming both object ids.  Versions not given are the
 * next integer after the largest integer version of that name.  Archiving
 * hides an asset (or one version) from listings and from "@latest"; it
 * never deletes.  Only the description, tags and a model's stage change
 * after creation.
 *
 * Creating is two steps so the catalog's write lock is not held while
 * gigabytes are hashed:
 *
 *	mlw_asset_snapshot(&content, odb, cache, &spec);  objects written
 *	mlw_catalog_begin(cat);
 *	mlw_asset_register(&asset, &existed, cat, &spec, &content);
 *	mlw_catalog_commit(cat);
 *
 * A struct mlw_asset_spec is what the user asked for: today command-line
 * flags fill it, later a YAML spec loader will (so it also carries what
 * only specs say: flavors, signature, inference_config, ...).  It owns
 * its strings; free them with mlw_asset_spec_release().
 */
#ifndef MLW_ASSET_ASSET_H
#define MLW_ASSET_ASSET_H

#include "store/odb.h"

#include <stddef.h>
#include <stdint.h>

struct mlw_catalog;
struct mlw_ref;
struct mlw_statcache;
struct mlw_strlist;

enum mlw_asset_kind {
	MLW_ASSET_DATA = 1,
	MLW_ASSET_MODEL,
	MLW_ASSET_ENVIRONMENT
};

/* "data", "model", "environment" */
const char *mlw_asset_kind_name(enum mlw_asset_kind kind);

/* Ordered key=value pairs (tags, properties, environment variables). */
struct mlw_asset_kv {
	char *key;
	char *value;
};
struct mlw_asset_kvs {
	struct mlw_asset_kv *items;
	size_t nr, alloc;
};
#define MLW_ASSET_KVS_INIT { NULL, 0, 0 }

/* Set key to value (copied), replacing an existing key in place. */
void mlw_asset_kvs_set(struct mlw_asset_kvs *kvs, const char *key,
		       const char *value);
/* Parse "KEY=VALUE" (VALUE may be empty) and set it; MLW_EINVALID. */
int mlw_asset_kvs_parse(struct mlw_asset_kvs *kvs, const char *arg,
			const char *what);
/* 1 if removed, 0 if the key was not there. */
int mlw_asset_kvs_remove(struct mlw_asset_kvs *kvs, const char *key);
const char *mlw_asset_kvs_get(const struct mlw_asset_kvs *kvs,
			      const char *key);
void mlw_asset_kvs_release(struct mlw_asset_kvs *kvs);

/* What the user asked for.  NULL fields are "not given". */
struct mlw_asset_spec {
	enum mlw_asset_kind kind;
	char *name;
	char *version;		/* NULL: the next integer version */
	char *path;		/* data, model: local path or remote URI */
	char *type;		/* NULL: uri_folder / custom_model */
	char *description;
	struct mlw_asset_kvs tags;
	struct mlw_asset_kvs properties;
	char *base_dir;		/* relative paths resolve here; NULL: cwd */
	/* model */
	char *stage;
	char *job_name;		/* lineage: the run that produced it */
	char *flavors;		/* JSON object (MLmodel), NULL when unknown */
	char *signature;	/* JSON object (MLmodel) */
	/* environment */
	char *image;		/* a docker image: recorded, not pulled */
	char *conda_file;	/* path of a conda file... */
	char *conda_file_contents;	/* ...or its contents (from a spec) */
	char *build_context;	/* a folder with a Dockerfile, snapshotted */
	char *dockerfile_path;	/* inside the build context */
	struct mlw_asset_kvs environment_variables;
	char *inference_config;	/* JSON object */
};

void mlw_asset_spec_init(struct mlw_asset_spec *spec, enum mlw_asset_kind kind);
void mlw_asset_spec_release(struct mlw_asset_spec *spec);

/* Names: a letter or digit, then letters, digits, '-', '_', '.' (255). */
int mlw_asset_name_ok(const char *name);
int mlw_asset_version_ok(const char *version);

/* The types a kind accepts, NULL-terminated; the first is the default. */
const char *const *mlw_asset_types(enum mlw_asset_kind kind);

/* What mlw_asset_snapshot() stored. */
struct mlw_asset_content {
	char object[MLW_OID_HEXSZ + 1];	/* "" when a reference or none */
	char *path;			/* absolute local path */
	char *reference;		/* remote URI, or NULL */
	char conda_file[MLW_OID_HEXSZ + 1];	/* env: blob of the conda file */
	char build_context[MLW_OID_HEXSZ + 1];	/* env: tree */
	uint64_t size, nr_files;
	uint64_t nr_hashed, nr_cached;	/* files hashed / known from cache */
	/* mlflow_model: read from MLmodel (mlmodel.h); they take precedence */
	char *flavors, *signature;
};

void mlw_asset_content_release(struct mlw_asset_content *c);

/*
 * Check spec (names, type against the path) and store its content as
 * objects; cache, when not NULL, spares re-hashing unchanged files.
 * Errors: MLW_EINVALID (bad name, wrong type for the path, an MLTable or
 * MLmodel file missing, an MLmodel file that does not parse: "FILE:LINE:
 * COL: problem"), MLW_ENOTFOUND (a local path that does not exist,
 * or an azureml:jobs/JOB/outputs/NAME path: jobs do not exist yet).
 * warn receives notes (a remote reference, an image run locally).
 */
int mlw_asset_snapshot(struct mlw_asset_content *out, struct mlw_odb *odb,
		       struct mlw_statcache *cache,
		       const struct mlw_asset_spec *spec,
		       void (*warn)(const char *msg, void *data), void *data);

/* A row of the catalog. */
struct mlw_asset {
	int64_t id;
	enum mlw_asset_kind kind;
	char *name, *version, *type, *path, *object, *reference;
	char *description, *stage, *job_name, *flavors, *signature;
	char *image, *conda_file, *build_context, *dockerfile_path;
	char *inference_config;
	struct mlw_asset_kvs tags, properties, environment_variables;
	int archived;
	double created, updated;
};

void mlw_asset_free(struct mlw_asset *a);

/*
 * Record spec with content, inside the caller's catalog transaction.
 * *existed is set to 1 when the same (name, version) with the same
 * content was already there (it is returned unchanged).  MLW_EEXISTS when
 * it was there with other content.
 */
int mlw_asset_register(struct mlw_asset **out, int *existed,
		       struct mlw_catalog *cat,
		       const struct mlw_asset_spec *spec,
		       const struct mlw_asset_content *content);

/*
 * One version, or with version NULL the newest version that is not
 * archived.  MLW_ENOTFOUND when there is none.
 */
int mlw_asset_get(struct mlw_asset **out, struct mlw_catalog *cat,
		  enum mlw_asset_kind kind, const char *name,
		  const char *version);

/*
 * The asset a parsed reference names (spec/ref.h: mlw_ref_parse_operand()
 * for a command's operand): NAME:VERSION, NAME or NAME@latest (the newest
 * version that is not archived), an ARM id of this kind.  MLW_ENOTFOUND
 * for no such asset, another label (the store keeps only "latest"), a
 * registry asset or a remote URI (not available locally); MLW_EINVALID
 * for a job's output or an ARM id of another kind, which are no
 * registered asset of this kind.
 */
int mlw_asset_lookup(struct mlw_asset **out, struct mlw_catalog *cat,
		     enum mlw_asset_kind kind, const struct mlw_ref *ref);

#define MLW_ASSET_LIST_INCLUDE_ARCHIVED 1
#define MLW_ASSET_LIST_ARCHIVED_ONLY 2
typedef int (*mlw_asset_fn)(const struct mlw_asset *a, void *data);
/*
 * With name: every version of that asset, oldest first.  Without: one
 * row per name, its newest version, by name.  Archived versions are left
 * out unless flags say otherwise.  max > 0 stops after max rows.  A
 * non-zero return from fn stops the listing and is returned.
 */
int mlw_asset_list(struct mlw_catalog *cat, enum mlw_asset_kind kind,
		   const char *name, int flags, int64_t max, mlw_asset_fn fn,
		   void *data);

/*
 * Change what may change: description (NULL: keep), tags set and tags
 * removed (a missing tag to remove is MLW_EINVALID), stage (NULL: keep).
 * version NULL is the latest.  In the caller's transaction.
 */
int mlw_asset_update(struct mlw_asset **out, struct mlw_catalog *cat,
		     enum mlw_asset_kind kind, const char *name,
		     const char *version, const char *description,
		     const struct mlw_asset_kvs *set_tags,
		     const struct mlw_strlist *remove_tags, const char *stage);

/*
 * Archive (archived 1) or restore (0) one version, or with version NULL
 * every version of the name.  MLW_ENOTFOUND when nothing matches.
 */
int mlw_asset_set_archived(struct mlw_catalog *cat, enum mlw_asset_kind kind,
			   const char *name, const char *version,
			   int archived);

/*
 * Restore an asset's content under dir/NAME (a folder's tree into it, a
 * file as dir/NAME/BASENAME).  MLW_EEXISTS when dir/NAME is there and
 * not empty; MLW_EINVALID for a reference (nothing is stored).
 */
int mlw_asset_download(char **path_out, struct mlw_odb *odb,
		       const struct mlw_asset *a, const char *dir);

/* The JSON payload of the model-registered event; the caller frees. */
char *mlw_asset_event_payload(const struct mlw_asset *a);

#endif

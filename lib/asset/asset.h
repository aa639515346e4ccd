/*
 * asset.h - versioned data, model and environment assets: the types and
 * the steps the registration service (service.h) is made of.
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
 * Front doors (commands, jobs, pipelines, the HTTP API) call the service
 * (service.h), one call a verb.  Its steps are here for the layers that
 * compose them differently; creating is two steps so the catalog's write
 * lock is not held while gigabytes are hashed:
 *
 *	mlw_asset_snapshot(&content, odb, cache, &spec, warn, data);
 *	mlw_catalog_begin(cat);
 *	mlw_asset_register(&asset, &existed, cat, &spec, &content);
 *	mlw_catalog_commit(cat);
 *
 * A struct mlw_asset_spec is what the user asked for, from command-line
 * flags or a spec file (from-spec.h), so it also carries what only specs
 * say: flavors, signature, inference_config, ...  It owns its strings;
 * free them with mlw_asset_spec_release().
 *
 * Ownership: a struct mlw_asset comes back through **out and is the
 * caller's, freed with mlw_asset_free(); the structs the caller embeds
 * (spec, content, kvs) are emptied with their _release().
 */
#ifndef MLW_ASSET_ASSET_H
#define MLW_ASSET_ASSET_H

#include "store/odb.h"
#include "util/strutil.h"

#include <stddef.h>
#include <stdint.h>

struct mlw_catalog;
struct mlw_ref;
struct mlw_statcache;

/*
 * The kinds.  Adding one (a component, say) is a value here, an entry
 * in the table of mlw_asset_kind_info() (asset.c), and, when its content
 * is neither of the two below, a way to snapshot it (snapshot.c); the
 * catalog's CHECK on assets.kind takes a core migration.
 */
enum mlw_asset_kind {
	MLW_ASSET_DATA = 1,
	MLW_ASSET_MODEL,
	MLW_ASSET_ENVIRONMENT,
	MLW_ASSET_COMPONENT	/* lib/pipeline/component.h makes its content */
};

/* What an asset's content is, and so how it is snapshotted and compared */
enum mlw_asset_content_kind {
	MLW_ASSET_CONTENT_PATH,		/* a file or folder, or a remote URI */
	MLW_ASSET_CONTENT_ENVIRONMENT	/* image or build context, conda */
};

/* What the layer knows of a kind (static data, never freed). */
struct mlw_asset_kind_info {
	enum mlw_asset_kind kind;
	const char *name;	/* "model": the catalog's kind, messages */
	const char *label;	/* "data asset": the subject of messages */
	const char *command;	/* "env": the command that manages it */
	const char *arm_type;	/* "models": its segment of an ARM id */
	/* the types it takes, NULL-terminated, the default first; a kind
	   without types has an empty list */
	const char *const *types;
	enum mlw_asset_content_kind content;
	int has_stage;		/* a stage that may change (models) */
	/* the event a new version raises (hooks), or NULL */
	const char *registered_event;
};

/* The kind's entry; BUG() for a value that is no kind. */
const struct mlw_asset_kind_info *mlw_asset_kind_info(enum mlw_asset_kind kind);
/* "data", "model", "environment": mlw_asset_kind_info(kind)->name */
const char *mlw_asset_kind_name(enum mlw_asset_kind kind);
/* The kind named so in the catalog; 0 when none is. */
enum mlw_asset_kind mlw_asset_kind_from_name(const char *name);

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

/* Set key to value (both copied), replacing an existing key in place. */
void mlw_asset_kvs_set(struct mlw_asset_kvs *kvs, const char *key,
		       const char *value);
/*
 * Parse "KEY=VALUE" (VALUE may be empty) and set it; MLW_EINVALID
 * "WHAT 'ARG' is not KEY=VALUE" otherwise.
 */
int mlw_asset_kvs_parse(struct mlw_asset_kvs *kvs, const char *arg,
			const char *what);
/* Each "KEY=VALUE" of l, as mlw_asset_kvs_parse() takes it. */
int mlw_asset_kvs_parse_list(struct mlw_asset_kvs *kvs,
			     const struct mlw_strlist *l, const char *what);
/* 1 if removed, 0 if the key was not there. */
int mlw_asset_kvs_remove(struct mlw_asset_kvs *kvs, const char *key);
/* The value of key (borrowed from kvs), or NULL. */
const char *mlw_asset_kvs_get(const struct mlw_asset_kvs *kvs,
			      const char *key);
/* Free the pairs; kvs is empty and reusable afterwards. */
void mlw_asset_kvs_release(struct mlw_asset_kvs *kvs);
/* kvs as a compact JSON object with sorted keys; the caller frees. */
char *mlw_asset_kvs_to_text(const struct mlw_asset_kvs *kvs);
/*
 * Add the pairs of a JSON object (as the catalog stores them; NULL and
 * "" are empty) to out; MLW_ECORRUPT naming what for anything else.
 */
int mlw_asset_kvs_from_text(struct mlw_asset_kvs *out, const char *text,
			    const char *what);

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

/* Zero spec and set its kind. */
void mlw_asset_spec_init(struct mlw_asset_spec *spec, enum mlw_asset_kind kind);
/* Free every field; spec is zeroed (init it again to reuse it). */
void mlw_asset_spec_release(struct mlw_asset_spec *spec);

/* Names: a letter or digit, then letters, digits, '-', '_', '.' (255). */
int mlw_asset_name_ok(const char *name);
int mlw_asset_version_ok(const char *version);

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

/* Free the strings content holds and zero it. */
void mlw_asset_content_release(struct mlw_asset_content *c);

/*
 * Check spec (names, type against the path) and store its content as
 * objects; cache, when not NULL, spares re-hashing unchanged files.
 * Errors: MLW_EINVALID (bad name, wrong type for the path, an MLTable or
 * MLmodel file missing, an MLmodel file that does not parse: "FILE:LINE:
 * COL: problem"), MLW_ENOTFOUND (a local path that does not exist,
 * or an azureml:jobs/JOB/outputs/NAME path: jobs are the run layer's,
 * whose caller gives the output's content instead, service.h).
 * warn receives notes (a remote reference, an image run locally).  On
 * failure out holds nothing and nothing was stored.
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

/* Free a and everything it holds; NULL is fine. */
void mlw_asset_free(struct mlw_asset *a);

/*
 * Record spec with content, inside the caller's catalog transaction.
 * *existed is set to 1 when the same (name, version) with the same
 * content was already there (it is returned unchanged).  MLW_EEXISTS when
 * it was there with other content.  *out is the caller's.
 */
int mlw_asset_register(struct mlw_asset **out, int *existed,
		       struct mlw_catalog *cat,
		       const struct mlw_asset_spec *spec,
		       const struct mlw_asset_content *content);

/*
 * One version, or with version NULL the newest version that is not
 * archived.  MLW_ENOTFOUND when there is none.  *out is the caller's.
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
 * registered asset of this kind.  *out is the caller's.
 */
int mlw_asset_lookup(struct mlw_asset **out, struct mlw_catalog *cat,
		     enum mlw_asset_kind kind, const struct mlw_ref *ref);

#define MLW_ASSET_LIST_INCLUDE_ARCHIVED 1
#define MLW_ASSET_LIST_ARCHIVED_ONLY 2
/* a is borrowed for the call; non-zero stops the listing */
typedef int (*mlw_asset_fn)(const struct mlw_asset *a, void *data);
/*
 * With name: every version of that asset, oldest first (MLW_ENOTFOUND
 * when it has none at all).  Without: one row per name, its newest
 * version, by name.  Archived versions are left out unless flags say
 * otherwise.  max > 0 stops after max rows.  A non-zero return from fn
 * stops the listing and is returned.
 */
int mlw_asset_foreach(struct mlw_catalog *cat, enum mlw_asset_kind kind,
		      const char *name, int flags, int64_t max,
		      mlw_asset_fn fn, void *data);

/*
 * What may change after creation.  The struct owns its strings; empty it
 * with mlw_asset_changes_release().
 */
struct mlw_asset_changes {
	char *description;		/* NULL: keep */
	char *stage;			/* NULL: keep (kinds with a stage) */
	struct mlw_asset_kvs set_tags;	/* added or replaced */
	struct mlw_strlist remove_tags;	/* keys removed */
};
#define MLW_ASSET_CHANGES_INIT { NULL, NULL, MLW_ASSET_KVS_INIT, \
				 MLW_STRLIST_INIT }

/*
 * An update's --set PATH=VALUE: description=TEXT, tags.KEY=VALUE, and
 * for kinds with a stage stage=STAGE.  MLW_EINVALID for anything else
 * (content is immutable), saying what may change.
 */
int mlw_asset_changes_set(struct mlw_asset_changes *ch,
			  enum mlw_asset_kind kind, const char *arg);
/* An update's --remove tags.KEY; MLW_EINVALID for anything else. */
int mlw_asset_changes_remove(struct mlw_asset_changes *ch, const char *arg);
/* 1 when ch changes nothing. */
int mlw_asset_changes_empty(const struct mlw_asset_changes *ch);
void mlw_asset_changes_release(struct mlw_asset_changes *ch);

/*
 * Apply ch to one version (version NULL: the latest), in the caller's
 * transaction.  A tag to remove that is not there is MLW_EINVALID, a
 * stage for a kind without one BUG().  *out is the row afterwards.
 */
int mlw_asset_change(struct mlw_asset **out, struct mlw_catalog *cat,
		     enum mlw_asset_kind kind, const char *name,
		     const char *version, const struct mlw_asset_changes *ch);

/*
 * Archive (archived 1) or restore (0) one version, or with version NULL
 * every version of the name, in the caller's transaction.  MLW_ENOTFOUND
 * when nothing matches.
 */
int mlw_asset_set_archived(struct mlw_catalog *cat, enum mlw_asset_kind kind,
			   const char *name, const char *version,
			   int archived);

/*
 * Restore an asset's content under dir/NAME (a folder's tree into it, a
 * file as dir/NAME/BASENAME); *path_out (the caller's) is the folder or
 * the file.  MLW_EEXISTS when dir/NAME is there and not empty;
 * MLW_EINVALID for a reference (nothing is stored); MLW_ECORRUPT when the
 * object is missing.
 */
int mlw_asset_restore(char **path_out, struct mlw_odb *odb,
		      const struct mlw_asset *a, const char *dir);

/*
 * Restore the object oid as dest: a blob as the file dest, a tree as the
 * folder dest (which must not exist, or be empty).  Files are written to
 * a temporary name and renamed.  MLW_ENOTFOUND when oid is not stored.
 */
int mlw_asset_checkout(struct mlw_odb *odb, const struct mlw_oid *oid,
		       const char *dest);

/* The JSON payload of a's registered event; the caller frees. */
char *mlw_asset_event_payload(const struct mlw_asset *a);

#endif

/*
 * job.h - command jobs: from a loaded spec to a job ready to run.
 *
 *	mlw_job_prepare()	read the spec, resolve inputs, code, environment
 *				(nothing written; bad input is MLW_EINVALID)
 *	mlw_job_snapshot_code()	store the code folder as a tree
 *	mlw_job_bind()		bind ${{...}} and $[[...]] into the command
 *
 * What follows is launch.h's: record the run, lay out its working area
 * (workdir.h) and start its supervisor (supervise.h).
 */
#ifndef MLW_RUN_JOB_H
#define MLW_RUN_JOB_H

#include "run/supervise.h"
#include "store/odb.h"
#include "util/strutil.h"

#include <stdint.h>
#include <sys/types.h>

struct mlw_catalog;
struct mlw_placement;
struct mlw_repo;
struct mlw_spec;
struct mlw_ref;

/*
 * Resolve an azureml: data or model reference to an object (a tree or a
 * blob) and its asset type ("uri_folder", "custom_model"...); for a
 * blob, *file_name is the name of the file it was registered from (else
 * NULL).  The caller frees both.  Returns 0, MLW_ENOTFOUND (message
 * set), or another negative code.
 */
typedef int (*mlw_asset_lookup_fn)(struct mlw_oid *out, char **type,
				   char **file_name,
				   const struct mlw_ref *ref, void *data);
/* the default until the asset catalog exists: every asset is unknown */
int mlw_asset_lookup_none(struct mlw_oid *out, char **type, char **file_name,
			  const struct mlw_ref *ref, void *data);

struct mlw_job_opts {
	const char *name;		/* --name, else spec name, else new */
	const char *experiment;		/* --experiment-name */
	const char *display_name;
	const char *parent;
	mlw_asset_lookup_fn asset_lookup;
	void *asset_data;
};

struct mlw_stamp;

struct mlw_job_io {
	char *name;
	char *type;
	char *value;		/* literal, or the path/reference as written */
	char *src;		/* local input: absolute source path */
	int is_literal, is_file, optional_missing;
	/*
	 * mode: direct, for a local input: the run reads src in place
	 * when the stamp taken at its snapshot still holds (stamp.h)
	 */
	int direct;
	struct mlw_stamp *stamp;
	struct mlw_oid oid;
	int has_oid;
	char *file_name;	/* uri_file: the name inside its folder */
	/* outputs: register as this asset when the run completes */
	char *asset_name, *asset_version;
};

struct mlw_job {
	struct mlw_repo *repo;
	const struct mlw_spec *spec;
	char *name, *experiment, *display_name, *description, *parent;
	const char *type;	/* the run's type: "command" when NULL */
	char *command_template;
	char *command;		/* bound */
	char *code_dir;		/* absolute; NULL without code: */
	struct mlw_oid code;
	int has_code;
	uint64_t code_files, code_bytes;
	int code_reused;	/* a kept working copy was used (wtcache.h) */
	int keep_workdir;	/* leave .mlw/runs/NAME after the run */
	/*
	 * Azure's ./outputs and ./logs in the command's working folder,
	 * made by mlw_job_create() (bit 0: outputs, bit 1: logs) unless
	 * the code snapshot holds them; collected as the run's artifacts
	 * outputs/... and logs/... when it ends.
	 */
	unsigned made_dirs;
	char *environment, *compute;
	/* the target and distribution (compute/placement.h); owned */
	struct mlw_placement *placement;
	double timeout;		/* seconds, 0: none */
	char *properties;	/* JSON object text */
	char *metrics_pattern;	/* NULL: off */
	struct mlw_job_io *inputs, *outputs;
	size_t nr_inputs, nr_outputs;
	struct mlw_strlist env;		/* "KEY=VALUE" */
	struct mlw_strlist tags;	/* key, value, key, value... */
	struct mlw_strlist warnings;
	char *workdir;		/* .mlw/runs/NAME */
	/*
	 * Where an MLflow tracking server for the workspace listens, or
	 * NULL: the command then gets MLFLOW_TRACKING_URI, MLFLOW_RUN_ID
	 * (the run's name) and MLFLOW_EXPERIMENT_NAME, before the spec's
	 * environment_variables (which win).  Owned.
	 */
	char *tracking_uri;
	struct mlw_run_plan plan;	/* mlw_job_create(): the supervisor's */
	int64_t run_id;
	/*
	 * Called by mlw_job_create() in the transaction that records the
	 * run (job->name and job->run_id set), for what a layer above
	 * records with it: a pipeline's row for its step.  Non-zero fails
	 * the recording (nothing is recorded).  NULL: none.
	 */
	int (*in_record)(struct mlw_catalog *cat, const struct mlw_job *job,
			 void *data);
	void *in_record_data;
};

/*
 * The job spec describes, checked and resolved: 0 with *out (free with
 * mlw_job_free()), or MLW_EINVALID with the spec's FILE:LINE:COL in the
 * message (or the error of a lookup).  Nothing is written; warnings on
 * what cannot be honoured here (environment, compute) are in
 * (*out)->warnings.  spec (borrowed) must outlive the job.
 */
int mlw_job_prepare(struct mlw_job **out, struct mlw_repo *repo,
		    const struct mlw_spec *spec,
		    const struct mlw_job_opts *opts);
void mlw_job_free(struct mlw_job *job);

/* snapshot the code folder (objects written); fills code_files/bytes */
int mlw_job_snapshot_code(struct mlw_job *job);

/*
 * When the code snapshot is large (Azure ML's own limits are 2000 files
 * and 300 MB), lines saying how big it is and its biggest top-level
 * entries, for --dry-run and the job's log; NULL when it is not.
 */
#define MLW_JOB_LARGE_FILES 2000
#define MLW_JOB_LARGE_BYTES (100u << 20)
char *mlw_job_code_summary(struct mlw_job *job);
/*
 * Bind ${{...}} and $[[...]] into job->command for the working area
 * .mlw/runs/NAME (job->workdir).  MLW_EINVALID when job->name does not
 * follow the rule for job names (util/name.h); 0 otherwise.
 */
int mlw_job_bind(struct mlw_job *job);

/*
 * The path an input or output (kind "inputs" or "outputs") is bound to
 * in the working area: the folder, or the file in it for a uri_file.
 * The caller frees.
 */
char *mlw_job_io_path(const struct mlw_job *job, const char *kind,
		      const struct mlw_job_io *io);

#endif

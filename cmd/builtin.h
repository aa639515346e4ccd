/*
 * builtin.h - what every command implementation shares.
 *
 * A command is int cmd_NAME(int argc, const char **argv, struct mlw_ctx *)
 * returning the process exit status (DESIGN §5).  argv[0] is the command
 * name.  Commands parse their options with cmd_parse(), find the workspace
 * with cmd_repo(), call lib/, and render results through the output layer
 * with cmd_print(); errors from lib/ are reported with cmd_fail().
 */
#ifndef MLW_CMD_BUILTIN_H
#define MLW_CMD_BUILTIN_H

#include "util/opt.h"
#include "util/output.h"

#include <stdio.h>
#include <sys/types.h>

struct mlw_repo;
struct mlw_odb;
struct mlw_catalog;

struct mlw_ctx {
	/*
	 * MLW_FMT_DEFAULT unless -o was given; -o jsonc and yamlc are JSON
	 * and YAML here, with color set when stdout is a terminal and
	 * NO_COLOR is not (cmd_print() colours them)
	 */
	enum mlw_format format;
	int color;
	int no_color;		/* NO_COLOR is set */
	const char *query;	/* --query JMESPATH, applied by cmd_print() */
	int quiet;
	int verbose;
	const char *mlw_dir;	/* --mlw-dir or MLW_DIR */
	int stdout_tty, stderr_tty;
	int term_width;
	int argc;		/* the whole command line, for the op log */
	const char **argv;
	struct mlw_repo *repo;
};

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, const char **argv, struct mlw_ctx *ctx);
	const char *summary;
	int hidden;
	/* another name for this command (az's): its page is alias_of's */
	const char *alias_of;
};

/*
 * The whole command line, global options and all (mlw.c): what main()
 * runs, and what a job's built-in "mlw ..." command runs in the forked
 * child of its supervisor (cmd/job.c).  Returns the exit status.
 */
int cmd_main(int argc, const char **argv);

/* the sorted command table (mlw.c) */
extern const struct cmd_struct mlw_commands[];
const struct cmd_struct *mlw_find_command(const char *name);

/* subcommands ("verbs") of a command such as 'job' */
struct cmd_verb {
	const char *name;
	int (*fn)(int argc, const char **argv, struct mlw_ctx *ctx);
	const char *summary;
};

/*
 * Parse options; the global -o/-q/-v options are accepted by every
 * command too.  On -h prints usage to stdout and exits 0; on a usage error
 * prints it to stderr and exits 2.  Returns the number of operands.
 */
int cmd_parse(struct mlw_ctx *ctx, int argc, const char **argv,
	      const struct mlw_option *opts, const char *const *usage);
/* print usage to stderr after a message and return 2 */
int cmd_usage_error(const char *const *usage, const struct mlw_option *opts,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* dispatch argv[1] among verbs; "did you mean" for unknown verbs */
int cmd_dispatch(struct mlw_ctx *ctx, int argc, const char **argv,
		 const struct cmd_verb *verbs, const char *const *usage);

/* the workspace, or exit 2 with the standard message */
struct mlw_repo *cmd_repo(struct mlw_ctx *ctx);
struct mlw_odb *cmd_odb(struct mlw_ctx *ctx);
struct mlw_catalog *cmd_catalog(struct mlw_ctx *ctx);
/*
 * The catalog, after ending the runs whose supervisor died (each told as
 * a warning): what every 'mlw job' verb reads.
 */
struct mlw_catalog *cmd_job_catalog(struct mlw_ctx *ctx);
/* mlw_job_reap()'s callback: the warning, data the struct mlw_ctx */
void cmd_job_reaped(const char *name, void *data);

/*
 * For a command that starts a job (lib/run/launch.h): the supervisor's
 * start options, with the builtin executor (a command "mlw ..." runs as
 * this mlw program, without sh), its signals set up in the
 * supervisor process (SIGTERM, SIGINT, SIGHUP cancel the run) and the
 * lazy MLflow server for the job's command.  ex and executors[1] are
 * the caller's storage.  data is the struct mlw_job being started.
 */
struct mlw_executor;
struct mlw_job_start_opts;
struct mlw_job_watch;
void cmd_job_start_opts(struct mlw_job_start_opts *so, struct mlw_executor *ex,
			const struct mlw_executor **executors, void *data);
/*
 * A run submitted (w from mlw_job_submit()): print its name (or, with
 * -o/--query, {name, status, experiment_name}), or follow it to its
 * end: --stream copies its log to stdout.  w is released.  The exit
 * status: 0, 1 for a run that did not complete.
 */
int cmd_job_after_submit(struct mlw_ctx *ctx, struct mlw_job_watch *w,
			 const char *name, const char *experiment, int stream,
			 int wait);

/*
 * Parse argv, then take one NAME from -n (*name, set by opts) or the one
 * operand; a usage error (exit) otherwise.  what names it ("endpoint").
 */
void cmd_one_name(struct mlw_ctx *ctx, int argc, const char **argv,
		  const struct mlw_option *opts, const char *const *usage,
		  const char **name, const char *what);
/* a warning callback for lib/ contexts: data is the struct mlw_ctx */
void cmd_warn_cb(const char *msg, void *data);
/* a list prints whole documents (json, yaml, --query), not table rows */
int cmd_full_documents(const struct mlw_ctx *ctx);

/* report lib/'s last error and return the matching exit status */
int cmd_fail(int code);
void cmd_warn(struct mlw_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * "mlw: LEVEL: message" on stderr, control characters in the message
 * escaped (every error and warning goes through here).
 */
void cmd_message(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* -o NAME into ctx (format, colour); an exit status (2: unknown name) */
int cmd_set_format(struct mlw_ctx *ctx, const char *name);

/*
 * An output for a long list: streamed when the format is tsv (not with
 * --query, which needs the whole document).
 */
struct mlw_out *cmd_out_list(struct mlw_ctx *ctx, enum mlw_format fallback);
/*
 * Render o in ctx's format (fallback when -o was not given; JSON with
 * --query), through ctx->query when given; exit status.
 */
int cmd_print(struct mlw_ctx *ctx, struct mlw_out *o, enum mlw_format fallback);
/* check that stdout was written (a full disk is an error); exit status */
int cmd_finish_stdout(int status);

/* the command line as one string, for the operation log; caller frees */
char *cmd_line(struct mlw_ctx *ctx);

/*
 * 'mlw GROUP validate' for every group (job, component, endpoint, data,
 * model, env): argv[0] is "validate".  See cmd/validate.c.
 */
int cmd_spec_validate(struct mlw_ctx *ctx, int argc, const char **argv,
		      const char *group);

struct mlw_spec;
struct mlw_strlist;
/*
 * Load a spec for a create verb as 'validate' does (asset references
 * looked up in the workspace when there is one), print its warnings and
 * errors; exit status, 0 with *out set when it has no error.  text, when
 * not NULL, is the document itself and path its name.
 */
int cmd_spec_load(struct mlw_spec **out, struct mlw_ctx *ctx,
		  const char *path, const char *text, const char *group,
		  const struct mlw_strlist *overrides);
/* "--set a=1 b=2" as "--set a=1 --set=b=2"; see cmd/validate.c */
const char **cmd_spec_expand_set(int argc, const char **argv,
				 struct mlw_strlist *owned, int *new_argc);

/*
 * Where an input named text (a path, or an asset: lib/run/local-input.h)
 * is looked up: the workspace when text needs one (an explicit reference
 * outside a workspace exits 2 as cmd_catalog() does), none for a path
 * that exists, or a bare NAME outside a workspace; assets are restored
 * under TMPDIR.
 */
struct mlw_input_source;
void cmd_input_source(struct mlw_ctx *ctx, struct mlw_input_source *src,
		      const char *text);
/*
 * mlw_input_dataset() from that source: 0 and *out (mlw_dataset_unref()),
 * or lib's error code for cmd_fail().
 */
struct mlw_dataset;
int cmd_load_dataset(struct mlw_ctx *ctx, struct mlw_dataset **out,
		     const char *text);
/*
 * Print the first rows (-1: all) of the table path_or_ref names as the
 * trainers see it, in ctx's format ('data show --preview',
 * 'preview-data'); the exit status.
 */
int cmd_data_preview(struct mlw_ctx *ctx, const char *path_or_ref, long rows);

/*
 * Pipeline jobs (cmd/pipeline.c).  cmd_pipeline_print_diags() prints
 * the problems of a pipeline's graph (lib/job/create.h made it) and
 * returns the exit status (2: errors); cmd_pipeline_dry_run() prints
 * its steps in the order they may run, with what each reads (--dry-run).
 * cmd_pipeline_check() checks the
 * graph of a pipeline job or component spec loaded without errors, as
 * 'validate' does (what only this machine lacks is a warning): with
 * keep, its problems are moved into spec->diags, and it returns 0 and
 * *keep, to free with mlw_pipeline_free() after spec (the diagnostics
 * point into it), or lib's error code; without, they are printed and it
 * returns the exit status (2: errors).  cmd_pipeline_show() adds to a
 * job's JSON its reused_from (a step), settings and graph (a pipeline);
 * cmd_pipeline_draw() prints a pipeline's graph as text or, graph
 * "dot", Graphviz.  cmd_datadir() is
 * where the data installed with mlw is (share/ next to the binary in a
 * build tree), cmd_components_dir() its built-in components; the caller
 * frees both.
 */
struct mlw_run;
struct mlw_pipeline;
int cmd_pipeline_print_diags(struct mlw_ctx *ctx,
			     const struct mlw_pipeline *p);
int cmd_pipeline_dry_run(const struct mlw_pipeline *p);
int cmd_pipeline_check(struct mlw_ctx *ctx, struct mlw_spec *spec,
		       struct mlw_pipeline **keep);
void cmd_pipeline_show(struct mlw_ctx *ctx, struct mlw_out *o,
		       const struct mlw_run *run);
int cmd_pipeline_draw(struct mlw_ctx *ctx, const struct mlw_run *run,
		      const char *graph);
char *cmd_datadir(void);
char *cmd_components_dir(void);

#define CMD(name) int cmd_##name(int argc, const char **argv, struct mlw_ctx *ctx)
CMD(cat_object);
CMD(checkout_tree);
CMD(component);
CMD(compute);
CMD(data);
CMD(endpoint);
CMD(env);
CMD(fsck);
CMD(gc);
CMD(hash_object);
CMD(help);
CMD(init);
CMD(job);
CMD(log);
CMD(ls_tree);
CMD(model);
CMD(model_evaluate);
CMD(model_score);
CMD(data_prep);
CMD(preview_data);
CMD(show_ref);
CMD(tracking);
CMD(train);
CMD(update_ref);
CMD(validate_spec);
CMD(version);
CMD(write_tree);

#endif

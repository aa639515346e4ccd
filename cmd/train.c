/*
 * train.c - 'mlw train ALGO --data CSV --target COL ...': parse the
 * options into a training request, call mlw_train() (lib/ml/train.h),
 * write the model folder and the predictions, print the metrics.  Needs
 * no workspace; inside a job the fit is recorded in its run
 * (train-run.h).  The options of the algorithms come from their
 * trainers' tables of hyperparameters (lib/ml/trainer.h).
 */
#include "builtin.h"
#include "train-run.h"
#include "ml/comm.h"
#include "ml/dist.h"
#include "ml/lapack.h"
#include "ml/train.h"
#include "ml/train_opts.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The usage lines: with t, that algorithm's; without, both forms and the
 * list of algorithms (the "verbs" completion offers).  Free with
 * free_usage().
 */
static const char **make_usage(const struct mlw_trainer *t)
{
	size_t n = 0, i;
	const char **u = mlw_calloc(MLW_NR_ALGORITHMS + 6, sizeof(*u));

	if (t) {
		u[n++] = mlw_xstrfmt("mlw train %s --data DATA%s [options]",
				     t->name,
				     t->task == MLW_TASK_REGRESSION ||
				     t->task == MLW_TASK_CLASSIFICATION ?
				     " --target COL" : "");
		return u;
	}
	u[n++] = mlw_strdup("mlw train ALGO --data DATA --target COL [options]");
	u[n++] = mlw_strdup("mlw train (kmeans|pca) --data DATA [options]");
	u[n++] = mlw_strdup("");
	u[n++] = mlw_strdup("algorithms (scikit-learn's estimator):");
	for (i = 0; mlw_trainers[i]; i++)
		u[n++] = mlw_xstrfmt("    %-14s%s", mlw_trainers[i]->name,
				     mlw_trainers[i]->estimator);
	return u;
}

static void free_usage(const char **usage)
{
	size_t i;

	for (i = 0; usage[i]; i++)
		free((char *)usage[i]);
	free(usage);
}

/* does argv ask for the usage or the completion list (before "--")? */
static int wants_listing(int argc, const char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ||
		    !strcmp(argv[i], MLW_OPT_COMPLETION_FLAG))
			return 1;
	return 0;
}

/* what the training did, for -o json and the summary */
struct report {
	const struct mlw_train_result *res;
	const struct mlw_train_request *req;
	const struct mlw_dataset *ds;
	const struct mlw_train_opts *o;
	double t_load, t_start, t_mpi;
	const char *blas;
};

/* mlw_train_describe() and what only the command knows: times, paths */
static struct mlw_out *make_report(const struct report *r)
{
	struct mlw_out *out = mlw_out_new();

	mlw_out_object_begin(out, NULL);
	mlw_train_describe(out, r->res, r->req, r->ds);
	mlw_out_str(out, "data", r->o->data);
	mlw_out_object_begin(out, "time");
	mlw_out_num(out, "load_seconds", r->t_load);
	if (r->res->nr_ranks)
		mlw_out_num(out, "mpi_init_seconds", r->t_mpi);
	mlw_out_num(out, "fit_seconds", r->res->fit_seconds);
	mlw_out_num(out, "total_seconds", mlw_now() - r->t_start);
	mlw_out_end(out);
	mlw_out_int(out, "data_bytes", (int64_t)r->ds->file_size);
	mlw_out_str(out, "blas", r->blas);
	if (r->o->output_dir)
		mlw_out_str(out, "model", r->o->output_dir);
	mlw_out_end(out);
	return out;
}

/* the metrics, as -o says or one "name value" line each, and a summary */
static int print_report(struct mlw_ctx *ctx, const struct report *r)
{
	const struct mlw_train_result *res = r->res;
	const struct mlw_model *m = &res->model;
	struct mlw_out *out = make_report(r);
	char ranks[32] = "";
	size_t i;
	int ret = 0;

	if (res->nr_ranks)
		snprintf(ranks, sizeof(ranks), " on %d ranks", res->nr_ranks);

	if (ctx->format) {
		ret = cmd_print(ctx, out, MLW_FMT_JSON);
	} else {
		for (i = 0; i < res->nr_metrics; i++)
			printf("%-38s %.17g\n", res->metrics[i].name,
			       res->metrics[i].value);
		for (i = 0; i < res->nr_train_metrics; i++)
			printf("train_%-32s %.17g\n",
			       res->train_metrics[i].name,
			       res->train_metrics[i].value);
		if (!ctx->quiet)
			fprintf(stderr,
				"%s: %zu rows x %zu features%s, %s solver, load %.3f s, fit %.3f s, BLAS core %s\n",
				m->trainer->name, res->nr_data_rows,
				m->linear.nr_features, ranks,
				m->linear.solver,
				r->t_load, res->fit_seconds, r->blas);
	}
	if (!m->linear.converged)
		cmd_warn(ctx, "%s did not converge in %d iterations; raise --max-iter",
			 m->trainer->name, m->linear.nr_iter);
	mlw_out_free(out);
	return ret;
}

/* print each warning once */
static void flush_warnings(struct mlw_ctx *ctx, struct mlw_strlist *w)
{
	size_t i, j;

	for (i = 0; i < w->nr; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(w->items[i], w->items[j]))
				break;
		if (j == i)
			cmd_warn(ctx, "%s", w->items[i]);
	}
	mlw_strlist_release(w);
}

/* --predictions FILE, through mlw_output: a device stays a device */
static int write_predictions(const char *path,
			     const struct mlw_train_result *res)
{
	struct mlw_output out;
	int ret = mlw_output_open(&out, path);

	if (ret)
		return ret;
	ret = mlw_train_write_predictions(out.fd, res);
	if (ret) {
		mlw_output_abort(&out);
		return ret;
	}
	return mlw_output_commit(&out);
}

/* a rank of a job mpirun started: Open MPI set OMPI_COMM_WORLD_SIZE */
static int under_mpirun(void)
{
	const char *size = getenv("OMPI_COMM_WORLD_SIZE");

	return size && *size;
}

/*
 * Under MPI: this rank's share of the rows of --data, which must be a
 * CSV file (each rank parses a byte range of it).
 */
static int load_share(struct mlw_dataset **out, const char *path,
		      const struct mlw_comm *comm)
{
	struct stat st;

	*out = NULL;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return mlw_error_setc(MLW_EINVALID,
			"under MPI --data must be a CSV file, of which each rank reads its share ('%s' is not one)",
			path);
	return mlw_dataset_load_part(out, path, NULL, comm->rank, comm->size);
}

/*
 * The CPUs of this rank: the online ones shared by the ranks mpirun
 * started on this machine.
 */
static int rank_threads(const struct mlw_comm *comm)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	const char *local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
	long nr_local = local ? strtol(local, NULL, 10) : 1;

	if (cpus < 1)
		cpus = 1;
	if (comm && nr_local > 1)
		cpus /= nr_local;
	return cpus > 0 ? (int)cpus : 1;
}

/*
 * For the tests of a rank that dies: MLW_TEST_MPI_KILL_RANK=R makes rank
 * R kill itself once it has read its rows, as a crash would.
 */
static void test_kill_rank(const struct mlw_comm *comm)
{
	const char *r = getenv("MLW_TEST_MPI_KILL_RANK");

	if (comm && r && *r && strtol(r, NULL, 10) == comm->rank)
		raise(SIGKILL);
}

/* load, train, write and print; the exit status */
static int run(struct mlw_ctx *ctx, struct mlw_train_opts *o,
	       struct mlw_train_request *req)
{
	struct mlw_strlist warnings = MLW_STRLIST_INIT;
	struct mlw_dataset *ds = NULL, *vds = NULL;
	struct mlw_train_result res = { 0 };
	struct mlw_train_ctx tctx;
	const struct mlw_lapack *la = NULL;
	struct report r = { 0 };
	struct mlw_comm *comm = NULL;
	int ret = 0, lead;

	r.t_start = mlw_now();
	mlw_train_ctx_init(&tctx, (uint64_t)o->seed);
	/* under mpirun (or --mpi): one rank of a data-parallel training */
	if (o->mpi || under_mpirun())
		ret = mlw_comm_init(&comm);
	r.t_mpi = mlw_now() - r.t_start;
	tctx.comm = comm;
	lead = !comm || !comm->rank;
	if (!ret && comm) {
		ret = load_share(&ds, o->data, comm);
		test_kill_rank(comm);
		/* every rank stops if one cannot read its rows */
		ret = mlw_train_agree(&tctx, ret);
	} else if (!ret) {
		ret = cmd_load_dataset(ctx, &ds, o->data);
	}
	if (!ret && o->validation_data)
		ret = cmd_load_dataset(ctx, &vds, o->validation_data);
	r.t_load = mlw_now() - r.t_start;
	req->validation_data = vds;
	tctx.nr_threads = rank_threads(comm);
	tctx.warnings = &warnings;
	if (!ret)
		ret = mlw_train(&res, ds, req, &tctx);
	/* the other ranks write nothing: rank 0 has the model */
	if (!ret && o->predictions && lead)
		ret = write_predictions(o->predictions, &res);
	if (!ret && o->output_dir && lead)
		ret = mlw_model_write(&res.model, o->output_dir);
	if (!ret && train_in_job() && lead)
		ret = train_record_run(ctx, req, &res, o->cv, o->seed,
				       o->validation_split);
	if (!ret && !lead) {
		mlw_strlist_release(&warnings);
	} else if (!ret) {
		mlw_lapack_load(&la);
		r.res = &res;
		r.req = req;
		r.ds = ds;
		r.o = o;
		r.blas = la && la->corename ? la->corename : "unknown";
		ret = print_report(ctx, &r);
		flush_warnings(ctx, &warnings);
	} else if (tctx.error_elsewhere) {
		/* rank 0 or the failing rank says why */
		mlw_strlist_release(&warnings);
		ret = mlw_error_exit_code(ret);
	} else {
		if (lead)
			flush_warnings(ctx, &warnings);
		else
			mlw_strlist_release(&warnings);
		ret = cmd_fail(ret);
	}
	mlw_train_result_release(&res);
	mlw_dataset_unref(ds);
	mlw_dataset_unref(vds);
	mlw_comm_finish(comm);
	return ret;
}

CMD(train)
{
	struct mlw_train_opts o;
	const struct mlw_trainer *t = NULL;
	struct mlw_train_request req;
	struct mlw_option *opts;
	const char **usage;
	int ret;

	/* 'mlw train --mlw-completion-helper': the algorithms, as verbs */
	if (argc == 2 && !strcmp(argv[1], MLW_OPT_COMPLETION_FLAG)) {
		size_t i;

		for (i = 0; mlw_trainers[i]; i++)
			printf("%s%s", i ? " " : "", mlw_trainers[i]->name);
		printf("\n");
		return cmd_finish_stdout(0);
	}
	/* 'mlw train ALGO -h': that algorithm's options only */
	if (argc > 1 && wants_listing(argc, argv))
		t = mlw_trainer_find(argv[1]);
	mlw_error_clear();
	usage = make_usage(t);
	mlw_train_opts_init(&o, t);
	opts = o.options;
	argc = cmd_parse(ctx, argc, argv, opts, usage);
	ret = 2;
	if (argc != 1) {
		cmd_usage_error(usage, opts, argc ? "too many arguments" :
				"no algorithm given");
	} else if (!(t = mlw_trainer_find(argv[0]))) {
		cmd_usage_error(usage, opts, "%s", mlw_error_last());
	} else {
		mlw_train_request_init(&req, t);
		if (mlw_train_opts_request(&req, &o) < 0)
			cmd_usage_error(usage, opts, "%s", mlw_error_last());
		else
			ret = -1;
	}
	if (ret < 0) {
		if (!o.output_dir && train_in_job())
			o.output_dir = train_job_output();
		ret = run(ctx, &o, &req);
		ret = ret ? ret : cmd_finish_stdout(0);
	}
	free_usage(usage);
	mlw_train_opts_release(&o);
	return ret;
}

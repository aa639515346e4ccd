/*
 * placement.c - a job's target and distribution; see placement.h.
 */
#include "compute/placement.h"
#include "compute/compute.h"
#include "spec/spec.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/json.h"
#include "util/strutil.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const dist_names[] = {
	"none", "mpi", "pytorch", "tensorflow"
};

const char *mlw_dist_type_name(enum mlw_dist_type t)
{
	if ((unsigned)t > MLW_DIST_TENSORFLOW)
		BUG("bad distribution type %d", (int)t);
	return dist_names[t];
}

void mlw_placement_free(struct mlw_placement *p)
{
	if (!p)
		return;
	mlw_compute_free(p->target);
	free(p->compute);
	free(p);
}

struct mlw_placement *mlw_placement_dup(const struct mlw_placement *p)
{
	struct mlw_placement *d = mlw_calloc(1, sizeof(*d));

	*d = *p;
	d->target = mlw_compute_dup(p->target);
	d->compute = p->compute ? mlw_strdup(p->compute) : NULL;
	return d;
}

int mlw_placement_is_slurm(const struct mlw_placement *p)
{
	return p && p->target && p->target->type == MLW_COMPUTE_SLURM;
}

int64_t mlw_placement_ranks(const struct mlw_placement *p)
{
	if (!p || p->dist == MLW_DIST_NONE)
		return 1;
	if (p->dist == MLW_DIST_TENSORFLOW)
		return p->workers + p->parameter_servers;
	return p->instances * p->per_instance;
}

/* the count at path (def when absent), at least min */
static int count(int64_t *out, const struct mlw_spec *spec, const char *path,
		 int64_t def, int64_t min)
{
	const struct mlw_yaml_node *n = mlw_spec_get(spec, path);
	int64_t v;

	*out = def;
	if (!n || mlw_yaml_is_null(n))
		return 0;
	if (mlw_spec_get_int(spec, path, &v))
		return mlw_spec_error_at(n, "'%s' must be an integer", path);
	if (v < min)
		return mlw_spec_error_at(n, "'%s' must be at least %lld "
					 "(got %lld)", path, (long long)min,
					 (long long)v);
	*out = v;
	return 0;
}

/* distribution: its type and counts */
static int read_distribution(struct mlw_placement *p,
			     const struct mlw_spec *spec)
{
	const struct mlw_yaml_node *n = mlw_spec_get(spec, "distribution");
	const char *type = mlw_spec_get_str(spec, "distribution.type");
	int ret;

	p->dist = MLW_DIST_NONE;
	p->per_instance = 1;
	if (!n || mlw_yaml_is_null(n) || !type)
		return 0;
	if (!strcasecmp(type, "mpi")) {
		p->dist = MLW_DIST_MPI;
		return count(&p->per_instance, spec,
			     "distribution.process_count_per_instance", 1, 1);
	}
	if (!strcasecmp(type, "pytorch")) {
		p->dist = MLW_DIST_PYTORCH;
		return count(&p->per_instance, spec,
			     "distribution.process_count_per_instance", 1, 1);
	}
	p->dist = MLW_DIST_TENSORFLOW;
	ret = count(&p->workers, spec, "distribution.worker_count",
		    p->instances, 1);
	if (!ret)
		ret = count(&p->parameter_servers, spec,
			    "distribution.parameter_server_count", 0, 0);
	return ret;
}

/* the error just set about the compute named at n, said there */
static void at_compute(const struct mlw_yaml_node *n)
{
	if (n && mlw_starts_with(mlw_error_last(), "compute '"))
		mlw_error_prefix("%s:%d:%d", n->source, n->line, n->col);
}

int mlw_placement_prepare(struct mlw_placement **out, char **note,
			  struct mlw_repo *repo, const struct mlw_spec *spec)
{
	struct mlw_placement *p = mlw_calloc(1, sizeof(*p));
	const char *compute = mlw_spec_get_str(spec, "compute");
	int ret;

	*out = NULL;
	*note = NULL;
	p->compute = compute ? mlw_strdup(compute) : NULL;
	ret = count(&p->instances, spec, "resources.instance_count", 1, 1);
	if (!ret)
		ret = read_distribution(p, spec);
	if (!ret) {
		ret = mlw_compute_resolve(&p->target, note, repo, compute);
		if (ret == MLW_ENOTFOUND || ret == MLW_EINVALID)
			at_compute(mlw_spec_get(spec, "compute"));
	}
	if (!ret && mlw_placement_is_slurm(p) && p->target->slurm.nodes &&
	    p->instances > p->target->slurm.nodes)
		ret = mlw_spec_error_at(
			mlw_spec_get(spec, "resources.instance_count"),
			"resources.instance_count %lld is more than the %lld "
			"nodes compute '%s' allows", (long long)p->instances,
			(long long)p->target->slurm.nodes, p->target->name);
	if (!ret && mlw_placement_is_slurm(p) &&
	    p->dist == MLW_DIST_TENSORFLOW)
		ret = mlw_spec_error_at(
			mlw_spec_get(spec, "distribution.type"),
			"distribution type tensorflow runs on this machine "
			"only, not on Slurm compute '%s' (use mpi or pytorch "
			"there)", p->target->name);
	if (!ret && !mlw_placement_is_slurm(p) && p->instances > 1 &&
	    !*note)
		*note = mlw_xstrfmt("resources.instance_count %lld: every "
				    "instance runs on this machine",
				    (long long)p->instances);
	if (ret) {
		free(*note);
		*note = NULL;
		mlw_placement_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

/* rank's address in a tensorflow cluster of p laid out here */
static char *tf_address(const char *host, int base_port, int64_t i)
{
	return mlw_xstrfmt("%s:%lld", host, (long long)(base_port + i));
}

static void add_env(struct mlw_strlist *env, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_env(struct mlw_strlist *env, const char *key,
		    const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	mlw_buf_addf(&b, "%s=", key);
	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	mlw_strlist_push_owned(env, mlw_buf_detach(&b, NULL));
}

/*
 * TF_CONFIG: workers first, then parameter servers, each at its port;
 * rank r is worker r, or parameter server r - workers.
 */
static char *tf_config(const struct mlw_placement *p, int64_t rank,
		       const char *host, int base_port)
{
	json_t *j = json_object(), *cluster = json_object();
	json_t *workers = json_array(), *ps = json_array(), *task;
	int64_t i;
	char *text;

	for (i = 0; i < p->workers + p->parameter_servers; i++) {
		char *a = tf_address(host, base_port, i);

		json_array_append_new(i < p->workers ? workers : ps,
				      json_string(a));
		free(a);
	}
	json_object_set_new(cluster, "worker", workers);
	if (p->parameter_servers)
		json_object_set_new(cluster, "ps", ps);
	else
		json_decref(ps);
	json_object_set_new(j, "cluster", cluster);
	task = json_object();
	json_object_set_new(task, "type", json_string(rank < p->workers ?
						      "worker" : "ps"));
	json_object_set_new(task, "index", json_integer(
		rank < p->workers ? rank : rank - p->workers));
	json_object_set_new(j, "task", task);
	text = mlw_json_dumps(j, MLW_JSON_COMPACT);
	json_decref(j);
	return text;
}

void mlw_placement_rank_env(struct mlw_strlist *env,
			    const struct mlw_placement *p, int64_t rank,
			    const char *host, int base_port)
{
	int64_t n = p->per_instance > 0 ? p->per_instance : 1;
	char *tf;

	if (p->dist == MLW_DIST_PYTORCH) {
		add_env(env, "MASTER_ADDR", "%s", host);
		add_env(env, "MASTER_PORT", "%d", base_port);
		add_env(env, "WORLD_SIZE", "%lld",
			(long long)mlw_placement_ranks(p));
		add_env(env, "RANK", "%lld", (long long)rank);
		add_env(env, "LOCAL_RANK", "%lld", (long long)(rank % n));
		add_env(env, "NODE_RANK", "%lld", (long long)(rank / n));
		add_env(env, "LOCAL_WORLD_SIZE", "%lld", (long long)n);
	} else if (p->dist == MLW_DIST_TENSORFLOW) {
		tf = tf_config(p, rank, host, base_port);
		add_env(env, "TF_CONFIG", "%s", tf);
		free(tf);
	}
}

void mlw_sh_quote(struct mlw_buf *b, const char *s)
{
	mlw_buf_addch(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			mlw_buf_adds(b, "'\\''");
		else
			mlw_buf_addch(b, *s);
	}
	mlw_buf_addch(b, '\'');
}

char *mlw_placement_mpirun(const struct mlw_placement *p,
			   const char *command, long nr_cpus, int as_root)
{
	struct mlw_buf b = MLW_BUF_INIT;
	int64_t ranks = mlw_placement_ranks(p);

	mlw_buf_addf(&b, "mpirun -np %lld", (long long)ranks);
	if (ranks > nr_cpus)
		mlw_buf_adds(&b, " --oversubscribe");
	if (as_root)
		mlw_buf_adds(&b, " --allow-run-as-root");
	mlw_buf_adds(&b, " sh -c ");
	mlw_sh_quote(&b, command);
	return mlw_buf_detach(&b, NULL);
}

/*
 * test-compute.c - unit tests for compute targets (compute/compute.h):
 * Slurm's time formats, the values a target takes, the names a job's
 * compute: gives; and for placements (compute/placement.h): the
 * variables of each rank, the mpirun line, shell quoting.
 */
#include "tap.h"
#include "compute/compute.h"
#include "compute/placement.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

static int64_t secs(const char *text)
{
	int64_t s = -2;

	if (mlw_slurm_parse_time(&s, text)) {
		mlw_error_clear();
		return -2;
	}
	return s;
}

static void test_time(void)
{
	is_int(secs("30"), 1800, "MINUTES");
	is_int(secs("1:30"), 90, "MINUTES:SECONDS");
	is_int(secs("2:00:00"), 7200, "HOURS:MINUTES:SECONDS");
	is_int(secs("1-12"), 129600, "DAYS-HOURS");
	is_int(secs("1-0:30"), 88200, "DAYS-HOURS:MINUTES");
	is_int(secs("0-0:0:5"), 5, "DAYS-HOURS:MINUTES:SECONDS");
	is_int(secs("UNLIMITED"), -1, "UNLIMITED");
	is_int(secs("infinite"), -1, "INFINITE, any case");
	is_int(secs("1:2:3:4"), -2, "four parts refused");
	is_int(secs(""), -2, "empty refused");
	is_int(secs("1h"), -2, "a unit refused");
	is_int(secs("-5"), -2, "a sign refused");
	is_int(secs("1:"), -2, "a trailing ':' refused");
	is_int(secs("9999999999999999999"), -2, "too many digits refused");
}

static void test_set(void)
{
	struct mlw_compute *c = mlw_compute_new("hpc", MLW_COMPUTE_SLURM);
	struct mlw_compute *d;

	ok(!mlw_compute_set(c, "partition", "gpu"), "partition set");
	ok(mlw_compute_set(c, "partition", "a;rm -rf") == MLW_EINVALID,
	   "shell syntax in a partition refused");
	ok(mlw_compute_set(c, "size", "x") == MLW_EINVALID,
	   "an amlcompute field on a slurm target refused");
	ok(strstr(mlw_error_last(), "partition") != NULL,
	   "the message names the fields it has");
	ok(!mlw_compute_set(c, "mem", "4G") && !mlw_compute_set(c, "mem", "512"),
	   "memory with and without a unit");
	ok(mlw_compute_set(c, "mem", "4GB") == MLW_EINVALID, "4GB refused");
	ok(mlw_compute_set(c, "nodes", "0") == MLW_EINVALID, "nodes 0 refused");
	ok(!mlw_compute_set(c, "sbatch_options", "--exclusive") &&
	   !mlw_compute_set(c, "sbatch_options", "--constraint=avx2"),
	   "two sbatch options");
	ok(mlw_compute_set(c, "sbatch_options", "-N2") == MLW_EINVALID,
	   "a short option refused");
	is_int(c->slurm.sbatch_options.nr, 2, "both kept");
	d = mlw_compute_dup(c);
	is_str(d->slurm.partition, "gpu", "a copy keeps the partition");
	is_int(d->slurm.sbatch_options.nr, 2, "and the options");
	ok(!mlw_compute_set(d, "partition", ""), "an empty value unsets");
	ok(d->slurm.partition == NULL, "partition unset");
	mlw_error_clear();
	mlw_compute_free(d);
	mlw_compute_free(c);
}

static void test_ref(void)
{
	const char *arm = "/subscriptions/x/resourceGroups/y/providers/"
			  "Microsoft.MachineLearningServices/workspaces/w/"
			  "computes/cpu-cluster";

	is_str(mlw_compute_ref_name("azureml:hpc"), "hpc", "azureml:NAME");
	is_str(mlw_compute_ref_name("hpc"), "hpc", "NAME");
	is_str(mlw_compute_ref_name(arm), "cpu-cluster", "an ARM id");
	ok(mlw_compute_ref_name("azureml:../x") == NULL, "a path is no name");
	ok(mlw_compute_ref_name("") == NULL, "empty is no name");
}

/* the value of KEY in env, or NULL */
static const char *env_get(const struct mlw_strlist *env, const char *key)
{
	size_t i, n = strlen(key);

	for (i = 0; i < env->nr; i++)
		if (!strncmp(env->items[i], key, n) && env->items[i][n] == '=')
			return env->items[i] + n + 1;
	return NULL;
}

static void test_rank_env(void)
{
	struct mlw_placement p;
	struct mlw_strlist env = MLW_STRLIST_INIT;

	memset(&p, 0, sizeof(p));
	p.dist = MLW_DIST_PYTORCH;
	p.instances = 2;
	p.per_instance = 3;
	is_int(mlw_placement_ranks(&p), 6, "2 x 3 ranks");
	mlw_placement_rank_env(&env, &p, 4, "10.0.0.1", 29500);
	is_str(env_get(&env, "RANK"), "4", "RANK");
	is_str(env_get(&env, "LOCAL_RANK"), "1", "LOCAL_RANK");
	is_str(env_get(&env, "NODE_RANK"), "1", "NODE_RANK");
	is_str(env_get(&env, "WORLD_SIZE"), "6", "WORLD_SIZE");
	is_str(env_get(&env, "MASTER_ADDR"), "10.0.0.1", "MASTER_ADDR");
	is_str(env_get(&env, "MASTER_PORT"), "29500", "MASTER_PORT");
	mlw_strlist_release(&env);

	p.dist = MLW_DIST_TENSORFLOW;
	p.workers = 2;
	p.parameter_servers = 1;
	is_int(mlw_placement_ranks(&p), 3, "workers and parameter servers");
	mlw_placement_rank_env(&env, &p, 2, "h", 2000);
	is_str(env_get(&env, "TF_CONFIG"),
	       "{\"cluster\":{\"worker\":[\"h:2000\",\"h:2001\"],"
	       "\"ps\":[\"h:2002\"]},\"task\":{\"type\":\"ps\",\"index\":0}}",
	       "TF_CONFIG of the parameter server");
	mlw_strlist_release(&env);

	p.dist = MLW_DIST_MPI;
	mlw_placement_rank_env(&env, &p, 0, "h", 1);
	is_int(env.nr, 0, "mpi: mpirun sets its own");
	mlw_strlist_release(&env);
}

static void test_mpirun(void)
{
	struct mlw_placement p;
	char *s;

	memset(&p, 0, sizeof(p));
	p.dist = MLW_DIST_MPI;
	p.instances = 2;
	p.per_instance = 2;
	s = mlw_placement_mpirun(&p, "echo 'hi'", 8, 0);
	is_str(s, "mpirun -np 4 sh -c 'echo '\\''hi'\\'''",
	       "4 ranks on 8 CPUs, the command quoted");
	free(s);
	s = mlw_placement_mpirun(&p, "x", 2, 1);
	is_str(s, "mpirun -np 4 --oversubscribe --allow-run-as-root sh -c 'x'",
	       "more ranks than CPUs, as root");
	free(s);
}

int main(void)
{
	test_time();
	test_set();
	test_ref();
	test_rank_env();
	test_mpirun();
	return done_testing();
}

/*
 * compute.c - 'mlw compute': the workspace's compute targets (az ml
 * compute): local, Slurm clusters, and Azure amlCompute specs recorded
 * and mapped onto a Slurm partition (lib/compute/compute.h).
 */
#include "builtin.h"
#include "compute/compute.h"
#include "spec/spec.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

/* The settings every verb that changes a target takes as options. */
struct field_args {
	const char *description, *partition, *account, *qos, *time_limit;
	const char *nodes, *cpus_per_task, *mem, *size, *tier;
	const char *min_instances, *max_instances, *idle_time;
	struct mlw_strlist sbatch_options, tags;
};

#define FIELD_OPTIONS(a) \
	MLW_OPT_STRING('d', "description", &(a).description, "TEXT", \
		       "what the target is"), \
	MLW_OPT_LIST(0, "tags", &(a).tags, "KEY=VALUE", \
		     "a tag (repeatable)"), \
	MLW_OPT_GROUP("slurm"), \
	MLW_OPT_STRING(0, "partition", &(a).partition, "NAME", \
		       "the Slurm partition"), \
	MLW_OPT_STRING(0, "account", &(a).account, "NAME", \
		       "the Slurm account to charge"), \
	MLW_OPT_STRING(0, "qos", &(a).qos, "NAME", \
		       "the Slurm quality of service"), \
	MLW_OPT_STRING(0, "time-limit", &(a).time_limit, "TIME", \
		       "each job's time limit (30, 2:00:00, 1-12)"), \
	MLW_OPT_STRING(0, "nodes", &(a).nodes, "N", \
		       "the most nodes one job may take"), \
	MLW_OPT_STRING(0, "cpus-per-task", &(a).cpus_per_task, "N", \
		       "CPUs for each task (rank)"), \
	MLW_OPT_STRING(0, "mem", &(a).mem, "SIZE", \
		       "memory per node (4G, 512M)"), \
	MLW_OPT_LIST(0, "sbatch-option", &(a).sbatch_options, "OPTION", \
		     "an extra sbatch option (--constraint=avx2; repeatable)"), \
	MLW_OPT_GROUP("amlcompute"), \
	MLW_OPT_STRING(0, "size", &(a).size, "SIZE", \
		       "the VM size (recorded)"), \
	MLW_OPT_STRING(0, "tier", &(a).tier, "TIER", \
		       "dedicated or low_priority (recorded)"), \
	MLW_OPT_STRING(0, "min-instances", &(a).min_instances, "N", \
		       "the fewest nodes (recorded)"), \
	MLW_OPT_STRING(0, "max-instances", &(a).max_instances, "N", \
		       "the most nodes (the node limit on Slurm)"), \
	MLW_OPT_STRING(0, "idle-time-before-scale-down", &(a).idle_time, \
		       "SECONDS", "(recorded)")

static void field_args_release(struct field_args *a)
{
	mlw_strlist_release(&a->sbatch_options);
	mlw_strlist_release(&a->tags);
}

/* set what was given on c, naming the option in a message */
static int apply_fields(struct mlw_compute *c, const struct field_args *a)
{
	const struct {
		const char *field, *option, *value;
	} f[] = {
		{ "description", "--description", a->description },
		{ "partition", "--partition", a->partition },
		{ "account", "--account", a->account },
		{ "qos", "--qos", a->qos },
		{ "time_limit", "--time-limit", a->time_limit },
		{ "nodes", "--nodes", a->nodes },
		{ "cpus_per_task", "--cpus-per-task", a->cpus_per_task },
		{ "mem", "--mem", a->mem },
		{ "size", "--size", a->size },
		{ "tier", "--tier", a->tier },
		{ "min_instances", "--min-instances", a->min_instances },
		{ "max_instances", "--max-instances", a->max_instances },
		{ "idle_time_before_scale_down", "--idle-time-before-scale-down",
		  a->idle_time },
	};
	size_t i, k;

	for (i = 0; i < sizeof(f) / sizeof(*f); i++) {
		if (!f[i].value || !mlw_compute_set(c, f[i].field, f[i].value))
			continue;
		mlw_error_prefix("%s", f[i].option);
		return MLW_EINVALID;
	}
	if (a->sbatch_options.nr)
		mlw_compute_set(c, "sbatch_options", "");
	for (i = 0; i < a->sbatch_options.nr; i++)
		if (mlw_compute_set(c, "sbatch_options",
				    a->sbatch_options.items[i])) {
			mlw_error_prefix("--sbatch-option");
			return MLW_EINVALID;
		}
	for (i = 0; i < a->tags.nr; i++) {
		const char *t = a->tags.items[i], *eq = strchr(t, '=');
		char *key = eq ? mlw_strndup(t, (size_t)(eq - t)) :
			    mlw_strdup(t);

		/* a tag given again replaces the old value */
		for (k = 0; k + 1 < c->tags.nr; k += 2)
			if (!strcmp(c->tags.items[k], key))
				break;
		if (k + 1 < c->tags.nr) {
			free(c->tags.items[k + 1]);
			c->tags.items[k + 1] = mlw_strdup(eq ? eq + 1 : "");
			free(key);
			continue;
		}
		mlw_strlist_push_owned(&c->tags, key);
		mlw_strlist_push(&c->tags, eq ? eq + 1 : "");
	}
	return 0;
}

/* print one target as show does: json unless -o says otherwise */
static int print_compute(struct mlw_ctx *ctx, const struct mlw_compute *c)
{
	struct mlw_out *o = mlw_out_new();
	int ret;

	mlw_out_object_begin(o, NULL);
	mlw_compute_describe(o, c);
	mlw_out_end(o);
	ret = cmd_print(ctx, o, MLW_FMT_JSON);
	mlw_out_free(o);
	return cmd_finish_stdout(ret);
}

/* record c (with the spec file it came from) and print it */
static int record(struct mlw_ctx *ctx, struct mlw_compute *c,
		  const char *file)
{
	int ret = mlw_compute_create(cmd_repo(ctx), c, file);

	if (ret)
		return cmd_fail(ret);
	return print_compute(ctx, c);
}

/* the target a create describes: from -f FILE (and --set), or flags */
static int target_of(struct mlw_compute **out, struct mlw_ctx *ctx,
		     const char *file, const char *name, const char *type,
		     const struct mlw_strlist *sets)
{
	enum mlw_compute_type t;
	struct mlw_spec *spec;
	int ret;

	*out = NULL;
	if (!file) {
		if (!name || !type) {
			cmd_error("a compute needs a name and a type: -n NAME "
				  "--type slurm|amlcompute|local (or -f FILE)");
			return 2;
		}
		if (mlw_compute_type_parse(&t, type))
			return cmd_fail(MLW_EINVALID);
		*out = mlw_compute_new(name, t);
		return 0;
	}
	ret = cmd_spec_load(&spec, ctx, file, NULL, "compute", sets);
	if (ret)
		return ret;
	ret = mlw_compute_from_spec(out, spec);
	mlw_spec_free(spec);
	if (ret)
		return cmd_fail(ret);
	if (type && (mlw_compute_type_parse(&t, type) || t != (*out)->type)) {
		cmd_error("--type %s does not match the spec's type %s", type,
			  mlw_compute_type_name((*out)->type));
		mlw_compute_free(*out);
		*out = NULL;
		return 2;
	}
	if (name) {
		free((*out)->name);
		(*out)->name = mlw_strdup(name);
	}
	return 0;
}

static int compute_create(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw compute create -n NAME --type slurm|amlcompute|local "
		"[OPTIONS]",
		"mlw compute create -f FILE [-n NAME] [--set PATH=VALUE]... "
		"[OPTIONS]", NULL
	};
	const char *file = NULL, *name = NULL, *type = NULL;
	struct mlw_strlist sets = MLW_STRLIST_INIT, owned = MLW_STRLIST_INIT;
	struct field_args a;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('f', "file", &file, "FILE",
			       "a compute spec (YAML)"),
		MLW_OPT_STRING('n', "name", &name, "NAME",
			       "the target's name"),
		MLW_OPT_STRING('t', "type", &type, "TYPE",
			       "slurm, amlcompute or local"),
		MLW_OPT_LIST(0, "set", &sets, "PATH=VALUE",
			     "set a spec field before validation (repeatable)"),
		FIELD_OPTIONS(a),
		MLW_OPT_END()
	};
	struct mlw_compute *c = NULL;
	int n, ret;

	memset(&a, 0, sizeof(a));
	argv = cmd_spec_expand_set(argc, argv, &owned, &argc);
	n = cmd_parse(ctx, argc, argv, opts, usage);
	if (n > 0) {
		ret = cmd_usage_error(usage, opts, "unexpected operand");
		goto out;
	}
	if (sets.nr && !file) {
		ret = cmd_usage_error(usage, opts, "--set needs -f FILE");
		goto out;
	}
	cmd_repo(ctx);
	ret = target_of(&c, ctx, file, name, type, &sets);
	if (!ret && apply_fields(c, &a))
		ret = cmd_fail(MLW_EINVALID);
	if (!ret)
		ret = record(ctx, c, file);
out:
	mlw_compute_free(c);
	field_args_release(&a);
	mlw_strlist_release(&sets);
	mlw_strlist_release(&owned);
	free((void *)argv);
	return ret;
}

/* one target name: -n NAME or the operand */
static int one_name(struct mlw_ctx *ctx, int argc, const char **argv,
		    const struct mlw_option *opts, const char *const *usage,
		    const char **name)
{
	int n = cmd_parse(ctx, argc, argv, opts, usage);

	if (n == 1 && !*name)
		*name = argv[0];
	else if (n != 0 || !*name)
		return cmd_usage_error(usage, opts, "one compute name expected");
	return 0;
}

static int compute_show(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = { "mlw compute show [-n] NAME",
					     NULL };
	const char *name = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the target"),
		MLW_OPT_END()
	};
	struct mlw_compute *c;
	int ret = one_name(ctx, argc, argv, opts, usage, &name);

	if (ret)
		return ret;
	ret = mlw_compute_get(&c, cmd_catalog(ctx), name);
	if (ret)
		return cmd_fail(ret);
	ret = print_compute(ctx, c);
	mlw_compute_free(c);
	return ret;
}

static int compute_list(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = { "mlw compute list [--type TYPE]",
					     NULL };
	const char *type = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('t', "type", &type, "TYPE",
			       "only targets of this type"),
		MLW_OPT_END()
	};
	enum mlw_compute_type t = MLW_COMPUTE_LOCAL;
	struct mlw_compute **list;
	struct mlw_out *o;
	int table, ret;
	size_t i, nr;

	if (cmd_parse(ctx, argc, argv, opts, usage) > 0)
		return cmd_usage_error(usage, opts, "unexpected operand");
	if (type && mlw_compute_type_parse(&t, type))
		return cmd_usage_error(usage, opts, "%s", mlw_error_last());
	ret = mlw_compute_list(&list, &nr, cmd_catalog(ctx));
	if (ret)
		return cmd_fail(ret);
	table = ctx->format == MLW_FMT_DEFAULT || ctx->format == MLW_FMT_TABLE
		|| ctx->format == MLW_FMT_TSV;
	o = mlw_out_new();
	mlw_out_list_begin(o, NULL);
	for (i = 0; i < nr; i++) {
		const struct mlw_compute *c = list[i];

		if (type && c->type != t)
			continue;
		mlw_out_object_begin(o, NULL);
		if (table) {
			/* what tells targets apart at a glance */
			mlw_out_str(o, "name", c->name);
			mlw_out_str(o, "type", mlw_compute_type_name(c->type));
			mlw_out_str(o, "partition", c->slurm.partition);
			mlw_out_str(o, "size", c->aml.size);
			mlw_out_str(o, "description", c->description);
		} else {
			mlw_compute_describe(o, c);
		}
		mlw_out_end(o);
	}
	mlw_out_end(o);
	mlw_compute_list_free(list, nr);
	ret = cmd_print(ctx, o, MLW_FMT_TABLE);
	mlw_out_free(o);
	return cmd_finish_stdout(ret);
}

static int compute_update(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw compute update [-n] NAME [--set FIELD=VALUE]... [OPTIONS]",
		NULL
	};
	const char *name = NULL;
	struct mlw_strlist sets = MLW_STRLIST_INIT;
	struct field_args a;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the target"),
		MLW_OPT_LIST(0, "set", &sets, "FIELD=VALUE",
			     "set a field (an empty value unsets it; "
			     "repeatable)"),
		FIELD_OPTIONS(a),
		MLW_OPT_END()
	};
	struct mlw_compute *c = NULL;
	size_t i;
	int ret;

	memset(&a, 0, sizeof(a));
	ret = one_name(ctx, argc, argv, opts, usage, &name);
	if (!ret && !strcmp(name, "local")) {
		cmd_error("compute 'local' is this machine: it has nothing to "
			  "update");
		ret = 2;
	}
	if (!ret) {
		ret = mlw_compute_get(&c, cmd_catalog(ctx), name);
		if (ret)
			ret = cmd_fail(ret);
	}
	for (i = 0; !ret && i < sets.nr; i++) {
		char *field = mlw_strdup(sets.items[i]), *eq = strchr(field, '=');

		if (!eq) {
			ret = cmd_usage_error(usage, opts, "--set takes "
					      "FIELD=VALUE (got '%s')", field);
		} else {
			*eq = '\0';
			if (mlw_compute_set(c, field, eq + 1))
				ret = cmd_fail(MLW_EINVALID);
		}
		free(field);
	}
	if (!ret && apply_fields(c, &a))
		ret = cmd_fail(MLW_EINVALID);
	if (!ret)
		ret = record(ctx, c, NULL);
	mlw_compute_free(c);
	field_args_release(&a);
	mlw_strlist_release(&sets);
	return ret;
}

static int compute_delete(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw compute delete [-n] NAME [-y]", NULL
	};
	const char *name = NULL;
	int yes = 0;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the target"),
		MLW_OPT_BOOL('y', "yes", &yes,
			     "do not ask (mlw never asks; az's option)"),
		MLW_OPT_END()
	};
	struct mlw_catalog *cat;
	int ret = one_name(ctx, argc, argv, opts, usage, &name);

	if (ret)
		return ret;
	cat = cmd_catalog(ctx);
	ret = mlw_catalog_begin(cat);
	if (!ret)
		ret = mlw_compute_delete(cat, name);
	if (!ret) {
		ret = mlw_catalog_commit(cat);
		return ret ? cmd_fail(ret) : 0;
	}
	mlw_catalog_rollback(cat);
	return cmd_fail(ret);
}

static int compute_validate(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return cmd_spec_validate(ctx, argc, argv, "compute");
}

CMD(compute)
{
	static const char *const usage[] = { "mlw compute VERB [OPTIONS]",
					     NULL };
	static const struct cmd_verb verbs[] = {
		{ "create", compute_create, "create or replace a target" },
		{ "delete", compute_delete, "remove a target" },
		{ "list", compute_list, "list the targets" },
		{ "show", compute_show, "show one target" },
		{ "update", compute_update, "change a target's settings" },
		{ "validate", compute_validate, "check compute specs" },
		{ NULL, NULL, NULL }
	};

	return cmd_dispatch(ctx, argc, argv, verbs, usage);
}

/*
 * opt.c - table-driven option parsing; see opt.h.
 */
#include "util/opt.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

static int takes_arg(const struct mlw_option *o)
{
	return o->type == MLW_OPTT_STRING || o->type == MLW_OPTT_INT ||
	       o->type == MLW_OPTT_LIST;
}

static int store(const struct mlw_option *o, const char *arg, int negate,
		 const char *spelled)
{
	switch (o->type) {
	case MLW_OPTT_BOOL:
		*(int *)o->value = !negate;
		return 0;
	case MLW_OPTT_COUNT:
		*(int *)o->value = negate ? 0 : *(int *)o->value + 1;
		return 0;
	case MLW_OPTT_STRING:
		*(const char **)o->value = negate ? NULL : arg ? arg : "";
		return 0;
	case MLW_OPTT_INT: {
		int64_t v;

		if (mlw_parse_i64(&v, arg, spelled) < 0)
			return MLW_EINVALID;
		*(int64_t *)o->value = v;
		return 0;
	}
	case MLW_OPTT_LIST:
		if (negate)
			mlw_strlist_release(o->value);
		else
			mlw_strlist_push(o->value, arg);
		return 0;
	default:
		BUG("option type %d cannot be stored", (int)o->type);
	}
}

static int unknown_long(const char *name, const struct mlw_option *opts)
{
	struct mlw_strlist names = MLW_STRLIST_INIT;
	const char *hint;
	size_t n = strcspn(name, "=");
	char *bare = mlw_strndup(name, n);
	int ret;

	for (; opts->type != MLW_OPTT_END; opts++)
		if (opts->long_name)
			mlw_strlist_push(&names, opts->long_name);
	mlw_strlist_push_owned(&names, NULL);
	hint = mlw_suggest(bare, (const char *const *)names.items);
	if (hint)
		ret = mlw_error_setc(MLW_EINVALID,
				     "unknown option '--%s' (did you mean '--%s'?)",
				     bare, hint);
	else
		ret = mlw_error_setc(MLW_EINVALID, "unknown option '--%s'",
				     bare);
	names.nr--;
	mlw_strlist_release(&names);
	free(bare);
	return ret;
}

static int parse_long(const char *arg, int *i, int argc, const char **argv,
		      const struct mlw_option *opts)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct mlw_option *o;
	int negate = 0;

	for (o = opts; o->type != MLW_OPTT_END; o++) {
		if (!o->long_name)
			continue;
		if (strlen(o->long_name) == n && !strncmp(o->long_name, arg, n))
			break;
	}
	if (o->type == MLW_OPTT_END && !strncmp(arg, "no-", 3)) {
		for (o = opts; o->type != MLW_OPTT_END; o++)
			if (o->long_name && !takes_arg(o) &&
			    strlen(o->long_name) == n - 3 &&
			    !strncmp(o->long_name, arg + 3, n - 3))
				break;
		negate = o->type != MLW_OPTT_END;
	}
	if (o->type == MLW_OPTT_END)
		return unknown_long(arg, opts);
	if (!takes_arg(o) || negate) {
		if (eq)
			return mlw_error_setc(MLW_EINVALID,
					      "option '--%.*s' takes no value",
					      (int)n, arg);
		return store(o, NULL, negate, o->long_name);
	}
	if (eq)
		return store(o, eq + 1, 0, o->long_name);
	if (o->flags & MLW_OPT_OPTARG)
		return store(o, NULL, 0, o->long_name);
	if (*i + 1 >= argc)
		return mlw_error_setc(MLW_EINVALID,
				      "option '--%s' requires a value",
				      o->long_name);
	return store(o, argv[++*i], 0, o->long_name);
}

static int parse_short(const char *arg, int *i, int argc, const char **argv,
		       const struct mlw_option *opts)
{
	for (; *arg; arg++) {
		const struct mlw_option *o;
		char spelled[3] = { '-', *arg, 0 };

		if (*arg == 'h')
			return MLW_OPT_HELP;
		for (o = opts; o->type != MLW_OPTT_END; o++)
			if (o->short_name == *arg)
				break;
		if (o->type == MLW_OPTT_END)
			return mlw_error_setc(MLW_EINVALID,
					      "unknown switch '%c'", *arg);
		if (!takes_arg(o)) {
			if (store(o, NULL, 0, spelled) < 0)
				return MLW_EINVALID;
			continue;
		}
		if (arg[1])
			return store(o, arg + 1, 0, spelled);
		if (o->flags & MLW_OPT_OPTARG)
			return store(o, NULL, 0, spelled);
		if (*i + 1 >= argc)
			return mlw_error_setc(MLW_EINVALID,
					      "switch '%c' requires a value",
					      *arg);
		return store(o, argv[++*i], 0, spelled);
	}
	return 0;
}

int mlw_opt_parse(int argc, const char **argv, const struct mlw_option *opts,
		  int flags)
{
	int i, nout = 0, ret;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "--")) {
			for (i++; i < argc; i++)
				argv[nout++] = argv[i];
			break;
		}
		if (arg[0] != '-' || !arg[1]) {
			if (flags & MLW_OPT_STOP_AT_NON_OPTION) {
				for (; i < argc; i++)
					argv[nout++] = argv[i];
				break;
			}
			argv[nout++] = arg;
			continue;
		}
		if (!strcmp(arg, "--help"))
			return MLW_OPT_HELP;
		if (!strcmp(arg, MLW_OPT_COMPLETION_FLAG))
			return MLW_OPT_COMPLETE;
		if (arg[1] == '-')
			ret = parse_long(arg + 2, &i, argc, argv, opts);
		else
			ret = parse_short(arg + 1, &i, argc, argv, opts);
		if (ret == MLW_EINVALID && (flags & MLW_OPT_KEEP_UNKNOWN) &&
		    strstr(mlw_error_last(), "unknown")) {
			argv[nout++] = arg;
			continue;
		}
		if (ret < 0)
			return ret;
	}
	argv[nout] = NULL;
	return nout;
}

void mlw_opt_usage(struct mlw_buf *out, const char *const *usage,
		   const struct mlw_option *opts)
{
	const char *prefix = "usage: ";
	int free_text = 0;

	/* after an empty line, the lines are text under the usage */
	for (; usage && *usage; usage++) {
		if (!**usage)
			free_text = 1;
		mlw_buf_addf(out, "%s%s\n", free_text ? "" : prefix, *usage);
		prefix = "   or: ";
	}
	if (opts->type != MLW_OPTT_END)
		mlw_buf_addch(out, '\n');
	for (; opts->type != MLW_OPTT_END; opts++) {
		size_t start = out->len, width;

		if (opts->flags & MLW_OPT_HIDDEN)
			continue;
		if (opts->type == MLW_OPTT_GROUP) {
			mlw_buf_addf(out, "\n%s\n", opts->help);
			continue;
		}
		mlw_buf_adds(out, "    ");
		if (opts->short_name)
			mlw_buf_addf(out, "-%c", opts->short_name);
		if (opts->short_name && opts->long_name)
			mlw_buf_adds(out, ", ");
		if (opts->long_name)
			mlw_buf_addf(out, "--%s", opts->long_name);
		if (takes_arg(opts)) {
			const char *a = opts->argh ? opts->argh : "VALUE";

			if (opts->flags & MLW_OPT_OPTARG)
				mlw_buf_addf(out, "[=%s]", a);
			else
				mlw_buf_addf(out, " %s", a);
		}
		width = out->len - start;
		if (width >= 30)
			mlw_buf_addf(out, "\n%30s", "");
		else
			mlw_buf_addf(out, "%*s", (int)(30 - width), "");
		mlw_buf_addf(out, "%s\n", opts->help ? opts->help : "");
	}
}

void mlw_opt_completion(struct mlw_buf *out, const struct mlw_option *opts)
{
	int first = 1;

	for (; opts->type != MLW_OPTT_END; opts++) {
		if (!opts->long_name || (opts->flags & MLW_OPT_HIDDEN))
			continue;
		mlw_buf_addf(out, "%s--%s%s", first ? "" : " ", opts->long_name,
			     takes_arg(opts) && !(opts->flags & MLW_OPT_OPTARG) ?
			     "=" : "");
		first = 0;
	}
}

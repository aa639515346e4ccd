/*
 * opt.h - command-line option parsing driven by a table (git's
 * parse-options).
 *
 * One table per command names every option once; the same table produces
 * the parse, the "-h" usage text and the list that shell completion reads,
 * so the three cannot drift apart.  Options may come before or after
 * operands unless MLW_OPT_STOP_AT_NON_OPTION is given; "--" ends options.
 *
 *	static int verbose;
 *	static const char *name;
 *	struct mlw_option opts[] = {
 *		MLW_OPT_BOOL('v', "verbose", &verbose, "say more"),
 *		MLW_OPT_STRING('n', "name", &name, "NAME", "asset name"),
 *		MLW_OPT_END()
 *	};
 *	argc = mlw_opt_parse(argc, argv, opts, usage, 0);
 *
 * mlw_opt_parse() returns the number of operands left in argv (shifted to
 * the front), MLW_OPT_HELP when -h/--help was seen, MLW_OPT_COMPLETE for
 * the completion helper flag, or a negative error code with the message
 * set.  It never prints and never exits: cmd/ decides that.
 */
#ifndef MLW_UTIL_OPT_H
#define MLW_UTIL_OPT_H

#include <stdint.h>

struct mlw_buf;

enum mlw_opt_type {
	MLW_OPTT_END,
	MLW_OPTT_GROUP,		/* a heading in the usage text */
	MLW_OPTT_BOOL,		/* int: set to 1, --no-X sets 0 */
	MLW_OPTT_COUNT,		/* int: incremented each time */
	MLW_OPTT_STRING,	/* const char *: borrowed from argv */
	MLW_OPTT_INT,		/* int64_t */
	MLW_OPTT_LIST		/* struct mlw_strlist: appended */
};

struct mlw_option {
	enum mlw_opt_type type;
	int short_name;
	const char *long_name;
	void *value;
	const char *argh;
	const char *help;
	int flags;
};

#define MLW_OPT_OPTARG 1	/* the argument may be omitted (--x or --x=v) */
#define MLW_OPT_HIDDEN 2	/* not shown in usage */

#define MLW_OPT_END() { MLW_OPTT_END, 0, NULL, NULL, NULL, NULL, 0 }
#define MLW_OPT_GROUP(h) { MLW_OPTT_GROUP, 0, NULL, NULL, NULL, (h), 0 }
#define MLW_OPT_BOOL(s, l, v, h) { MLW_OPTT_BOOL, (s), (l), (v), NULL, (h), 0 }
#define MLW_OPT_COUNT(s, l, v, h) { MLW_OPTT_COUNT, (s), (l), (v), NULL, (h), 0 }
#define MLW_OPT_STRING(s, l, v, a, h) \
	{ MLW_OPTT_STRING, (s), (l), (v), (a), (h), 0 }
#define MLW_OPT_STRING_F(s, l, v, a, h, f) \
	{ MLW_OPTT_STRING, (s), (l), (v), (a), (h), (f) }
#define MLW_OPT_INT(s, l, v, a, h) { MLW_OPTT_INT, (s), (l), (v), (a), (h), 0 }
#define MLW_OPT_LIST(s, l, v, a, h) { MLW_OPTT_LIST, (s), (l), (v), (a), (h), 0 }

#define MLW_OPT_STOP_AT_NON_OPTION 1
#define MLW_OPT_KEEP_UNKNOWN 2	/* leave unknown options among operands */

#define MLW_OPT_HELP (-100)
#define MLW_OPT_COMPLETE (-101)

/* The hidden flag that makes a command list its options for completion. */
#define MLW_OPT_COMPLETION_FLAG "--mlw-completion-helper"

/*
 * Parse argv[0..argc) (the options and operands: the caller skips the
 * command's own name) into opts' value pointers; returns as described
 * at the top.  flags: MLW_OPT_*.
 */
int mlw_opt_parse(int argc, const char **argv, const struct mlw_option *opts,
		  int flags);

/*
 * Append "usage: ..." lines and the option table to out.  An empty line
 * in usage ends the usage lines: the lines after it are printed as they
 * are (a list of algorithms, say).
 */
void mlw_opt_usage(struct mlw_buf *out, const char *const *usage,
		   const struct mlw_option *opts);
/* Append every long option ("--name" or "--name=") separated by spaces. */
void mlw_opt_completion(struct mlw_buf *out, const struct mlw_option *opts);

#endif

/*
 * name.h - the one rule for names that users and specs give, checked
 * before any of them is joined to a path.
 *
 * Azure ML's rule, as az applies it: letters, digits, '_', '-' and '.',
 * starting with a letter or digit, with a bound on the length that
 * depends on the kind of thing named (255 for jobs, experiments,
 * inputs, outputs, assets and components; 64 for versions).  Input,
 * output and step names may also start with '_' (az takes Python
 * identifiers there).  Endpoints and deployments have Azure's narrower
 * rule: 3 to 32 letters, digits and '-', starting with a letter and
 * ending with a letter or digit (they become host names).  Compute targets have
 * Azure's rule for clusters and instances: 2 to 24 letters, digits and
 * '-', starting with a letter and ending with a letter or digit.  A name
 * that passes can never be empty, ".", "..", hold a '/' or a control
 * character, so it names exactly one entry of the folder it is joined to.
 *
 * Artifact names are paths ("outputs/model.pkl"): see
 * mlw_name_check_path().
 *
 *	if (mlw_name_check(MLW_NAME_JOB, name))
 *		return MLW_EINVALID;	(message: "job name '../x' is
 *					 not valid: a job name is ...")
 */
#ifndef MLW_UTIL_NAME_H
#define MLW_UTIL_NAME_H

enum mlw_name_kind {
	MLW_NAME_JOB,
	MLW_NAME_EXPERIMENT,
	MLW_NAME_INPUT,
	MLW_NAME_OUTPUT,
	MLW_NAME_ASSET,		/* data, model, environment */
	MLW_NAME_VERSION,	/* an asset's version */
	MLW_NAME_COMPONENT,
	MLW_NAME_ENDPOINT,
	MLW_NAME_DEPLOYMENT,
	MLW_NAME_COMPUTE,	/* a compute target */
	MLW_NAME_STEP,		/* a pipeline's step (a key of jobs:) */
	MLW_NAME_NR_KINDS
};

/* 1 when name follows kind's rule, else 0; sets no message */
int mlw_name_ok(enum mlw_name_kind kind, const char *name);

/*
 * 0 when name follows kind's rule, else MLW_EINVALID with the message
 * "KIND name 'NAME' is not valid: RULE" (NAME with control characters
 * escaped and cut short when long).  Callers add where it came from:
 * mlw_error_prefix("--name") or "FILE:LINE:COL".
 */
int mlw_name_check(enum mlw_name_kind kind, const char *name);

/* "job", "experiment", ...: what the kind names (static) */
const char *mlw_name_what(enum mlw_name_kind kind);
/*
 * The rule in words, as messages and the manual give it (static):
 * "a job name is 1 to 255 letters, digits, '_', '-' and '.', starting
 * with a letter or digit".
 */
const char *mlw_name_rule(enum mlw_name_kind kind);

/*
 * A relative path made of names, for artifacts ("outputs/model.pkl")
 * and the like: at most 1024 bytes; '/'-separated components, each 1 to
 * 255 bytes, not "." or "..", without control characters; no leading,
 * trailing or doubled '/'.  Joined to a folder it stays beneath it
 * (unless a component on disk is a symbolic link: see
 * mlw_write_beneath() in fs.h).  0, or MLW_EINVALID with the message
 * "WHAT 'PATH' is not valid: REASON".
 */
int mlw_name_check_path(const char *what, const char *path);

#endif

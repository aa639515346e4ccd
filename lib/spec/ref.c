/*
 * ref.c - parse asset and path references (see ref.h for the forms).
 *
 * The rule is the SDK's generate_path_property: "azureml:" names an asset,
 * a URL scheme names a remote location, and anything else ("file:" or no
 * prefix) is a local path relative to the YAML file's directory.
 */
#include "spec/ref.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void mlw_ref_release(struct mlw_ref *ref)
{
	free(ref->name);
	free(ref->version);
	free(ref->label);
	free(ref->registry);
	free(ref->asset_type);
	free(ref->job);
	free(ref->output);
	free(ref->path);
	free(ref->uri);
	memset(ref, 0, sizeof(*ref));
}

static const char *const remote_schemes[] = {
	"https://", "http://", "wasbs://", "wasb://", "abfss://", "abfs://",
	"adl://", "s3://", "gs://", "runs:/", "models:/", NULL
};

int mlw_ref_is_remote(const char *text)
{
	const char *const *s;

	for (s = remote_schemes; *s; s++)
		if (!strncasecmp(text, *s, strlen(*s)))
			return 1;
	return mlw_starts_with(text, "azureml://datastores/") ||
	       mlw_starts_with(text, "azureml://subscriptions/") ||
	       mlw_starts_with(text, "azureml://locations/");
}

/* split "a/b/c" into at most max parts (empty parts kept); count */
static size_t split(char **parts, size_t max, char *s)
{
	size_t n = 0;

	while (n < max) {
		char *slash = strchr(s, '/');

		parts[n++] = s;
		if (!slash)
			break;
		*slash = '\0';
		s = slash + 1;
	}
	return n;
}

static int bad(const char *text, const char *why)
{
	return mlw_error_setc(MLW_EINVALID, "bad reference '%s': %s", text, why);
}

static int parse_registry(struct mlw_ref *out, const char *text,
			  const char *rest)
{
	char *copy = mlw_strdup(rest), *p[8];
	size_t n = split(p, 8, copy);
	int ret = 0;

	/* R/TYPE/NAME/versions/V | R/TYPE/NAME/labels/L | R/TYPE/NAME */
	if (n < 3 || !*p[0] || !*p[1] || !*p[2]) {
		ret = bad(text, "expected azureml://registries/REGISTRY/"
			  "TYPE/NAME/(versions/V|labels/L)");
		goto out;
	}
	if (strcmp(p[1], "environments") && strcmp(p[1], "models") &&
	    strcmp(p[1], "components") && strcmp(p[1], "data")) {
		ret = bad(text, "registry asset type must be environments, "
			  "models, components or data");
		goto out;
	}
	out->kind = MLW_REF_REGISTRY;
	out->registry = mlw_strdup(p[0]);
	out->asset_type = mlw_strdup(p[1]);
	out->name = mlw_strdup(p[2]);
	if (n == 3)
		goto out;
	if (n != 5 || !*p[4] ||
	    (strcmp(p[3], "versions") && strcmp(p[3], "labels"))) {
		ret = bad(text, "expected .../NAME/versions/V or "
			  ".../NAME/labels/L after the name");
		goto out;
	}
	if (!strcmp(p[3], "versions"))
		out->version = mlw_strdup(p[4]);
	else
		out->label = mlw_strdup(p[4]);
out:
	free(copy);
	return ret;
}

static int parse_job_output(struct mlw_ref *out, const char *text,
			    const char *rest)
{
	char *copy = mlw_strdup(rest), *p[5];
	size_t n = split(p, 5, copy);
	int ret = 0;

	/* JOB/outputs/OUT[/paths/P] */
	if (n < 3 || !*p[0] || strcmp(p[1], "outputs") || !*p[2] ||
	    (n > 3 && (n != 5 || strcmp(p[3], "paths")))) {
		ret = bad(text, "expected azureml:jobs/JOB/outputs/OUTPUT");
		goto out;
	}
	out->kind = MLW_REF_JOB_OUTPUT;
	out->job = mlw_strdup(p[0]);
	out->output = mlw_strdup(p[2]);
	if (n == 5)
		out->path = mlw_strdup(p[4]);
out:
	free(copy);
	return ret;
}

static int parse_asset(struct mlw_ref *out, const char *text, const char *rest)
{
	const char *at = strchr(rest, '@'), *colon = strchr(rest, ':');

	out->kind = MLW_REF_ASSET;
	if (!*rest)
		return bad(text, "empty asset name");
	if (at && colon)
		return bad(text, "use either NAME:VERSION or NAME@LABEL");
	if (at) {
		if (at == rest)
			return bad(text, "empty asset name");
		if (!at[1])
			return bad(text, "empty label after '@'");
		out->name = mlw_strndup(rest, (size_t)(at - rest));
		out->label = mlw_strdup(at + 1);
		return 0;
	}
	if (colon) {
		if (colon == rest)
			return bad(text, "empty asset name");
		if (!colon[1])
			return bad(text, "empty version after ':'");
		if (strchr(colon + 1, ':'))
			return bad(text, "too many ':'");
		out->name = mlw_strndup(rest, (size_t)(colon - rest));
		out->version = mlw_strdup(colon + 1);
		return 0;
	}
	if (strchr(rest, '/'))
		return bad(text, "an asset name cannot contain '/'");
	out->name = mlw_strdup(rest);
	return 0;
}

/*
 * An ARM id of a workspace asset, as az takes it in place of a name:
 * /subscriptions/S/resourceGroups/G/providers/Microsoft.MachineLearning
 * Services/workspaces/W/TYPE/NAME/versions/V.  Returns 1 and fills out
 * (an MLW_REF_ASSET naming NAME:V) when text is one, 0 when not.
 */
static int parse_arm_id(struct mlw_ref *out, const char *text)
{
	static const char *const fixed[] = {
		"subscriptions", NULL, "resourceGroups", NULL, "providers",
		"Microsoft.MachineLearningServices", "workspaces", NULL
	};
	static const char *const types[] = {
		"data", "models", "environments", "components", "codes", NULL
	};
	char *copy = mlw_strdup(text + 1), *p[16];
	size_t n = split(p, 16, copy), i;
	const char *const *t;
	int ok = n == 12 && !strcmp(p[10], "versions") && *p[11] && *p[9];

	for (i = 0; ok && i < 8; i++)
		ok = *p[i] && (!fixed[i] || !strcasecmp(p[i], fixed[i]));
	for (t = types; ok && *t && strcmp(p[8], *t); t++)
		;
	if (ok && *t) {
		out->kind = MLW_REF_ASSET;
		out->asset_type = mlw_strdup(*t);
		out->name = mlw_strdup(p[9]);
		out->version = mlw_strdup(p[11]);
	}
	free(copy);
	return ok && *t;
}

int mlw_ref_parse(struct mlw_ref *out, const char *text, const char *base_dir)
{
	struct mlw_ref zero = MLW_REF_INIT;
	const char *p;

	*out = zero;
	if (!text || !*text)
		return mlw_error_setc(MLW_EINVALID, "empty reference");
	if (mlw_ref_is_remote(text)) {
		out->kind = MLW_REF_REMOTE;
		out->uri = mlw_strdup(text);
		out->explicit = 1;
		return 0;
	}
	out->explicit = mlw_starts_with(text, "azureml:");
	if (mlw_starts_with(text, "azureml://registries/"))
		return parse_registry(out, text,
				      text + strlen("azureml://registries/"));
	if (mlw_starts_with(text, "azureml://jobs/"))
		return parse_job_output(out, text,
					text + strlen("azureml://jobs/"));
	if (mlw_starts_with(text, "azureml://")) {
		/* az loads forms mlw does not know: kept, like a URL */
		out->kind = MLW_REF_REMOTE;
		out->uri = mlw_strdup(text);
		return 0;
	}
	if (mlw_starts_with(text, "/subscriptions/") &&
	    parse_arm_id(out, text)) {
		out->explicit = 1;
		return 0;
	}
	if (mlw_starts_with(text, "azureml:/subscriptions/")) {
		if (parse_arm_id(out, text + strlen("azureml:")))
			return 0;
		out->kind = MLW_REF_REMOTE;
		out->uri = mlw_strdup(text);
		return 0;
	}
	if (mlw_starts_with(text, "azureml:jobs/"))
		return parse_job_output(out, text,
					text + strlen("azureml:jobs/"));
	if (mlw_starts_with(text, "azureml:"))
		return parse_asset(out, text, text + strlen("azureml:"));
	p = text;
	if (mlw_starts_with(p, "file://"))
		p += strlen("file://");
	else if (mlw_starts_with(p, "file:"))
		p += strlen("file:");
	if (!*p)
		return bad(text, "empty path");
	out->kind = MLW_REF_LOCAL;
	if (*p == '/' || !base_dir || !*base_dir || !strcmp(base_dir, "."))
		out->path = mlw_strdup(p);
	else
		out->path = mlw_path_join(base_dir, p);
	return 0;
}

/* the store's rules for an asset's name, version and label */
static int check_names(const struct mlw_ref *ref, const char *text)
{
	if (ref->kind != MLW_REF_ASSET && ref->kind != MLW_REF_REGISTRY)
		return 0;
	if (!mlw_name_ok(MLW_NAME_ASSET, ref->name))
		return bad(text, mlw_name_rule(MLW_NAME_ASSET));
	if (ref->version && !mlw_name_ok(MLW_NAME_VERSION, ref->version))
		return bad(text, mlw_name_rule(MLW_NAME_VERSION));
	/* labels follow the rule of versions, as az's do */
	if (ref->label && !mlw_name_ok(MLW_NAME_VERSION, ref->label))
		return bad(text, "a label is 1 to 64 letters, digits, '_', "
			   "'-' and '.', starting with a letter or digit");
	return 0;
}

int mlw_ref_parse_operand(struct mlw_ref *out, const char *text)
{
	struct mlw_ref zero = MLW_REF_INIT;
	int ret;

	*out = zero;
	if (!text || !*text)
		return mlw_error_setc(MLW_EINVALID, "empty reference");
	if (mlw_starts_with(text, "azureml:") || mlw_ref_is_remote(text) ||
	    mlw_starts_with(text, "/subscriptions/")) {
		ret = mlw_ref_parse(out, text, NULL);
		if (!ret && out->kind == MLW_REF_LOCAL)
			ret = bad(text, "expected NAME, NAME:VERSION, "
				  "NAME@LABEL or azureml:...");
	} else {
		ret = parse_asset(out, text, text);
		out->explicit = out->label && !strcmp(out->label, "latest");
	}
	if (!ret)
		ret = check_names(out, text);
	return ret;
}

char *mlw_ref_format(const struct mlw_ref *ref)
{
	switch (ref->kind) {
	case MLW_REF_LOCAL:
		return mlw_strdup(ref->path);
	case MLW_REF_REMOTE:
		return mlw_strdup(ref->uri);
	case MLW_REF_JOB_OUTPUT:
		return ref->path ?
			mlw_xstrfmt("azureml://jobs/%s/outputs/%s/paths/%s",
				    ref->job, ref->output, ref->path) :
			mlw_xstrfmt("azureml:jobs/%s/outputs/%s", ref->job,
				    ref->output);
	case MLW_REF_REGISTRY:
		if (ref->version || ref->label)
			return mlw_xstrfmt("azureml://registries/%s/%s/%s/%s/%s",
					   ref->registry, ref->asset_type,
					   ref->name,
					   ref->version ? "versions" : "labels",
					   ref->version ? ref->version :
					   ref->label);
		return mlw_xstrfmt("azureml://registries/%s/%s/%s",
				   ref->registry, ref->asset_type, ref->name);
	case MLW_REF_ASSET:
		if (ref->version)
			return mlw_xstrfmt("azureml:%s:%s", ref->name,
					   ref->version);
		if (ref->label)
			return mlw_xstrfmt("azureml:%s@%s", ref->name,
					   ref->label);
		return mlw_xstrfmt("azureml:%s", ref->name);
	}
	BUG("unknown ref kind %d", (int)ref->kind);
}

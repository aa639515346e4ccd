/*
 * fsck.c - verify the store; see fsck.h.
 */
#include "store/fsck.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "store/oidset.h"
#include "store/repo.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct fsck_state {
	struct mlw_odb *odb;
	int flags;
	struct mlw_oidset present;	/* objects whose files exist */
	struct mlw_oidset bad;		/* present but damaged */
	struct mlw_oid *trees;
	size_t nr_trees, alloc_trees;
	struct mlw_fsck_stats *stats;
	mlw_fsck_report_fn report;
	void *data;
};

static void problem(struct fsck_state *s, const char *subject,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void problem(struct fsck_state *s, const char *subject,
		    const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	s->stats->problems++;
	s->report(subject, b.buf, s->data);
	mlw_buf_release(&b);
}

/* a catalog message without its "catalog: " prefix (the subject says it) */
static const char *catalog_reason(const char *msg)
{
	return strncmp(msg, "catalog: ", 9) ? msg : msg + 9;
}

/* the message without its "object X is corrupt: " preamble */
static const char *short_reason(const char *msg)
{
	const char *p = strstr(msg, "corrupt: ");

	return p ? p + strlen("corrupt: ") : msg;
}

static int check_object(const struct mlw_oid *oid, double mtime, void *data)
{
	struct fsck_state *s = data;
	char hex[MLW_OID_HEXSZ + 1];
	enum mlw_object_type type;
	int ret;

	(void)mtime;
	mlw_oid_to_hex(hex, oid);
	s->stats->objects++;
	mlw_oidset_insert(&s->present, oid);
	ret = mlw_odb_info(&type, NULL, s->odb, oid);
	if (!ret && !(s->flags & MLW_FSCK_CONNECTIVITY_ONLY))
		ret = mlw_odb_verify(s->odb, oid);
	if (ret == MLW_ECORRUPT || ret == MLW_ENOTFOUND) {
		problem(s, hex, "%s", short_reason(mlw_error_last()));
		mlw_oidset_insert(&s->bad, oid);
		return 0;
	}
	if (ret)
		return ret;
	if (type == MLW_OBJ_TREE) {
		MLW_ALLOC_GROW(s->trees, s->nr_trees + 1, s->alloc_trees);
		s->trees[s->nr_trees++] = *oid;
	}
	return 0;
}

static void check_tree(struct fsck_state *s, const struct mlw_oid *oid)
{
	struct mlw_tree t = MLW_TREE_INIT;
	char hex[MLW_OID_HEXSZ + 1];
	size_t i;
	int ret;

	mlw_oid_to_hex(hex, oid);
	s->stats->trees++;
	ret = mlw_tree_read(&t, s->odb, oid);
	if (ret) {
		problem(s, hex, "%s", short_reason(mlw_error_last()));
		return;
	}
	for (i = 0; i < t.nr; i++) {
		const struct mlw_tree_entry *e = &t.entries[i];
		char ehex[MLW_OID_HEXSZ + 1];
		enum mlw_object_type type;

		mlw_oid_to_hex(ehex, &e->oid);
		if (!mlw_oidset_contains(&s->present, &e->oid)) {
			problem(s, ehex, "missing (%s '%s' in tree %s)",
				mlw_tree_mode_type(e->mode), e->name, hex);
			continue;
		}
		if (mlw_oidset_contains(&s->bad, &e->oid))
			continue;
		if (mlw_odb_info(&type, NULL, s->odb, &e->oid))
			continue;
		if ((e->mode == MLW_MODE_DIR) != (type == MLW_OBJ_TREE))
			problem(s, ehex, "is a %s but tree %s lists '%s' as a %s",
				mlw_object_type_name(type), hex, e->name,
				mlw_tree_mode_type(e->mode));
	}
	mlw_tree_release(&t);
}

static int check_root(const char *hex, const char *what, void *data)
{
	struct fsck_state *s = data;
	struct mlw_oid oid;

	s->stats->roots++;
	if (mlw_oid_from_hex(&oid, hex) < 0) {
		problem(s, "catalog", "%s holds a malformed object id '%s'",
			what, hex);
		return 0;
	}
	if (!mlw_oidset_contains(&s->present, &oid))
		problem(s, hex, "missing (referenced by %s)", what);
	return 0;
}

int mlw_fsck(struct mlw_fsck_stats *stats, struct mlw_repo *repo, int flags,
	     mlw_fsck_report_fn report, void *data)
{
	struct fsck_state s;
	struct mlw_catalog *cat;
	struct mlw_buf catalog_problems = MLW_BUF_INIT;
	size_t i;
	int ret;

	memset(&s, 0, sizeof(s));
	memset(stats, 0, sizeof(*stats));
	s.flags = flags;
	s.stats = stats;
	s.report = report;
	s.data = data;
	ret = mlw_repo_odb(&s.odb, repo);
	if (!ret)
		ret = mlw_odb_foreach(s.odb, check_object, NULL, &s);
	for (i = 0; !ret && i < s.nr_trees; i++)
		check_tree(&s, &s.trees[i]);
	if (!ret) {
		ret = mlw_repo_catalog(&cat, repo);
		if (ret == MLW_ECORRUPT) {
			problem(&s, "catalog", "%s",
				catalog_reason(mlw_error_last()));
			ret = 0;
			cat = NULL;
		}
		if (!ret && cat)
			ret = mlw_catalog_foreach_root(cat, check_root, &s);
		if (!ret && cat)
			ret = mlw_catalog_check(cat, &catalog_problems);
		if (ret == MLW_ECORRUPT) {
			problem(&s, "catalog", "%s",
				catalog_reason(mlw_error_last()));
			ret = 0;
		}
	}
	if (!ret && catalog_problems.len) {
		char *line = catalog_problems.buf, *nl;

		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			problem(&s, "catalog", "%s", line + strlen("catalog: "));
			line = nl + 1;
		}
	}
	mlw_buf_release(&catalog_problems);
	mlw_oidset_release(&s.present);
	mlw_oidset_release(&s.bad);
	free(s.trees);
	return ret;
}

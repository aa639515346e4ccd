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

/* a catalog reference, as the snapshot had it */
struct fsck_root {
	struct mlw_oid oid;
	char *what;
};

struct fsck_state {
	struct mlw_odb *odb;
	int flags;
	struct mlw_oidset present;	/* objects whose files exist */
	struct mlw_oidset bad;		/* present but damaged */
	struct mlw_oid *trees;
	size_t nr_trees, alloc_trees;
	struct fsck_root *roots;
	size_t nr_roots, alloc_roots;
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
	ret = mlw_odb_info(&type, NULL, s->odb, oid);
	if (ret == MLW_ENOTFOUND && mlw_odb_exists(s->odb, oid) != 1) {
		/* removed since it was listed (mlw gc): not ours to check */
		mlw_error_clear();
		return 0;
	}
	s->stats->objects++;
	mlw_oidset_insert(&s->present, oid);
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

/*
 * Whether oid, not seen when the objects were listed, is there now: an
 * object written while the listing went on (into a fan-out folder it had
 * passed) is newer than the view fsck took, not missing.
 */
static int arrived_since(struct fsck_state *s, const struct mlw_oid *oid)
{
	return mlw_odb_exists(s->odb, oid) == 1;
}

/*
 * What a subtree holds: the sum of its entries' sizes, which its parent's
 * entry must say.  -1 when it cannot be read (reported as itself), 1 when
 * the sum passes 2^64 (no entry can say it), else 0.
 */
static int tree_total(struct fsck_state *s, const struct mlw_oid *oid,
		      uint64_t *total)
{
	struct mlw_tree t = MLW_TREE_INIT;
	size_t i;

	if (mlw_tree_read(&t, s->odb, oid)) {
		mlw_error_clear();
		return -1;
	}
	*total = 0;
	for (i = 0; i < t.nr; i++) {
		if (*total + t.entries[i].size < *total)
			break;
		*total += t.entries[i].size;
	}
	mlw_tree_release(&t);
	return i < t.nr;
}

static void check_tree(struct fsck_state *s, const struct mlw_oid *oid)
{
	struct mlw_tree t = MLW_TREE_INIT;
	char hex[MLW_OID_HEXSZ + 1];
	size_t i;
	int ret;

	mlw_oid_to_hex(hex, oid);
	ret = mlw_tree_read(&t, s->odb, oid);
	if (ret == MLW_ENOTFOUND && mlw_odb_exists(s->odb, oid) != 1) {
		mlw_error_clear();	/* collected since it was listed */
		return;
	}
	s->stats->trees++;
	if (ret) {
		problem(s, hex, "%s", short_reason(mlw_error_last()));
		return;
	}
	for (i = 0; i < t.nr; i++) {
		const struct mlw_tree_entry *e = &t.entries[i];
		char ehex[MLW_OID_HEXSZ + 1];
		enum mlw_object_type type;
		uint64_t size;

		mlw_oid_to_hex(ehex, &e->oid);
		if (!mlw_oidset_contains(&s->present, &e->oid)) {
			if (arrived_since(s, &e->oid))
				continue;
			/* a tree collected meanwhile lost its entries too */
			if (mlw_odb_exists(s->odb, oid) != 1)
				break;
			problem(s, ehex, "missing (%s '%s' in tree %s)",
				mlw_tree_mode_type(e->mode), e->name, hex);
			continue;
		}
		if (mlw_oidset_contains(&s->bad, &e->oid))
			continue;
		if (mlw_odb_info(&type, &size, s->odb, &e->oid))
			continue;
		if ((e->mode == MLW_MODE_DIR) != (type == MLW_OBJ_TREE)) {
			problem(s, ehex, "is a %s but tree %s lists '%s' as a %s",
				mlw_object_type_name(type), hex, e->name,
				mlw_tree_mode_type(e->mode));
			continue;
		}
		ret = type == MLW_OBJ_TREE ? tree_total(s, &e->oid, &size) : 0;
		if (ret < 0)
			continue;
		if (ret || size != e->size)
			problem(s, ehex, "holds %llu bytes but tree %s says "
				"'%s' holds %llu", (unsigned long long)size,
				hex, e->name, (unsigned long long)e->size);
	}
	mlw_tree_release(&t);
}

/* a reference of the catalog's snapshot, kept for after the listing */
static int take_root(const char *hex, const char *what, void *data)
{
	struct fsck_state *s = data;
	struct mlw_oid oid;

	s->stats->roots++;
	if (mlw_oid_from_hex(&oid, hex) < 0) {
		problem(s, "catalog", "%s holds a malformed object id '%s'",
			what, hex);
		return 0;
	}
	MLW_ALLOC_GROW(s->roots, s->nr_roots + 1, s->alloc_roots);
	s->roots[s->nr_roots].oid = oid;
	s->roots[s->nr_roots++].what = mlw_strdup(what);
	return 0;
}

static int current_root(const char *hex, const char *what, void *data)
{
	struct mlw_oidset *now = data;
	struct mlw_oid oid;

	(void)what;
	if (!mlw_oid_from_hex(&oid, hex))
		mlw_oidset_insert(now, &oid);
	mlw_error_clear();
	return 0;
}

/*
 * The references of the snapshot whose objects were not listed.  Taken
 * before the listing began, each was written before it: one that is not
 * there now is missing, unless the catalog has let go of it meanwhile
 * (a ref deleted, then mlw gc), which a fresh look at the catalog tells.
 */
static int check_roots(struct fsck_state *s, struct mlw_catalog *cat)
{
	struct mlw_oidset now = MLW_OIDSET_INIT;
	int looked = 0, ret = 0;
	size_t i;

	for (i = 0; !ret && i < s->nr_roots; i++) {
		const struct fsck_root *r = &s->roots[i];
		char hex[MLW_OID_HEXSZ + 1];

		if (mlw_oidset_contains(&s->present, &r->oid) ||
		    arrived_since(s, &r->oid))
			continue;
		if (!looked) {
			ret = mlw_catalog_foreach_root(cat, current_root, &now);
			looked = 1;
			if (ret)
				break;
		}
		if (!mlw_oidset_contains(&now, &r->oid))
			continue;
		mlw_oid_to_hex(hex, &r->oid);
		problem(s, hex, "missing (referenced by %s)", r->what);
	}
	mlw_oidset_release(&now);
	return ret;
}

/*
 * The catalog's view, in one read transaction: the references it holds
 * and SQLite's own check.  Taken before the objects are listed, so every
 * object it names was written before the listing began.
 */
static int snapshot_catalog(struct fsck_state *s, struct mlw_catalog *cat,
			    struct mlw_buf *catalog_problems)
{
	int ret = mlw_catalog_begin_read(cat);

	if (!ret)
		ret = mlw_catalog_foreach_root(cat, take_root, s);
	if (!ret)
		ret = mlw_catalog_check(cat, catalog_problems);
	mlw_catalog_rollback(cat);
	return ret;
}

int mlw_fsck(struct mlw_fsck_stats *stats, struct mlw_repo *repo, int flags,
	     mlw_fsck_report_fn report, void *data)
{
	struct fsck_state s;
	struct mlw_catalog *cat = NULL;
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
	if (!ret) {
		ret = mlw_repo_catalog(&cat, repo);
		if (ret == MLW_ECORRUPT) {
			problem(&s, "catalog", "%s",
				catalog_reason(mlw_error_last()));
			ret = 0;
			cat = NULL;
		}
	}
	if (!ret && cat) {
		ret = snapshot_catalog(&s, cat, &catalog_problems);
		if (ret == MLW_ECORRUPT) {
			problem(&s, "catalog", "%s",
				catalog_reason(mlw_error_last()));
			ret = 0;
			cat = NULL;
		}
	}
	if (!ret)
		ret = mlw_odb_foreach(s.odb, check_object, NULL, &s);
	for (i = 0; !ret && i < s.nr_trees; i++)
		check_tree(&s, &s.trees[i]);
	if (!ret && cat)
		ret = check_roots(&s, cat);
	if (ret == MLW_ECORRUPT && cat) {
		problem(&s, "catalog", "%s", catalog_reason(mlw_error_last()));
		ret = 0;
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
	for (i = 0; i < s.nr_roots; i++)
		free(s.roots[i].what);
	free(s.roots);
	free(s.trees);
	return ret;
}

/*
 * git.c - libgit2 on demand, and .amlignore/.mlwignore rules; see git.h.
 */
#include "run/git.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/dl.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <fnmatch.h>
#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* the functions of libgit2 we call, resolved once */
static struct {
	__typeof__(&git_libgit2_init) init;
	__typeof__(&git_libgit2_shutdown) shutdown;
	__typeof__(&git_repository_open_ext) open_ext;
	__typeof__(&git_repository_workdir) workdir;
	__typeof__(&git_repository_free) repo_free;
	__typeof__(&git_repository_head) head;
	__typeof__(&git_reference_shorthand) shorthand;
	__typeof__(&git_reference_target) target;
	__typeof__(&git_reference_free) ref_free;
	__typeof__(&git_reference_name_to_id) name_to_id;
	__typeof__(&git_oid_tostr_s) oid_str;
	__typeof__(&git_remote_lookup) remote_lookup;
	__typeof__(&git_remote_url) remote_url;
	__typeof__(&git_remote_free) remote_free;
	__typeof__(&git_status_list_new) status_new;
	__typeof__(&git_status_list_entrycount) status_count;
	__typeof__(&git_status_list_free) status_free;
	__typeof__(&git_ignore_path_is_ignored) is_ignored;
	__typeof__(&git_repository_head_detached) detached;
} g;

static const struct mlw_dl_symbol libgit2_symbols[] = {
	MLW_DL_SYMBOL(git_libgit2_init, g.init),
	MLW_DL_SYMBOL(git_libgit2_shutdown, g.shutdown),
	MLW_DL_SYMBOL(git_repository_open_ext, g.open_ext),
	MLW_DL_SYMBOL(git_repository_workdir, g.workdir),
	MLW_DL_SYMBOL(git_repository_free, g.repo_free),
	MLW_DL_SYMBOL(git_repository_head, g.head),
	MLW_DL_SYMBOL(git_reference_shorthand, g.shorthand),
	MLW_DL_SYMBOL(git_reference_target, g.target),
	MLW_DL_SYMBOL(git_reference_free, g.ref_free),
	MLW_DL_SYMBOL(git_reference_name_to_id, g.name_to_id),
	MLW_DL_SYMBOL(git_oid_tostr_s, g.oid_str),
	MLW_DL_SYMBOL(git_remote_lookup, g.remote_lookup),
	MLW_DL_SYMBOL(git_remote_url, g.remote_url),
	MLW_DL_SYMBOL(git_remote_free, g.remote_free),
	MLW_DL_SYMBOL(git_status_list_new, g.status_new),
	MLW_DL_SYMBOL(git_status_list_entrycount, g.status_count),
	MLW_DL_SYMBOL(git_status_list_free, g.status_free),
	MLW_DL_SYMBOL(git_ignore_path_is_ignored, g.is_ignored),
	MLW_DL_SYMBOL(git_repository_head_detached, g.detached),
	{ NULL, NULL }
};

static void shutdown_libgit2(void)
{
	g.shutdown();
}

/*
 * Once loaded: libgit2's global state, whose caches (its regex cache
 * among them) are freed at exit so that LeakSanitizer sees a clean
 * process.
 */
static int init_libgit2(struct mlw_dl_library *lib)
{
	g.init();
	atexit(shutdown_libgit2);
	return 0;
}

static struct mlw_dl_library libgit2 = {
	.name = "libgit2",
	.sonames = { "libgit2.so.1.5" },
	.package = "libgit2-1.5",
	.symbols = libgit2_symbols,
	.init = init_libgit2,
};

/*
 * 1 when libgit2 is there.  Without it a run records no git state and
 * snapshots honour only .amlignore and .mlwignore, as outside a
 * repository: nothing to report.
 */
static int load_libgit2(void)
{
	if (mlw_dl_load(&libgit2)) {
		mlw_error_clear();
		return 0;
	}
	return 1;
}

/*
 * Whether abs (an absolute path) or a folder above it holds ".git" (a
 * folder, or a file as in worktrees and submodules).  Loading libgit2
 * costs more than the rest of "job create" (about 18 ms on a 2-core VM:
 * its dependencies are relocated and its TLS backend parses the system's
 * CA certificates in git_libgit2_init()), so code that lives outside any
 * git repository must not pay for it.  The walk follows libgit2's own
 * discovery without GIT_REPOSITORY_OPEN_FROM_ENV: GIT_DIR is not looked
 * at by either.
 */
static int in_git_worktree(const char *abs)
{
	struct mlw_buf b = MLW_BUF_INIT;
	struct stat st;
	int found = 0;

	mlw_buf_adds(&b, abs);
	for (;;) {
		size_t len = b.len;
		char *slash;

		mlw_buf_adds(&b, len > 1 ? "/.git" : ".git");
		if (!lstat(b.buf, &st) && (S_ISDIR(st.st_mode) ||
					   S_ISREG(st.st_mode))) {
			found = 1;
			break;
		}
		mlw_buf_setlen(&b, len);
		slash = strrchr(b.buf, '/');
		if (!slash || len <= 1)
			break;
		mlw_buf_setlen(&b, slash == b.buf ? 1 : (size_t)(slash - b.buf));
	}
	mlw_buf_release(&b);
	return found;
}

/* dir's repository and dir relative to its work tree ("" or "a/b/") */
static int open_repo(git_repository **repo, char **prefix, const char *dir)
{
	char *abs = mlw_path_absolute(dir);
	const char *wd;
	size_t len;

	*repo = NULL;
	*prefix = NULL;
	if (!in_git_worktree(abs) || !load_libgit2() ||
	    g.open_ext(repo, abs, GIT_REPOSITORY_OPEN_CROSS_FS, NULL) < 0) {
		free(abs);
		*repo = NULL;
		return 0;
	}
	wd = g.workdir(*repo);
	if (!wd) {		/* bare */
		g.repo_free(*repo);
		*repo = NULL;
		free(abs);
		return 0;
	}
	len = strlen(wd);
	if (len && wd[len - 1] == '/')
		len--;
	if (strncmp(abs, wd, len) || (abs[len] && abs[len] != '/')) {
		/* a symlinked path: treat as the work tree's root */
		*prefix = mlw_strdup("");
	} else {
		*prefix = abs[len] ? mlw_xstrfmt("%s/", abs + len + 1) :
			  mlw_strdup("");
	}
	free(abs);
	return 1;
}

int mlw_git_state(struct mlw_git_state *out, const char *dir)
{
	git_repository *repo;
	git_reference *head = NULL;
	git_remote *remote = NULL;
	git_status_list *status = NULL;
	git_status_options so;
	char *prefix, *spec;
	git_oid oid;

	memset(out, 0, sizeof(*out));
	if (!open_repo(&repo, &prefix, dir))
		return 0;
	if (!g.remote_lookup(&remote, repo, "origin") && g.remote_url(remote))
		out->repository_uri = mlw_strdup(g.remote_url(remote));
	else
		out->repository_uri = mlw_strdup(g.workdir(repo));
	if (remote)
		g.remote_free(remote);
	if (!g.head(&head, repo)) {
		if (g.detached(repo) != 1)
			out->branch = mlw_strdup(g.shorthand(head));
		if (g.target(head))
			out->commit = mlw_strdup(g.oid_str(g.target(head)));
		g.ref_free(head);
	} else if (!g.name_to_id(&oid, repo, "HEAD")) {
		out->commit = mlw_strdup(g.oid_str(&oid));
	}
	memset(&so, 0, sizeof(so));
	so.version = GIT_STATUS_OPTIONS_VERSION;
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
		   GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
	spec = mlw_xstrfmt("%s*", prefix);
	if (*prefix) {
		so.pathspec.strings = &spec;
		so.pathspec.count = 1;
	}
	if (!g.status_new(&status, repo, &so)) {
		out->dirty = g.status_count(status) > 0;
		g.status_free(status);
	}
	free(spec);
	free(prefix);
	g.repo_free(repo);
	return 1;
}

void mlw_git_state_release(struct mlw_git_state *st)
{
	free(st->repository_uri);
	free(st->branch);
	free(st->commit);
	memset(st, 0, sizeof(*st));
}

struct rule {
	char *pattern;
	char *base;	/* folder of the ignore file, "" or "a/b/" */
	int negate, dir_only, anchored;
};

struct mlw_ignore {
	git_repository *repo;
	char *prefix;
	char *root;
	struct rule *rules;
	size_t nr, alloc;
	struct mlw_strlist seen;	/* folders whose ignore files were read */
};

static void read_rules(struct mlw_ignore *ig, const char *reldir)
{
	static const char *const names[] = { ".amlignore", ".mlwignore" };
	size_t k;

	for (k = 0; k < 2; k++) {
		struct mlw_buf b = MLW_BUF_INIT;
		char *rel = mlw_xstrfmt("%s%s", reldir, names[k]);
		char *path = mlw_path_join(ig->root, rel);
		char *line, *next;

		free(rel);
		if (mlw_buf_read_file(&b, path, 1 << 20) < 0) {
			free(path);
			mlw_buf_release(&b);
			mlw_error_clear();
			continue;
		}
		free(path);
		for (line = b.buf; line && *line; line = next) {
			struct rule *r;
			size_t len;

			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			len = strlen(line);
			while (len && (line[len - 1] == ' ' ||
				       line[len - 1] == '\r'))
				line[--len] = '\0';
			if (!len || *line == '#')
				continue;
			MLW_ALLOC_GROW(ig->rules, ig->nr + 1, ig->alloc);
			r = &ig->rules[ig->nr++];
			memset(r, 0, sizeof(*r));
			if (*line == '!') {
				r->negate = 1;
				line++;
				len--;
			}
			if (len && line[len - 1] == '/') {
				r->dir_only = 1;
				line[--len] = '\0';
			}
			if (*line == '/') {
				line++;
				r->anchored = 1;
			} else if (strchr(line, '/')) {
				r->anchored = 1;
			}
			r->pattern = mlw_strdup(line);
			r->base = mlw_strdup(reldir);
		}
		mlw_buf_release(&b);
	}
}

int mlw_ignore_new(struct mlw_ignore **out, const char *dir)
{
	struct mlw_ignore *ig = mlw_calloc(1, sizeof(*ig));

	ig->root = mlw_strdup(dir);
	if (!open_repo(&ig->repo, &ig->prefix, dir))
		ig->prefix = NULL;
	read_rules(ig, "");
	*out = ig;
	return 0;
}

static int rule_matches(const struct rule *r, const char *relpath)
{
	size_t blen = strlen(r->base);
	const char *sub, *slash;

	if (strncmp(relpath, r->base, blen))
		return 0;
	sub = relpath + blen;
	if (r->anchored)
		return !fnmatch(r->pattern, sub, FNM_PATHNAME) ||
		       (strstr(r->pattern, "**") &&
			!fnmatch(r->pattern, sub, 0));
	slash = strrchr(sub, '/');
	return !fnmatch(r->pattern, slash ? slash + 1 : sub, 0);
}

int mlw_ignore_match(struct mlw_ignore *ig, const char *relpath, int is_dir)
{
	int ignored = 0;
	size_t i;

	if (is_dir) {
		/* read the folder's own ignore files before its entries */
		char *reldir = mlw_xstrfmt("%s/", relpath);

		read_rules(ig, reldir);
		free(reldir);
	}
	for (i = 0; i < ig->nr; i++) {
		const struct rule *r = &ig->rules[i];

		if (r->dir_only && !is_dir)
			continue;
		if (rule_matches(r, relpath))
			ignored = !r->negate;
	}
	if (ignored)
		return 1;
	if (ig->repo) {
		char *path = mlw_xstrfmt("%s%s%s", ig->prefix, relpath,
					 is_dir ? "/" : "");
		int gi = 0;

		if (!g.is_ignored(&gi, ig->repo, path) && gi)
			ignored = 1;
		free(path);
	}
	return ignored;
}

void mlw_ignore_free(struct mlw_ignore *ig)
{
	size_t i;

	if (!ig)
		return;
	for (i = 0; i < ig->nr; i++) {
		free(ig->rules[i].pattern);
		free(ig->rules[i].base);
	}
	free(ig->rules);
	if (ig->repo)
		g.repo_free(ig->repo);
	free(ig->prefix);
	free(ig->root);
	mlw_strlist_release(&ig->seen);
	free(ig);
}

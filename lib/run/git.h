/*
 * git.h - what a run needs from git: ignore rules and the state of the
 * repository holding its code.
 *
 * libgit2 is loaded with dlopen() on first use (libgit2.so.1.5, Debian
 * 12's libgit2-1.5), never linked: it costs start-up time every other
 * command would pay.  When it cannot be loaded, a folder is treated as not
 * being in a repository and .gitignore is not honoured (one warning).
 *
 * .amlignore and .mlwignore (gitignore syntax) are honoured in every
 * folder, in or out of a repository; when one exists in a folder its
 * rules are applied along with .gitignore's.  Their patterns are matched
 * with fnmatch(3): comments, "!" negation, trailing "/" for folders,
 * leading or inner "/" anchoring to the file's folder, "**" across
 * folders.
 */
#ifndef MLW_RUN_GIT_H
#define MLW_RUN_GIT_H

struct mlw_git_state {
	char *repository_uri;	/* remote "origin" URL, or the folder */
	char *branch;		/* NULL on a detached HEAD */
	char *commit;		/* NULL in a repository without commits */
	int dirty;		/* 'git status --porcelain .' non-empty */
};

/*
 * The git state of the repository containing dir.  Returns 1 with *out
 * filled when dir is in a repository, 0 when not (or libgit2 is
 * missing), negative on error.
 */
int mlw_git_state(struct mlw_git_state *out, const char *dir);
void mlw_git_state_release(struct mlw_git_state *st);

/* ignore rules for snapshotting dir */
struct mlw_ignore;
int mlw_ignore_new(struct mlw_ignore **out, const char *dir);
/* relpath relative to dir; 1 when left out of the snapshot */
int mlw_ignore_match(struct mlw_ignore *ig, const char *relpath, int is_dir);
void mlw_ignore_free(struct mlw_ignore *ig);

#endif

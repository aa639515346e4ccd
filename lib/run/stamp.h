/*
 * stamp.h - what a local input's files looked like when they were
 * snapshotted, so that a run may read them where they are.
 *
 * An input with 'mode: direct' (Azure's mode in which the job is handed
 * the data's own location instead of a copy) is bound to its source
 * folder or file, not to a checkout of its snapshot: a batch endpoint
 * scoring a folder of a million rows reads them in place, as Azure's
 * mount does.  The run still records the snapshot, so it must be
 * certain that the source is that snapshot when the run starts: the
 * stamp keeps each file's stat (device, inode, mode, size, change and
 * modification times, taken before the file was read and hashed) and
 * checks them again by walking the source as git checks its index: a
 * file whose stat is unchanged is not read again, one that changed is
 * read and hashed, and the walk's tree must be the snapshot's.  Added,
 * removed and renamed files change the tree.  A file changed less than
 * 20 ms before its snapshot is read again too: a change in the same
 * clock tick leaves its stat as it was.  When the check fails the
 * run gets a read-only checkout of the snapshot, as for any other mode.
 *
 * What the stamp cannot see is a change made while the run reads the
 * files; that is the nature of reading data in place (Azure's mounts
 * have it too), and the reason it is a mode the user asks for.
 */
#ifndef MLW_RUN_STAMP_H
#define MLW_RUN_STAMP_H

#include <sys/stat.h>

struct mlw_odb;
struct mlw_oid;
struct mlw_stamp;

struct mlw_stamp *mlw_stamp_new(void);
void mlw_stamp_free(struct mlw_stamp *s);

/*
 * The snapshot's record hook (struct mlw_snapshot_opts: record, with
 * cache_data the stamp): relpath hashed to oid, with st its stat from
 * before it was read.
 */
void mlw_stamp_record(const char *relpath, const struct stat *st,
		      const struct mlw_oid *oid, void *stamp);

/*
 * Whether the folder dir still is tree (snapshotted with s recording):
 * 1 when it is, 0 when anything in it changed, or an error (< 0) when
 * dir cannot be read.  Files that changed are read and stored.
 */
int mlw_stamp_check_dir(struct mlw_stamp *s, struct mlw_odb *odb,
			const char *dir, const struct mlw_oid *tree);

/*
 * Whether the file path (a link to one is followed, as the snapshot
 * followed it) still is the one recorded as name, by its stat: 1 or 0
 * (a file that is gone or replaced is 0).  A file changed too close to
 * its snapshot for the stat to tell is read and hashed again, as a
 * folder's are.
 */
int mlw_stamp_check_file(struct mlw_stamp *s, const char *path,
			 const char *name);

#endif

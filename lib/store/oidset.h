/*
 * oidset.h - a set of object ids (open addressing; ids are already
 * uniformly distributed, so their first bytes are the hash), for walks
 * that must visit each object once (gc's marking, fsck).
 *
 * A set is a struct the caller embeds: start it with MLW_OIDSET_INIT,
 * empty it with mlw_oidset_release().  Ids are copied in.
 */
#ifndef MLW_STORE_OIDSET_H
#define MLW_STORE_OIDSET_H

#include "store/odb.h"

#include <stddef.h>

struct mlw_oidset {
	struct mlw_oid *slots;
	unsigned char *used;
	size_t nr, cap;
};
#define MLW_OIDSET_INIT { NULL, NULL, 0, 0 }

/* Add oid: 1 when it was added, 0 when it was already there. */
int mlw_oidset_insert(struct mlw_oidset *set, const struct mlw_oid *oid);
/* 1 when oid is in the set, else 0. */
int mlw_oidset_contains(const struct mlw_oidset *set, const struct mlw_oid *oid);
/* Free the set's memory; it is empty (MLW_OIDSET_INIT) afterwards. */
void mlw_oidset_release(struct mlw_oidset *set);

#endif

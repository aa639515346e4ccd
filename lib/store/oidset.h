/*
 * oidset.h - a set of object ids (open addressing; ids are already
 * uniformly distributed, so their first bytes are the hash).
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

/* 1 when oid was added, 0 when it was already there */
int mlw_oidset_insert(struct mlw_oidset *set, const struct mlw_oid *oid);
int mlw_oidset_contains(const struct mlw_oidset *set, const struct mlw_oid *oid);
void mlw_oidset_release(struct mlw_oidset *set);

#endif

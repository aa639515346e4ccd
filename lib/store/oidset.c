/*
 * oidset.c - a set of object ids; see oidset.h.
 */
#include "store/oidset.h"
#include "util/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t slot_of(const struct mlw_oid *oid, size_t cap)
{
	uint64_t h;

	memcpy(&h, oid->hash, sizeof(h));
	return (size_t)(h & (cap - 1));
}

static void grow(struct mlw_oidset *set)
{
	struct mlw_oidset bigger;
	size_t i;

	bigger.cap = set->cap ? set->cap * 2 : 1024;
	bigger.nr = 0;
	bigger.slots = mlw_calloc(bigger.cap, sizeof(*bigger.slots));
	bigger.used = mlw_calloc(bigger.cap, 1);
	for (i = 0; i < set->cap; i++)
		if (set->used[i])
			mlw_oidset_insert(&bigger, &set->slots[i]);
	mlw_oidset_release(set);
	*set = bigger;
}

int mlw_oidset_insert(struct mlw_oidset *set, const struct mlw_oid *oid)
{
	size_t i;

	if ((set->nr + 1) * 2 > set->cap)
		grow(set);
	for (i = slot_of(oid, set->cap); set->used[i]; i = (i + 1) & (set->cap - 1))
		if (!mlw_oid_cmp(&set->slots[i], oid))
			return 0;
	set->used[i] = 1;
	set->slots[i] = *oid;
	set->nr++;
	return 1;
}

int mlw_oidset_contains(const struct mlw_oidset *set, const struct mlw_oid *oid)
{
	size_t i;

	if (!set->cap)
		return 0;
	for (i = slot_of(oid, set->cap); set->used[i]; i = (i + 1) & (set->cap - 1))
		if (!mlw_oid_cmp(&set->slots[i], oid))
			return 1;
	return 0;
}

void mlw_oidset_release(struct mlw_oidset *set)
{
	free(set->slots);
	free(set->used);
	memset(set, 0, sizeof(*set));
}

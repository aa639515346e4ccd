/*
 * fuzz-tree.c - tree objects as read back from the store (store/tree.h).
 *
 * A tree read from .mlw/objects is untrusted: whatever the bytes, parsing
 * ends in a tree or MLW_ECORRUPT, never a crash.  A tree that parses is
 * canonical: serialising it gives back the same bytes (so the same folder
 * always has one id), every name may appear in a tree, and the entries
 * are sorted and unique.
 */
#include "fuzz.h"
#include "store/tree.h"
#include "util/buf.h"
#include "util/error.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlw_tree t = MLW_TREE_INIT, again = MLW_TREE_INIT;
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i;
	int ret;

	ret = mlw_tree_parse(&t, (const char *)data, size, "fuzz");
	if (ret) {
		FUZZ_CHECK(ret == MLW_ECORRUPT, "parse returned %d", ret);
		FUZZ_CHECK(*mlw_error_last(), "an error without a message");
		mlw_tree_release(&t);
		mlw_error_clear();
		return 0;
	}
	for (i = 0; i < t.nr; i++) {
		FUZZ_CHECK(mlw_tree_name_ok(t.entries[i].name),
			   "entry %zu has a name a tree may not hold", i);
		FUZZ_CHECK(!i || strcmp(t.entries[i - 1].name,
					t.entries[i].name) < 0,
			   "entries %zu and %zu are out of order", i - 1, i);
	}
	mlw_tree_serialize(&b, &t);
	FUZZ_CHECK(b.len == size && !memcmp(b.buf, data, size),
		   "a tree that is not canonical was accepted "
		   "(%zu bytes in, %zu out)", size, b.len);
	ret = mlw_tree_parse(&again, b.buf, b.len, "again");
	FUZZ_CHECK(!ret && again.nr == t.nr, "the serialised tree is refused");
	for (i = 0; i < t.nr; i++)
		FUZZ_CHECK(again.entries[i].mode == t.entries[i].mode &&
			   again.entries[i].size == t.entries[i].size &&
			   !mlw_oid_cmp(&again.entries[i].oid,
					&t.entries[i].oid) &&
			   !strcmp(again.entries[i].name, t.entries[i].name),
			   "entry %zu changed on the way back", i);
	mlw_tree_release(&again);
	mlw_tree_release(&t);
	mlw_buf_release(&b);
	return 0;
}

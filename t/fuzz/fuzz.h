/*
 * fuzz.h - what the libFuzzer harnesses in t/fuzz share.
 *
 * Each fuzz-NAME.c defines LLVMFuzzerTestOneInput() (and may define
 * fuzz_init(), called once before the first input).  'make fuzz' links
 * them with libFuzzer under ASan and UBSan; replay.c links the same file
 * with a main() that runs the inputs named on its command line once each,
 * so a finding can be replayed with any compiler and sanitizer build.
 *
 * Harnesses that need files (a model folder, an MLTable and its data)
 * write them into a scratch folder of their own on tmpfs, created on first
 * use and removed at exit.
 */
#ifndef MLW_FUZZ_H
#define MLW_FUZZ_H

#include "util/alloc.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a harness's one-time set-up: defined weak, so it is optional */
void fuzz_init(void) __attribute__((weak));

/* The scratch folder (absolute; borrowed). */
const char *fuzz_dir(void);

/*
 * Write len bytes of data to fuzz_dir()/name (name may hold one '/':
 * its folder is created).  Returns the path; the caller frees it.
 */
char *fuzz_write(const char *name, const void *data, size_t len);

/*
 * Cut data at the first line that is exactly sep ("#%%data"): *a is what
 * comes before it, *b what follows (empty without one).  Borrowed.
 */
void fuzz_split(const char **a, size_t *alen, const char **b, size_t *blen,
		const char *data, size_t len, const char *sep);

struct mlw_dataset;
/*
 * Check what a loaded dataset promises: every cell in range (categorical
 * codes below the column's category count, booleans 0 or 1, NaN only
 * for the missing, or the unusable in a column with a problem), categories sorted and unique, a numeric column's
 * sum that of its values.
 */
void fuzz_check_dataset(const struct mlw_dataset *ds);

/*
 * Show a model's flavors and signature (JSON text as the catalog keeps
 * them; NULL for none) as 'mlw model show' does: one-line summaries,
 * and the values in every output format.  Rendering must not fail.
 */
void fuzz_render_model_json(const char *flavors, const char *signature);

/* an invariant the code under test broke: abort with file and line */
#define FUZZ_CHECK(cond, ...) do { \
	if (!(cond)) \
		BUG(__VA_ARGS__); \
} while (0)

#endif

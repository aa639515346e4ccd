/*
 * fuzz-batch.c - the body of MLflow's runs/log-batch as the tracking
 * server reads it without a jansson tree (lib/tracking/batch.c).
 *
 *  - whatever the scanner takes, jansson reads to the same batch: run id,
 *    every metric's key, value (bit for bit, NaN for NaN), timestamp and
 *    step, every param and tag (t/unit/batch-oracle.h, the unit test's
 *    oracle);
 *  - whatever it declines leaves nothing behind (the server then reads
 *    the body with jansson, which answers every error);
 *  - it never reads past the body: a copy of the input's own size, so
 *    ASan sees any read beyond it.
 */
#include "fuzz.h"
#include "../unit/batch-oracle.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log_batch_body b;
	char *body = mlw_malloc(size ? size : 1);
	int ret;

	memcpy(body, data, size);
	ret = log_batch_scan(&b, body, size);
	FUZZ_CHECK(ret == 0 || ret == 1, "log_batch_scan returned %d", ret);
	if (!ret) {
		FUZZ_CHECK(b.run_id && *b.run_id, "taken without a run id");
		FUZZ_CHECK(same_as_jansson(body, size, &b),
			   "the scanner's batch is not jansson's");
		log_batch_body_release(&b);
	} else {
		FUZZ_CHECK(!b.run_id && !b.metrics && !b.params && !b.tags &&
			   !b.strings && !b.nr_metrics && !b.nr_params &&
			   !b.nr_tags, "a declined body left a batch behind");
	}
	free(body);
	return 0;
}

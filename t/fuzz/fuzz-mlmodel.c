/*
 * fuzz-mlmodel.c - a model folder's MLmodel file (asset/mlmodel.h), as
 * 'mlw model create' reads it into the catalog and 'mlw model show'
 * prints it back.
 *
 * The input is an MLmodel file.  Reading it gives the flavors and
 * signature as JSON text, or an error with a message, never a crash;
 * what it gives is JSON that jansson parses, whose one-line summaries
 * and output in every format (the catalog's JSON read back) never fail.
 */
#include "fuzz.h"
#include "asset/mlmodel.h"
#include "util/error.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_write("model/MLmodel", data, size);
	char *flavors = NULL, *signature = NULL;
	int ret;

	*strrchr(path, '/') = '\0';
	ret = mlw_mlmodel_read(&flavors, &signature, path);
	if (ret) {
		FUZZ_CHECK(*mlw_error_last(), "refused without a message");
		mlw_error_clear();
	} else {
		json_t *v = json_loads(flavors, 0, NULL);

		FUZZ_CHECK(json_is_object(v), "flavors are not a JSON object");
		json_decref(v);
		if (signature) {
			v = json_loads(signature, 0, NULL);
			FUZZ_CHECK(json_is_object(v),
				   "the signature is not a JSON object");
			json_decref(v);
		}
		fuzz_render_model_json(flavors, signature);
	}
	free(flavors);
	free(signature);
	free(path);
	return 0;
}

/*
 * model-score.c - 'mlw model score MODEL --input DATA --output FILE':
 * batch scoring with a model folder or a registered model (found as
 * 'mlw model show' finds it), streamed in bounded memory
 * (lib/ml/score.h), written through mlw_output (lib/util/fs.h): a file
 * is replaced only when the run succeeds, a device or FIFO is written
 * to and stays what it is.
 */
#include "builtin.h"
#include "ml/model.h"
#include "ml/score.h"
#include "run/local-input.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void report_row(const char *msg, void *data)
{
	struct mlw_ctx *ctx = data;

	cmd_warn(ctx, "skipped %s", msg);
}

CMD(model_score)
{
	static const char *const usage[] = {
		"mlw model score (DIR | NAME[:VERSION|@latest] | azureml:NAME:VERSION) --input DATA --output FILE [options]",
		NULL
	};
	const char *input = NULL, *output = NULL, *chunk = NULL;
	int64_t threshold = 0, threads = -1;
	struct mlw_score_options so = { 0 };
	struct mlw_option opts[] = {
		MLW_OPT_STRING(0, "input", &input, "DATA", "CSV file (streamed), MLTable folder or data asset"),
		MLW_OPT_STRING(0, "output", &output, "FILE", "write the predictions here (- for stdout)"),
		MLW_OPT_BOOL(0, "proba", &so.proba, "add a proba_<class> column per class"),
		MLW_OPT_BOOL(0, "include-input", &so.include_input, "write the input columns first"),
		MLW_OPT_INT(0, "error-threshold", &threshold, "N", "skip up to N bad rows (-1: any number)"),
		MLW_OPT_INT(0, "threads", &threads, "N", "scoring threads (default: CPUs)"),
		MLW_OPT_STRING_F(0, "chunk-size", &chunk, "BYTES", "bytes a thread reads at once (tests)", MLW_OPT_HIDDEN),
		MLW_OPT_END()
	};
	struct mlw_score_stats stats;
	struct mlw_model model;
	struct mlw_input_source src;
	struct mlw_output out;
	double t0 = mlw_now();
	int ret, to_stdout;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc != 1)
		return cmd_usage_error(usage, opts, argc ? "too many arguments" :
				       "no model given");
	if (!input || !output)
		return cmd_usage_error(usage, opts, "--input and --output are required");
	if (threshold < -1)
		return cmd_usage_error(usage, opts, "--error-threshold must be -1 or more");
	if (threads != -1 && (threads < 1 || threads > 64))
		return cmd_usage_error(usage, opts, "--threads must be between 1 and 64");
	if (ctx->format && ctx->format != MLW_FMT_JSON)
		return cmd_usage_error(usage, opts, "scores are CSV, or JSON lines with -o json");
	if (chunk) {
		char *end;
		unsigned long long n = strtoull(chunk, &end, 10);

		if (*end || n < 1 || n > (1ULL << 30))
			return cmd_usage_error(usage, opts, "--chunk-size takes a byte count");
		so.chunk_size = (size_t)n;
	}
	so.json = ctx->format == MLW_FMT_JSON;
	so.error_threshold = (long)threshold;
	so.nr_threads = threads > 0 ? (int)threads : 0;
	so.on_error = report_row;
	so.data = ctx;

	cmd_input_source(ctx, &src, argv[0]);
	ret = mlw_input_model(&model, &src, argv[0]);
	if (ret)
		return cmd_fail(ret);
	/* before the output is opened: this may find no workspace */
	cmd_input_source(ctx, &src, input);

	/* a file is replaced only by a whole run; a device is written to */
	ret = mlw_output_open(&out, output);
	if (ret) {
		mlw_model_release(&model);
		return cmd_fail(ret);
	}
	to_stdout = out.is_stdout;
	ret = mlw_input_score(&stats, &model, &src, input, out.fd, &so);
	if (ret)
		mlw_output_abort(&out);
	else
		ret = mlw_output_commit(&out);
	mlw_model_release(&model);
	if (ret)
		return cmd_fail(ret);
	if (!ctx->quiet)
		fprintf(stderr,
			"scored %zu of %zu rows (%zu skipped) in %.3f s, %.0f MB/s in\n",
			stats.nr_scored, stats.nr_rows, stats.nr_errors,
			mlw_now() - t0,
			(double)stats.bytes_in / 1e6 / (mlw_now() - t0 + 1e-9));
	return to_stdout ? cmd_finish_stdout(0) : 0;
}

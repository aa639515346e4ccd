/*
 * data-preview.c - the hidden plumbing command 'preview-data': the first
 * rows of a table (a CSV file, a folder with an MLTable file, a data
 * asset) as the training engine sees them, as 'mlw data show NAME
 * --preview N' prints them (cmd_data_preview() in common.c; the reading
 * is lib/run/local-input.h's).
 */
#include "builtin.h"

CMD(preview_data)
{
	static const char *const usage[] = {
		"mlw preview-data (CSV | FOLDER | azureml:NAME[:VERSION|@latest]) [-n ROWS]",
		NULL
	};
	int64_t rows = 10;
	struct mlw_option opts[] = {
		MLW_OPT_INT('n', "rows", &rows, "ROWS", "rows to show (10; -1: all)"),
		MLW_OPT_END()
	};

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc != 1)
		return cmd_usage_error(usage, opts, argc ? "too many arguments" :
				       "no data given");
	if (rows < -1)
		return cmd_usage_error(usage, opts, "--rows must be -1 or more");
	return cmd_data_preview(ctx, argv[0], (long)rows);
}

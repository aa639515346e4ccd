/*
 * train_opts.c - the options of 'mlw train' and their reading into a
 * training request; see train_opts.h.
 */
#include "ml/train_opts.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/opt.h"

#include <stdlib.h>
#include <string.h>

void mlw_train_opts_init(struct mlw_train_opts *o,
			 const struct mlw_trainer *t)
{
	struct mlw_option general[] = {
		MLW_OPT_STRING(0, "data", &o->data, "DATA", "training data: CSV, MLTable folder or data asset"),
		MLW_OPT_STRING(0, "target", &o->target, "COL", "the column to predict"),
		MLW_OPT_STRING(0, "features", &o->features, "A,B", "use only these columns"),
		MLW_OPT_STRING(0, "exclude", &o->exclude, "A,B", "use all columns but these"),
		MLW_OPT_STRING(0, "validation-data", &o->validation_data, "DATA", "score on this data"),
		MLW_OPT_STRING(0, "validation-split", &o->validation_split, "F", "hold out this fraction of rows"),
		MLW_OPT_INT(0, "cv", &o->cv, "K", "K-fold cross-validation, scikit-learn's folds"),
		MLW_OPT_BOOL(0, "shuffle", &o->shuffle, "shuffle the rows before cutting the folds"),
		MLW_OPT_INT(0, "seed", &o->seed, "N", "seed of shuffles and random starts (0)"),
		MLW_OPT_STRING(0, "output", &o->output_dir, "DIR", "write the model folder here"),
		MLW_OPT_STRING(0, "predictions", &o->predictions, "FILE", "write the predictions as CSV"),
		MLW_OPT_BOOL(0, "standardize", &o->standardize, "scale features to unit variance"),
		MLW_OPT_BOOL(0, "mpi", &o->mpi, "train data-parallel on the ranks of mpirun; implied under mpirun"),
	};
	size_t ng = sizeof(general) / sizeof(*general);

	memset(o, 0, sizeof(*o));
	o->cv = -1;
	mlw_hparam_options_init(&o->hp, t);
	o->options = mlw_calloc(ng + o->hp.nr + 1, sizeof(*o->options));
	memcpy(o->options, general, sizeof(general));
	memcpy(o->options + ng, o->hp.opts,
	       (o->hp.nr + 1) * sizeof(*o->options));
}

void mlw_train_opts_release(struct mlw_train_opts *o)
{
	mlw_hparam_options_release(&o->hp);
	mlw_strlist_release(&o->owned);
	free(o->options);
	o->options = NULL;
}

/* "a,b,c" into owned strings; their pointers into *out */
static void split_list(const char *const **out, size_t *nr,
		       struct mlw_strlist *owned, const char *list)
{
	size_t first = owned->nr;
	const char *p = list;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len)
			mlw_strlist_push_owned(owned, mlw_strndup(p, len));
		p += len + (comma ? 1 : 0);
	}
	*nr = owned->nr - first;
	*out = (const char *const *)owned->items + first;
}

/* the general options: their combinations, then into req */
static int general_request(struct mlw_train_request *req,
			   struct mlw_train_opts *o)
{
	const struct mlw_trainer *t = req->hparams.trainer;
	int unsupervised = t->task == MLW_TASK_CLUSTERING ||
			   t->task == MLW_TASK_DECOMPOSITION;
	double split = 0;

	if (!o->data)
		return mlw_error_setc(MLW_EINVALID, "--data is required");
	if (unsupervised && o->target)
		return mlw_error_setc(MLW_EINVALID,
				      "%s is unsupervised: it takes no --target",
				      t->name);
	if (unsupervised && (o->validation_data || o->validation_split ||
			     o->cv >= 0))
		return mlw_error_setc(MLW_EINVALID,
			"%s is unsupervised: no --validation-data, --validation-split or --cv",
			t->name);
	if (!unsupervised && !o->target)
		return mlw_error_setc(MLW_EINVALID, "--target is required");
	if (!!o->validation_data + !!o->validation_split + (o->cv >= 0) > 1)
		return mlw_error_setc(MLW_EINVALID,
			"--validation-data, --validation-split and --cv exclude each other");
	if (o->features && o->exclude)
		return mlw_error_setc(MLW_EINVALID,
				      "--features and --exclude exclude each other");
	if (o->cv >= 0 && (o->cv < 2 || o->cv > 1000))
		return mlw_error_setc(MLW_EINVALID,
				      "--cv must be between 2 and 1000");
	if (o->shuffle && o->cv < 0)
		return mlw_error_setc(MLW_EINVALID,
				      "--shuffle applies to --cv (--validation-split always shuffles)");
	if (o->validation_split &&
	    (mlw_parse_double(&split, o->validation_split,
			      "--validation-split") < 0 ||
	     !(split > 0 && split < 1)))
		return mlw_error_setc(MLW_EINVALID,
				      "--validation-split must be between 0 and 1");
	req->target = o->target;
	if (o->features)
		split_list(&req->features, &req->nr_features, &o->owned,
			   o->features);
	if (o->exclude)
		split_list(&req->exclude, &req->nr_exclude, &o->owned,
			   o->exclude);
	req->standardize = o->standardize;
	req->validation = o->cv >= 0 ? MLW_VALIDATION_CV :
			  o->validation_split ? MLW_VALIDATION_SPLIT :
			  o->validation_data ? MLW_VALIDATION_DATA :
			  MLW_VALIDATION_NONE;
	req->validation_split = split;
	req->cv = o->cv >= 0 ? (size_t)o->cv : 0;
	req->shuffle = o->shuffle;
	req->keep_predictions = !!o->predictions;
	req->data_name = o->data;
	return 0;
}

int mlw_train_opts_request(struct mlw_train_request *req,
			   struct mlw_train_opts *o)
{
	if (mlw_hparam_options_apply(&req->hparams, &o->hp) < 0)
		return MLW_EINVALID;
	return general_request(req, o);
}

int mlw_train_opts_parse(struct mlw_train_opts *o,
			 struct mlw_train_request *req, int argc,
			 const char **argv)
{
	const struct mlw_trainer *t;
	int n;

	mlw_train_opts_init(o, NULL);
	if (argc < 1 || strcmp(argv[0], "train"))
		return mlw_error_setc(MLW_EINVALID,
				      "not an 'mlw train' command");
	n = mlw_opt_parse(argc - 1, argv + 1, o->options, 0);
	if (n == MLW_OPT_HELP || n == MLW_OPT_COMPLETE)
		return mlw_error_setc(MLW_EINVALID,
				      "'mlw train' asked for help");
	if (n < 0)
		return MLW_EINVALID;
	if (n != 1)
		return mlw_error_setc(MLW_EINVALID, n ? "too many arguments" :
				      "no algorithm given");
	t = mlw_trainer_find(argv[1]);
	if (!t)
		return MLW_EINVALID;
	mlw_train_request_init(req, t);
	return mlw_train_opts_request(req, o);
}

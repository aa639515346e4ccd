/*
 * train_opts.h - the options of 'mlw train ALGO ...' as one table, and
 * their reading into a training request (train.h).
 *
 * 'mlw train' parses its command line with this table, and so does a
 * sweep whose trial command is 'mlw train ...': it runs the trial
 * in-process from the same words, so the two can never understand a
 * command differently.
 *
 *	struct mlw_train_opts o;
 *	struct mlw_train_request req;
 *
 *	mlw_train_opts_init(&o, NULL);	// every trainer's options
 *	n = mlw_opt_parse(argc, argv, o.options, 0);   // operand: ALGO
 *	mlw_train_request_init(&req, mlw_trainer_find(argv[0]));
 *	if (mlw_train_opts_request(&req, &o) < 0)
 *		... mlw_error_last(): "--target is required"
 *	... train; req borrows o's strings: release o after
 *	mlw_train_opts_release(&o);
 *
 * mlw_train_opts_parse() does the three steps for a command's words.
 */
#ifndef MLW_ML_TRAIN_OPTS_H
#define MLW_ML_TRAIN_OPTS_H

#include "ml/train.h"
#include "ml/trainer.h"
#include "util/strutil.h"

#include <stdint.h>

struct mlw_option;

struct mlw_train_opts {
	/* what was given; strings are borrowed from the parsed argv */
	const char *data, *target, *features, *exclude, *validation_data;
	const char *validation_split, *output_dir, *predictions;
	int64_t cv;		/* -1: not given */
	int64_t seed;		/* 0 when not given */
	int standardize, shuffle;
	int mpi;		/* --mpi: join the ranks of mpirun */
	struct mlw_hparam_options hp;	/* the trainers' options */
	struct mlw_strlist owned;	/* --features and --exclude, split */
	/* the table: the general options, the hyperparameters, the end */
	struct mlw_option *options;
};

/*
 * The table for trainer t's options, or with t NULL every trainer's
 * (each name once), all unset.  Release with mlw_train_opts_release().
 */
void mlw_train_opts_init(struct mlw_train_opts *o,
			 const struct mlw_trainer *t);
void mlw_train_opts_release(struct mlw_train_opts *o);

/*
 * Apply what was parsed to req (initialised for its trainer): the
 * hyperparameters, then the target, features, validation and the rest.
 * req borrows strings from o.  0, or MLW_EINVALID with the message 'mlw
 * train' prints ("--cv must be between 2 and 1000", "--alpha does not
 * apply to linear ...").
 */
int mlw_train_opts_request(struct mlw_train_request *req,
			   struct mlw_train_opts *o);

/*
 * The words of a command after "train" (argv[0] is "train"): parse them
 * with every trainer's table (o is initialised here), find the
 * algorithm (the one operand) and fill req.  argv is reordered and
 * borrowed.  0, or MLW_EINVALID with a message (an unknown option or
 * algorithm, a missing operand, a bad value); o is to be released in
 * both cases.
 */
int mlw_train_opts_parse(struct mlw_train_opts *o,
			 struct mlw_train_request *req, int argc,
			 const char **argv);

#endif

/*
 * trainer.h - one interface for every built-in algorithm.
 *
 * Each algorithm is a struct mlw_trainer: its name, what it does (its
 * task), its hyperparameters as a table, and its methods: fit, predict,
 * and the reading and writing of its block of params.bin.  Nothing else
 * in mlw switches on the algorithm: training (train.h), model files
 * (model.h), scoring (score.h), the options of 'mlw train', its manual
 * and its completion all go through this table.
 *
 * The table of a trainer's hyperparameters is the single list of what
 * it takes: 'mlw train ALGO' builds its options from it (--l1-ratio for
 * l1_ratio), refuses the options of other algorithms naming the ones
 * this one takes, and completes and documents them; a sweep sets the
 * same names.
 *
 *	const struct mlw_trainer *t = mlw_trainer_find("ridge");
 *	struct mlw_hparams hp;
 *
 *	mlw_hparams_init(&hp, t);
 *	if (mlw_hparams_set(&hp, "alpha", "0.5") < 0)
 *		... mlw_error_last(): "alpha: '-1' is out of range (>= 0)"
 */
#ifndef MLW_ML_TRAINER_H
#define MLW_ML_TRAINER_H

#include "ml/context.h"

#include <math.h>
#include <stddef.h>

struct mlw_buf;
struct mlw_metric;
struct mlw_model;
struct mlw_option;
struct mlw_out;
struct mlw_params_reader;

enum mlw_algorithm {
	MLW_ALGO_LINEAR,
	MLW_ALGO_RIDGE,
	MLW_ALGO_LASSO,
	MLW_ALGO_ELASTIC_NET,
	MLW_ALGO_LOGISTIC,
	MLW_ALGO_KERNEL_RIDGE,
	MLW_ALGO_LDA,
	MLW_ALGO_GAUSSIAN_NB,
	MLW_ALGO_KMEANS,
	MLW_ALGO_PCA,
	MLW_NR_ALGORITHMS
};

/* what a trainer learns, and so what its predict() writes */
enum mlw_task {
	MLW_TASK_REGRESSION,	/* one value per row */
	MLW_TASK_CLASSIFICATION,	/* K class probabilities per row */
	MLW_TASK_CLUSTERING,	/* one cluster index per row */
	MLW_TASK_DECOMPOSITION	/* the row's components */
};

enum mlw_hparam_type {
	MLW_HPARAM_FLOAT,
	MLW_HPARAM_INT,
	MLW_HPARAM_BOOL,	/* a flag: given means true */
	MLW_HPARAM_CHOICE,	/* one of choices[]; the value is its index */
	MLW_HPARAM_PATH		/* a file; the value is in text[] */
};

#define MLW_HPARAM_OPEN_MIN 1	/* value > min rather than >= min */
#define MLW_HPARAM_AUTO 2	/* "auto" is allowed: the value is NAN */
#define MLW_HPARAM_HIDDEN 4	/* for tests: left out of usage */

struct mlw_hparam {
	const char *name;	/* snake_case, as scikit-learn names it */
	enum mlw_hparam_type type;
	const char *argh;	/* the value in usage: "A" */
	const char *help;	/* one line, with the default in parentheses */
	double def;		/* the default (CHOICE: an index) */
	double min, max;	/* FLOAT and INT: the allowed range */
	const char *const *choices;	/* CHOICE: NULL-terminated */
	unsigned flags;
};

/* entries several trainers share */
#define MLW_HPARAM_ALPHA { "alpha", MLW_HPARAM_FLOAT, "A", \
	"regularisation strength (1)", 1, 0, INFINITY, NULL, 0 }
#define MLW_HPARAM_MAX_ITER(def) { "max_iter", MLW_HPARAM_INT, "N", \
	"iteration limit (" #def ")", def, 1, 100000000, NULL, 0 }
#define MLW_HPARAM_TOL { "tol", MLW_HPARAM_FLOAT, "T", \
	"convergence tolerance (1e-4)", 1e-4, 0, INFINITY, NULL, \
	MLW_HPARAM_OPEN_MIN }

#define MLW_MAX_HPARAMS 8

/*
 * A trainer's hyperparameters: the defaults, overridden by what was
 * given.  text[i] is what was given for hyperparameter i (NULL when
 * not), borrowed: keep it alive as long as the struct.
 */
struct mlw_hparams {
	const struct mlw_trainer *trainer;
	double value[MLW_MAX_HPARAMS];
	const char *text[MLW_MAX_HPARAMS];
};

/* What fit() gets; everything is borrowed. */
struct mlw_fit_input {
	const double *X;	/* n x p, column-major, leading dimension n */
	size_t n, p;
	const double *y;	/* NULL unsupervised; class indices 0..K-1 */
	size_t nr_classes;	/* K (classification) */
	char *const *names;	/* the p feature names */
	size_t *labels;		/* clustering: the rows' clusters or NULL */
	/*
	 * Where fit() may keep what it derives from X and y alone for the
	 * next fit on the same design (memo.h), or NULL.
	 */
	struct mlw_fit_memo *memo;
};

struct mlw_trainer {
	const char *name;	/* "elastic_net" */
	enum mlw_algorithm algorithm;
	enum mlw_task task;
	const char *estimator;	/* "ElasticNet": scikit-learn's estimator */
	const struct mlw_hparam *hparams;
	size_t nr_hparams;
	/*
	 * Fit m (zeroed; its featurizer and target are set) on in: the
	 * algorithm's parameters, and m->linear.solver, nr_iter,
	 * converged for the report.  0 or a negative code (MLW_EINVALID for
	 * data it cannot fit, MLW_ENUMERIC, MLW_ERROR without LAPACK).
	 */
	int (*fit)(struct mlw_model *m, const struct mlw_hparams *hp,
		   const struct mlw_fit_input *in, struct mlw_train_ctx *ctx);
	/*
	 * out[n x nr_outputs(m)] (column-major) for X (n x p, leading
	 * dimension n): regression the value, classification the class
	 * probabilities (predict_proba; the label is the most probable),
	 * clustering the cluster (predict), decomposition the components
	 * (transform).  At most nr_threads threads.  0 or MLW_ERROR.
	 */
	int (*predict)(double *out, const struct mlw_model *m, const double *X,
		       size_t n, int nr_threads);
	size_t (*nr_outputs)(const struct mlw_model *m);
	/*
	 * The algorithm's block of params.bin (model.h; NULL: none), and
	 * reading it back, checking every count and value against the
	 * file (mlw_params_fail() on a bad one).
	 */
	void (*write_params)(struct mlw_buf *b, const struct mlw_model *m);
	void (*read_params)(struct mlw_params_reader *r, struct mlw_model *m);
	/*
	 * Once the whole file is read: check what the block could not
	 * alone (its counts against the classes of the target), with
	 * mlw_params_fail() on a mismatch.  NULL: nothing to check.
	 */
	void (*validate)(struct mlw_params_reader *r,
			 const struct mlw_model *m);
	/*
	 * Clustering and decomposition: the trainer's own metrics of the
	 * fit on in (in->labels: the rows' clusters), at most 3; returns
	 * how many.  NULL for the supervised trainers.
	 */
	size_t (*scores)(struct mlw_metric *out, const struct mlw_model *m,
			 const struct mlw_fit_input *in);
	/* what it learnt, as an object for -o json (NULL: nothing more) */
	void (*describe)(struct mlw_out *o, const struct mlw_model *m,
			 const struct mlw_hparams *hp);
	/*
	 * About how many bytes fit() takes beyond its input, for n x p data
	 * and nr_classes classes: what the train call checks against the
	 * memory it may use before fitting (NULL: little).
	 */
	double (*memory)(const struct mlw_hparams *hp, size_t n, size_t p,
			 size_t nr_classes);
	/*
	 * Cross-checks of hyperparameters before any data is read
	 * (lda: shrinkage needs solver lsqr or eigen).  MLW_EINVALID.  NULL:
	 * none.
	 */
	int (*check)(const struct mlw_hparams *hp);
	/* free what fit() or read_params() allocated (NULL: nothing) */
	void (*release)(struct mlw_model *m);
};

/* every trainer, in enum mlw_algorithm order, NULL-terminated */
extern const struct mlw_trainer *const mlw_trainers[];

/* The trainer named name, or NULL with MLW_EINVALID listing the names. */
const struct mlw_trainer *mlw_trainer_find(const char *name);
/* The trainer of algo (a valid enum value). */
const struct mlw_trainer *mlw_trainer_of(enum mlw_algorithm algo);

/* "linear" -> MLW_ALGO_LINEAR; MLW_EINVALID for an unknown name */
int mlw_algorithm_parse(enum mlw_algorithm *out, const char *name);
const char *mlw_algorithm_name(enum mlw_algorithm algo);
int mlw_algorithm_is_classifier(enum mlw_algorithm algo);
/* clustering and decomposition: no target */
int mlw_algorithm_is_unsupervised(enum mlw_algorithm algo);

/* The index of hyperparameter name in t's table, or -1. */
int mlw_trainer_hparam(const struct mlw_trainer *t, const char *name);

/* The trainer's check() of hp, when it has one: 0 or MLW_EINVALID. */
int mlw_hparams_check(const struct mlw_hparams *hp);

/* Every default; no text. */
void mlw_hparams_init(struct mlw_hparams *hp, const struct mlw_trainer *t);

/*
 * Set hyperparameter name from text (borrowed), checking its type and
 * range.  MLW_EINVALID: a value out of range or not of the type
 * ("l1_ratio: '2' is out of range (0 to 1)"), or a name the trainer
 * does not take ("lasso has no hyperparameter 'C' (it takes alpha,
 * max_iter, tol)").
 */
int mlw_hparams_set(struct mlw_hparams *hp, const char *name,
		    const char *text);

/* The value of hyperparameter name (its default when not given). */
double mlw_hparams_get(const struct mlw_hparams *hp, const char *name);

/*
 * "alpha, max_iter, tol" (sep ", ", prefix ""), or "--alpha --max-iter"
 * (sep " ", prefix "--", dashes for underscores): the hyperparameters t
 * takes, hidden ones left out; "" when none.
 */
void mlw_trainer_list_hparams(struct mlw_buf *out, const struct mlw_trainer *t,
			      const char *prefix, const char *sep);

/*
 * The hyperparameters as command-line options (util/opt.h), for 'mlw
 * train': one "--l1-ratio R" per name (a flag for a boolean), of
 * trainer t, or of every trainer with t NULL (each name once, its help
 * naming the algorithms that take it).  Parse with opts (appended to the
 * command's own options), then apply what was given to a trainer's
 * hyperparameters.
 */
#define MLW_MAX_HPARAM_OPTIONS 32
struct mlw_hparam_options {
	size_t nr;
	struct {
		const struct mlw_hparam *hparam; /* the first trainer's */
		char *long_name;		/* "l1-ratio" */
		char *help;
		const char *text;		/* the value given (argv's) */
		int flag;			/* a boolean given */
	} items[MLW_MAX_HPARAM_OPTIONS];
	struct mlw_option *opts;	/* nr entries and MLW_OPT_END() */
	int shared;		/* names and help are a static table's */
};

void mlw_hparam_options_init(struct mlw_hparam_options *o,
			     const struct mlw_trainer *t);
/*
 * Set what was given on hp.  MLW_EINVALID: an option hp's trainer does
 * not take ("--alpha does not apply to linear (linear takes no
 * hyperparameters)"), a bad value, or a bad combination (check()).
 */
int mlw_hparam_options_apply(struct mlw_hparams *hp,
			     const struct mlw_hparam_options *o);
void mlw_hparam_options_release(struct mlw_hparam_options *o);

/* For describe(): a vector, and a column-major matrix as a list of rows. */
void mlw_trainer_out_vector(struct mlw_out *o, const char *key,
			    const double *v, size_t n);
void mlw_trainer_out_matrix(struct mlw_out *o, const char *key,
			    const double *A, size_t rows, size_t cols);

/* Model outputs of any algorithm (model.h). */
size_t mlw_model_nr_outputs(const struct mlw_model *m);

/*
 * Replay the model on n featurized rows X (n x nr_features, column-major,
 * from mlw_featurizer_apply()): out[n x mlw_model_nr_outputs()] as the
 * trainer's predict() writes it.  0, or MLW_ERROR without LAPACK.
 */
int mlw_model_predict(double *out, const struct mlw_model *m,
		      const double *X, size_t n, int nr_threads);

#endif

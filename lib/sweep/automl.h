/*
 * automl.h - 'type: automl' jobs: a search over the engine's algorithms
 * and their hyperparameters, run as a sweep.
 *
 * mlw_automl_config_from_yaml() reads an AutoML job (Azure ML CLI v2) for
 * the tabular tasks the engine can honour, regression and
 * classification, and turns it into a sweep (sweep.h):
 *
 *   - the search space is one choice over the algorithms allowed (the
 *     engine's trainers for the task, narrowed by
 *     training.allowed_training_algorithms and
 *     blocked_training_algorithms, which take Azure's names, the
 *     engine's and scikit-learn's), each value a dictionary of that
 *     algorithm's hyperparameters as distributions (mlw_automl_space()
 *     says which, from each trainer's table);
 *   - sampling is Bayesian: one Gaussian process over that conditional
 *     space, the algorithm a categorical feature and each algorithm's
 *     hyperparameters coordinates used only when it is picked, so each
 *     algorithm is searched where it does well while the algorithms are
 *     compared;
 *   - the objective is primary_metric, one of Azure's names for the task
 *     (goal from the metric), computed on validation_data, a held-out
 *     validation_data_size, or n_cross_validations folds (Azure's default
 *     when none is given: 10 folds under 1,000 rows, 3 under 20,000, a
 *     10% hold-out above);
 *   - limits: max_trials, max_concurrent_trials, timeout_minutes,
 *     trial_timeout_minutes, and enable_early_termination as Azure
 *     applies it: after 20 trials, the search stops when the best score
 *     has not improved over the last 10; exit_score stops it once
 *     reached.
 *
 * Each trial is the 'mlw train' command that trains it
 * (mlw_automl_trial_command()), so it runs in-process, is recorded with
 * its command, and can be rerun by hand.  featurization: {mode: auto}
 * standardises the features (imputation and one-hot encoding are always
 * done); off leaves them as they are; custom is refused.
 *
 * Refused with the position of the text at fault: a task the engine
 * cannot train (forecasting, image, NLP), an unknown primary metric, a
 * training algorithm that is neither the engine's nor Azure's,
 * allowed/blocked lists that leave no algorithm, validation settings
 * that exclude each other, weight_column_name and cv_split_column_names
 * (the engine cannot honour them).  Declined with a note, which the
 * job's log and 'job show' carry: ensembles (enable_vote_ensemble,
 * enable_stack_ensemble; the best single model is the job's model),
 * Azure's algorithms the engine does not have, test data (recorded, not
 * scored).
 */
#ifndef MLW_SWEEP_AUTOML_H
#define MLW_SWEEP_AUTOML_H

#include "ml/trainer.h"
#include "sweep/sweep.h"
#include "util/strutil.h"

#include <stddef.h>
#include <stdint.h>

struct mlw_diags;
struct mlw_yaml_node;

struct mlw_automl_config {
	enum mlw_task task;		/* regression or classification */
	char *target;			/* target_column_name */
	/* validation: at most one of these three */
	int has_validation_data;	/* validation_data given (an input) */
	int64_t n_cross_validations;	/* 0: not given, -1: "auto" */
	double validation_data_size;	/* (0, 1); 0: not given */
	int featurization;		/* 1: auto, 0: off */
	int allowed[MLW_NR_ALGORITHMS];	/* searched */
	int early_termination;		/* limits.enable_early_termination */
	int has_exit_score;
	double exit_score;		/* limits.exit_score */
	uint64_t seed;			/* sampling seed (recorded) */
	/* what is declined, for the log and 'job show' */
	struct mlw_strlist notes;
	/* the search: space, bayesian, objective and limits (owned) */
	struct mlw_sweep_config *sweep;
};

/*
 * Read the AutoML job at root (a loaded spec's root mapping).  Problems
 * go to d, located; notes go to cfg->notes and, as warnings, to d.
 * Returns 0 with *out (free with mlw_automl_config_free()), or
 * MLW_EINVALID with *out NULL when it added an error.
 */
int mlw_automl_config_from_yaml(struct mlw_automl_config **out,
				const struct mlw_yaml_node *root,
				struct mlw_diags *d);
void mlw_automl_config_free(struct mlw_automl_config *cfg);

/*
 * The search space of algorithm (its dictionary in the choice: the
 * algorithm's name under "algorithm", then its hyperparameters) as
 * YAML text, or NULL when the engine has none for the task.  Static.
 */
const char *mlw_automl_space(enum mlw_algorithm algorithm);

/*
 * Azure's primary metrics for task, NULL-terminated, the default first;
 * and whether metric (one of them) is maximised.
 */
const char *const *mlw_automl_metrics(enum mlw_task task);
int mlw_automl_maximize(const char *metric);

/*
 * Fit the search to training data of nr_rows rows: kernel ridge (a
 * matrix of nr_rows^2) is left out above MLW_AUTOML_KERNEL_ROWS rows
 * when another algorithm is allowed, with a note.
 */
#define MLW_AUTOML_KERNEL_ROWS 5000
void mlw_automl_plan(struct mlw_automl_config *cfg, size_t nr_rows);

/*
 * The validation once the training data is known to have nr_rows rows:
 * Azure's default (see the top) when none was given, or "auto" folds.
 * Appends to args "--cv K", "--validation-split F" or, with a
 * validation data path, "--validation-data PATH".
 */
void mlw_automl_validation_args(const struct mlw_automl_config *cfg,
				size_t nr_rows, const char *validation_path,
				struct mlw_buf *args);

/*
 * The command of the trial with params (a trial's values, as the sweep
 * decoded them): "mlw train ALGO --data PATH --target COL VALIDATION
 * [--standardize] --seed N --HPARAM VALUE...", paths quoted for
 * mlw_exec_split().  validation: what mlw_automl_validation_args()
 * gave.  The caller frees it.
 */
char *mlw_automl_trial_command(const struct mlw_automl_config *cfg,
			       const struct mlw_sweep_value *params,
			       const char *data_path, const char *validation);

/*
 * The trial's algorithm's name among params, borrowed; NULL when none.
 */
const char *mlw_automl_trial_algorithm(const struct mlw_sweep_value *params);

/*
 * Should the search stop now (enable_early_termination, exit_score)?
 * Looks at s's ended trials in the order they were handed out.  1 with
 * a reason in why (appended), 0 otherwise.
 */
int mlw_automl_should_stop(const struct mlw_automl_config *cfg,
			   struct mlw_sweep *s, struct mlw_buf *why);

#endif

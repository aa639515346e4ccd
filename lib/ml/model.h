/*
 * model.h - a trained model as a folder: MLmodel and params.bin.
 *
 * MLmodel is YAML in MLflow's layout, so MLflow-aware tools recognise the
 * folder: a "flavors: mlw:" entry naming the algorithm and the params
 * file, and a "signature" listing the input columns with their types and
 * the output.
 *
 * params.bin holds every number and string scoring needs, little-endian
 * whatever the host, all integers unsigned:
 *
 *	"MLWPARAM"  8 bytes magic
 *	u32 format_version (1)    u32 algorithm (enum mlw_algorithm)
 *	u64 nr_features   u64 nr_outputs
 *	f64 coef[nr_features * nr_outputs] (column per output)
 *	f64 intercept[nr_outputs]
 *	u32 standardize; when 1: f64 mean[nr_features], f64 scale[nr_features]
 *	u64 nr_inputs, then per input column:
 *	    str name  u32 type (enum mlw_column_type)  f64 fill  u64 first
 *	    u64 nr_categories  str category[nr_categories]
 *	str target  u32 classification  u64 nr_classes  str class[nr_classes]
 *
 * where str is u32 length then that many bytes (UTF-8, no NUL) and f64 is
 * the IEEE 754 bit pattern as a u64.  A reader rejects another magic or a
 * newer format_version.
 *
 * Format version 2 is written by the algorithms that are not linear
 * models (linear models still write version 1, byte for byte as before,
 * so older readers keep reading them).  It is version 1 with one block
 * inserted after intercept[], with p = nr_features:
 *
 *   kernel_ridge  u32 kernel  f64 gamma  f64 degree  f64 coef0
 *                 u64 nr_train  f64 X_fit[nr_train * p] (column-major)
 *                 f64 dual_coef[nr_train]
 *   lda           (coef and intercept hold the decision function)
 *                 u32 solver  u64 K  f64 means[K * p]  f64 priors[K]
 *                 f64 xbar[p]  u64 rank  f64 scalings[p * rank]
 *                 u64 nr_components  f64 explained_variance_ratio[..]
 *   gaussian_nb   u64 K  f64 theta[K * p]  f64 var[K * p]
 *                 f64 class_prior[K]  f64 class_count[K]  f64 epsilon
 *   kmeans        u64 k  f64 centers[k * p]  f64 inertia
 *   pca           u64 nr_components  u32 whiten  f64 mean[p]
 *                 f64 components[nr_components * p]
 *                 f64 explained_variance[nr_components]
 *                 f64 explained_variance_ratio[nr_components]
 *                 f64 singular_values[nr_components]  f64 noise_variance
 *
 * (K x p matrices are column-major with class k in row k.)  kmeans and
 * pca have no target: its name is empty and it has no classes.  Each
 * file is written atomically (temporary file, fsync, rename, fsync of
 * the folder).  Each algorithm's trainer (trainer.h) writes and reads
 * its block.
 *
 * Reading trusts nothing: every count, index and offset is checked
 * against the file's own size and the other counts (an input's one-hot
 * columns within the features, its fill a category it has, one decision
 * per class...), with overflow-safe arithmetic; a bad file is
 * MLW_EINVALID naming the field.  MLmodel is read too: YAML that does not
 * parse, or a flavor that contradicts params.bin, is MLW_EINVALID with
 * its position; an MLflow model with no mlw flavor (a scikit-learn
 * pickle, say) is MLW_EINVALID naming the flavors it has and what can
 * serve it.
 */
#ifndef MLW_ML_MODEL_H
#define MLW_ML_MODEL_H

#include "ml/features.h"
#include "ml/kernel_ridge.h"
#include "ml/kmeans.h"
#include "ml/lda.h"
#include "ml/linear.h"
#include "ml/naive_bayes.h"
#include "ml/pca.h"
#include "ml/trainer.h"

/* the newest version this mlw reads and writes */
#define MLW_MODEL_FORMAT_VERSION 2

struct mlw_params_reader;

struct mlw_model {
	const struct mlw_trainer *trainer;
	/*
	 * algorithm, nr_features and the solver's report for every
	 * algorithm; coef and intercept for the linear models and lda
	 */
	struct mlw_linear_model linear;
	struct mlw_featurizer *featurizer;
	struct mlw_target target;
	/* the other algorithms' parameters: the trainer says which */
	struct mlw_kernel_ridge_model kernel_ridge;
	struct mlw_lda_model lda;
	struct mlw_gaussian_nb_model gaussian_nb;
	struct mlw_kmeans_model kmeans;
	struct mlw_pca_model pca;
};

/* Write dir/MLmodel and dir/params.bin, creating dir. */
int mlw_model_write(const struct mlw_model *m, const char *dir);
/*
 * The same files, each renamed into place but not synced: for a
 * scratch folder (a job's outputs) that is copied into the object
 * store, which syncs what it writes, before anything refers to it.
 */
int mlw_model_write_unsynced(const struct mlw_model *m, const char *dir);

/*
 * Read the model folder dir into *m (release with mlw_model_release()).
 * 0; MLW_ENOTFOUND when dir has no params.bin (nor MLmodel);
 * MLW_EINVALID for a damaged or foreign model (see above); MLW_ERROR on
 * I/O errors.
 */
int mlw_model_read(struct mlw_model *m, const char *dir);

void mlw_model_release(struct mlw_model *m);

/*
 * For a trainer's validate(): the linear part of the file must hold
 * expected decision functions (0 for the algorithms that keep none).
 */
void mlw_model_expect_outputs(struct mlw_params_reader *r,
			      const struct mlw_model *m, size_t expected);

#endif

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
 * newer format_version.  Each file is written atomically (temporary file,
 * fsync, rename, fsync of the folder).
 */
#ifndef MLW_ML_MODEL_H
#define MLW_ML_MODEL_H

#include "ml/features.h"
#include "ml/linear.h"

#define MLW_MODEL_FORMAT_VERSION 1

struct mlw_model {
	struct mlw_linear_model linear;
	struct mlw_featurizer *featurizer;
	struct mlw_target target;
};

/* Write dir/MLmodel and dir/params.bin, creating dir. */
int mlw_model_write(const struct mlw_model *m, const char *dir);

/* Read dir/params.bin into *m (release with mlw_model_release()). */
int mlw_model_read(struct mlw_model *m, const char *dir);

void mlw_model_release(struct mlw_model *m);

#endif

/*
 * mlmodel.h - what a model's MLmodel file says, and YAML values as JSON.
 *
 * An MLflow model folder describes itself in MLmodel (YAML): its flavors
 * (python_function with its loader_module and python_version, sklearn
 * with its sklearn_version, mlw with its algorithm...) and its signature,
 * whose inputs and outputs MLflow stores as JSON strings inside the YAML.
 * mlw reads both when a model is registered and keeps them in the
 * catalog as JSON text:
 *
 *	flavors:   {"FLAVOR": {"field": value, ...}, ...}  as in MLmodel
 *	signature: {"inputs": [COLUMN...] | null, "outputs": [COLUMN...] | null}
 *	COLUMN:    {"name": "age" | null, "type": "double"}, and for
 *	           tensors also "dtype": "float64", "shape": [-1, 4]
 */
#ifndef MLW_ASSET_MLMODEL_H
#define MLW_ASSET_MLMODEL_H

struct mlw_out;
struct mlw_yaml_node;

/*
 * Read DIR/MLmodel.  *flavors and *signature are the caller's JSON text;
 * *signature is NULL when the file has none.  A malformed file is
 * MLW_EINVALID with "PATH:LINE:COL: problem"; a missing one MLW_ENOTFOUND.
 */
int mlw_mlmodel_read(char **flavors, char **signature, const char *dir);

/* A YAML node as JSON text, scalars typed as YAML 1.1 types them. */
char *mlw_yaml_node_to_json(const struct mlw_yaml_node *n);

/* A YAML node as YAML text (block style), for a conda file given inline. */
char *mlw_yaml_node_to_yaml(const struct mlw_yaml_node *n);

/*
 * Add JSON text as the value key of o (objects, lists and scalars as
 * they are); text that does not parse is added as a string.
 */
void mlw_asset_out_json(struct mlw_out *o, const char *key, const char *json);

/*
 * One line for tables: "python_function (loader_module=mlflow.sklearn,
 * python_version=3.7.11); sklearn (sklearn_version=0.24.1)", and
 * "inputs: age double, sex double; outputs: double".  Caller frees.
 */
char *mlw_mlmodel_flavors_summary(const char *flavors);
char *mlw_mlmodel_signature_summary(const char *signature);

#endif

/*
 * space.h - search spaces: the typed form of a sweep's search_space.
 *
 * A search space maps each hyperparameter name to a distribution, as
 * Azure ML writes them (semantics.md 3.2):
 *
 *	choice(values)		a value picked uniformly; a value may be a
 *				nested distribution (sampled when picked) or
 *				a dictionary whose entries may be
 *				distributions, to any depth
 *	randint(upper)		an integer in [0, upper): upper exclusive
 *	uniform(min, max)	U(min, max)
 *	quniform(min, max, q)	round(U(min, max) / q) * q
 *	loguniform(min, max)	exp(U(min, max)): the bounds are exponents
 *	qloguniform(min, max, q) round(exp(U(min, max)) / q) * q
 *	normal(mu, sigma)	N(mu, sigma)
 *	qnormal(mu, sigma, q)	round(N(mu, sigma) / q) * q
 *	lognormal(mu, sigma)	exp(N(mu, sigma))
 *	qlognormal(mu, sigma, q) round(exp(N(mu, sigma)) / q) * q
 *
 * Rounding is to nearest, ties to even (hyperopt's np.round), and a
 * quantised value is computed so that it prints as the multiple of q the
 * user expects: quniform with q 0.1 gives 0.3, not 0.30000000000000004.
 * With random sampling's logbase the log distributions use that base
 * instead of e.
 *
 * The unit cube.  Every distribution in the space, nested ones included,
 * owns one coordinate of a point u in [0, 1)^dims, and a trial's values
 * are decoded from such a point: u is the distribution's CDF level
 * (choice and randint cut [0, 1) into equal cells).  Samplers therefore
 * only produce points: random draws them, sobol takes them from a
 * scrambled low-discrepancy sequence, grid puts them at cell centres, the
 * Gaussian process models the objective over them.  The coordinate of a
 * nested distribution whose branch was not picked is simply unused.
 * Because u is the CDF level, log distributions are modelled on a log
 * scale and normal ones through their quantiles.
 *
 * Values.  Sampled values are struct mlw_sweep_value trees: scalars, and
 * dictionaries and lists (from choice values).  A trial's parameters are
 * one dictionary, name -> value, in the order of the spec.  Values print
 * as ints for integers, shortest round-trip text for floats
 * (lib/util/number.h), strings as they are, and dictionaries and lists as
 * compact JSON; that text is what ${{search_space.NAME}} becomes.  Flat
 * parameters (for the catalog) name a dictionary's entries NAME.KEY.
 *
 * Ownership: a space owns everything it points to, freed by
 * mlw_sweep_space_free(); values returned by the functions below are the
 * caller's, freed by mlw_sweep_value_free().
 */
#ifndef MLW_SWEEP_SPACE_H
#define MLW_SWEEP_SPACE_H

#include <stddef.h>
#include <stdint.h>

struct mlw_buf;
struct mlw_diags;
struct mlw_strlist;
struct mlw_yaml_node;

enum mlw_sweep_dist_type {
	MLW_DIST_CHOICE,
	MLW_DIST_RANDINT,
	MLW_DIST_UNIFORM,
	MLW_DIST_QUNIFORM,
	MLW_DIST_LOGUNIFORM,
	MLW_DIST_QLOGUNIFORM,
	MLW_DIST_NORMAL,
	MLW_DIST_QNORMAL,
	MLW_DIST_LOGNORMAL,
	MLW_DIST_QLOGNORMAL,
	MLW_DIST_NR
};

enum mlw_sweep_value_kind {
	MLW_VALUE_NULL,
	MLW_VALUE_BOOL,
	MLW_VALUE_INT,
	MLW_VALUE_FLOAT,
	MLW_VALUE_STR,
	MLW_VALUE_LIST,
	MLW_VALUE_DICT,
	MLW_VALUE_DIST		/* in choice templates only: sample this */
};

struct mlw_sweep_dist;

struct mlw_sweep_value {
	enum mlw_sweep_value_kind kind;
	int boolean;			/* BOOL */
	int64_t i;			/* INT */
	double f;			/* FLOAT */
	char *s;			/* STR */
	size_t nr;			/* LIST, DICT: entries */
	char **keys;			/* DICT: nr keys */
	struct mlw_sweep_value **items;	/* LIST, DICT: nr values */
	struct mlw_sweep_dist *dist;	/* DIST (owned by the space) */
};

struct mlw_sweep_dist {
	enum mlw_sweep_dist_type type;
	char *name;		/* "lr"; nested: "model.lr" */
	double min, max;	/* uniform family (log ones: exponents) */
	double mu, sigma;	/* normal family */
	double q;		/* quantised types; 0 otherwise */
	int64_t upper;		/* randint */
	/* choice: the values as written, nested distributions included */
	struct mlw_sweep_value **values;
	size_t nr_values;
	/*
	 * choice: 1 when every value is a number, so the Gaussian process
	 * sees one ordered feature (values by rank); 0 for categories
	 * (strings, dictionaries, mixtures), one-hot.
	 */
	int ordinal;
	size_t *rank;		/* ordinal choice: rank of value i by value */
	size_t dim;		/* its coordinate of the unit cube */
	size_t feature;		/* its first Gaussian-process feature */
	size_t nr_features;	/* 1, or nr_values for one-hot */
	char *source;		/* where the spec declares it */
	int line, col;
};

struct mlw_sweep_space {
	size_t nr;			/* top-level parameters, spec order */
	char **names;
	struct mlw_sweep_dist **params;
	size_t dims;			/* unit-cube coordinates */
	struct mlw_sweep_dist **by_dim;	/* dims entries: coordinate owner */
	size_t features;		/* Gaussian-process features */
	double log_base;		/* ln of logbase; 1 for e */
};

/* "choice", "qlognormal"... */
const char *mlw_sweep_dist_name(enum mlw_sweep_dist_type type);
/* the type named name, case-insensitive; -1 when none */
int mlw_sweep_dist_type(const char *name);

/*
 * Build a space from a search_space mapping (a node of a loaded spec).
 * Every problem is added to d with the position of the node at fault:
 * an empty space, a distribution that is not a mapping or has an unknown
 * or missing type, unknown or missing keys, non-numeric bounds, a choice
 * without values, min_value > max_value, q <= 0, sigma <= 0, upper <= 0,
 * a name that is not letters, digits, '_' and '-'.  Returns 0 with *out,
 * or MLW_EINVALID (*out NULL) when it added an error to d.
 */
int mlw_sweep_space_from_yaml(struct mlw_sweep_space **out,
			      const struct mlw_yaml_node *search_space,
			      struct mlw_diags *d);
void mlw_sweep_space_free(struct mlw_sweep_space *space);

/*
 * 1 when every distribution of the space (nested included) is one of
 * types (a bitmask of 1 << MLW_DIST_*); otherwise 0 and *bad the first
 * that is not.
 */
int mlw_sweep_space_only(const struct mlw_sweep_space *space, unsigned types,
			 const struct mlw_sweep_dist **bad);

/*
 * The values at point u (space->dims coordinates in [0, 1); values out of
 * range are clamped): a DICT of the top-level names, the caller's.
 */
struct mlw_sweep_value *mlw_sweep_space_decode(
	const struct mlw_sweep_space *space, const double *u);

/*
 * The point of a trial's values (a DICT as decode gives, or as read back
 * from a catalog): for each distribution the middle of the CDF interval
 * its value stands for, 0.5 for coordinates of branches not taken.
 * decode(encode(v)) == v.  Returns 0, or MLW_EINVALID with a message
 * when a value is missing or is not one the space can produce.
 */
int mlw_sweep_space_encode(const struct mlw_sweep_space *space,
			   const struct mlw_sweep_value *params, double *u);

/*
 * Move u to the representative point of the values it decodes to, so
 * that quantised and discrete coordinates say exactly what a trial ran.
 */
void mlw_sweep_space_snap(const struct mlw_sweep_space *space, double *u);

/*
 * The Gaussian-process features of point u (space->features values in
 * [0, 1]): continuous and randint coordinates as they are, an ordinal
 * choice as (rank + 0.5) / n, a categorical choice one-hot; coordinates of
 * branches not taken give 0.5 (one-hot: zeros).
 */
void mlw_sweep_space_features(const struct mlw_sweep_space *space,
			      const double *u, double *x);

/*
 * Report to d every key of mapping map that is not in keys (NULL-
 * terminated): "unknown key 'min' in WHAT (did you mean 'min_value'?)".
 * Shared by the readers of a sweep's YAML.
 */
void mlw_sweep_check_keys(struct mlw_diags *d, const struct mlw_yaml_node *map,
			  const char *what, const char *const *keys);

/* --- values --------------------------------------------------------------- */

struct mlw_sweep_value *mlw_sweep_value_new(enum mlw_sweep_value_kind kind);
void mlw_sweep_value_free(struct mlw_sweep_value *v);
/* A deep copy (a DIST shares its distribution). */
struct mlw_sweep_value *mlw_sweep_value_dup(const struct mlw_sweep_value *v);
/* DICT: add key (copied) -> value (taken). */
void mlw_sweep_value_dict_add(struct mlw_sweep_value *dict, const char *key,
			      struct mlw_sweep_value *value);
/*
 * The entry of dict at path: "lr", or "model.lr" inside dictionaries;
 * NULL when absent.  Borrowed from dict.
 */
const struct mlw_sweep_value *mlw_sweep_value_get(
	const struct mlw_sweep_value *dict, const char *path);
/* 1 when a and b are the same value (numbers compare by value). */
int mlw_sweep_value_equal(const struct mlw_sweep_value *a,
			  const struct mlw_sweep_value *b);
/* Append v's text (see the top) to b. */
void mlw_sweep_value_format(struct mlw_buf *b, const struct mlw_sweep_value *v);
/*
 * The leaves of a DICT of parameters as flat names and texts, appended
 * to names and texts: {"model": {"name": "a", "lr": 0.1}} gives
 * "model.name" "a", "model.lr" "0.1".  Lists are leaves (JSON text).
 */
void mlw_sweep_value_flatten(const struct mlw_sweep_value *params,
			     struct mlw_strlist *names,
			     struct mlw_strlist *texts);

/* round(x / q) * q, ties to even, printed as a multiple of q (above) */
double mlw_sweep_quantize(double x, double q);

#endif

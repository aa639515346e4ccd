/*
 * sweep.c - a sweep's configuration from YAML and the scheduler that
 * hands out trials, applies the early-termination policy and keeps the
 * limits (sweep.h).
 */
#include "sweep/sweep.h"
#include "sweep/sobol.h"
#include "spec/schema.h"
#include "spec/yaml.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#define MAX_OTHER_METRICS 8

/* --- configuration -------------------------------------------------------- */

struct reader {
	struct mlw_diags *d;
	size_t errors;		/* d->errors when reading began */
};

static const char *text_of(const struct mlw_yaml_node *n)
{
	return n->kind == MLW_YAML_SCALAR ? n->text : mlw_yaml_describe(n);
}

/* A mapping that may be absent (sweep.h). */
int mlw_sweep_yaml_map(struct mlw_diags *d, const struct mlw_yaml_node *node,
		       const char *name, const struct mlw_yaml_node *parent,
		       const char *required)
{
	if (!node || mlw_yaml_is_null(node)) {
		if (required)
			mlw_diags_add(d, 0, parent, "%s is missing: %s",
				      name, required);
		return required ? -1 : 0;
	}
	if (node->kind != MLW_YAML_MAP) {
		mlw_diags_add(d, 0, node, "%s must be a mapping, not %s",
			      name, mlw_yaml_describe(node));
		return -1;
	}
	return 1;
}

/* An optional integer within [lo, hi] (sweep.h). */
int mlw_sweep_yaml_int(struct mlw_diags *d, const struct mlw_yaml_node *map,
		       const char *key, const char *path, int64_t lo,
		       int64_t hi, int64_t *out)
{
	const struct mlw_yaml_node *n = mlw_yaml_map_get(map, key);
	int64_t v;

	if (!n || mlw_yaml_is_null(n))
		return 0;
	if (mlw_yaml_to_int(n, &v) < 0) {
		mlw_diags_add(d, 0, n, "%s must be an integer, not %s", path,
			      text_of(n));
		return -1;
	}
	if (v < lo || v > hi) {
		if (hi == INT64_MAX)
			mlw_diags_add(d, 0, n, "%s must be at least %"
				      PRId64 ", not %" PRId64, path, lo, v);
		else
			mlw_diags_add(d, 0, n, "%s must be %" PRId64 " to %"
				      PRId64 ", not %" PRId64, path, lo, hi, v);
		return -1;
	}
	*out = v;
	return 1;
}

/* An optional positive finite number (sweep.h). */
int mlw_sweep_yaml_positive(struct mlw_diags *d,
			    const struct mlw_yaml_node *map, const char *key,
			    const char *path, double *out)
{
	const struct mlw_yaml_node *n = mlw_yaml_map_get(map, key);
	double v;

	if (!n || mlw_yaml_is_null(n))
		return 0;
	if (mlw_yaml_to_double(n, &v) < 0 || !isfinite(v)) {
		mlw_diags_add(d, 0, n, "%s must be a number, not %s", path,
			      text_of(n));
		return -1;
	}
	if (v <= 0) {
		mlw_diags_add(d, 0, n, "%s must be positive, not %s", path,
			      n->text);
		return -1;
	}
	*out = v;
	return 1;
}

static const char *const algorithm_names[] = {
	"random", "grid", "bayesian", NULL
};

static void read_sampling(struct reader *r, struct mlw_sweep_config *cfg,
			  const struct mlw_yaml_node *node,
			  const struct mlw_yaml_node *sweep)
{
	static const char *const random_keys[] = {
		"type", "seed", "rule", "logbase", NULL
	};
	static const char *const bayesian_keys[] = { "type", "seed", NULL };
	static const char *const grid_keys[] = { "type", NULL };
	const struct mlw_yaml_node *type = node, *n;
	const char *name, *hint;
	int64_t seed;

	if (!node || mlw_yaml_is_null(node)) {
		mlw_diags_add(r->d, 0, sweep, "sampling_algorithm is missing: "
			      "random, grid or bayesian");
		return;
	}
	if (node->kind == MLW_YAML_MAP)
		type = mlw_yaml_map_get(node, "type");
	if (!type || type->kind != MLW_YAML_SCALAR) {
		mlw_diags_add(r->d, 0, type ? type : node, "sampling_algorithm "
			      "needs a type: random, grid or bayesian");
		return;
	}
	name = type->text;
	if (!strcasecmp(name, "random")) {
		cfg->algorithm = MLW_SAMPLE_RANDOM;
	} else if (!strcasecmp(name, "grid")) {
		cfg->algorithm = MLW_SAMPLE_GRID;
	} else if (!strcasecmp(name, "bayesian")) {
		cfg->algorithm = MLW_SAMPLE_BAYESIAN;
	} else {
		hint = mlw_suggest(name, algorithm_names);
		mlw_diags_add(r->d, 0, type, "unknown sampling algorithm "
			      "'%s'%s%s%s; one of random, grid, bayesian", name,
			      hint ? " (did you mean '" : "", hint ? hint : "",
			      hint ? "'?)" : "");
		return;
	}
	if (node->kind != MLW_YAML_MAP)
		return;
	mlw_sweep_check_keys(r->d, node, cfg->algorithm == MLW_SAMPLE_RANDOM ?
			     "a random sampling algorithm" :
			     cfg->algorithm == MLW_SAMPLE_GRID ?
			     "a grid sampling algorithm" :
			     "a bayesian sampling algorithm",
			     cfg->algorithm == MLW_SAMPLE_RANDOM ? random_keys :
			     cfg->algorithm == MLW_SAMPLE_GRID ? grid_keys :
			     bayesian_keys);
	if (mlw_sweep_yaml_int(r->d, node, "seed", "sampling_algorithm.seed",
			       0, INT64_MAX, &seed) > 0) {
		cfg->seed = (uint64_t)seed;
		cfg->has_seed = 1;
	}
	n = mlw_yaml_map_get(node, "rule");
	if (n && !mlw_yaml_is_null(n) && cfg->algorithm == MLW_SAMPLE_RANDOM) {
		if (n->kind == MLW_YAML_SCALAR && !strcasecmp(n->text, "sobol"))
			cfg->algorithm = MLW_SAMPLE_SOBOL;
		else if (n->kind != MLW_YAML_SCALAR ||
			 strcasecmp(n->text, "random"))
			mlw_diags_add(r->d, 0, n, "sampling_algorithm.rule "
				      "must be random or sobol, not %s",
				      text_of(n));
	}
	n = mlw_yaml_map_get(node, "logbase");
	if (n && !mlw_yaml_is_null(n) && cfg->algorithm != MLW_SAMPLE_GRID &&
	    cfg->algorithm != MLW_SAMPLE_BAYESIAN) {
		double base;

		if (n->kind == MLW_YAML_SCALAR && !strcmp(n->text, "e"))
			cfg->space->log_base = 1;
		else if (mlw_yaml_to_double(n, &base) < 0 || !isfinite(base) ||
			 base <= 0 || base == 1)
			mlw_diags_add(r->d, 0, n, "sampling_algorithm.logbase "
				      "must be \"e\" or a positive number "
				      "other than 1, not %s", text_of(n));
		else
			cfg->space->log_base = log(base);
	}
}

static void read_objective(struct reader *r, struct mlw_sweep_config *cfg,
			   const struct mlw_yaml_node *node,
			   const struct mlw_yaml_node *sweep)
{
	static const char *const keys[] = { "goal", "primary_metric", NULL };
	const struct mlw_yaml_node *goal, *metric;

	if (mlw_sweep_yaml_map(r->d, node, "objective", sweep,
			       "give its goal and primary_metric") <= 0)
		return;
	mlw_sweep_check_keys(r->d, node, "the objective", keys);
	goal = mlw_yaml_map_get(node, "goal");
	metric = mlw_yaml_map_get(node, "primary_metric");
	if (!goal || goal->kind != MLW_YAML_SCALAR || mlw_yaml_is_null(goal))
		mlw_diags_add(r->d, 0, goal ? goal : node, "objective.goal "
			      "must be maximize or minimize");
	else if (!strcasecmp(goal->text, "maximize"))
		cfg->maximize = 1;
	else if (!strcasecmp(goal->text, "minimize"))
		cfg->maximize = 0;
	else
		mlw_diags_add(r->d, 0, goal, "objective.goal must be maximize "
			      "or minimize, not %s", goal->text);
	if (!metric || metric->kind != MLW_YAML_SCALAR ||
	    mlw_yaml_is_null(metric) || !*metric->text)
		mlw_diags_add(r->d, 0, metric ? metric : node,
			      "objective.primary_metric must name the metric "
			      "the trials log");
	else
		cfg->primary_metric = mlw_strdup(metric->text);
}

/*
 * Without max_concurrent_trials Azure runs every trial at once on its
 * cluster; here that would be up to 1,000 processes: the CPUs instead.
 */
static int64_t default_concurrency(int64_t total)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus < 1)
		cpus = 1;
	return total < cpus ? total : cpus;
}

static void read_limits(struct reader *r, struct mlw_sweep_config *cfg,
			const struct mlw_yaml_node *node)
{
	static const char *const keys[] = {
		"max_total_trials", "max_concurrent_trials", "timeout",
		"trial_timeout", NULL
	};
	struct mlw_sweep_limits *l = &cfg->limits;
	int64_t v;

	l->max_total_trials = MLW_SWEEP_MAX_TRIALS;
	l->max_concurrent_trials = 0;
	l->timeout = MLW_SWEEP_DEFAULT_TIMEOUT;
	l->trial_timeout = 0;
	if (mlw_sweep_yaml_map(r->d, node, "limits", NULL, NULL) <= 0) {
		l->max_concurrent_trials =
			default_concurrency(l->max_total_trials);
		return;
	}
	mlw_sweep_check_keys(r->d, node, "sweep limits", keys);
	mlw_sweep_yaml_int(r->d, node, "max_total_trials",
			   "limits.max_total_trials", 1, MLW_SWEEP_MAX_TRIALS,
			   &l->max_total_trials);
	mlw_sweep_yaml_int(r->d, node, "max_concurrent_trials",
			   "limits.max_concurrent_trials", 1, INT64_MAX,
			   &l->max_concurrent_trials);
	if (mlw_sweep_yaml_int(r->d, node, "timeout",
			       "limits.timeout (seconds)", 1, INT64_MAX,
			       &v) > 0)
		l->timeout = (double)v;
	if (mlw_sweep_yaml_int(r->d, node, "trial_timeout",
			       "limits.trial_timeout (seconds)", 1, INT64_MAX,
			       &v) > 0)
		l->trial_timeout = (double)v;
	if (!l->max_concurrent_trials)
		l->max_concurrent_trials =
			default_concurrency(l->max_total_trials);
}

static const char *const policy_names[] = {
	"bandit", "median_stopping", "truncation_selection", NULL
};

static void read_policy(struct reader *r, struct mlw_sweep_config *cfg,
			const struct mlw_yaml_node *node)
{
	static const char *const bandit_keys[] = {
		"type", "evaluation_interval", "delay_evaluation",
		"slack_factor", "slack_amount", NULL
	};
	static const char *const median_keys[] = {
		"type", "evaluation_interval", "delay_evaluation", NULL
	};
	static const char *const truncation_keys[] = {
		"type", "evaluation_interval", "delay_evaluation",
		"truncation_percentage", "exclude_finished_jobs", NULL
	};
	struct mlw_sweep_policy *p = &cfg->policy;
	const struct mlw_yaml_node *type, *n;
	const char *hint;
	int64_t pct;
	int has_factor, has_amount;

	if (mlw_sweep_yaml_map(r->d, node, "early_termination", NULL,
			       NULL) <= 0)
		return;
	type = mlw_yaml_map_get(node, "type");
	if (!type || type->kind != MLW_YAML_SCALAR || mlw_yaml_is_null(type)) {
		mlw_diags_add(r->d, 0, type ? type : node, "early_termination "
			      "needs a type: bandit, median_stopping or "
			      "truncation_selection");
		return;
	}
	if (!strcasecmp(type->text, "bandit")) {
		p->type = MLW_POLICY_BANDIT;
		mlw_sweep_check_keys(r->d, node, "a bandit policy",
				     bandit_keys);
	} else if (!strcasecmp(type->text, "median_stopping")) {
		p->type = MLW_POLICY_MEDIAN_STOPPING;
		mlw_sweep_check_keys(r->d, node, "a median stopping policy",
				     median_keys);
	} else if (!strcasecmp(type->text, "truncation_selection")) {
		p->type = MLW_POLICY_TRUNCATION_SELECTION;
		mlw_sweep_check_keys(r->d, node, "a truncation selection "
				     "policy", truncation_keys);
	} else {
		hint = mlw_suggest(type->text, policy_names);
		mlw_diags_add(r->d, 0, type, "unknown early_termination type "
			      "'%s'%s%s%s; one of bandit, median_stopping, "
			      "truncation_selection", type->text,
			      hint ? " (did you mean '" : "", hint ? hint : "",
			      hint ? "'?)" : "");
		return;
	}
	mlw_sweep_yaml_int(r->d, node, "evaluation_interval",
			   "early_termination.evaluation_interval", 0,
			   INT64_MAX, &p->evaluation_interval);
	mlw_sweep_yaml_int(r->d, node, "delay_evaluation",
			   "early_termination.delay_evaluation", 0, INT64_MAX,
			   &p->delay_evaluation);
	if (p->type == MLW_POLICY_BANDIT) {
		has_factor = mlw_sweep_yaml_positive(r->d, node,
			"slack_factor", "early_termination.slack_factor",
			&p->slack_factor);
		has_amount = mlw_sweep_yaml_positive(r->d, node,
			"slack_amount", "early_termination.slack_amount",
			&p->slack_amount);
		p->has_slack_factor = has_factor > 0;
		/* azure-ai-ml's own test specs give both: factor wins */
		if (has_factor > 0 && has_amount > 0)
			mlw_diags_add(r->d, 1,
				      mlw_yaml_map_get(node, "slack_amount"),
				      "a bandit policy takes slack_factor or "
				      "slack_amount: slack_amount is ignored");
		else if (!has_factor && !has_amount)
			mlw_diags_add(r->d, 0, node, "a bandit policy needs "
				      "slack_factor or slack_amount");
	} else if (p->type == MLW_POLICY_TRUNCATION_SELECTION) {
		n = mlw_yaml_map_get(node, "truncation_percentage");
		if (!n || mlw_yaml_is_null(n))
			mlw_diags_add(r->d, 0, node, "a truncation selection "
				      "policy needs truncation_percentage (1 "
				      "to 99)");
		else if (mlw_sweep_yaml_int(r->d, node, "truncation_percentage",
				 "early_termination.truncation_percentage",
				 1, 99, &pct) > 0)
			p->truncation_percentage = (int)pct;
		n = mlw_yaml_map_get(node, "exclude_finished_jobs");
		if (n && !mlw_yaml_is_null(n) &&
		    mlw_yaml_to_bool(n, &p->exclude_finished) < 0)
			mlw_diags_add(r->d, 0, n, "early_termination."
				      "exclude_finished_jobs must be true or "
				      "false, not %s", text_of(n));
	}
}

/*
 * Where dist is declared, as a string that lives with the document (the
 * diagnostics borrow it, and outlive the space): the sweep's own source
 * name, or NULL (the spec's file) for one an override brought.
 */
static const char *dist_source(const struct mlw_sweep_dist *dist,
			       const struct mlw_yaml_node *sweep)
{
	return sweep->source && !strcmp(dist->source, sweep->source) ?
	       sweep->source : NULL;
}

/* Azure's rules between the sampler, the space and the policy */
static void check_rules(struct reader *r, struct mlw_sweep_config *cfg,
			const struct mlw_yaml_node *sweep)
{
	const struct mlw_sweep_space *space = cfg->space;
	const struct mlw_sweep_dist *bad;
	const struct mlw_yaml_node *et;
	size_t i;
	unsigned bayes_ok = 1u << MLW_DIST_CHOICE | 1u << MLW_DIST_UNIFORM |
			    1u << MLW_DIST_QUNIFORM;

	/* every distribution at fault, nested ones included */
	for (i = 0; i < space->dims; i++) {
		bad = space->by_dim[i];
		if (cfg->algorithm == MLW_SAMPLE_GRID &&
		    bad->type != MLW_DIST_CHOICE)
			mlw_diags_add_at(r->d, 0, dist_source(bad, sweep),
					 bad->line,
					 bad->col, "grid sampling does not "
					 "support %s distributions ('%s'); it "
					 "allows only choice",
					 mlw_sweep_dist_name(bad->type),
					 bad->name);
		if (cfg->algorithm == MLW_SAMPLE_BAYESIAN &&
		    !(bayes_ok & 1u << bad->type))
			mlw_diags_add_at(r->d, 0, dist_source(bad, sweep),
					 bad->line,
					 bad->col, "bayesian sampling does not "
					 "support %s distributions ('%s'); it "
					 "allows only choice, uniform and "
					 "quniform",
					 mlw_sweep_dist_name(bad->type),
					 bad->name);
	}
	et = mlw_yaml_map_get(sweep, "early_termination");
	if (cfg->algorithm == MLW_SAMPLE_BAYESIAN && et &&
	    !mlw_yaml_is_null(et))
		mlw_diags_add(r->d, 0, et, "bayesian sampling does not support "
			      "early_termination; remove it or use random or "
			      "grid sampling");
	if (cfg->algorithm == MLW_SAMPLE_SOBOL &&
	    space->dims > MLW_SOBOL_MAX_DIMS)
		mlw_diags_add(r->d, 0, mlw_yaml_map_get(sweep, "search_space"),
			      "sobol sampling supports at most %d "
			      "distributions, not %zu", MLW_SOBOL_MAX_DIMS,
			      space->dims);
	if (cfg->algorithm == MLW_SAMPLE_BAYESIAN &&
	    r->d->errors == r->errors &&
	    cfg->limits.max_total_trials < 20 * (int64_t)space->nr)
		mlw_diags_add(r->d, 1, mlw_yaml_map_get(sweep, "limits") ?
			      mlw_yaml_map_get(sweep, "limits") : sweep,
			      "bayesian sampling works best with "
			      "max_total_trials of at least 20 per "
			      "hyperparameter (%zu here)", 20 * space->nr);
}

int mlw_sweep_config_from_yaml(struct mlw_sweep_config **out,
			       const struct mlw_yaml_node *node,
			       struct mlw_diags *d)
{
	struct reader r = { d, d->errors };
	struct mlw_sweep_config *cfg;
	struct mlw_sweep_policy none = MLW_SWEEP_POLICY_INIT;

	*out = NULL;
	if (!node || node->kind != MLW_YAML_MAP) {
		mlw_diags_add(d, 0, node, "a sweep must be a mapping");
		return MLW_EINVALID;
	}
	cfg = mlw_calloc(1, sizeof(*cfg));
	cfg->policy = none;
	if (mlw_sweep_space_from_yaml(&cfg->space,
				      mlw_yaml_map_get(node, "search_space"),
				      d) < 0 || !cfg->space) {
		/* keep reading: report every problem of the sweep at once */
		struct mlw_sweep_space *empty = mlw_calloc(1, sizeof(*empty));

		empty->log_base = 1;
		cfg->space = empty;
	}
	read_sampling(&r, cfg, mlw_yaml_map_get(node, "sampling_algorithm"),
		      node);
	read_objective(&r, cfg, mlw_yaml_map_get(node, "objective"), node);
	read_limits(&r, cfg, mlw_yaml_map_get(node, "limits"));
	read_policy(&r, cfg, mlw_yaml_map_get(node, "early_termination"));
	check_rules(&r, cfg, node);
	if (d->errors > r.errors) {
		mlw_sweep_config_free(cfg);
		return MLW_EINVALID;
	}
	*out = cfg;
	return 0;
}

void mlw_sweep_config_free(struct mlw_sweep_config *cfg)
{
	if (!cfg)
		return;
	mlw_sweep_space_free(cfg->space);
	free(cfg->primary_metric);
	free(cfg);
}

/* --- the scheduler -------------------------------------------------------- */

struct mlw_sweep {
	pthread_mutex_t lock;		/* everything below */
	pthread_mutex_t next_lock;	/* one mlw_sweep_next() at a time */
	const struct mlw_sweep_config *cfg;
	struct mlw_sweep_sampler *sampler;
	struct mlw_sweep_trial **trials;
	const struct mlw_sweep_curve **curves;	/* the trials' curves */
	size_t nr, alloc;
	size_t running;
	size_t *live;			/* the running trials, in order */
	size_t alloc_live;
	int computing;			/* a next() is between its locks */
	double started;
	int canceled, exhausted, timed_out;
	size_t reports;
};

const char *mlw_sweep_stop_reason_name(enum mlw_sweep_stop_reason reason)
{
	switch (reason) {
	case MLW_STOP_POLICY:
		return "policy";
	case MLW_STOP_TRIAL_TIMEOUT:
		return "trial_timeout";
	case MLW_STOP_TIMEOUT:
		return "timeout";
	case MLW_STOP_CANCEL:
		return "canceled";
	default:
		return "none";
	}
}

const char *mlw_sweep_trial_state_name(enum mlw_sweep_trial_state state)
{
	switch (state) {
	case MLW_TRIAL_RUNNING:
		return "Running";
	case MLW_TRIAL_COMPLETED:
		return "Completed";
	case MLW_TRIAL_FAILED:
		return "Failed";
	default:
		return "Canceled";
	}
}

int mlw_sweep_new(struct mlw_sweep **out, const struct mlw_sweep_config *cfg,
		  double now)
{
	struct mlw_sweep *s;
	int ret;

	*out = NULL;
	s = mlw_calloc(1, sizeof(*s));
	ret = mlw_sweep_sampler_new(&s->sampler, cfg->space, cfg->algorithm,
				    cfg->seed, cfg->maximize);
	if (ret < 0) {
		free(s);
		return ret;
	}
	s->cfg = cfg;
	s->started = now;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->next_lock, NULL);
	*out = s;
	return 0;
}

void mlw_sweep_free(struct mlw_sweep *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr; i++) {
		struct mlw_sweep_trial *t = s->trials[i];

		mlw_sweep_value_free(t->params);
		free(t->u);
		mlw_sweep_curve_release(&t->curve);
		if (t->other_metrics) {
			mlw_strlist_release(t->other_metrics);
			free(t->other_metrics);
		}
		free(t);
	}
	free(s->trials);
	free(s->curves);
	free(s->live);
	mlw_sweep_sampler_free(s->sampler);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->next_lock);
	free(s);
}

void mlw_sweep_set_bayes(struct mlw_sweep *s,
			 const struct mlw_sweep_bayes_options *opts)
{
	pthread_mutex_lock(&s->next_lock);
	mlw_sweep_sampler_set_bayes(s->sampler, opts);
	pthread_mutex_unlock(&s->next_lock);
}

/* under the lock: no more trials will be handed out */
static int closed(struct mlw_sweep *s, double now)
{
	if (!s->timed_out && now - s->started >= s->cfg->limits.timeout)
		s->timed_out = 1;
	return s->canceled || s->exhausted || s->timed_out ||
	       (int64_t)s->nr >= s->cfg->limits.max_total_trials;
}

int mlw_sweep_next(struct mlw_sweep *s, double now,
		   const struct mlw_sweep_trial **out)
{
	struct mlw_sweep_observation *history = NULL;
	struct mlw_sweep_trial *t;
	size_t index, i, dims = s->cfg->space->dims;
	double *u;
	int ret;

	*out = NULL;
	pthread_mutex_lock(&s->next_lock);
	pthread_mutex_lock(&s->lock);
	if (closed(s, now)) {
		ret = MLW_SWEEP_DONE;
		goto unlock;
	}
	if ((int64_t)s->running >= s->cfg->limits.max_concurrent_trials) {
		ret = MLW_SWEEP_WAIT;
		goto unlock;
	}
	/*
	 * The history as it is now (u arrays never change once set), for
	 * the one sampler that reads it: the others would make every
	 * trial cost as much as the trials before it.
	 */
	index = s->nr;
	if (s->cfg->algorithm == MLW_SAMPLE_BAYESIAN)
		history = mlw_calloc(index + 1, sizeof(*history));
	for (i = 0; history && i < index; i++) {
		history[i].u = s->trials[i]->u;
		history[i].running = s->trials[i]->state == MLW_TRIAL_RUNNING;
		history[i].value = s->trials[i]->state == MLW_TRIAL_FAILED ?
				   NAN : s->trials[i]->objective;
	}
	s->computing = 1;
	pthread_mutex_unlock(&s->lock);

	u = mlw_malloc(dims * sizeof(double) + 1);
	ret = mlw_sweep_sampler_next(s->sampler, index, history,
				     history ? index : 0, u);
	free(history);

	pthread_mutex_lock(&s->lock);
	s->computing = 0;
	if (ret) {
		free(u);
		if (ret == MLW_SWEEP_EXHAUSTED) {
			s->exhausted = 1;
			ret = MLW_SWEEP_DONE;
		}
		goto unlock;
	}
	t = mlw_calloc(1, sizeof(*t));
	t->index = index;
	t->u = u;
	t->params = mlw_sweep_space_decode(s->cfg->space, u);
	t->state = MLW_TRIAL_RUNNING;
	t->started = now;
	t->ended = NAN;
	t->objective = NAN;
	if (s->nr + 1 > s->alloc) {
		MLW_ALLOC_GROW(s->trials, s->nr + 1, s->alloc);
		s->curves = mlw_realloc(s->curves,
					s->alloc * sizeof(*s->curves));
	}
	s->trials[s->nr] = t;
	s->curves[s->nr] = &t->curve;
	s->nr++;
	/* indices only grow: the list stays sorted */
	MLW_ALLOC_GROW(s->live, s->running + 1, s->alloc_live);
	s->live[s->running++] = index;
	*out = t;
	ret = MLW_SWEEP_NEW;
unlock:
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_unlock(&s->next_lock);
	return ret;
}

static void remember_metric(struct mlw_sweep_trial *t, const char *metric)
{
	size_t i;

	if (!t->other_metrics)
		t->other_metrics = mlw_calloc(1, sizeof(*t->other_metrics));
	for (i = 0; i < t->other_metrics->nr; i++)
		if (!strcmp(t->other_metrics->items[i], metric))
			return;
	if (t->other_metrics->nr < MAX_OTHER_METRICS)
		mlw_strlist_push(t->other_metrics, metric);
}

/* under the lock: trial index, or NULL with the error set in *ret */
static struct mlw_sweep_trial *find(struct mlw_sweep *s, size_t index,
				    int *ret)
{
	if (index >= s->nr) {
		*ret = mlw_error_setc(MLW_ENOTFOUND, "sweep has no trial %zu",
				      index);
		return NULL;
	}
	if (s->trials[index]->state != MLW_TRIAL_RUNNING) {
		*ret = mlw_error_setc(MLW_EINVALID, "trial %zu has ended (%s)",
				      index, mlw_sweep_trial_state_name(
					      s->trials[index]->state));
		return NULL;
	}
	return s->trials[index];
}

int mlw_sweep_report(struct mlw_sweep *s, size_t trial, const char *metric,
		     int64_t step, double value, double now,
		     struct mlw_sweep_decision *decision)
{
	struct mlw_sweep_decision d;
	struct mlw_sweep_trial *t;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	t = find(s, trial, &ret);
	memset(&d, 0, sizeof(d));
	d.policy = s->cfg->policy.type;
	d.trial_best = d.reference = d.threshold = NAN;
	if (!t)
		goto out;
	if (strcmp(metric, s->cfg->primary_metric)) {
		remember_metric(t, metric);
		goto out;
	}
	mlw_sweep_curve_push(&t->curve, value, s->cfg->maximize);
	s->reports++;
	t->last_step = step;
	if (isfinite(value))
		t->objective = value;
	d.interval = t->curve.nr;
	if (t->stop != MLW_STOP_NONE)
		goto out;
	if (mlw_sweep_policy_decide(&d, &s->cfg->policy, s->cfg->maximize,
				    s->curves, s->nr, trial)) {
		t->stop = MLW_STOP_POLICY;
		t->decision = d;
		t->stop_delivered = 1;
		ret = 1;
	}
out:
	pthread_mutex_unlock(&s->lock);
	if (decision)
		*decision = d;
	(void)now;
	return ret;
}

int mlw_sweep_finish(struct mlw_sweep *s, size_t trial,
		     enum mlw_sweep_trial_state state, double now)
{
	struct mlw_sweep_trial *t;
	size_t i;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	t = find(s, trial, &ret);
	if (!t)
		goto out;
	if (state == MLW_TRIAL_RUNNING) {
		ret = mlw_error_setc(MLW_EINVALID, "trial %zu cannot finish "
				     "as Running", trial);
		goto out;
	}
	t->state = state;
	t->ended = now;
	t->curve.finished = 1;
	for (i = 0; s->live[i] != trial; i++)
		;
	memmove(s->live + i, s->live + i + 1,
		(s->running - i - 1) * sizeof(*s->live));
	s->running--;
	if (!t->curve.nr && state != MLW_TRIAL_FAILED) {
		t->missing_metric = 1;
		ret = 1;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return ret;
}

size_t mlw_sweep_poll(struct mlw_sweep *s, double now,
		      struct mlw_sweep_stop *stops, size_t max)
{
	double limit = s->cfg->limits.trial_timeout;
	size_t i, k, n = 0;

	pthread_mutex_lock(&s->lock);
	closed(s, now);
	for (k = 0; k < s->running; k++) {
		struct mlw_sweep_trial *t = s->trials[i = s->live[k]];

		if (t->stop == MLW_STOP_NONE) {
			if (s->canceled)
				t->stop = MLW_STOP_CANCEL;
			else if (s->timed_out)
				t->stop = MLW_STOP_TIMEOUT;
			else if (limit > 0 && now - t->started >= limit)
				t->stop = MLW_STOP_TRIAL_TIMEOUT;
		}
		if (t->stop != MLW_STOP_NONE && !t->stop_delivered &&
		    n < max) {
			stops[n].trial = i;
			stops[n].reason = t->stop;
			t->stop_delivered = 1;
			n++;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

void mlw_sweep_cancel(struct mlw_sweep *s)
{
	pthread_mutex_lock(&s->lock);
	s->canceled = 1;
	pthread_mutex_unlock(&s->lock);
}

void mlw_sweep_close(struct mlw_sweep *s)
{
	pthread_mutex_lock(&s->lock);
	s->exhausted = 1;
	pthread_mutex_unlock(&s->lock);
}

int mlw_sweep_done(struct mlw_sweep *s, double now)
{
	int done;

	pthread_mutex_lock(&s->lock);
	done = closed(s, now) && !s->running && !s->computing;
	pthread_mutex_unlock(&s->lock);
	return done;
}

double mlw_sweep_deadline(struct mlw_sweep *s)
{
	double when, limit = s->cfg->limits.trial_timeout;
	size_t i;

	pthread_mutex_lock(&s->lock);
	when = s->timed_out ? INFINITY : s->started + s->cfg->limits.timeout;
	for (i = 0; limit > 0 && i < s->running; i++) {
		const struct mlw_sweep_trial *t = s->trials[s->live[i]];

		if (t->stop == MLW_STOP_NONE &&
		    t->started + limit < when)
			when = t->started + limit;
	}
	pthread_mutex_unlock(&s->lock);
	return when;
}

int mlw_sweep_best(struct mlw_sweep *s, size_t *trial, double *value)
{
	size_t i, best = 0;
	double v = NAN;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nr; i++) {
		const struct mlw_sweep_trial *t = s->trials[i];

		if (t->state != MLW_TRIAL_COMPLETED || isnan(t->objective))
			continue;
		if (isnan(v) || (s->cfg->maximize ? t->objective > v :
				 t->objective < v)) {
			v = t->objective;
			best = i;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (isnan(v))
		return mlw_error_setc(MLW_ENOTFOUND, "no trial completed with "
				      "a value of '%s'",
				      s->cfg->primary_metric);
	*trial = best;
	*value = v;
	return 0;
}

const struct mlw_sweep_trial *mlw_sweep_trial(struct mlw_sweep *s,
					      size_t index)
{
	const struct mlw_sweep_trial *t;

	pthread_mutex_lock(&s->lock);
	t = index < s->nr ? s->trials[index] : NULL;
	pthread_mutex_unlock(&s->lock);
	return t;
}

int mlw_sweep_trial_info(struct mlw_sweep *s, size_t index,
			 struct mlw_sweep_trial *out)
{
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	if (index >= s->nr) {
		ret = mlw_error_setc(MLW_ENOTFOUND, "sweep has no trial %zu",
				     index);
	} else {
		*out = *s->trials[index];
		memset(&out->curve, 0, sizeof(out->curve));
		out->curve.nr = s->trials[index]->curve.nr;
		out->other_metrics = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

void mlw_sweep_stats(struct mlw_sweep *s, struct mlw_sweep_stats *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->lock);
	out->trials = s->nr;
	out->reports = s->reports;
	for (i = 0; i < s->nr; i++) {
		const struct mlw_sweep_trial *t = s->trials[i];

		switch (t->state) {
		case MLW_TRIAL_RUNNING:
			out->running++;
			break;
		case MLW_TRIAL_COMPLETED:
			out->completed++;
			break;
		case MLW_TRIAL_FAILED:
			out->failed++;
			break;
		case MLW_TRIAL_CANCELED:
			out->canceled++;
			break;
		}
		out->stopped_by_policy += t->stop == MLW_STOP_POLICY;
		out->missing_metric += t->missing_metric;
	}
	pthread_mutex_unlock(&s->lock);
}

void mlw_sweep_missing_metric_hint(struct mlw_sweep *s, size_t index,
				   struct mlw_buf *b)
{
	const struct mlw_sweep_trial *t;
	const struct mlw_strlist *other;
	const char *hint = NULL;
	size_t i;

	pthread_mutex_lock(&s->lock);
	t = index < s->nr ? s->trials[index] : NULL;
	if (!t || !t->missing_metric)
		goto out;
	mlw_buf_addf(b, "trial %zu ended without logging the primary metric "
		     "'%s'", index, s->cfg->primary_metric);
	other = t->other_metrics;
	if (!other || !other->nr) {
		mlw_buf_adds(b, "; it logged no metric");
		goto out;
	}
	mlw_buf_adds(b, "; it logged ");
	for (i = 0; i < other->nr; i++)
		mlw_buf_addf(b, "%s'%s'", i ? ", " : "", other->items[i]);
	{
		const char **names = mlw_calloc(other->nr + 1, sizeof(*names));

		for (i = 0; i < other->nr; i++)
			names[i] = other->items[i];
		hint = mlw_suggest(s->cfg->primary_metric, names);
		if (hint)
			mlw_buf_addf(b, " (did you mean '%s'?)", hint);
		free(names);
	}
out:
	pthread_mutex_unlock(&s->lock);
}

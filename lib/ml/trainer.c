/*
 * trainer.c - the registry of trainers and their hyperparameters
 * (trainer.h).  The trainers themselves live with their algorithms.
 */
#include "ml/trainer.h"
#include "ml/model.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/opt.h"
#include "util/output.h"
#include "util/strutil.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct mlw_trainer *const mlw_trainers[] = {
	&mlw_linear_trainer,
	&mlw_ridge_trainer,
	&mlw_lasso_trainer,
	&mlw_elastic_net_trainer,
	&mlw_logistic_trainer,
	&mlw_kernel_ridge_trainer,
	&mlw_lda_trainer,
	&mlw_gaussian_nb_trainer,
	&mlw_kmeans_trainer,
	&mlw_pca_trainer,
	NULL
};

static void list_names(struct mlw_buf *b)
{
	size_t i;

	for (i = 0; mlw_trainers[i]; i++)
		mlw_buf_addf(b, "%s%s", i ? ", " : "", mlw_trainers[i]->name);
}

const struct mlw_trainer *mlw_trainer_find(const char *name)
{
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i;

	for (i = 0; mlw_trainers[i]; i++)
		if (!strcmp(name, mlw_trainers[i]->name))
			return mlw_trainers[i];
	list_names(&b);
	mlw_error_setc(MLW_EINVALID, "unknown algorithm '%s' (%s)", name, b.buf);
	mlw_buf_release(&b);
	return NULL;
}

const struct mlw_trainer *mlw_trainer_of(enum mlw_algorithm algo)
{
	if ((unsigned)algo >= MLW_NR_ALGORITHMS)
		BUG("no trainer for algorithm %d", (int)algo);
	return mlw_trainers[algo];
}

int mlw_algorithm_parse(enum mlw_algorithm *out, const char *name)
{
	const struct mlw_trainer *t = mlw_trainer_find(name);

	if (!t)
		return MLW_EINVALID;
	*out = t->algorithm;
	return 0;
}

const char *mlw_algorithm_name(enum mlw_algorithm algo)
{
	return mlw_trainer_of(algo)->name;
}

int mlw_algorithm_is_classifier(enum mlw_algorithm algo)
{
	return mlw_trainer_of(algo)->task == MLW_TASK_CLASSIFICATION;
}

int mlw_algorithm_is_unsupervised(enum mlw_algorithm algo)
{
	enum mlw_task task = mlw_trainer_of(algo)->task;

	return task == MLW_TASK_CLUSTERING || task == MLW_TASK_DECOMPOSITION;
}

int mlw_trainer_hparam(const struct mlw_trainer *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nr_hparams; i++)
		if (!strcmp(t->hparams[i].name, name))
			return (int)i;
	return -1;
}

void mlw_trainer_list_hparams(struct mlw_buf *out, const struct mlw_trainer *t,
			      const char *prefix, const char *sep)
{
	size_t i, n = 0;
	const char *s;

	for (i = 0; i < t->nr_hparams; i++) {
		if (t->hparams[i].flags & MLW_HPARAM_HIDDEN)
			continue;
		mlw_buf_addf(out, "%s%s", n++ ? sep : "", prefix);
		for (s = t->hparams[i].name; *s; s++)
			mlw_buf_addch(out, *prefix && *s == '_' ? '-' : *s);
	}
	if (!out->buf)
		mlw_buf_adds(out, "");
}

void mlw_hparams_init(struct mlw_hparams *hp, const struct mlw_trainer *t)
{
	size_t i;

	if (t->nr_hparams > MLW_MAX_HPARAMS)
		BUG("%s has more than %d hyperparameters", t->name,
		    MLW_MAX_HPARAMS);
	memset(hp, 0, sizeof(*hp));
	hp->trainer = t;
	for (i = 0; i < t->nr_hparams; i++)
		hp->value[i] = t->hparams[i].def;
}

/* the range of h in words: "(> 0)", "(0 to 1)", "(1 to 100000)" */
static void range_text(struct mlw_buf *b, const struct mlw_hparam *h)
{
	const char *lo = h->flags & MLW_HPARAM_OPEN_MIN ? "> " : ">= ";

	if (isinf(h->max))
		mlw_buf_addf(b, "(%s%g)", lo, h->min);
	else if (h->flags & MLW_HPARAM_OPEN_MIN)
		mlw_buf_addf(b, "(> %g and <= %g)", h->min, h->max);
	else
		mlw_buf_addf(b, "(%g to %g)", h->min, h->max);
}

static int out_of_range(const struct mlw_hparam *h, const char *text)
{
	struct mlw_buf b = MLW_BUF_INIT;
	int ret;

	range_text(&b, h);
	ret = mlw_error_setc(MLW_EINVALID, "%s: '%s' is out of range %s%s",
			     h->name, text, b.buf,
			     h->flags & MLW_HPARAM_AUTO ? ", or auto" : "");
	mlw_buf_release(&b);
	return ret;
}

/* text as a value of h into *out; MLW_EINVALID */
static int parse_value(double *out, const struct mlw_hparam *h,
		       const char *text)
{
	int64_t i;
	size_t k;

	switch (h->type) {
	case MLW_HPARAM_FLOAT:
		if ((h->flags & MLW_HPARAM_AUTO) && !strcmp(text, "auto")) {
			*out = NAN;
			return 0;
		}
		if (mlw_parse_double(out, text, h->name) < 0)
			return MLW_EINVALID;
		break;
	case MLW_HPARAM_INT:
		if (mlw_parse_i64(&i, text, h->name) < 0)
			return MLW_EINVALID;
		*out = (double)i;
		break;
	case MLW_HPARAM_BOOL:
		if (!strcasecmp(text, "true") || !strcmp(text, "1")) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(text, "false") || !strcmp(text, "0")) {
			*out = 0;
			return 0;
		}
		return mlw_error_setc(MLW_EINVALID,
				      "%s: '%s' is not true or false", h->name,
				      text);
	case MLW_HPARAM_CHOICE: {
		struct mlw_buf b = MLW_BUF_INIT;
		int ret;

		for (k = 0; h->choices[k]; k++)
			if (!strcmp(text, h->choices[k])) {
				*out = (double)k;
				return 0;
			}
		for (k = 0; h->choices[k]; k++)
			mlw_buf_addf(&b, "%s%s", k ? ", " : "", h->choices[k]);
		ret = mlw_error_setc(MLW_EINVALID, "unknown %s '%s' (%s)",
				     h->name, text, b.buf);
		mlw_buf_release(&b);
		return ret;
	}
	case MLW_HPARAM_PATH:
		if (!*text)
			return mlw_error_setc(MLW_EINVALID, "%s: an empty path",
					      h->name);
		*out = 1;
		return 0;
	}
	if (!isfinite(*out) || *out < h->min || *out > h->max ||
	    ((h->flags & MLW_HPARAM_OPEN_MIN) && *out == h->min))
		return out_of_range(h, text);
	return 0;
}

int mlw_hparams_set(struct mlw_hparams *hp, const char *name,
		    const char *text)
{
	const struct mlw_trainer *t = hp->trainer;
	int i = mlw_trainer_hparam(t, name);
	double v = 0;

	if (i < 0) {
		struct mlw_buf b = MLW_BUF_INIT;
		int ret;

		mlw_trainer_list_hparams(&b, t, "", ", ");
		ret = mlw_error_setc(MLW_EINVALID,
				     "%s has no hyperparameter '%s' (it takes %s)",
				     t->name, name, *b.buf ? b.buf : "none");
		mlw_buf_release(&b);
		return ret;
	}
	if (parse_value(&v, &t->hparams[i], text) < 0)
		return MLW_EINVALID;
	hp->value[i] = v;
	hp->text[i] = text;
	return 0;
}

int mlw_hparams_check(const struct mlw_hparams *hp)
{
	return hp->trainer->check ? hp->trainer->check(hp) : 0;
}

double mlw_hparams_get(const struct mlw_hparams *hp, const char *name)
{
	int i = mlw_trainer_hparam(hp->trainer, name);

	if (i < 0)
		BUG("%s has no hyperparameter '%s'", hp->trainer->name, name);
	return hp->value[i];
}

/* "l1_ratio" as an option: "l1-ratio" */
static char *option_name(const char *name)
{
	char *s = mlw_strdup(name), *p;

	for (p = s; *p; p++)
		if (*p == '_')
			*p = '-';
	return s;
}

/* item k's help, naming the algorithm tr too ("... (ridge, lasso)") */
static void help_naming(struct mlw_hparam_options *o, size_t k,
			const struct mlw_trainer *tr)
{
	struct mlw_buf b = MLW_BUF_INIT;
	const char *help = o->items[k].help, *paren;

	if (!help) {
		/* "regularisation strength (1)": the words, not the default */
		help = o->items[k].hparam->help;
		paren = strstr(help, " (");
		mlw_buf_add(&b, help, paren ? (size_t)(paren - help) :
			    strlen(help));
		mlw_buf_addf(&b, " (%s)", tr->name);
	} else {
		mlw_buf_add(&b, help, strlen(help) - 1);
		mlw_buf_addf(&b, ", %s)", tr->name);
	}
	free(o->items[k].help);
	o->items[k].help = mlw_buf_detach(&b, NULL);
}

static void add_item(struct mlw_hparam_options *o, const struct mlw_trainer *t,
		     const struct mlw_trainer *tr, const struct mlw_hparam *h)
{
	size_t k;

	for (k = 0; k < o->nr; k++)
		if (!strcmp(o->items[k].hparam->name, h->name))
			break;
	if (k == o->nr) {
		if (k == MLW_MAX_HPARAM_OPTIONS)
			BUG("more than %d hyperparameter options",
			    MLW_MAX_HPARAM_OPTIONS);
		o->items[k].hparam = h;
		o->items[k].long_name = option_name(h->name);
		o->nr++;
		if (t) {
			o->items[k].help = mlw_strdup(h->help);
			return;
		}
	}
	help_naming(o, k, tr);
}

/* the items (names and help) of t's options, or every trainer's */
static void add_items(struct mlw_hparam_options *o,
		      const struct mlw_trainer *t)
{
	size_t i, j;

	for (i = 0; mlw_trainers[i]; i++)
		for (j = 0; (!t || mlw_trainers[i] == t) &&
		     j < mlw_trainers[i]->nr_hparams; j++)
			add_item(o, t, mlw_trainers[i],
				 &mlw_trainers[i]->hparams[j]);
}

/*
 * Every trainer's items, made once: a sweep reads a trial command with
 * them a thousand times, and their help texts take some formatting.
 */
static struct mlw_hparam_options every;
static pthread_once_t every_once = PTHREAD_ONCE_INIT;

static void make_every(void)
{
	add_items(&every, NULL);
}

void mlw_hparam_options_init(struct mlw_hparam_options *o,
			     const struct mlw_trainer *t)
{
	size_t i;

	memset(o, 0, sizeof(*o));
	if (t) {
		add_items(o, t);
	} else {
		pthread_once(&every_once, make_every);
		o->nr = every.nr;
		for (i = 0; i < every.nr; i++) {
			o->items[i].hparam = every.items[i].hparam;
			o->items[i].long_name = every.items[i].long_name;
			o->items[i].help = every.items[i].help;
		}
		o->shared = 1;
	}
	o->opts = mlw_calloc(o->nr + 1, sizeof(*o->opts));
	for (i = 0; i < o->nr; i++) {
		const struct mlw_hparam *h = o->items[i].hparam;
		struct mlw_option *opt = &o->opts[i];

		opt->long_name = o->items[i].long_name;
		opt->help = o->items[i].help;
		opt->flags = h->flags & MLW_HPARAM_HIDDEN ? MLW_OPT_HIDDEN : 0;
		if (h->type == MLW_HPARAM_BOOL) {
			opt->type = MLW_OPTT_BOOL;
			opt->value = &o->items[i].flag;
		} else {
			opt->type = MLW_OPTT_STRING;
			opt->value = &o->items[i].text;
			opt->argh = h->argh;
		}
	}
	o->opts[o->nr].type = MLW_OPTT_END;
}

int mlw_hparam_options_apply(struct mlw_hparams *hp,
			     const struct mlw_hparam_options *o)
{
	const struct mlw_trainer *t = hp->trainer;
	size_t i;

	for (i = 0; i < o->nr; i++) {
		const char *text = o->items[i].flag ? "true" : o->items[i].text;

		if (!text)
			continue;
		if (mlw_trainer_hparam(t, o->items[i].hparam->name) < 0) {
			struct mlw_buf b = MLW_BUF_INIT;
			int ret;

			mlw_trainer_list_hparams(&b, t, "--", ", ");
			ret = mlw_error_setc(MLW_EINVALID,
					     "--%s does not apply to %s (%s takes %s)",
					     o->items[i].long_name, t->name,
					     t->name,
					     *b.buf ? b.buf : "no hyperparameters");
			mlw_buf_release(&b);
			return ret;
		}
		if (mlw_hparams_set(hp, o->items[i].hparam->name, text) < 0)
			return MLW_EINVALID;
	}
	return mlw_hparams_check(hp);
}

void mlw_hparam_options_release(struct mlw_hparam_options *o)
{
	size_t i;

	for (i = 0; !o->shared && i < o->nr; i++) {
		free(o->items[i].long_name);
		free(o->items[i].help);
	}
	free(o->opts);
	memset(o, 0, sizeof(*o));
}

void mlw_trainer_out_vector(struct mlw_out *o, const char *key,
			    const double *v, size_t n)
{
	size_t i;

	mlw_out_list_begin(o, key);
	for (i = 0; i < n; i++)
		mlw_out_num(o, NULL, v[i]);
	mlw_out_end(o);
}

void mlw_trainer_out_matrix(struct mlw_out *o, const char *key,
			    const double *A, size_t rows, size_t cols)
{
	size_t i, j;

	mlw_out_list_begin(o, key);
	for (i = 0; i < rows; i++) {
		mlw_out_list_begin(o, NULL);
		for (j = 0; j < cols; j++)
			mlw_out_num(o, NULL, A[j * rows + i]);
		mlw_out_end(o);
	}
	mlw_out_end(o);
}

size_t mlw_model_nr_outputs(const struct mlw_model *m)
{
	return m->trainer->nr_outputs(m);
}

int mlw_model_predict(double *out, const struct mlw_model *m,
		      const double *X, size_t n, int nr_threads)
{
	return m->trainer->predict(out, m, X, n, nr_threads);
}

/*
 * render.c - a pipeline run's graph as a drawing, as data, as Graphviz
 * (render.h).
 */
#include "pipeline/render.h"
#include "pipeline/record.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/output.h"

#include <stdlib.h>
#include <string.h>

static void add_duration(struct mlw_buf *b, double s)
{
	if (s < 0)
		return;
	if (s < 60)
		mlw_buf_addf(b, "%.1fs", s);
	else if (s < 3600)
		mlw_buf_addf(b, "%dm%02ds", (int)(s / 60), (int)s % 60);
	else
		mlw_buf_addf(b, "%dh%02dm", (int)(s / 3600),
			     (int)(s / 60) % 60);
}

/* seconds step s ran (to now when it still runs), or -1 */
static double step_seconds(const struct mlw_graph_step *s, double now)
{
	if (!s->start)
		return s->end && s->job ? 0 : -1;
	return (s->end ? s->end : now) - s->start;
}

static const char *status_color(const char *status)
{
	if (!strcmp(status, "Completed"))
		return "\033[32m";
	if (!strcmp(status, "Failed"))
		return "\033[31m";
	if (!strcmp(status, "Canceled"))
		return "\033[33m";
	if (!strcmp(status, "Running"))
		return "\033[36m";
	return "";
}

/* the name of s inside its pipeline step */
static const char *local_name(const struct mlw_graph_step *s)
{
	size_t n = s->group ? strlen(s->group) : 0;

	if (n && !strncmp(s->name, s->group, n) && s->name[n] == '/')
		return s->name + n + 1;
	return s->name;
}

static long find(const struct mlw_graph *g, const char *name)
{
	size_t i;

	for (i = 0; name && i < g->nr_steps; i++)
		if (!strcmp(g->steps[i].name, name))
			return (long)i;
	return -1;
}

/* whether no step after i is in i's pipeline step */
static int is_last(const struct mlw_graph *g, size_t i)
{
	const char *grp = g->steps[i].group;
	size_t j;

	for (j = i + 1; j < g->nr_steps; j++) {
		const char *o = g->steps[j].group;

		if ((!grp && !o) || (grp && o && !strcmp(grp, o)))
			return 0;
	}
	return 1;
}

/* "│  " or "   " for each pipeline step around step i, outermost first */
static void add_prefix(struct mlw_buf *b, const struct mlw_graph *g, size_t i)
{
	long up = find(g, g->steps[i].group);

	if (up < 0)
		return;
	add_prefix(b, g, (size_t)up);
	mlw_buf_adds(b, is_last(g, (size_t)up) ? "   " : "\342\224\202  ");
}

/* display width of text with UTF-8 box characters counting one */
static size_t width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void pad(struct mlw_buf *b, size_t have, size_t want)
{
	while (have++ < want)
		mlw_buf_addch(b, ' ');
}

void mlw_graph_draw(struct mlw_buf *b, const struct mlw_graph *g,
		    const char *status, double seconds, double now,
		    unsigned flags)
{
	struct mlw_buf *col = mlw_calloc(g->nr_steps + 1, sizeof(*col));
	size_t i, j, name_w = 0, status_w = 9;

	for (i = 0; i < g->nr_steps; i++) {
		mlw_buf_init(&col[i], 0);
		add_prefix(&col[i], g, i);
		mlw_buf_adds(&col[i], is_last(g, i) ? "\342\224\224\342\224\200 " :
			     "\342\224\234\342\224\200 ");
		mlw_buf_adds(&col[i], local_name(&g->steps[i]));
		if (width(col[i].buf) > name_w)
			name_w = width(col[i].buf);
		if (strlen(g->steps[i].status) > status_w)
			status_w = strlen(g->steps[i].status);
	}
	mlw_buf_addf(b, "pipeline %s  %s", g->pipeline, status);
	if (seconds >= 0) {
		mlw_buf_adds(b, "  ");
		add_duration(b, seconds);
	}
	mlw_buf_addch(b, '\n');
	for (i = 0; i < g->nr_steps; i++) {
		const struct mlw_graph_step *s = &g->steps[i];
		const char *color = flags & MLW_DRAW_COLOR ?
				    status_color(s->status) : "";
		size_t start = b->len;

		mlw_buf_adds(b, col[i].buf);
		pad(b, width(col[i].buf), name_w + 2);
		mlw_buf_addf(b, "%s%s%s", color, s->status, *color ?
			     "\033[0m" : "");
		pad(b, strlen(s->status), status_w + 2);
		{
			size_t before = b->len;

			add_duration(b, step_seconds(s, now));
			pad(b, b->len - before, 8);
		}
		if (!strcmp(s->kind, "pipeline"))
			mlw_buf_adds(b, "  pipeline");
		if (s->reused_from)
			mlw_buf_addf(b, "  reused from %s", s->reused_from);
		for (j = 0; j < s->nr_deps; j++)
			mlw_buf_addf(b, "%s%s", j ? ", " : "  <- ", s->deps[j]);
		if (s->error && strcmp(s->status, "Completed"))
			mlw_buf_addf(b, "  (%s)", s->error);
		/* no blanks at the end of a line */
		while (b->len > start && b->buf[b->len - 1] == ' ')
			mlw_buf_setlen(b, b->len - 1);
		mlw_buf_addch(b, '\n');
	}
	for (i = 0; i < g->nr_steps; i++)
		mlw_buf_release(&col[i]);
	free(col);
}

static void out_opt(struct mlw_out *o, const char *key, const char *v)
{
	if (v)
		mlw_out_str(o, key, v);
	else
		mlw_out_null(o, key);
}

void mlw_graph_settings_out(struct mlw_out *o, const struct mlw_graph *g)
{
	const struct mlw_graph_settings *st = &g->settings;

	if (!st->recorded)
		return;
	mlw_out_object_begin(o, "settings");
	out_opt(o, "default_compute", st->default_compute);
	out_opt(o, "default_datastore", st->default_datastore);
	mlw_out_bool(o, "continue_on_step_failure",
		     st->continue_on_step_failure);
	mlw_out_bool(o, "force_rerun", st->force_rerun);
	mlw_out_end(o);
}

void mlw_graph_out(struct mlw_out *o, const struct mlw_graph *g)
{
	size_t i, j;

	mlw_out_list_begin(o, "steps");
	for (i = 0; i < g->nr_steps; i++) {
		const struct mlw_graph_step *s = &g->steps[i];

		mlw_out_object_begin(o, NULL);
		mlw_out_str(o, "name", s->name);
		mlw_out_str(o, "type", s->kind);
		out_opt(o, "pipeline_step", s->group);
		out_opt(o, "component", s->component);
		out_opt(o, "job", s->job);
		mlw_out_str(o, "status", s->status);
		if (s->start && s->end)
			mlw_out_num(o, "duration", s->end - s->start);
		else
			mlw_out_null(o, "duration");
		out_opt(o, "reused_from", s->reused_from);
		out_opt(o, "reuse_key", s->reuse_key);
		out_opt(o, "error", strcmp(s->status, "Completed") ?
			s->error : NULL);
		mlw_out_list_begin(o, "depends_on");
		for (j = 0; j < s->nr_deps; j++)
			mlw_out_str(o, NULL, s->deps[j]);
		mlw_out_end(o);
		mlw_out_end(o);
	}
	mlw_out_end(o);
	mlw_out_list_begin(o, "edges");
	for (i = 0; i < g->nr_steps; i++)
		for (j = 0; j < g->steps[i].nr_edges; j++) {
			const struct mlw_graph_edge *e = &g->steps[i].edges[j];

			mlw_out_object_begin(o, NULL);
			mlw_out_str(o, "from", e->from);
			mlw_out_str(o, "output", e->output);
			mlw_out_str(o, "to", g->steps[i].name);
			mlw_out_str(o, "input", e->input);
			mlw_out_end(o);
		}
	mlw_out_end(o);
}

/* a DOT string: quotes and backslashes escaped, newlines as \n */
static void dot_str(struct mlw_buf *b, const char *s)
{
	mlw_buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			mlw_buf_addch(b, '\\');
		if (*s == '\n')
			mlw_buf_adds(b, "\\n");
		else
			mlw_buf_addch(b, *s);
	}
	mlw_buf_addch(b, '"');
}

static const char *dot_color(const char *status)
{
	if (!strcmp(status, "Completed"))
		return "palegreen";
	if (!strcmp(status, "Failed"))
		return "lightpink";
	if (!strcmp(status, "Canceled"))
		return "khaki";
	if (!strcmp(status, "Running"))
		return "lightblue";
	return "white";
}

static void dot_steps(struct mlw_buf *b, const struct mlw_graph *g,
		      const char *group, int depth)
{
	size_t i;
	int k;

	for (i = 0; i < g->nr_steps; i++) {
		const struct mlw_graph_step *s = &g->steps[i];
		struct mlw_buf label = MLW_BUF_INIT;

		if ((!group) != (!s->group) ||
		    (group && strcmp(group, s->group)))
			continue;
		for (k = 0; k < depth; k++)
			mlw_buf_adds(b, "  ");
		if (!strcmp(s->kind, "pipeline")) {
			mlw_buf_addf(b, "  subgraph \"cluster_%zu\" {\n", i);
			for (k = 0; k <= depth; k++)
				mlw_buf_adds(b, "  ");
			mlw_buf_adds(b, "  label=");
			mlw_buf_addf(&label, "%s\n%s", local_name(s), s->status);
			dot_str(b, label.buf);
			mlw_buf_adds(b, ";\n");
			dot_steps(b, g, s->name, depth + 1);
			for (k = 0; k < depth; k++)
				mlw_buf_adds(b, "  ");
			mlw_buf_adds(b, "  }\n");
			mlw_buf_release(&label);
			continue;
		}
		mlw_buf_addf(&label, "%s\n%s", local_name(s), s->status);
		if (s->start && s->end) {
			mlw_buf_addch(&label, ' ');
			add_duration(&label, s->end - s->start);
		}
		if (s->reused_from)
			mlw_buf_addf(&label, "\nreused from %s", s->reused_from);
		mlw_buf_adds(b, "  ");
		dot_str(b, s->name);
		mlw_buf_adds(b, " [label=");
		dot_str(b, label.buf);
		mlw_buf_addf(b, ", fillcolor=%s];\n", dot_color(s->status));
		mlw_buf_release(&label);
	}
}

void mlw_graph_dot(struct mlw_buf *b, const struct mlw_graph *g)
{
	size_t i, j;

	mlw_buf_adds(b, "digraph ");
	dot_str(b, g->pipeline);
	mlw_buf_adds(b, " {\n  rankdir=LR;\n"
		     "  node [shape=box, style=\"rounded,filled\"];\n");
	dot_steps(b, g, NULL, 0);
	for (i = 0; i < g->nr_steps; i++)
		for (j = 0; j < g->steps[i].nr_edges; j++) {
			const struct mlw_graph_edge *e = &g->steps[i].edges[j];
			struct mlw_buf label = MLW_BUF_INIT;

			mlw_buf_adds(b, "  ");
			dot_str(b, e->from);
			mlw_buf_adds(b, " -> ");
			dot_str(b, g->steps[i].name);
			mlw_buf_addf(&label, "%s -> %s", e->output, e->input);
			mlw_buf_adds(b, " [label=");
			dot_str(b, label.buf);
			mlw_buf_adds(b, "];\n");
			mlw_buf_release(&label);
		}
	mlw_buf_adds(b, "}\n");
}

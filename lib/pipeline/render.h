/*
 * render.h - a pipeline run's graph for people and programs.
 *
 *	mlw_graph_draw()	the steps as a tree (pipeline steps hold
 *				theirs), each with its status, duration, what
 *				it reads from ("<- a, b") and reuse ("reused
 *				from JOB"), for a terminal
 *	mlw_graph_out()		the same as data: "steps" (one object per
 *				step) and "edges" (output -> input), for -o
 *				json and yaml
 *	mlw_graph_settings_out() "settings": what the pipeline ran with
 *				(nothing for a run recorded without them)
 *	mlw_graph_dot()		Graphviz: a node per step (coloured by
 *				status), an edge per binding labelled
 *				OUTPUT -> INPUT, a cluster per pipeline step
 *
 * All append to the caller's buffer or output tree; none prints.
 */
#ifndef MLW_PIPELINE_RENDER_H
#define MLW_PIPELINE_RENDER_H

struct mlw_buf;
struct mlw_graph;
struct mlw_out;

#define MLW_DRAW_COLOR 1	/* ANSI colours for the statuses */

/*
 * status and seconds are the pipeline run's (seconds < 0: not known);
 * now is the time durations of running steps are counted to.
 */
void mlw_graph_draw(struct mlw_buf *b, const struct mlw_graph *g,
		    const char *status, double seconds, double now,
		    unsigned flags);
void mlw_graph_out(struct mlw_out *o, const struct mlw_graph *g);
void mlw_graph_settings_out(struct mlw_out *o, const struct mlw_graph *g);
void mlw_graph_dot(struct mlw_buf *b, const struct mlw_graph *g);

#endif

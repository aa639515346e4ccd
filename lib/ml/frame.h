/*
 * frame.h - a small table held by column, each cell typed as a request
 * spelt it: a number, a string, a boolean or null.
 *
 * Scoring requests arrive as JSON or CSV (http/payload.h parses them
 * into a frame); a model then takes its columns by name and says what is
 * missing or mistyped (ml/score-frame.h).  The frame lives here, beside
 * the scoring that reads it, so that the layers above (the HTTP payload
 * parser, the endpoints) share one type.
 *
 *	struct mlw_frame *f = mlw_frame_new(2);
 *	struct mlw_frame_column *c = mlw_frame_add_column(f, "age");
 *	c->cells[0].type = MLW_CELL_NUMBER;
 *	c->cells[0].number = 63;
 *	mlw_frame_set_text(f, &c->cells[1], "n/a", 3);
 *	...
 *	mlw_frame_free(f);
 */
#ifndef MLW_ML_FRAME_H
#define MLW_ML_FRAME_H

#include <stddef.h>

struct json_t;

enum mlw_cell_type {
	MLW_CELL_NULL = 0,
	MLW_CELL_NUMBER,
	MLW_CELL_STRING,
	MLW_CELL_BOOL
};

struct mlw_cell {
	enum mlw_cell_type type;
	int boolean;		/* BOOL: 0 or 1 */
	double number;		/* NUMBER */
	/*
	 * STRING: the text (NUL-terminated, owned by the frame).  NUMBER
	 * from CSV: the text as written ("007", "1.50"), for a column the
	 * model takes as text; NULL for JSON numbers.
	 */
	const char *text;
	size_t len;
};

struct mlw_frame_column {
	char *name;		/* "0", "1", ... when positional */
	struct mlw_cell *cells;	/* nr_rows of them */
	/* how many cells of each mlw_cell_type */
	size_t nr_of[4];
};

struct mlw_frame {
	size_t nr_rows, nr_columns;
	struct mlw_frame_column *columns;
	int positional;		/* the request named no columns */
	int form;		/* the parser's (http/payload.h's form) */
	struct json_t *params;	/* MLflow's "params" object, or NULL */
	void *priv_;		/* the strings' storage */
};

/*
 * A frame of nr_rows rows and no columns; a column of nr_rows null cells
 * (name copied into the frame's storage); text copied into the frame's
 * storage for a cell of it.
 */
struct mlw_frame *mlw_frame_new(size_t nr_rows);
struct mlw_frame_column *mlw_frame_add_column(struct mlw_frame *f,
					      const char *name);
void mlw_frame_set_text(struct mlw_frame *f, struct mlw_cell *cell,
			const char *text, size_t len);

/*
 * Give a frame with no columns nr columns at once, their cells one
 * allocation the frame takes over: column c's nr_rows cells (set by the
 * caller) start at slab[c * stride].  Named by names[c] (STRING cells),
 * or "0", "1", ... with positional set when names is NULL.  The scoring
 * request's reader makes a request's frame with one allocation for all
 * of its cells, not one a column.
 */
void mlw_frame_add_slab(struct mlw_frame *f, const struct mlw_cell *names,
			size_t nr, struct mlw_cell *slab, size_t stride);

/*
 * Keep doc (a reference is taken over) as long as f: cells may point
 * into its strings instead of copies.
 */
void mlw_frame_hold(struct mlw_frame *f, struct json_t *doc);

/* Recount every column's nr_of[] after its cells were filled. */
void mlw_frame_count_types(struct mlw_frame *f);

/* The column named name, or -1 (the first when names repeat). */
long mlw_frame_find(const struct mlw_frame *f, const char *name);

/* Frees f, its columns, strings and held document; NULL is fine. */
void mlw_frame_free(struct mlw_frame *f);

#endif

/*
 * frame.c - tables of typed cells; see frame.h.
 *
 * Strings are copied into blocks of up to 64 KiB the frame owns, so a frame of
 * a thousand short strings costs one allocation, not a thousand.
 */
#include "ml/frame.h"
#include "util/alloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct block {
	struct block *next;
	size_t used, size;
	char data[];
};

struct frame_priv {
	struct block *blocks;
	json_t *doc;		/* a parsed body; string cells point in */
	size_t alloc_columns;
	/* the cells of columns [0, nr_slab) in one allocation, or NULL */
	struct mlw_cell *slab;
	size_t nr_slab;
};

/* a frame and its private part, one allocation */
struct frame_alloc {
	struct mlw_frame f;
	struct frame_priv priv;
};

/*
 * The first block, its header included, is 1,000 bytes, each next one
 * twice the last, up to 64 KiB: a request of one row (ten column names)
 * took a 64 KiB block, and glibc consolidates its free lists whenever a
 * chunk that size is freed, once a request.  Under 1,008 bytes a chunk
 * is a small one, which glibc's per-thread cache keeps: a 1 KiB block
 * and its header (1,048 bytes) went through the arena and consolidated
 * its lists at each request too.
 */
#define FIRST_BLOCK (1000 - sizeof(struct block))
#define BLOCK_SIZE 65536

struct mlw_frame *mlw_frame_new(size_t nr_rows)
{
	struct frame_alloc *a = mlw_calloc(1, sizeof(*a));

	a->f.nr_rows = nr_rows;
	a->f.priv_ = &a->priv;
	return &a->f;
}

/* a NUL-terminated copy of s[0..len) in the frame's blocks */
static const char *frame_copy(struct mlw_frame *f, const char *s, size_t len)
{
	struct frame_priv *priv = f->priv_;
	struct block *b = priv->blocks;
	char *p;

	if (!b || b->size - b->used < len + 1) {
		size_t size = !b ? FIRST_BLOCK :
			      b->size < BLOCK_SIZE ? 2 * b->size : BLOCK_SIZE;

		if (size < len + 1)
			size = len + 1;

		b = mlw_malloc(mlw_st_add(sizeof(*b), size));
		b->size = size;
		b->used = 0;
		b->next = priv->blocks;
		priv->blocks = b;
	}
	p = b->data + b->used;
	memcpy(p, s, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

/* a new last column named name[0..len), its cells not set */
static struct mlw_frame_column *new_column(struct mlw_frame *f,
					   const char *name, size_t len)
{
	struct frame_priv *priv = f->priv_;
	struct mlw_frame_column *c;

	MLW_ALLOC_GROW(f->columns, f->nr_columns + 1, priv->alloc_columns);
	c = &f->columns[f->nr_columns++];
	memset(c, 0, sizeof(*c));
	c->name = (char *)frame_copy(f, name, len);
	return c;
}

struct mlw_frame_column *mlw_frame_add_column(struct mlw_frame *f,
					      const char *name)
{
	struct mlw_frame_column *c = new_column(f, name, strlen(name));

	c->cells = mlw_calloc(f->nr_rows ? f->nr_rows : 1, sizeof(*c->cells));
	c->nr_of[MLW_CELL_NULL] = f->nr_rows;
	return c;
}

void mlw_frame_add_slab(struct mlw_frame *f, const struct mlw_cell *names,
			size_t nr, struct mlw_cell *slab, size_t stride)
{
	struct frame_priv *priv = f->priv_;
	size_t c;

	if (f->nr_columns || priv->slab)
		BUG("a slab goes into a frame with no columns");
	MLW_ALLOC_GROW(f->columns, nr, priv->alloc_columns);
	for (c = 0; c < nr; c++) {
		struct mlw_frame_column *col;
		char num[32];

		if (names) {
			col = new_column(f, names[c].text, names[c].len);
		} else {
			col = new_column(f, num, (size_t)snprintf(num,
						   sizeof(num), "%zu", c));
		}
		col->cells = slab + c * stride;
	}
	f->positional = !names;
	priv->slab = slab;
	priv->nr_slab = nr;
}

void mlw_frame_set_text(struct mlw_frame *f, struct mlw_cell *cell,
			const char *text, size_t len)
{
	cell->type = MLW_CELL_STRING;
	cell->text = frame_copy(f, text, len);
	cell->len = len;
}

void mlw_frame_hold(struct mlw_frame *f, struct json_t *doc)
{
	struct frame_priv *priv = f->priv_;

	json_decref(priv->doc);
	priv->doc = doc;
}

void mlw_frame_count_types(struct mlw_frame *f)
{
	size_t i, r;

	for (i = 0; i < f->nr_columns; i++) {
		struct mlw_frame_column *c = &f->columns[i];

		memset(c->nr_of, 0, sizeof(c->nr_of));
		for (r = 0; r < f->nr_rows; r++)
			c->nr_of[c->cells[r].type]++;
	}
}

long mlw_frame_find(const struct mlw_frame *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nr_columns; i++)
		if (!strcmp(f->columns[i].name, name))
			return (long)i;
	return -1;
}

void mlw_frame_free(struct mlw_frame *f)
{
	struct frame_priv *priv;
	size_t i;

	if (!f)
		return;
	priv = f->priv_;
	for (i = priv->nr_slab; i < f->nr_columns; i++)
		free(f->columns[i].cells);
	free(priv->slab);
	free(f->columns);
	while (priv->blocks) {
		struct block *next = priv->blocks->next;

		free(priv->blocks);
		priv->blocks = next;
	}
	json_decref(priv->doc);
	json_decref(f->params);
	free(f);
}

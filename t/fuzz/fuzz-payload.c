/*
 * fuzz-payload.c - scoring requests (http/payload.h): the scanner that
 * reads the split orient straight into a frame, against jansson.
 *
 * The input's first byte picks the style (bit 0: Azure's /score or
 * MLflow's /invocations) and the Content-Type (bits 1-2: JSON, JSON
 * with charset=utf-8, CSV, none); the rest is the body.  Then:
 *
 *  - mlw_payload_parse() (the scanner first) and mlw_payload_parse_tree()
 *    (jansson's document only) give the same frame, cell for cell and
 *    number for number bit for bit, or the same refusal: status and
 *    message, byte offsets included;
 *  - a refusal is MLW_EINVALID with 400 or 415 and a message;
 *  - a frame is coherent: its cells of known types, string cells
 *    NUL-terminated at their length, the type counts right;
 *  - the answers written from it (every cell, and the frame as records)
 *    are JSON that jansson reads back (when every number is finite).
 */
#include "fuzz.h"
#include "http/payload.h"
#include "ml/frame.h"
#include "util/buf.h"
#include "util/error.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int same_double(double a, double b)
{
	return !memcmp(&a, &b, sizeof(a)) || (isnan(a) && isnan(b));
}

static void check_frame(const struct mlw_frame *f)
{
	size_t r, c;

	for (c = 0; c < f->nr_columns; c++) {
		const struct mlw_frame_column *col = &f->columns[c];
		size_t counts[4] = { 0, 0, 0, 0 };

		FUZZ_CHECK(col->name, "column %zu has no name", c);
		for (r = 0; r < f->nr_rows; r++) {
			const struct mlw_cell *cell = &col->cells[r];

			FUZZ_CHECK((unsigned)cell->type < 4, "cell type %d",
				   (int)cell->type);
			counts[cell->type]++;
			if (cell->type == MLW_CELL_STRING)
				FUZZ_CHECK(cell->text &&
					   !cell->text[cell->len] &&
					   strlen(cell->text) <= cell->len,
					   "string cell %zu,%zu", r, c);
			if (cell->type == MLW_CELL_BOOL)
				FUZZ_CHECK(cell->boolean == 0 ||
					   cell->boolean == 1, "boolean %d",
					   cell->boolean);
		}
		FUZZ_CHECK(!memcmp(counts, col->nr_of, sizeof(counts)),
			   "column %zu: type counts", c);
	}
}

static void same_frames(const struct mlw_frame *a, const struct mlw_frame *b)
{
	size_t r, c;

	FUZZ_CHECK(a->nr_rows == b->nr_rows && a->nr_columns == b->nr_columns,
		   "%zux%zu against %zux%zu", a->nr_rows, a->nr_columns,
		   b->nr_rows, b->nr_columns);
	FUZZ_CHECK(a->form == b->form && a->positional == b->positional,
		   "form %d/%d positional %d/%d", a->form, b->form,
		   a->positional, b->positional);
	FUZZ_CHECK(!a->params == !b->params, "params in one only");
	for (c = 0; c < a->nr_columns; c++) {
		FUZZ_CHECK(!strcmp(a->columns[c].name, b->columns[c].name),
			   "column %zu: '%s' against '%s'", c,
			   a->columns[c].name, b->columns[c].name);
		for (r = 0; r < a->nr_rows; r++) {
			const struct mlw_cell *x = &a->columns[c].cells[r];
			const struct mlw_cell *y = &b->columns[c].cells[r];

			FUZZ_CHECK(x->type == y->type, "cell %zu,%zu: type %d "
				   "against %d", r, c, (int)x->type,
				   (int)y->type);
			if (x->type == MLW_CELL_NUMBER)
				FUZZ_CHECK(same_double(x->number, y->number),
					   "cell %zu,%zu: %a against %a", r, c,
					   x->number, y->number);
			if (x->type == MLW_CELL_BOOL)
				FUZZ_CHECK(x->boolean == y->boolean,
					   "cell %zu,%zu: boolean", r, c);
			if (x->type == MLW_CELL_STRING)
				FUZZ_CHECK(x->len == y->len &&
					   !memcmp(x->text, y->text, x->len),
					   "cell %zu,%zu: text", r, c);
		}
	}
}

/*
 * What we write must read back as JSON: strict JSON when every number
 * is finite (NaN and infinities are written as Python's json writes
 * them, which jansson does not read).
 */
static void check_answers(const struct mlw_frame *f,
			  enum mlw_payload_style style)
{
	struct mlw_buf out = MLW_BUF_INIT;
	json_error_t err;
	json_t *doc;
	size_t c, r;

	for (c = 0; c < f->nr_columns; c++)
		for (r = 0; r < f->nr_rows; r++)
			if (f->columns[c].cells[r].type == MLW_CELL_NUMBER &&
			    !isfinite(f->columns[c].cells[r].number))
				return;

	for (c = 0; c < f->nr_columns; c++) {
		mlw_buf_reset(&out);
		mlw_payload_write_cells(&out, style, f->columns[c].cells,
					f->nr_rows);
		doc = json_loadb(out.buf, out.len, JSON_DECODE_ANY |
				 JSON_ALLOW_NUL, &err);
		FUZZ_CHECK(doc, "answer is not JSON: %s: %s", err.text,
			   out.buf);
		json_decref(doc);
	}
	mlw_buf_reset(&out);
	mlw_payload_write_frame(&out, style, f);
	doc = json_loadb(out.buf, out.len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
			 &err);
	FUZZ_CHECK(doc, "records answer is not JSON: %s", err.text);
	json_decref(doc);
	mlw_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {
		"application/json", "application/json; charset=utf-8",
		"text/csv", NULL
	};
	enum mlw_payload_style style;
	struct mlw_frame *fa = NULL, *fb = NULL;
	const char *ct;
	char *body = NULL;
	char *msg = NULL;
	int ra, rb, sa = -1, sb = -1;

	if (!size)
		return 0;
	style = data[0] & 1 ? MLW_PAYLOAD_MLFLOW : MLW_PAYLOAD_AZURE;
	ct = types[(data[0] >> 1) & 3];
	/*
	 * A copy of its own size: ASan sees any read past the body.  Never
	 * NULL, as the server's body never is (an empty one is "").
	 */
	body = mlw_malloc(size > 1 ? size - 1 : 1);
	memcpy(body, data + 1, size - 1);

	ra = mlw_payload_parse(&fa, &sa, style, ct, body, size - 1);
	if (ra) {
		FUZZ_CHECK(ra == MLW_EINVALID && (sa == 400 || sa == 415) &&
			   *mlw_error_last(), "refused with %d, status %d",
			   ra, sa);
		msg = mlw_strdup(mlw_error_last());
	}
	rb = mlw_payload_parse_tree(&fb, &sb, style, ct, body, size - 1);
	FUZZ_CHECK(ra == rb && sa == sb, "scanner %d (%d), jansson %d (%d)",
		   ra, sa, rb, sb);
	if (ra) {
		FUZZ_CHECK(!strcmp(msg, mlw_error_last()),
			   "scanner: '%s', jansson: '%s'", msg,
			   mlw_error_last());
	} else {
		check_frame(fa);
		same_frames(fa, fb);
		check_answers(fa, style);
	}
	mlw_error_clear();
	mlw_frame_free(fa);
	mlw_frame_free(fb);
	free(msg);
	free(body);
	return 0;
}

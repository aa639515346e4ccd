/*
 * payload.h - scoring requests into a frame of cells, and predictions
 * into the answers Azure ML and MLflow give, without knowing the model.
 *
 * A frame is a table held by column: names, and per row one cell that
 * is a number, a string, a boolean or null, exactly as the request
 * spelt it (the endpoint then matches columns to what its model needs
 * and says what is missing or mistyped).  Two styles of request:
 *
 * MLW_PAYLOAD_AZURE, Azure ML's /score for MLflow models (no scoring
 * script), application/json whatever the Content-Type says (Azure's
 * server passes the raw body on):
 *   {"input_data": {"columns": [...], "index": [...], "data": [[...]]}}
 *	the split orient; "index" optional, "columns" optional (then the
 *	columns are positional, named "0", "1", ...);
 *   {"input_data": [[...], ...]}	a tensor: rows of values
 *	(positional columns); [v, ...] is one column;
 *   {"input_data": {"a": [...], "b": [...]}}	named 1-D tensors: columns.
 * Records ({"input_data": [{"a": 1}, ...]}) are refused with a 400 that
 * says so: Azure documents the records orient as not supported for
 * MLflow deployments (reference/semantics.md §3.5), and a request that
 * works here must work there; /invocations takes records.  CSV is for
 * batch endpoints on Azure: a CSV body is malformed JSON to /score.
 *
 * MLW_PAYLOAD_MLFLOW, MLflow's /invocations (MLflow 2): Content-Type
 * application/json or text/csv, the only parameter "charset", and that
 * utf-8; anything else is 415 with MLflow's message.  A JSON body is an
 * object with exactly one of
 *   "dataframe_split"	{"columns": [...], "data": [[...]], "index": [...]}
 *   "dataframe_records"	[{"col": value, ...}, ...]; a key missing
 *			from a record is null there, as pandas reads it
 *   "instances"		rows: a list of records, of lists, or of values
 *   "inputs"		columns: {"col": [values], ...}, or a list as
 *			"instances"
 * and optionally "params" (an object, kept in frame->params); anything
 * else is 400 with MLflow's message "The input must be a JSON
 * dictionary with exactly one of the input fields {...}" (without its
 * paragraph on MLflow 1.x).  MLflow's LLM shortcuts (messages, prompt,
 * input) are not taken.  A text/csv body has a header row; blank lines
 * are skipped; an empty field and NA, N/A, NaN, nan, null, None are null;
 * numbers are numbers (their text kept), true and false in any case
 * booleans, anything else a string; quoting does not change the type,
 * as in pandas.read_csv.
 *
 * The split orient of plain ASCII text is scanned straight into the
 * frame; everything else goes through jansson's document.
 *
 * Errors say what was expected, with a JSON path or a line: malformed
 * JSON "invalid JSON at byte 17: ..." (jansson's position), a wrong
 * shape "'dataframe_split.data' must be a list of rows", a ragged row
 * "'input_data.data[3]' has 2 values for 4 columns", "line 5 has 3
 * fields; the header has 4".
 */
#ifndef MLW_HTTP_PAYLOAD_H
#define MLW_HTTP_PAYLOAD_H

#include "ml/frame.h"

#include <stddef.h>

struct json_t;
struct mlw_buf;
struct mlw_number_rows;

enum mlw_payload_style {
	MLW_PAYLOAD_AZURE,	/* /score: bare list answers */
	MLW_PAYLOAD_MLFLOW	/* /invocations: {"predictions": ...} */
};

/* which form a request came in, for logs and swagger */
enum mlw_payload_form {
	MLW_FORM_AZURE_SPLIT,
	MLW_FORM_AZURE_TENSOR,
	MLW_FORM_AZURE_NAMED,
	MLW_FORM_DATAFRAME_SPLIT,
	MLW_FORM_DATAFRAME_RECORDS,
	MLW_FORM_INSTANCES,
	MLW_FORM_INPUTS,
	MLW_FORM_CSV
};

/* at most this many cells a request (rows times columns) */
#define MLW_PAYLOAD_MAX_CELLS (16u << 20)

/*
 * Parse body[0..len) (need not be NUL-terminated) sent with
 * content_type (NULL when none) in the given style.  Returns 0 and
 * *out, freed with mlw_frame_free(); or MLW_EINVALID with the message
 * in mlw_error_last() and *status 415 (content type or charset) or 400
 * (anything else: MLflow's BAD_REQUEST).
 */
int mlw_payload_parse(struct mlw_frame **out, int *status,
		      enum mlw_payload_style style, const char *content_type,
		      const char *body, size_t len);

/*
 * The same, with every JSON body parsed into a jansson document: what
 * mlw_payload_parse() falls back to for any body its scanner of the
 * split orient does not take.  For the tests and the fuzzer that check
 * the two give the same frame.
 */
int mlw_payload_parse_tree(struct mlw_frame **out, int *status,
			   enum mlw_payload_style style,
			   const char *content_type, const char *body,
			   size_t len);

/*
 * A request that is the split orient, with named columns, at least a
 * row, and nothing but numbers in its rows (the request of a model of
 * numeric columns, nearly always): read straight into r
 * (ml/score-frame.h), initialized by the caller.  0 when read; 1 for
 * any other body, with nothing said: the caller then takes
 * mlw_payload_parse(), which reads it or says what is wrong.  When it
 * reads a body, mlw_payload_parse() reads the same names and numbers,
 * bit for bit (the same scanner).  Unlike mlw_payload_parse(), body
 * must be NUL-terminated at len (as the HTTP server's bodies are).
 */
int mlw_payload_parse_numbers(struct mlw_number_rows *r,
			      enum mlw_payload_style style,
			      const char *content_type, const char *body,
			      size_t len);

/* "dataframe_split", "input_data (split)", "text/csv", ... */
const char *mlw_payload_form_name(enum mlw_payload_form form);

/*
 * Answers, appended to out: Azure's bare JSON list [...], or MLflow's
 * {"predictions": [...]}.  Numbers are the shortest text that reads
 * back as the same double (NaN and Infinity as Python's json writes
 * them).
 */
void mlw_payload_write_numbers(struct mlw_buf *out,
			       enum mlw_payload_style style,
			       const double *values, size_t n);
void mlw_payload_write_cells(struct mlw_buf *out, enum mlw_payload_style style,
			     const struct mlw_cell *values, size_t n);
/*
 * The parts around the values, for answers written value by value:
 * "[" and "]", or {"predictions":[ and ]}.
 */
void mlw_payload_begin(struct mlw_buf *out, enum mlw_payload_style style);
void mlw_payload_end(struct mlw_buf *out, enum mlw_payload_style style);
/* several outputs a row (probabilities): records [{"name": v, ...}] */
void mlw_payload_write_frame(struct mlw_buf *out, enum mlw_payload_style style,
			     const struct mlw_frame *f);

#endif

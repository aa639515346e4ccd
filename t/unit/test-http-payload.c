/*
 * test-http-payload.c - lib/http/payload and json: every request form
 * Azure's /score and MLflow's /invocations take, every refusal with its
 * message, the answers, and 10,000 random and mutated bodies through the
 * parser (run it under SANITIZE=1: no crash, no leak).  The reader of
 * requests of numbers (mlw_payload_parse_numbers()) reads what the frame
 * reads, bit for bit, or declines; mlw_score_numbers() predicts what
 * mlw_score_frame() predicts, bit for bit, or declines.
 */
#include "tap.h"
#include "util/json.h"
#include "http/payload.h"
#include "ml/dataset.h"
#include "ml/score-frame.h"
#include "ml/train.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/number.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AZ MLW_PAYLOAD_AZURE
#define ML MLW_PAYLOAD_MLFLOW
#define JSON "application/json"
#define CSV "text/csv"

/* a frame as one line: "form [a,b] 1,"x";2,null" */
static void describe(struct mlw_buf *out, const struct mlw_frame *f)
{
	size_t r, c;

	mlw_buf_reset(out);
	mlw_buf_addf(out, "%s%s [", mlw_payload_form_name(f->form),
		     f->positional ? " positional" : "");
	for (c = 0; c < f->nr_columns; c++)
		mlw_buf_addf(out, "%s%s", c ? "," : "", f->columns[c].name);
	mlw_buf_addch(out, ']');
	for (r = 0; r < f->nr_rows; r++) {
		mlw_buf_addch(out, r ? ';' : ' ');
		for (c = 0; c < f->nr_columns; c++) {
			const struct mlw_cell *cell = &f->columns[c].cells[r];
			char num[32];

			if (c)
				mlw_buf_addch(out, ',');
			switch (cell->type) {
			case MLW_CELL_NUMBER:
				mlw_fmt_double(num, cell->number);
				mlw_buf_adds(out, num);
				break;
			case MLW_CELL_STRING:
				mlw_buf_addf(out, "\"%s\"", cell->text);
				break;
			case MLW_CELL_BOOL:
				mlw_buf_adds(out, cell->boolean ? "true" :
					     "false");
				break;
			default:
				mlw_buf_adds(out, "null");
			}
		}
	}
}

struct good {
	enum mlw_payload_style style;
	const char *ctype, *body, *want;
};

static const struct good goods[] = {
	/* Azure's /score */
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\", \"b\"], \"index\": [0, 1], \"data\": [[1, \"x\"], [2.5, null]]}}",
	  "input_data (split) [a,b] 1,\"x\";2.5,null" },
	{ AZ, JSON, "{\"input_data\": {\"data\": [[1, 2], [3, 4]]}}",
	  "input_data (split) positional [0,1] 1,2;3,4" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [7, \"b\"], \"data\": [[true, false]]}}",
	  "input_data (split) [7,b] true,false" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"data\": []}}",
	  "input_data (split) [a]" },
	{ AZ, JSON, "{\"input_data\": [[1, 2.25, -0.0], [4, 5, 1e308]]}",
	  "input_data (tensor) positional [0,1,2] 1,2.25,-0;4,5,1e+308" },
	{ AZ, JSON, "{\"input_data\": [0.1, 0.7, 9007199254740993]}",
	  "input_data (tensor) positional [0] 0.1;0.7;9007199254740992" },
	{ AZ, JSON, "{\"input_data\": {\"tokens\": [1, 2], \"mask\": [true, false]}}",
	  "input_data (named tensors) [tokens,mask] 1,true;2,false" },
	{ AZ, "text/plain", "{\"input_data\": [[\"caf\\u00e9\", \"\xe2\x82\xac\"]]}",
	  "input_data (tensor) positional [0,1] \"caf\xc3\xa9\",\"\xe2\x82\xac\"" },
	{ AZ, NULL, "{\"input_data\": [], \"other\": 1}",
	  "input_data (tensor) []" },
	/* MLflow's /invocations */
	{ ML, JSON, "{\"dataframe_split\": {\"columns\": [\"x\", \"y\"], \"data\": [[1, \"a\"], [null, \"b\"]]}}",
	  "dataframe_split [x,y] 1,\"a\";null,\"b\"" },
	{ ML, JSON, "{\"dataframe_records\": [{\"x\": 1, \"y\": 2}, {\"y\": 3}, {\"z\": true}]}",
	  "dataframe_records [x,y,z] 1,2,null;null,3,null;null,null,true" },
	{ ML, JSON, "{\"dataframe_records\": [{\"b\": 1, \"a\": 2}, {\"a\": 3, \"b\": 4}]}",
	  "dataframe_records [b,a] 1,2;4,3" },
	{ ML, JSON, "{\"instances\": [{\"x\": 1}, {\"x\": 2}]}",
	  "instances [x] 1;2" },
	{ ML, JSON, "{\"instances\": [[1, 2], [3, 4]]}",
	  "instances positional [0,1] 1,2;3,4" },
	{ ML, JSON, "{\"instances\": [\"a\", \"b\"]}",
	  "instances positional [0] \"a\";\"b\"" },
	{ ML, JSON, "{\"inputs\": {\"x\": [1, 2], \"y\": [\"u\", \"v\"]}}",
	  "inputs [x,y] 1,\"u\";2,\"v\"" },
	{ ML, JSON, "{\"inputs\": {\"x\": 1, \"y\": \"u\"}}",
	  "inputs [x,y] 1,\"u\"" },
	{ ML, JSON, "{\"inputs\": [[1], [2]]}", "inputs positional [0] 1;2" },
	{ ML, "application/json; charset=UTF-8",
	  "{\"inputs\": [1], \"params\": {\"k\": 1}}", "inputs positional [0] 1" },
	{ ML, "Application/JSON ; charset=\"utf-8\"", "{\"instances\": []}",
	  "instances []" },
	{ ML, CSV, "a,b\n1,x\n2,\"y,z\"\n", "text/csv [a,b] 1,\"x\";2,\"y,z\"" },
	{ ML, "text/csv; charset=utf-8",
	  "\xef\xbb\xbf\"a b\",c,d\r\n\r\n\"3\",TRUE,NA\r\n-1.5e3,\"say \"\"hi\"\"\",\n\n",
	  "text/csv [a b,c,d] 3,true,null;-1500,\"say \"hi\"\",null" },
	{ ML, CSV, "x\n", "text/csv [x]" },
	{ ML, CSV, "x,y\n007,inf", "text/csv [x,y] 7,Infinity" },
};

static void test_good(void)
{
	struct mlw_buf got = MLW_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(goods) / sizeof(*goods); i++) {
		const struct good *g = &goods[i];
		struct mlw_frame *f;
		int status = -1;

		if (mlw_payload_parse(&f, &status, g->style, g->ctype, g->body,
				      strlen(g->body))) {
			ok(0, "case %zu parses: %s", i, mlw_error_last());
			continue;
		}
		describe(&got, f);
		is_str(got.buf, g->want, "case %zu: %s", i, g->want);
		mlw_frame_free(f);
	}
	mlw_buf_release(&got);
}

static void test_details(void)
{
	const char *body = "{\"inputs\": [1], \"params\": {\"temperature\": 0.5}}";
	const char *csv = "zip,n\n02134,1.50\n";
	struct mlw_frame *f;
	int status;

	ok(!mlw_payload_parse(&f, &status, ML, JSON, body, strlen(body)),
	   "MLflow params parse");
	ok(f->params && json_real_value(json_object_get(f->params,
							"temperature")) == 0.5,
	   "and are kept");
	mlw_frame_free(f);

	ok(!mlw_payload_parse(&f, &status, ML, CSV, csv, strlen(csv)),
	   "a CSV of numbers");
	ok(f->columns[0].cells[0].type == MLW_CELL_NUMBER &&
	   !strcmp(f->columns[0].cells[0].text, "02134") &&
	   !strcmp(f->columns[1].cells[0].text, "1.50"),
	   "keeps each number's text");
	is_int(mlw_frame_find(f, "n"), 1, "columns are found by name");
	is_int(mlw_frame_find(f, "m"), -1, "or not");
	is_int(f->columns[0].nr_of[MLW_CELL_NUMBER], 1, "types are counted");
	mlw_frame_free(f);
}

struct bad {
	enum mlw_payload_style style;
	const char *ctype, *body;
	int status;
	const char *message;
};

#define REQUIRED "The input must be a JSON dictionary with exactly one of the input fields {'dataframe_split', 'dataframe_records', 'instances', 'inputs'}. "

static const struct bad bads[] = {
	{ AZ, JSON, "{\"input_data\": [1, 2", 400,
	  "invalid JSON at byte 20: ']' expected near end of file" },
	{ AZ, JSON, "{\"input_data\": [1, 2,]}", 400,
	  "invalid JSON at byte 22: unexpected token near ']'" },
	{ AZ, JSON, "", 400,
	  "the request body is empty; expected a JSON object" },
	{ AZ, JSON, "[[1, 2]]", 400,
	  "expected a JSON object with 'input_data': {\"input_data\": {\"columns\": [...], \"index\": [...], \"data\": [[...]]}}, not a list" },
	{ AZ, JSON, "{\"data\": [[1]]}", 400,
	  "expected a JSON object with 'input_data': {\"input_data\": {\"columns\": [...], \"index\": [...], \"data\": [[...]]}}" },
	{ AZ, JSON, "{\"input_data\": [{\"a\": 1}]}", 400,
	  "'input_data' is a list of records, which Azure ML does not take for MLflow models: send {\"input_data\": {\"columns\": [...], \"data\": [[...]]}} (records go to /invocations as dataframe_records)" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\", \"b\"], \"data\": [[1, 2], [3]]}}", 400,
	  "'input_data.data[1]' has 1 values for 2 columns" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\", \"b\"], \"data\": [[1, [2]]]}}", 400,
	  "'input_data.data[0][1]' is a list; a value is a number, a string, a boolean or null" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"data\": [5]}}", 400,
	  "'input_data.data[0]' is a number; a row is a list of values" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"index\": [0, 1], \"data\": [[1]]}}", 400,
	  "'input_data.index' must be a list of one label a row (1 rows)" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"data\": [[1]], \"dtype\": 1}}", 400,
	  "'input_data' has an unknown key 'dtype'; the split orient has 'columns', 'index' and 'data'" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": \"a\", \"data\": [[1]]}}", 400,
	  "'input_data.columns' must be a list of column names" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"]}}", 400,
	  "'input_data.data' must be a list of rows, like {\"columns\": [\"a\", \"b\"], \"data\": [[1, 2]]} (it is missing)" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [{}], \"data\": []}}", 400,
	  "'input_data.columns[0]' is an object; a column name is a string" },
	{ AZ, JSON, "{\"input_data\": {\"a\": [1, 2], \"b\": [3]}}", 400,
	  "'input_data.b' has 1 values but 'input_data.a' has 2; named inputs are columns of one length" },
	{ AZ, JSON, "{\"input_data\": {\"a\": 1}}", 400,
	  "'input_data.a' is a number; a named tensor is a list of values" },
	{ AZ, JSON, "{\"input_data\": [[1], 2]}", 400,
	  "'input_data[1]' is a number; a row is a list of values" },
	{ AZ, JSON, "{\"input_data\": [1, [2]]}", 400,
	  "'input_data[1]' is a list but 'input_data[0]' is a value; a tensor's rows are all lists or all values" },
	{ AZ, JSON, "{\"input_data\": \"x\"}", 400,
	  "'input_data' is a string; expected {\"columns\": [...], \"data\": [[...]]} or a list of rows" },
	{ AZ, JSON, "{\"input_data\": [[\"\xff\"]]}", 400,
	  "invalid JSON at byte 18: unable to decode byte 0xff near '\"'" },
	{ AZ, JSON, "{\"input_data\": [], \"params\": [1]}", 400,
	  "'params' must be an object, not a list" },
	/* MLflow */
	{ ML, JSON, "[[1, 2]]", 400, REQUIRED "Received a list." },
	{ ML, JSON, "{\"data\": [[1]], \"columns\": [\"a\"]}", 400,
	  REQUIRED "Received dictionary with input fields: ['data', 'columns']." },
	{ ML, JSON, "{\"inputs\": [1], \"instances\": [1]}", 400,
	  REQUIRED "Received dictionary with input fields: ['inputs', 'instances']." },
	{ ML, JSON, "\"x\"", 400,
	  REQUIRED "Received unexpected input type 'a string'." },
	{ ML, NULL, "{\"inputs\": [1]}", 415,
	  "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got ''." },
	{ ML, "text/plain", "{\"inputs\": [1]}", 415,
	  "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'text/plain'." },
	{ ML, "application/json; charset=latin-1", "{\"inputs\": [1]}", 415,
	  "The scoring server only supports UTF-8" },
	{ ML, "application/json; format=pandas-split", "{\"inputs\": [1]}", 415,
	  "Unrecognized content type parameters: format. (MLflow 2 takes the format in the body, as {\"dataframe_split\": ...})" },
	{ ML, JSON, "{\"dataframe_split\": [[1]]}", 400,
	  "'dataframe_split' is a list; expected {\"columns\": [...], \"data\": [[...]]}" },
	{ ML, JSON, "{\"dataframe_split\": {\"columns\": [\"a\", \"b\"], \"data\": [[1, 2], [1, 2, 3]]}}", 400,
	  "'dataframe_split.data[1]' has 3 values for 2 columns" },
	{ ML, JSON, "{\"dataframe_records\": {\"a\": 1}}", 400,
	  "'dataframe_records' is an object; expected a list of records [{\"column\": value, ...}]" },
	{ ML, JSON, "{\"dataframe_records\": [{\"a\": 1}, [1]]}", 400,
	  "'dataframe_records[1]' is a list; a record is an object {\"column\": value, ...}" },
	{ ML, JSON, "{\"dataframe_records\": [{\"a\": 1}, {\"a\": {\"b\": 2}}]}", 400,
	  "'dataframe_records[1].a' is an object; a value is a number, a string, a boolean or null" },
	{ ML, JSON, "{\"instances\": {\"a\": [1]}}", 400,
	  "'instances' is an object; expected a list of rows" },
	{ ML, JSON, "{\"inputs\": {\"a\": [1, 2], \"b\": 3}}", 400,
	  "'inputs.b' has 1 values but 'inputs.a' has 2; named inputs are columns of one length" },
	{ ML, JSON, "{\"inputs\": {\"a\": [[1]]}}", 400,
	  "'inputs.a[0]' is a list; a value is a number, a string, a boolean or null" },
	{ ML, JSON, "{\"inputs\": 5}", 400,
	  "'inputs' is a number; expected {\"column\": [values], ...} or a list of rows" },
	{ ML, CSV, "a,b\n1,2\n3,4,5\n", 400,
	  "line 3 has 3 fields; the header has 2" },
	{ ML, CSV, "a,b\n\n1\n", 400, "line 3 has 1 fields; the header has 2" },
	{ ML, CSV, "a,b\n1,\"2\n", 400, "line 2: unterminated quoted field" },
	{ ML, CSV, "a,b\n1,\"2\"x\n", 400, "line 2: text after a closing quote" },
	{ ML, CSV, "", 400,
	  "the CSV body is empty; expected a header row of column names" },
	{ ML, CSV, "\n\n", 400,
	  "the CSV body is empty; expected a header row of column names" },
	{ ML, CSV, "a\nok\n\xc3\x28\n", 400,
	  "the CSV body is not UTF-8 (byte 5, line 3)" },
};

static void test_bad(void)
{
	size_t i;

	for (i = 0; i < sizeof(bads) / sizeof(*bads); i++) {
		const struct bad *b = &bads[i];
		struct mlw_frame *f = NULL;
		int status = 0, ret;

		ret = mlw_payload_parse(&f, &status, b->style, b->ctype,
					b->body, strlen(b->body));
		ok(ret == MLW_EINVALID && status == b->status && !f,
		   "refusal %zu is %d (got %d, status %d)", i, b->status, ret,
		   status);
		is_str(mlw_error_last(), b->message, "with its message");
		mlw_frame_free(f);
	}
}

/* 5,000 records with a key each: rows times columns is refused */
static void test_cells_limit(void)
{
	struct mlw_buf body = MLW_BUF_INIT;
	struct mlw_frame *f = NULL;
	int status, i;

	mlw_buf_adds(&body, "{\"dataframe_records\": [");
	for (i = 0; i < 5000; i++)
		mlw_buf_addf(&body, "%s{\"k%d\": 1}", i ? "," : "", i);
	mlw_buf_adds(&body, "]}");
	ok(mlw_payload_parse(&f, &status, ML, JSON, body.buf, body.len) ==
	   MLW_EINVALID && status == 400,
	   "records that would make 5000 x 5000 cells are refused");
	ok(strstr(mlw_error_last(), "at most 16777216 values") != NULL,
	   "saying why: %s", mlw_error_last());
	mlw_frame_free(f);
	mlw_buf_release(&body);
}

static void test_answers(void)
{
	const double v[] = { 0.7, 1, -0.5, 1e20, 0.1 + 0.2, NAN, -INFINITY };
	struct mlw_buf out = MLW_BUF_INIT;
	struct mlw_cell cells[4] = {
		{ .type = MLW_CELL_STRING, .text = "a\"b\\\n\x01\xff", .len = 7 },
		{ .type = MLW_CELL_BOOL, .boolean = 1 },
		{ .type = MLW_CELL_NULL },
		{ .type = MLW_CELL_NUMBER, .number = 3 },
	};
	struct mlw_frame *f = mlw_frame_new(2);
	struct mlw_frame_column *c;
	json_t *j;

	mlw_payload_write_numbers(&out, AZ, v, 7);
	is_str(out.buf,
	       "[0.7,1,-0.5,1e+20,0.30000000000000004,NaN,-Infinity]",
	       "Azure's answer is a bare list of shortest numbers");
	mlw_buf_reset(&out);
	mlw_payload_write_numbers(&out, ML, v, 2);
	is_str(out.buf, "{\"predictions\":[0.7,1]}",
	       "MLflow's is wrapped in predictions");
	mlw_buf_reset(&out);
	mlw_payload_write_numbers(&out, ML, v, 0);
	is_str(out.buf, "{\"predictions\":[]}", "an empty answer");
	mlw_buf_reset(&out);
	mlw_payload_write_cells(&out, AZ, cells, 4);
	is_str(out.buf, "[\"a\\\"b\\\\\\n\\u0001\\ufffd\",true,null,3]",
	       "strings escaped, invalid UTF-8 replaced, booleans, null");

	c = mlw_frame_add_column(f, "label");
	mlw_frame_set_text(f, &c->cells[0], "cat", 3);
	mlw_frame_set_text(f, &c->cells[1], "dog", 3);
	c = mlw_frame_add_column(f, "p");
	c->cells[0] = cells[3];
	mlw_buf_reset(&out);
	mlw_payload_write_frame(&out, ML, f);
	is_str(out.buf,
	       "{\"predictions\":[{\"label\":\"cat\",\"p\":3},{\"label\":\"dog\",\"p\":null}]}",
	       "several outputs a row as records");
	mlw_frame_free(f);

	j = json_pack("{s:f, s:[i, s, b, n], s:{}}", "x", 0.7, "l", -3,
		      "\xc3\xa9\t", 0, "o");
	mlw_buf_reset(&out);
	mlw_json_write(&out, j, MLW_JSON_COMPACT);
	is_str(out.buf, "{\"x\":0.7,\"l\":[-3,\"\xc3\xa9\\t\",false,null],\"o\":{}}",
	       "jansson values with shortest doubles, keys in order");
	json_decref(j);
	mlw_buf_release(&out);
}

/* --- fuzz */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char alphabet[] = "{}[],:\"\\0123456789.eE+-truefalsnl \n\r,xyz";

/* a mutation of seed into out */
static void mutate(struct mlw_buf *out, const char *seed, const char *other)
{
	size_t len, i, at, n;
	int rounds = 1 + (int)(next() % 3), k;

	mlw_buf_reset(out);
	mlw_buf_adds(out, seed);
	for (k = 0; k < rounds; k++) {
		len = out->len;
		at = len ? next() % len : 0;
		switch (next() % 10) {
		case 7:	/* another digit: shapes stay, values change */
		case 8:
			for (i = 0; i < len; i++) {
				size_t j = (at + i) % len;

				if (out->buf[j] >= '0' && out->buf[j] <= '9') {
					out->buf[j] = (char)('0' + next() % 10);
					break;
				}
			}
			break;
		case 9:	/* a value after a '[' or ',' */
			for (i = 0; i < len; i++) {
				static const char *const values[] = {
					"null,", "[1],", "{\"q\":1},", "\"s\",",
					"true,", "-0.5e-3,", "{},", "[[]],"
				};
				size_t j = (at + i) % len;
				const char *v = values[next() % 8];

				if (out->buf[j] != '[' && out->buf[j] != ',')
					continue;
				n = strlen(v);
				mlw_buf_grow(out, n);
				memmove(out->buf + j + 1 + n, out->buf + j + 1,
					len - j - 1);
				memcpy(out->buf + j + 1, v, n);
				mlw_buf_setlen(out, len + n);
				break;
			}
			break;
		case 0:	/* flip a byte */
			if (len)
				out->buf[at] = (char)(next() & 0xff);
			break;
		case 1:	/* insert a token character */
			mlw_buf_addch(out, 0);
			memmove(out->buf + at + 1, out->buf + at, len - at);
			out->buf[at] = alphabet[next() % (sizeof(alphabet) - 1)];
			break;
		case 2:	/* delete a range */
			n = len - at ? next() % (len - at) % 16 : 0;
			memmove(out->buf + at, out->buf + at + n, len - at - n);
			mlw_buf_setlen(out, len - n);
			break;
		case 3:	/* duplicate a range */
			n = len - at ? next() % (len - at) % 32 : 0;
			for (i = 0; i < n; i++)
				mlw_buf_addch(out, out->buf[at + i]);
			break;
		case 4:	/* truncate */
			mlw_buf_setlen(out, at);
			break;
		case 5:	/* splice another seed in */
			mlw_buf_setlen(out, at);
			mlw_buf_adds(out, other + next() % (strlen(other) + 1));
			break;
		default:	/* random bytes */
			n = next() % 8;
			for (i = 0; i < n; i++)
				mlw_buf_addch(out, (char)(next() & 0xff));
			break;
		}
	}
}

/* a successful parse must give a coherent frame and a valid answer */
static int frame_is_sane(const struct mlw_frame *f, enum mlw_payload_style s)
{
	struct mlw_buf out = MLW_BUF_INIT;
	size_t c, r, finite = 1;
	int sane = 1;
	json_t *j;

	for (c = 0; c < f->nr_columns; c++) {
		const struct mlw_frame_column *col = &f->columns[c];
		size_t total = 0;

		for (r = 0; r < 4; r++)
			total += col->nr_of[r];
		if (total != f->nr_rows || !col->name)
			sane = 0;
		for (r = 0; r < f->nr_rows; r++) {
			const struct mlw_cell *cell = &col->cells[r];

			if (cell->type == MLW_CELL_STRING && !cell->text)
				sane = 0;
			if (cell->type == MLW_CELL_NUMBER &&
			    !isfinite(cell->number))
				finite = 0;
		}
	}
	mlw_payload_write_frame(&out, s, f);
	if (finite) {
		j = json_loadb(out.buf, out.len, 0, NULL);
		if (!j)
			sane = 0;
		json_decref(j);
	}
	mlw_buf_release(&out);
	return sane;
}


/*
 * Whether body parses to the same frame, or is refused with the same
 * status and message, through the scanner of the split orient and
 * through jansson's document alone (payload.h): mismatches counted,
 * the first shown.
 */
static int same_as_tree(enum mlw_payload_style style, const char *ct,
			const char *body, size_t len)
{
	struct mlw_buf a = MLW_BUF_INIT, b = MLW_BUF_INIT;
	struct mlw_frame *fa = NULL, *fb = NULL;
	int sa = -1, sb = -1, ra, rb, same;
	char *ea = NULL;
	static int shown;

	ra = mlw_payload_parse(&fa, &sa, style, ct, body, len);
	if (ra)
		ea = strdup(mlw_error_last());
	rb = mlw_payload_parse_tree(&fb, &sb, style, ct, body, len);
	if (!ra)
		describe(&a, fa);
	else
		mlw_buf_addf(&a, "%d %d %s", ra, sa, ea);
	if (!rb)
		describe(&b, fb);
	else
		mlw_buf_addf(&b, "%d %d %s", rb, sb, mlw_error_last());
	same = !strcmp(a.buf, b.buf);
	if (!same && !shown++)
		printf("# scanner and jansson differ on %.*s:\n#  %s\n#  %s\n",
		     (int)len, body, a.buf, b.buf);
	free(ea);
	mlw_frame_free(fa);
	mlw_frame_free(fb);
	mlw_buf_release(&a);
	mlw_buf_release(&b);
	return same;
}

/* bodies the scanner takes, and the ones it must leave to jansson */
static const char *const scanned[] = {
	"{\"input_data\": {\"columns\": [\"a\", \"b\"], \"index\": [0, 1], \"data\": [[1, \"x\"], [2.5, null]]}}",
	"{\"input_data\":{\"data\":[[1,2],[3,4]],\"columns\":[\"a\",\"b\"]}}",
	" \t\r\n{ \"input_data\" : { \"data\" : [ [ true , false ] ] } } \n",
	"{\"input_data\": {\"columns\": [\"a\"], \"data\": []}}",
	"{\"input_data\": {\"data\": []}}",
	"{\"input_data\": {\"data\": [[], []]}}",
	"{\"input_data\": {\"data\": [[1]], \"index\": [\"r\"]}}",
	/* index labels: checked and counted, never kept */
	"{\"input_data\": {\"index\": [\"a\\\"b\", null, true, -2.5], \"data\": [[1], [2], [3], [4]]}}",
	"{\"input_data\": {\"index\": [], \"data\": []}}",
	"{\"input_data\": {\"index\": [[0]], \"data\": [[1]]}}",
	"{\"input_data\": {\"index\": [{}], \"data\": [[1]]}}",
	"{\"input_data\": {\"index\": [0,], \"data\": [[1]]}}",
	"{\"input_data\": {\"index\": [0] [1], \"data\": [[1]]}}",
	"{\"input_data\": {\"index\": [0], \"index\": [1], \"data\": [[1]]}}",
	"{\"input_data\": {\"index\": [\"\xff\"], \"data\": [[1]]}}",
	"{\"dataframe_split\": {\"columns\": [\"x\"], \"data\": [[1], [2]]}}",
	/* numbers at their edges */
	"{\"input_data\": {\"data\": [[0, -0, -0.0, 0.0, 1e308, 4.9e-324, 1e-400, 0.1, 0.3]]}}",
	"{\"input_data\": {\"data\": [[123456789012345678, -123456789012345678, 9007199254740993, 9007199254740993.0]]}}",
	"{\"input_data\": {\"data\": [[1.7976931348623157e308, 2.2250738585072014e-308, 123.456e-7, 1E22, 1e23, 1e+22, 1e-22]]}}",
	"{\"input_data\": {\"data\": [[0.000001, 100000000000000000000000000000.5, 3.14159265358979323846264338327950288]]}}",
	"{\"input_data\": {\"data\": [[1e0000001, 2e-0000001, 0.1e1, 9.999999999999999e22, 8.5e-5]]}}",
	/* left to jansson: each says why */
	"{\"input_data\": {\"data\": [[1234567890123456789]]}}",
	"{\"input_data\": {\"data\": [[99999999999999999999]]}}",
	"{\"input_data\": {\"data\": [[1e309]]}}",
	"{\"input_data\": {\"data\": [[-1e400]]}}",
	"{\"input_data\": {\"data\": [[01]]}}",
	"{\"input_data\": {\"data\": [[1.]]}}",
	"{\"input_data\": {\"data\": [[.5]]}}",
	"{\"input_data\": {\"data\": [[+1]]}}",
	"{\"input_data\": {\"data\": [[-]]}}",
	"{\"input_data\": {\"data\": [[1e]]}}",
	"{\"input_data\": {\"data\": [[NaN, Infinity]]}}",
	"{\"input_data\": {\"data\": [[tru]]}}",
	"{\"input_data\": {\"data\": [[nul]]}}",
	"{\"input_data\": {\"data\": [[\"a\\\"b\"]]}}",
	"{\"input_data\": {\"data\": [[\"caf\xc3\xa9\"]]}}",
	"{\"input_data\": {\"data\": [[\"\xff\"]]}}",
	"{\"input_data\": {\"data\": [[\"a\tb\"]]}}",
	"{\"input_data\": {\"data\": [[1, 2], [3]]}}",
	"{\"input_data\": {\"columns\": [\"a\"], \"data\": [[1, 2]]}}",
	"{\"input_data\": {\"columns\": [\"a\", 7], \"data\": [[1, 2]]}}",
	"{\"input_data\": {\"index\": [0, 1], \"data\": [[1]]}}",
	"{\"input_data\": {\"data\": [[1]], \"data\": [[2]]}}",
	"{\"input_data\": {\"data\": [[1]], \"extra\": 1}}",
	"{\"input_data\": {\"columns\": [\"a\"]}}",
	"{\"input_data\": {}}",
	"{\"input_data\": {\"data\": [[[1]]]}}",
	"{\"input_data\": {\"data\": [[{}]]}}",
	"{\"input_data\": {\"data\": [1, 2]}}",
	"{\"input_data\": {\"data\": [[1]]}, \"params\": {}}",
	"{\"input_data\": {\"data\": [[1]]}} x",
	"{\"input_data\": {\"data\": [[1]]}",
	"{\"input_data\": {\"data\": [[1],]}}",
	"{\"input_data\": {\"data\": [[1,]]}}",
	"{\"input_data\": {\"data\": [[1] [2]]}}",
	"{\"input_data\": {\"data\": [[1]]},}",
	"{\"input_data\": [[1, 2]]}",
	"{\"dataframe_split\": {\"data\": [[1]]}, \"instances\": []}",
	"[{\"input_data\": {\"data\": [[1]]}}]",
	"{\"input_data\": {\"data\": [[1\0]]}}",
	"",
	"   ",
};

static void test_scanner(void)
{
	struct mlw_buf big = MLW_BUF_INIT;
	size_t i, r;
	int style, bad = 0;

	for (i = 0; i < sizeof(scanned) / sizeof(*scanned); i++)
		for (style = 0; style < 2; style++) {
			const char *b = scanned[i];
			size_t len = strlen(b);

			/* "\0" cases: up to the closing braces */
			if (!strcmp(b, "{\"input_data\": {\"data\": [[1"))
				len += 5;
			if (!same_as_tree(style ? ML : AZ, JSON, b, len))
				bad++;
		}
	is_int(bad, 0, "%zu bodies: the scanner and jansson give the same frame or the same refusal",
	       sizeof(scanned) / sizeof(*scanned) * 2);

	/* a body cut short at every byte is refused alike */
	mlw_buf_adds(&big, scanned[0]);
	bad = 0;
	for (i = 0; i < big.len; i++)
		if (!same_as_tree(AZ, JSON, big.buf, i))
			bad++;
	is_int(bad, 0, "every prefix of a split body: the same answer");

	/* 1,000 rows of random numbers of every form */
	mlw_buf_reset(&big);
	mlw_buf_adds(&big, "{\"input_data\": {\"columns\": [\"a\", \"b\", \"c\"], \"index\": [");
	for (r = 0; r < 1000; r++)
		mlw_buf_addf(&big, "%s%zu", r ? "," : "", r);
	mlw_buf_adds(&big, "], \"data\": [");
	for (r = 0; r < 1000; r++) {
		uint64_t x = next();

		mlw_buf_addf(&big, "%s[%.*g, %lld, %.3e]", r ? "," : "",
			     (int)(x % 17) + 1, (double)(x >> 11) /
			     (double)(1 + (x % 1000)) * ((x & 1) ? 1e-9 : 1e5),
			     (long long)(x >> 8) - (1LL << 54),
			     (double)(int64_t)x / 3.0);
	}
	mlw_buf_adds(&big, "]}}");
	ok(same_as_tree(AZ, JSON, big.buf, big.len),
	   "1,000 rows of random numbers: the same doubles, bit for bit");

	/*
	 * Numbers written digit by digit: up to 22 before the point, up to
	 * 30 after it behind up to 6 zeros, sometimes an exponent: the
	 * scanner's eight-digit steps start and stop everywhere, and end
	 * on the last byte of the body too (every prefix, below).  Then
	 * the same number in a body with room after it, for the plain
	 * reader of short numbers (taken only with 32 bytes left): 18, 19
	 * and 20 digits, 2^53 and past it, 22 decimals and 23 meet it.
	 */
	bad = 0;
	for (r = 0; r < 4000; r++) {
		size_t ni = next() % 23, nz = next() % 7, nf = next() % 31, k;
		struct mlw_buf num = MLW_BUF_INIT;

		if (r % 2) {
			nz = next() % 3;
			nf = next() % 12;
		}
		if (next() % 2)
			mlw_buf_addch(&num, '-');
		if (!ni)
			mlw_buf_addch(&num, '0');
		for (k = 0; k < ni; k++)
			mlw_buf_addch(&num, (char)('0' + (k ? next() % 10 :
							 1 + next() % 9)));
		if (nz + nf) {
			mlw_buf_addch(&num, '.');
			for (k = 0; k < nz; k++)
				mlw_buf_addch(&num, '0');
			for (k = 0; k < nf; k++)
				mlw_buf_addch(&num, (char)('0' + next() % 10));
		}
		if (next() % 4 == 0)
			mlw_buf_addf(&num, "%c%d", next() % 2 ? 'e' : 'E',
				     (int)(next() % 41) - 20);
		mlw_buf_reset(&big);
		mlw_buf_addf(&big, "{\"input_data\": {\"data\": [[%s]]}}",
			     num.buf);
		if (!same_as_tree(AZ, JSON, big.buf, big.len))
			bad++;
		for (k = big.len - 4; k < big.len; k++)
			if (!same_as_tree(AZ, JSON, big.buf, k))
				bad++;
		mlw_buf_reset(&big);
		mlw_buf_addf(&big, "{\"input_data\": {\"data\": [[%s, 1], [2,%s]]}}%40s",
			     num.buf, num.buf, "");
		if (!same_as_tree(AZ, JSON, big.buf, big.len))
			bad++;
		mlw_buf_release(&num);
	}
	is_int(bad, 0, "4,000 numbers of 1 to 58 digits: the same doubles as jansson, cut or whole, at the end or with room after");
	mlw_buf_release(&big);
}

static void test_fuzz(void)
{
	struct seed {
		enum mlw_payload_style style;
		const char *ctype, *body;
	} seeds[sizeof(goods) / sizeof(*goods) + sizeof(bads) / sizeof(*bads)];
	struct mlw_buf body = MLW_BUF_INIT;
	size_t nr_seeds = 0, i;
	int parsed = 0, refused = 0, insane = 0, wrong = 0, differ = 0;
	static const char *const ctypes[] = { JSON, CSV, NULL };

	for (i = 0; i < sizeof(goods) / sizeof(*goods); i++)
		seeds[nr_seeds++] = (struct seed){ goods[i].style,
						   goods[i].ctype,
						   goods[i].body };
	for (i = 0; i < sizeof(bads) / sizeof(*bads); i++)
		seeds[nr_seeds++] = (struct seed){ bads[i].style, bads[i].ctype,
						   bads[i].body };
	for (i = 0; i < 10000; i++) {
		const struct seed *sd = &seeds[next() % nr_seeds];
		enum mlw_payload_style style = sd->style;
		const char *ct = sd->ctype;
		struct mlw_frame *f = NULL;
		int status = 0, ret;

		/* half the time the seed's own style and type */
		if (next() % 2) {
			style = next() % 2 ? AZ : ML;
			ct = ctypes[next() % 3];
		}
		mutate(&body, sd->body, seeds[next() % nr_seeds].body);
		if (!same_as_tree(style, ct, body.buf, body.len))
			differ++;
		ret = mlw_payload_parse(&f, &status, style, ct, body.buf,
					body.len);
		if (!ret) {
			parsed++;
			if (!frame_is_sane(f, style))
				insane++;
		} else if (ret == MLW_EINVALID &&
			   (status == 400 || status == 415) &&
			   *mlw_error_last()) {
			refused++;
		} else {
			wrong++;
		}
		mlw_frame_free(f);
	}
	ok(parsed + refused == 10000 && !wrong,
	   "10,000 mutated bodies are parsed (%d) or refused with 400/415 and a message (%d)",
	   parsed, refused);
	ok(parsed > 500 && refused > 500, "both happen often enough to matter");
	is_int(insane, 0, "every frame parsed is coherent and answers valid JSON");
	is_int(differ, 0, "the scanner and jansson agree on every one of them");
	mlw_buf_release(&body);
}

/*
 * A frame's strings live in its blocks, which start at 1 KiB and double
 * up to 64 KiB; a string longer than a block gets one of its own.  Every
 * string reads back whole however the blocks fell.
 */
static void test_frame_blocks(void)
{
	static const size_t lens[] = { 3, 1000, 1, 5000, 70000, 2, 64000,
				       200000, 7, 31 };
	size_t n = sizeof(lens) / sizeof(*lens), i, j, bad = 0;
	struct mlw_frame *f = mlw_frame_new(n * 20);
	struct mlw_frame_column *c = mlw_frame_add_column(f, "s");
	char *src = malloc(200001);

	for (i = 0; i < n * 20; i++) {
		size_t len = lens[i % n];

		memset(src, 'a' + (int)(i % 26), len);
		mlw_frame_set_text(f, &c->cells[i], src, len);
	}
	for (i = 0; i < n * 20; i++) {
		const char *t = c->cells[i].text;
		size_t len = lens[i % n];

		if (c->cells[i].type != MLW_CELL_STRING || strlen(t) != len) {
			bad++;
			continue;
		}
		for (j = 0; j < len; j++)
			if (t[j] != 'a' + (int)(i % 26)) {
				bad++;
				break;
			}
	}
	is_int(bad, 0, "200 strings of 1 B to 200 KB read back whole from the frame's blocks");
	mlw_frame_free(f);
	free(src);
}

/* --- rows of numbers */

/* 1 when r holds f's names and, in every cell, a number of the same bits */
static int same_as_frame(const struct mlw_number_rows *r,
			 const struct mlw_frame *f)
{
	size_t i, j;

	if (f->positional || f->nr_columns != r->nr_columns ||
	    f->nr_rows != r->nr_rows)
		return 0;
	for (j = 0; j < f->nr_columns; j++) {
		const struct mlw_frame_column *c = &f->columns[j];

		if (strlen(c->name) != r->name_lens[j] ||
		    memcmp(c->name, r->names[j], r->name_lens[j]))
			return 0;
		for (i = 0; i < f->nr_rows; i++) {
			double v = r->values[i * r->nr_columns + j];

			if (c->cells[i].type != MLW_CELL_NUMBER ||
			    memcmp(&c->cells[i].number, &v, sizeof(v)))
				return 0;
		}
	}
	return 1;
}

/*
 * The numbers' reader on body (NUL-terminated at len): *taken when it
 * read it; 0 when it read what the frame does not hold
 */
static int numbers_agree(enum mlw_payload_style style, const char *ct,
			 const char *body, size_t len, int *taken)
{
	struct mlw_number_rows r;
	struct mlw_frame *f = NULL;
	int status, same = 1;
	static int shown;

	mlw_number_rows_init(&r);
	*taken = !mlw_payload_parse_numbers(&r, style, ct, body, len);
	if (*taken) {
		same = !mlw_payload_parse(&f, &status, style, ct, body, len) &&
		       same_as_frame(&r, f);
		if (!same && !shown++)
			printf("# the numbers' reader and the frame differ on %.*s\n",
			       (int)len, body);
	}
	mlw_frame_free(f);
	mlw_number_rows_release(&r);
	return same;
}

struct numbers_case {
	enum mlw_payload_style style;
	const char *ctype, *body;
};

/* bodies the reader takes */
static const struct numbers_case numbers_taken[] = {
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\", \"b\"], \"index\": [0], \"data\": [[1.5, -2]]}}" },
	{ AZ, NULL, "{\"input_data\":{\"columns\":[\"a\"],\"data\":[[0.1]]}}" },
	{ AZ, "text/plain", " {\n \"input_data\" : { \"data\" : [ [ 1e3 , 0.1 ] ,\t[2E-2, 3] ] , \"index\": [\"r1\", 7], \"columns\" : [\"x\",\"y\"] } } \n" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\", \"b\", \"c\"], \"data\": [[123456789012345678, 0.30000000000000004441, 9007199254740993.0], [-0.0, 4.9e-324, 1.7976931348623157e308]]}}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\", \"a\", \"\"], \"data\": [[1, 2, 3]]}}" },
	{ ML, JSON, "{\"dataframe_split\": {\"columns\": [\"a\"], \"data\": [[1], [2], [3]]}}" },
	{ ML, "application/json; charset=utf-8", "{\"dataframe_split\": {\"index\": [0], \"columns\": [\"s6\"], \"data\": [[87.0000000000000000001]]}}" },
};

/* bodies it declines, whatever the frame makes of them */
static const struct numbers_case numbers_declined[] = {
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\", \"b\"], \"data\": [[\"1.5\", 2]]}}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\", \"b\"], \"data\": [[null, 2]]}}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\", \"b\"], \"data\": [[true, 2]]}}" },
	{ AZ, JSON, "{\"input_data\": {\"data\": [[1, 2]]}}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\\u0062\"], \"data\": [[1]]}}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"data\": []}}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"index\": [0, 1], \"data\": [[1]]}}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\", \"b\"], \"data\": [[1]]}}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"data\": [[1], [2, 3]]}}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"data\": [[1]], \"data\": [[2]]}}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"data\": [[1]]}, \"other\": 1}" },
	{ AZ, JSON, "{\"input_data\": [[1, 2]]}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"data\": [[1e400]]}}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"data\": [[12345678901234567890]]}}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"data\": [[1,]]}}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"data\": [[01]]}}" },
	{ AZ, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"data\": [[1]]}} x" },
	{ ML, JSON, "{\"dataframe_split\": {\"columns\": [\"a\"], \"data\": [[1]]}, \"params\": {\"k\": 1}}" },
	{ ML, CSV, "{\"dataframe_split\": {\"columns\": [\"a\"], \"data\": [[1]]}}" },
	{ ML, "application/json; charset=latin-1", "{\"dataframe_split\": {\"columns\": [\"a\"], \"data\": [[1]]}}" },
	{ ML, JSON, "{\"input_data\": {\"columns\": [\"a\"], \"data\": [[1]]}}" },
	{ AZ, JSON, "{\"dataframe_split\": {\"columns\": [\"a\"], \"data\": [[1]]}}" },
};

static void test_numbers(void)
{
	struct mlw_buf big = MLW_BUF_INIT;
	size_t i, j, bad = 0, wrong = 0;
	int taken;

	for (i = 0; i < sizeof(numbers_taken) / sizeof(*numbers_taken); i++) {
		const struct numbers_case *c = &numbers_taken[i];

		if (!numbers_agree(c->style, c->ctype, c->body,
				   strlen(c->body), &taken) || !taken) {
			if (!bad++)
				printf("# not taken alike: %s\n", c->body);
		}
	}
	is_int(bad, 0, "%zu requests of numbers are read as the frame reads them",
	       sizeof(numbers_taken) / sizeof(*numbers_taken));
	for (i = 0; i < sizeof(numbers_declined) / sizeof(*numbers_declined);
	     i++) {
		const struct numbers_case *c = &numbers_declined[i];

		numbers_agree(c->style, c->ctype, c->body, strlen(c->body),
			      &taken);
		if (taken && !wrong++)
			printf("# taken: %s\n", c->body);
	}
	is_int(wrong, 0, "%zu other bodies (strings, nulls, no names, no rows, escapes, ragged, other keys, bad JSON) are left to the frame",
	       sizeof(numbers_declined) / sizeof(*numbers_declined));

	/* past the struct's own room: 100 columns, 40 rows */
	mlw_buf_adds(&big, "{\"input_data\": {\"columns\": [");
	for (j = 0; j < 100; j++)
		mlw_buf_addf(&big, "%s\"c%zu\"", j ? ", " : "", j);
	mlw_buf_adds(&big, "], \"data\": [");
	for (i = 0; i < 40; i++) {
		mlw_buf_adds(&big, i ? ", [" : "[");
		for (j = 0; j < 100; j++)
			mlw_buf_addf(&big, "%s%zu.%zu", j ? ", " : "", i, j);
		mlw_buf_addch(&big, ']');
	}
	mlw_buf_adds(&big, "]}}");
	ok(numbers_agree(AZ, JSON, big.buf, big.len, &taken) && taken,
	   "100 columns and 4,000 numbers, past the struct's own room, read alike");
	mlw_buf_release(&big);
}

/* the numbers' reader on mutated bodies of numbers: alike, or declined */
static void test_numbers_fuzz(void)
{
	size_t n = sizeof(numbers_taken) / sizeof(*numbers_taken), i;
	struct mlw_buf body = MLW_BUF_INIT;
	int differ = 0, nr_taken = 0, taken;

	for (i = 0; i < 5000; i++) {
		const struct numbers_case *c = &numbers_taken[next() % n];

		mutate(&body, c->body, numbers_taken[next() % n].body);
		if (!numbers_agree(c->style, c->ctype, body.buf, body.len,
				   &taken))
			differ++;
		nr_taken += taken;
	}
	is_int(differ, 0, "5,000 mutated requests of numbers: every one read is read as the frame reads it");
	ok(nr_taken > 100, "and enough are read (%d) to matter", nr_taken);
	mlw_buf_release(&body);
}

static const char *datasets;	/* share/datasets */

/* a model of target fitted by ridge on data (share/datasets) */
static int fit(struct mlw_train_result *res, const char *data,
	       const char *target)
{
	struct mlw_train_request req;
	struct mlw_train_ctx ctx;
	struct mlw_dataset *ds;
	char *path = mlw_xstrfmt("%s/%s", datasets, data);
	int ret;

	ret = mlw_dataset_load(&ds, path, NULL);
	free(path);
	if (ret)
		return ret;
	mlw_train_request_init(&req, mlw_trainer_find("ridge"));
	req.target = target;
	mlw_train_ctx_init(&ctx, 0);
	ret = mlw_train(res, ds, &req, &ctx);
	mlw_dataset_unref(ds);
	return ret;
}

/*
 * body through both paths with m: 1 when the numbers' path declines
 * (*declined) or gives the frame's predictions bit for bit
 */
static int scores_agree(const struct mlw_model *m, const char *body,
			size_t len, int *declined)
{
	struct mlw_number_rows r;
	struct mlw_frame *f = NULL;
	double *P = NULL, *Q = NULL;
	size_t K = mlw_model_nr_outputs(m);
	int status, same = 1;

	mlw_number_rows_init(&r);
	*declined = mlw_payload_parse_numbers(&r, AZ, JSON, body, len) ||
		    mlw_score_numbers(&P, m, &r);
	if (!*declined)
		same = !mlw_payload_parse(&f, &status, AZ, JSON, body, len) &&
		       !mlw_score_frame(&Q, m, f) &&
		       !memcmp(P, Q, r.nr_rows * K * sizeof(*P));
	free(P);
	free(Q);
	mlw_frame_free(f);
	mlw_number_rows_release(&r);
	return same;
}

static const char *const diabetes[] = {
	"age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"
};

/*
 * A request of nr rows of random numbers with the model's columns
 * shuffled (when shuffle), an extra column, and one left out (when
 * drop names one)
 */
static void random_request(struct mlw_buf *b, size_t nr, int shuffle,
			   const char *drop)
{
	const char *cols[11];
	size_t n = 0, i, j;

	for (i = 0; i < 10; i++)
		if (!drop || strcmp(diabetes[i], drop))
			cols[n++] = diabetes[i];
	cols[n++] = "extra";
	for (i = 0; shuffle && i + 1 < n; i++) {
		size_t k = i + next() % (n - i);
		const char *t = cols[i];

		cols[i] = cols[k];
		cols[k] = t;
	}
	mlw_buf_reset(b);
	mlw_buf_adds(b, "{\"input_data\": {\"columns\": [");
	for (j = 0; j < n; j++)
		mlw_buf_addf(b, "%s\"%s\"", j ? ", " : "", cols[j]);
	mlw_buf_adds(b, "], \"data\": [");
	for (i = 0; i < nr; i++) {
		mlw_buf_adds(b, i ? ", [" : "[");
		for (j = 0; j < n; j++) {
			char num[32];
			double v = ((double)(next() % 2000001) - 1e6) /
				   (double)(1 + next() % 10000);

			mlw_fmt_double(num, v);
			mlw_buf_addf(b, "%s%s", j ? ", " : "", num);
		}
		mlw_buf_addch(b, ']');
	}
	mlw_buf_adds(b, "]}}");
}

static void test_score_numbers(void)
{
	struct mlw_train_result ridge, iris;
	struct mlw_buf b = MLW_BUF_INIT;
	static const size_t rows[] = { 1, 2, 7, 511, 512, 513, 1300 };
	int bad = 0, declined, nr_declined = 0, i, fitted;

	fitted = !fit(&ridge, "diabetes.csv", "target");
	ok(fitted, "ridge fits diabetes: %s", fitted ? "yes" : mlw_error_last());
	if (!fitted)
		return;
	for (i = 0; i < 60; i++) {
		random_request(&b, rows[i % 7], i % 3 != 0, NULL);
		if (!scores_agree(&ridge.model, b.buf, b.len, &declined))
			bad++;
		nr_declined += declined;
	}
	ok(!bad && !nr_declined,
	   "60 requests of 1 to 1,300 rows, columns shuffled, an extra one: the numbers' path predicts the frame's bits (%d differ, %d declined)",
	   bad, nr_declined);
	random_request(&b, 3, 1, "bmi");
	ok(scores_agree(&ridge.model, b.buf, b.len, &declined) && declined,
	   "a request without a column the model takes is left to the frame");
	mlw_train_result_release(&ridge);

	/* species is categorical: a number there is the frame's to read */
	fitted = !fit(&iris, "iris.csv", "sepal_length");
	ok(fitted, "ridge fits iris with a categorical input: %s",
	   fitted ? "yes" : mlw_error_last());
	if (fitted) {
		static const char body[] = "{\"input_data\": {\"columns\": [\"sepal_width\", \"petal_length\", \"petal_width\", \"species\"], \"data\": [[3.5, 1.4, 0.2, 1]]}}";

		ok(scores_agree(&iris.model, body, sizeof(body) - 1,
				&declined) && declined,
		   "a model with a categorical input is left to the frame");
		mlw_train_result_release(&iris);
	}
	mlw_buf_release(&b);
}

int main(void)
{
	test_frame_blocks();
	test_good();
	test_details();
	test_bad();
	test_cells_limit();
	test_answers();
	test_scanner();
	test_fuzz();
	test_numbers();
	test_numbers_fuzz();
	{
		const char *build = getenv("MLW_BUILD_DIR");
		char *share = mlw_xstrfmt("%s/share/datasets",
					  build && *build ? build : "..");

		datasets = share;
		test_score_numbers();
		free(share);
	}
	return done_testing();
}

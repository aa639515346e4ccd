/*
 * payload-bench.c - the cost of reading a scoring request into a frame
 * (http/payload.h) and writing its answer, without the network: what
 * p8001 runs to show the parser's share of a request.
 *
 *	payload-bench FILE [N]
 *
 * Parses FILE (an Azure /score body) N times (default 2000) through the
 * split-orient scanner (mlw_payload_parse()) and through jansson's
 * document (mlw_payload_parse_tree()), and writes an answer of one
 * number a row N times.  Prints one line each, best of 3 rounds:
 * "scanner|jansson|answer US us/request ROWS rows".
 */
#include "http/payload.h"
#include "util/buf.h"
#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef int parse_fn(struct mlw_frame **, int *, enum mlw_payload_style,
		     const char *, const char *, size_t);

static double time_parse(parse_fn *parse, const char *body, size_t len,
			 int n, size_t *rows)
{
	double best = 0;
	int round, i;

	for (round = 0; round < 3; round++) {
		double t0 = now(), t;

		for (i = 0; i < n; i++) {
			struct mlw_frame *f;
			int status;

			if (parse(&f, &status, MLW_PAYLOAD_AZURE,
				  "application/json", body, len)) {
				fprintf(stderr, "payload-bench: %s\n",
					mlw_error_last());
				exit(1);
			}
			*rows = f->nr_rows;
			mlw_frame_free(f);
		}
		t = (now() - t0) / n;
		if (!round || t < best)
			best = t;
	}
	return best;
}

int main(int argc, char **argv)
{
	struct mlw_buf body = MLW_BUF_INIT, out = MLW_BUF_INIT;
	int n = argc > 2 ? atoi(argv[2]) : 2000, round, i;
	size_t rows = 0;
	double *values, best = 0, t;

	if (argc < 2 || n < 1) {
		fprintf(stderr, "usage: payload-bench FILE [N]\n");
		return 2;
	}
	if (mlw_buf_read_file(&body, argv[1], (size_t)1 << 30) < 0) {
		fprintf(stderr, "payload-bench: %s\n", mlw_error_last());
		return 1;
	}
	t = time_parse(mlw_payload_parse, body.buf, body.len, n, &rows);
	printf("scanner %.2f us/request %zu rows\n", t * 1e6, rows);
	t = time_parse(mlw_payload_parse_tree, body.buf, body.len, n, &rows);
	printf("jansson %.2f us/request %zu rows\n", t * 1e6, rows);
	values = calloc(rows ? rows : 1, sizeof(*values));
	for (i = 0; i < (int)rows; i++)
		values[i] = 150.0 + 97.3 * (double)i / 7.0;
	for (round = 0; round < 3; round++) {
		double t0 = now();

		for (i = 0; i < n; i++) {
			mlw_buf_reset(&out);
			mlw_payload_write_numbers(&out, MLW_PAYLOAD_AZURE,
						  values, rows);
		}
		t = (now() - t0) / n;
		if (!round || t < best)
			best = t;
	}
	printf("answer %.2f us/request %zu rows\n", best * 1e6, rows);
	free(values);
	mlw_buf_release(&out);
	mlw_buf_release(&body);
	return 0;
}

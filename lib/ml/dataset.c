/*
 * dataset.c - loading a CSV file into a column-major matrix (dataset.h).
 *
 * The load runs in phases so that every CPU parses a disjoint slice and
 * writes straight into the final matrix, with no second copy:
 *
 *   1. cut the body into equal byte ranges and count the quotes in each
 *      (parallel); the parity of the quotes before a cut says whether it
 *      falls inside a quoted field, so the next row end outside quotes is
 *      a true row boundary (serial, a few bytes per cut);
 *   2. count rows and lines in each slice (parallel), then prefix sums
 *      give each slice its first row and first line number;
 *   3. parse every field of every slice into values[] (parallel);
 *      numbers go in directly, text cells are remembered for typing;
 *   4. type the columns and encode categorical text (serial).
 */
#include "ml/dataset.h"
#include "ml/csv.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define BIG_ALLOC_MIN (1u << 20)
#define MAX_THREADS 64
#define MAX_COLUMNS 100000

void *mlw_big_alloc(size_t size)
{
	void *p;

	if (size < BIG_ALLOC_MIN)
		return mlw_calloc(1, size ? size : 1);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		BUG("out of memory mapping %zu bytes", size);
#ifdef MADV_HUGEPAGE
	/* 2 MB pages: 512 times fewer first-touch faults on a big matrix */
	madvise(p, size, MADV_HUGEPAGE);
#endif
	return p;
}

void mlw_big_free(void *p, size_t size)
{
	if (!p)
		return;
	if (size < BIG_ALLOC_MIN)
		free(p);
	else
		munmap(p, size);
}

const char *mlw_column_type_name(enum mlw_column_type type)
{
	switch (type) {
	case MLW_COLUMN_NUMERIC:
		return "numeric";
	case MLW_COLUMN_BOOLEAN:
		return "boolean";
	case MLW_COLUMN_CATEGORICAL:
		return "categorical";
	}
	return "unknown";
}

struct text_cell {
	size_t row, line;
	size_t col;
	struct mlw_csv_field field;
};

struct loader;

struct slice {
	struct loader *ld;
	const char *start, *end;
	size_t nr_quotes;
	size_t nr_rows, nr_lines, first_row, first_line;
	size_t *nr_numeric, *nr_text, *nr_missing;	/* per column */
	size_t *nr_inf;			/* per column: infinities (as text) */
	double *sum;			/* per column: numbers seen */
	struct text_cell *texts;
	size_t nr_texts, alloc_texts;
	int error;
	size_t error_line, error_col;
	char *error_msg;
	pthread_t thread;
	const char *win_done, *win_next;	/* see window_step() */
};

struct loader {
	const char *path;
	const char *map;	/* the file, mapped */
	int fd;			/* and open, for pread() */
	char delim;
	size_t nr_columns, nr_rows;
	double *values;
	struct slice *slices;
	int nr_slices;
};

int mlw_dataset_is_missing(const char *s, size_t len)
{
	static const char *const words[] = {
		"NA", "N/A", "NaN", "nan", "NAN", "null", "NULL", "Null",
		"None", NULL
	};
	size_t i;

	if (!len)
		return 1;
	if (len > 4)
		return 0;
	for (i = 0; words[i]; i++)
		if (strlen(words[i]) == len && !memcmp(words[i], s, len))
			return 1;
	return 0;
}

#define is_missing mlw_dataset_is_missing

static int bool_value(const struct mlw_csv_field *f)
{
	if (f->len == 4 && !strncasecmp(f->text, "true", 4))
		return 1;
	if (f->len == 5 && !strncasecmp(f->text, "false", 5))
		return 0;
	return -1;
}

static size_t count_char(const char *p, const char *end, char c)
{
	size_t n = 0;

	while (p < end && (p = memchr(p, c, (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

static void slice_error(struct slice *s, size_t line, size_t col,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void slice_error(struct slice *s, size_t line, size_t col,
			const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	s->error = MLW_EINVALID;
	s->error_line = line;
	s->error_col = col;
	s->error_msg = mlw_buf_detach(&b, NULL);
}

/*
 * What a column of numbers and text is told when it is used: the first
 * text (len bytes of text, from source:line), the category count.
 */
static char *mixed_note(const struct mlw_column *c, int len, const char *text,
			const char *source, size_t line)
{
	return mlw_xstrfmt(
		"column '%s' holds numbers and text ('%.*s' at %s:%zu): it is categorical, one feature per value (%zu); fix that value, or leave the column out with --exclude",
		c->name, len, text, source, line, c->nr_categories);
}

/*
 * The file is read through a sliding window per thread, so the mapped
 * file never counts in full towards the resident set: a 0.57 GB CSV
 * would otherwise sit next to the 0.4 GB matrix parsed from it.  Each
 * thread maps in the next WINDOW bytes at once (MADV_POPULATE_READ: one
 * call instead of a fault per page) and drops what it has passed
 * (MADV_DONTNEED; the pages stay in the page cache and fault back in if
 * an error message needs them).
 */
#define WINDOW ((size_t)8 << 20)

static uintptr_t page_down(const char *p)
{
	static uintptr_t mask;

	if (!mask)
		mask = ~((uintptr_t)sysconf(_SC_PAGESIZE) - 1);
	return (uintptr_t)p & mask;
}

static void window_start(struct slice *s, const char *p)
{
	s->win_done = p;
	s->win_next = p;
}

/* call when p >= s->win_next; p is where the thread reads now */
static void window_step(struct slice *s, const char *p, const char *end)
{
	uintptr_t lo = page_down(s->win_done), hi = page_down(p);
	size_t ahead = (size_t)(end - p) < WINDOW ? (size_t)(end - p) : WINDOW;

	/* the page of s->win_done may be shared with the slice before */
	lo += lo < (uintptr_t)s->win_done ? (uintptr_t)sysconf(_SC_PAGESIZE) : 0;
	if (hi > lo) {
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
		s->win_done = (const char *)hi;
	}
#ifdef MADV_POPULATE_READ
	if (ahead)
		madvise((void *)hi, (uintptr_t)p + ahead - hi,
			MADV_POPULATE_READ);
#endif
	s->win_next = p + (ahead > WINDOW / 2 ? WINDOW / 2 : ahead);
}

static void *count_quotes(void *arg)
{
	struct slice *s = arg;
	const char *p = s->start;

	s->nr_quotes = 0;
	window_start(s, p);
	while (p < s->end) {
		const char *stop = (size_t)(s->end - p) > WINDOW / 2 ?
				   p + WINDOW / 2 : s->end;

		window_step(s, p, s->end);
		s->nr_quotes += count_char(p, stop, '"');
		p = stop;
	}
	window_step(s, s->end, s->end);
	return NULL;
}

/*
 * Count the newlines of s[0..len) and the blank lines they end (a line
 * that is empty or only "\r"; the slice starts a line), 16 bytes at a
 * time with vector compares: one pass where a memchr(3) a line cost a
 * call and a restart for every row.
 */
/* 16 bytes: the vector every x86-64 and arm64 has, so no emulation */
typedef signed char v16 __attribute__((vector_size(16)));

static void count_newlines(size_t *nr_out, size_t *blank_out,
			   size_t *quotes_out, const char *s, size_t len,
			   char prev1, char prev2)
{
	size_t i = 0, nr = 0, blank = 0, quotes = 0;

	/* prev1 and prev2: the bytes before s ('\n' at a slice start) */
	for (; i < len && i < 2; i++) {
		char p1 = i >= 1 ? s[i - 1] : prev1;
		char p2 = i >= 2 ? s[i - 2] : i == 1 ? prev1 : prev2;

		quotes += s[i] == '"';
		if (s[i] != '\n')
			continue;
		nr++;
		blank += p1 == '\n' || (p1 == '\r' && p2 == '\n');
	}
	while (i + 16 <= len) {
		v16 acc_nl = { 0 }, acc_blank = { 0 }, acc_q = { 0 };
		int k;

		/* at most 127 rounds before the 8-bit lanes could overflow */
		for (k = 0; k < 127 && i + 16 <= len; k++, i += 16) {
			v16 a, b, c, nl;

			memcpy(&a, s + i, 16);
			memcpy(&b, s + i - 1, 16);
			memcpy(&c, s + i - 2, 16);
			nl = a == '\n';
			acc_nl -= nl;
			acc_q -= a == '"';
			acc_blank -= nl & ((b == '\n') | ((b == '\r') & (c == '\n')));
		}
		for (k = 0; k < 16; k++) {
			nr += (unsigned char)acc_nl[k];
			quotes += (unsigned char)acc_q[k];
			blank += (unsigned char)acc_blank[k];
		}
	}
	for (; i < len; i++) {
		quotes += s[i] == '"';
		if (s[i] != '\n')
			continue;
		nr++;
		blank += s[i - 1] == '\n' || (s[i - 1] == '\r' && s[i - 2] == '\n');
	}
	*nr_out = nr;
	*blank_out = blank;
	*quotes_out = quotes;
}

/*
 * What count_plain() reads at a time: small enough that the copy read(2)
 * makes is still in the core's cache when the count reads it back (an
 * 8 MiB buffer went to memory and back).
 */
#define COUNT_CHUNK ((size_t)256 << 10)

/*
 * The first pass when the file may hold no quotes at all: slices cut at
 * line ends, rows, lines and quotes counted in one vector pass.  Rows
 * are right only if no slice saw a quote; otherwise the loader starts
 * over with the quote-aware passes.
 */
static void *count_plain(void *arg)
{
	struct slice *s = arg;
	struct loader *ld = s->ld;
	const char *p = s->start, *end = s->end;
	size_t blank = 0, run = 0;
	const char *tail = p;	/* after the last line end */
	/* a window no larger than the slice: small files are the common case */
	size_t cap = (size_t)(end - p) < COUNT_CHUNK ? (size_t)(end - p) + 1 :
		     COUNT_CHUNK;
	char *buf = mlw_malloc(cap), prev1 = '\n', prev2 = '\n';

	s->nr_lines = s->nr_quotes = 0;
	/*
	 * read(2), a window at a time, not the mapping: the mapping is for
	 * the parse, which then maps each page once and drops it behind
	 */
	while (p < end) {
		size_t want = (size_t)(end - p) < COUNT_CHUNK ?
			      (size_t)(end - p) : COUNT_CHUNK, got = 0, nr, b, q;
		const char *nl;

		while (got < want) {
			ssize_t r = pread(ld->fd, buf + got, want - got,
					  (off_t)(p - ld->map) + (off_t)got);

			if (r <= 0) {
				/* the file shrank or cannot be read: use the map */
				memcpy(buf + got, p + got, want - got);
				break;
			}
			got += (size_t)r;
		}
		nl = memrchr(buf, '\n', want);
		if (!nl) {
			run += want;
			if (run > MLW_DATASET_MAX_LINE) {
				slice_error(s, 0, 0,
					    "line longer than %zu MiB",
					    (size_t)MLW_DATASET_MAX_LINE >> 20);
				break;
			}
		} else {
			run = want - (size_t)(nl + 1 - buf);
			tail = p + (nl + 1 - buf);
		}
		if (p + want < end && nl)
			want = (size_t)(nl + 1 - buf);
		count_newlines(&nr, &b, &q, buf, want, prev1, prev2);
		s->nr_lines += nr;
		s->nr_quotes += q;
		blank += b;
		prev1 = buf[want - 1];
		prev2 = want >= 2 ? buf[want - 2] : prev1;
		p += want;
	}
	free(buf);
	s->nr_rows = s->nr_lines - blank;
	if (tail < end && !(tail + 1 == end && *tail == '\r'))
		s->nr_rows++;
	return NULL;
}

/*
 * Count rows and newlines.  Slices start at a row start, outside quotes;
 * a line that starts outside quotes starts a row unless it is blank, and
 * the parity of its quotes says whether the next line continues it.
 */
static void *count_rows(void *arg)
{
	struct slice *s = arg;
	const char *p = s->start, *end = s->end;
	int in_quotes = 0;

	window_start(s, p);
	while (p < end) {
		const char *nl;

		if (p >= s->win_next)
			window_step(s, p, end);
		nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;

		if (!in_quotes && stop != p && !(stop == p + 1 && *p == '\r'))
			s->nr_rows++;
		in_quotes ^= (int)(count_char(p, stop, '"') & 1);
		if (nl)
			s->nr_lines++;
		p = nl ? nl + 1 : end;
	}
	return NULL;
}

static void *parse_slice(void *arg)
{
	struct slice *s = arg;
	struct loader *ld = s->ld;
	const char *p = s->start, *end = s->end;
	size_t row = s->first_row, line = s->first_line;
	size_t ncols = ld->nr_columns, nrows = ld->nr_rows;
	char delim = ld->delim;

	window_start(s, p);
	while (p < end) {
		size_t col, row_line = line;
		double *cell = ld->values + row;
		struct mlw_csv_field f;
		int st = MLW_CSV_FIELD;

		if (p >= s->win_next)
			window_step(s, p, end);

		/* blank lines, and a lone CR at the end, as the count saw
		 * them: not rows (else one more row than values) */
		if (*p == '\n' ||
		    (*p == '\r' && (p + 1 == end || p[1] == '\n'))) {
			p += *p == '\n' || p + 1 == end ? 1 : 2;
			line++;
			continue;
		}
		for (col = 0; st == MLW_CSV_FIELD; col++, cell += nrows) {
			double v;
			int r;

			if (col >= ncols) {
				slice_error(s, row_line, col + 1,
					    "too many fields (the header has %zu)",
					    ncols);
				return NULL;
			}
			/* one pass for plain numbers, the common case */
			st = mlw_csv_number_field(cell, &p, end, delim);
			if (st != MLW_CSV_SLOW) {
				s->sum[col] += *cell;
				continue;
			}
			st = mlw_csv_field(&f, &p, end, delim);
			if (st < 0) {
				slice_error(s, line, col + 1, "%s",
					    mlw_csv_strerror(st));
				return NULL;
			}
			if (f.quoted)
				line += count_char(f.text, f.text + f.len, '\n');
			if ((!f.quoted || !f.len) && is_missing(f.text, f.len)) {
				*cell = NAN;
				s->nr_missing[col]++;
				continue;
			}
			r = f.escaped ? -1 : mlw_csv_parse_double(&v, f.text, f.len);
			/*
			 * an infinity is kept as text: a column of numbers and
			 * infinities cannot be used, but is refused only if it
			 * is (type_columns())
			 */
			if (r == 1)
				s->nr_inf[col]++;
			if (!r) {
				*cell = v;
				s->sum[col] += v;
				continue;
			}
			*cell = NAN;
			s->nr_text[col]++;
			MLW_ALLOC_GROW(s->texts, s->nr_texts + 1, s->alloc_texts);
			s->texts[s->nr_texts].row = row;
			s->texts[s->nr_texts].line = row_line;
			s->texts[s->nr_texts].col = col;
			s->texts[s->nr_texts].field = f;
			s->nr_texts++;
		}
		if (col < ncols) {
			slice_error(s, row_line, col + 1,
				    "too few fields: %zu of %zu", col, ncols);
			return NULL;
		}
		line++;
		row++;
	}
	window_step(s, end, end);
	/* every field that was neither missing nor text was a number */
	for (row = 0; row < ncols; row++)
		s->nr_numeric[row] = s->nr_rows - s->nr_missing[row] -
				     s->nr_text[row];
	return NULL;
}

static void run_parallel(struct loader *ld, void *(*fn)(void *))
{
	int i;

	if (ld->nr_slices == 1) {
		fn(&ld->slices[0]);
		return;
	}
	for (i = 0; i < ld->nr_slices; i++)
		if (pthread_create(&ld->slices[i].thread, NULL, fn,
				   &ld->slices[i]))
			BUG("cannot create a thread");
	for (i = 0; i < ld->nr_slices; i++)
		pthread_join(ld->slices[i].thread, NULL);
}

/* the first row end outside quotes at or after p, given the quote state */
static const char *next_row_start(const char *p, const char *end,
				  int in_quotes)
{
	for (; p < end; p++) {
		if (*p == '"')
			in_quotes = !in_quotes;
		else if (*p == '\n' && !in_quotes)
			return p + 1;
	}
	return end;
}

/*
 * Where share k of nr shares of the body [body, end) starts: the first
 * row start at or after its byte k * size / nr (quotes before it
 * counted, so a quoted line end is no row start); end for k = nr.
 */
static const char *share_start(const char *body, const char *end, int k,
			       int nr)
{
	size_t size = (size_t)(end - body);
	const char *cut = body + size / (size_t)nr * (size_t)k +
			  size % (size_t)nr * (size_t)k / (size_t)nr;

	if (k <= 0)
		return body;
	if (k >= nr)
		return end;
	return next_row_start(cut, end,
			      (int)(count_char(body, cut, '"') & 1));
}

/* a small string -> index map for building vocabularies */
struct vocab {
	char **keys;
	size_t *slots;		/* index + 1, 0 = empty */
	size_t nr, alloc, nr_slots;
};

static uint64_t hash_str(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	while (len--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void vocab_rehash(struct vocab *v, size_t nr_slots)
{
	size_t i;

	free(v->slots);
	v->nr_slots = nr_slots;
	v->slots = mlw_calloc(nr_slots, sizeof(*v->slots));
	for (i = 0; i < v->nr; i++) {
		size_t h = hash_str(v->keys[i], strlen(v->keys[i])) &
			   (nr_slots - 1);

		while (v->slots[h])
			h = (h + 1) & (nr_slots - 1);
		v->slots[h] = i + 1;
	}
}

/* index of s in v, adding it when absent */
static size_t vocab_intern(struct vocab *v, const char *s, size_t len)
{
	size_t h;

	/*
	 * Categories are C strings: a NUL byte in a field ends the value,
	 * here as wherever it is printed, so that the key stored is the
	 * key hashed (else equal fields never match and the ranking below
	 * probes an empty slot)
	 */
	len = strnlen(s, len);
	if (2 * (v->nr + 1) > v->nr_slots)
		vocab_rehash(v, v->nr_slots ? 2 * v->nr_slots : 64);
	h = hash_str(s, len) & (v->nr_slots - 1);
	while (v->slots[h]) {
		const char *k = v->keys[v->slots[h] - 1];

		if (strlen(k) == len && !memcmp(k, s, len))
			return v->slots[h] - 1;
		h = (h + 1) & (v->nr_slots - 1);
	}
	MLW_ALLOC_GROW(v->keys, v->nr + 1, v->alloc);
	v->keys[v->nr] = mlw_strndup(s, len);
	v->slots[h] = ++v->nr;
	return v->nr - 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_name_index(const void *a, const void *b, void *arg)
{
	char *const *names = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(names[i], names[j]);

	return c ? c : (i > j) - (i < j);
}

/*
 * The indices of names[0..n) sorted by name, then by position (the
 * caller frees): a binary search finds a column among 100,000 where a
 * scan of them per lookup made wide files quadratic.
 */
static size_t *sort_names(char *const *names, size_t n)
{
	size_t *idx = mlw_malloc(mlw_st_mult(n + 1, sizeof(size_t))), i;

	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_name_index, (void *)names);
	return idx;
}

/* the position of the first name that repeats an earlier one, or n */
static size_t first_duplicate(char *const *names, size_t n)
{
	size_t *idx = sort_names(names, n), k, first = n;

	for (k = 1; k < n; k++)
		if (!strcmp(names[idx[k]], names[idx[k - 1]]) &&
		    idx[k] < first)
			first = idx[k];
	free(idx);
	return first;
}

/* ds->by_name, for mlw_dataset_find() */
static void index_columns(struct mlw_dataset *ds)
{
	char **names = mlw_malloc(mlw_st_mult(ds->nr_columns + 1,
					      sizeof(char *)));
	size_t i;

	for (i = 0; i < ds->nr_columns; i++)
		names[i] = ds->columns[i].name;
	free(ds->by_name);
	ds->by_name = sort_names(names, ds->nr_columns);
	free(names);
}

/*
 * Encode column col as categories: codes[] (one per row, SIZE_MAX when
 * missing) come from the text cells, or from a serial re-scan of the body
 * when some values of the column parsed as numbers ("1", "A", "2").
 */
static void encode_categorical(struct mlw_dataset *ds, struct loader *ld,
			       size_t col, const char *body, const char *end,
			       int mixed)
{
	struct vocab v = { 0 };
	struct mlw_buf b = MLW_BUF_INIT;
	size_t *codes = mlw_malloc(mlw_st_mult(ds->nr_rows, sizeof(*codes)));
	size_t *rank, i, row;
	double *out = ds->values + col * ds->nr_rows;
	int k;

	for (row = 0; row < ds->nr_rows; row++)
		codes[row] = SIZE_MAX;
	if (!mixed) {
		for (k = 0; k < ld->nr_slices; k++) {
			struct slice *s = &ld->slices[k];

			for (i = 0; i < s->nr_texts; i++) {
				if (s->texts[i].col != col)
					continue;
				mlw_csv_unquote(&b, &s->texts[i].field);
				codes[s->texts[i].row] =
					vocab_intern(&v, b.buf, b.len);
			}
		}
	} else {
		const char *p = body;

		row = 0;
		while (p < end) {
			struct mlw_csv_field f;
			size_t c;
			int st = MLW_CSV_FIELD;

			if (*p == '\n' || (*p == '\r' &&
					    (p + 1 == end || p[1] == '\n'))) {
				p += *p == '\n' || p + 1 == end ? 1 : 2;
				continue;
			}
			for (c = 0; st == MLW_CSV_FIELD; c++) {
				st = mlw_csv_field(&f, &p, end, ld->delim);
				if (c != col ||
				    ((!f.quoted || !f.len) &&
				     is_missing(f.text, f.len)))
					continue;
				mlw_csv_unquote(&b, &f);
				codes[row] = vocab_intern(&v, b.buf, b.len);
			}
			row++;
		}
	}
	/* sort the vocabulary; rank[old index] = sorted index */
	{
		char **sorted = mlw_malloc(mlw_st_mult(v.nr + 1, sizeof(*sorted)));

		memcpy(sorted, v.keys, v.nr * sizeof(*sorted));
		qsort(sorted, v.nr, sizeof(*sorted), cmp_str);
		rank = mlw_malloc(mlw_st_mult(v.nr + 1, sizeof(*rank)));
		for (i = 0; i < v.nr; i++) {
			char *key = sorted[i];
			size_t h = hash_str(key, strlen(key)) & (v.nr_slots - 1);

			while (strcmp(v.keys[v.slots[h] - 1], key))
				h = (h + 1) & (v.nr_slots - 1);
			rank[v.slots[h] - 1] = i;
		}
		ds->columns[col].categories = sorted;
		ds->columns[col].nr_categories = v.nr;
	}
	for (row = 0; row < ds->nr_rows; row++)
		out[row] = codes[row] == SIZE_MAX ? NAN :
			   (double)rank[codes[row]];
	free(rank);
	free(codes);
	free(v.keys);		/* the strings now belong to categories */
	free(v.slots);
	mlw_buf_release(&b);
}

/* ---- the builder ---- */

struct cell_ref {
	size_t off;		/* into the arena */
	size_t len;		/* SIZE_MAX: missing */
};

struct mlw_dataset_builder {
	char *path;
	size_t nr_columns;
	char **names;
	int *forced;		/* -1 or an enum mlw_column_type */
	struct mlw_buf arena;
	struct cell_ref *cells;	/* row-major */
	size_t nr_rows, alloc_cells;
	struct { size_t source, line; } *where;
	size_t alloc_where;
	char **sources;
	size_t nr_sources, alloc_sources;
};

/* where a builder's cell came from and (up to 40 bytes of) its text */
struct cell_at {
	const char *source;
	size_t line;
	int len;
	const char *text;
};

static struct cell_at cell_at(const struct mlw_dataset_builder *b,
			      size_t row, size_t col)
{
	struct cell_at at = { "", 0, 0, "" };
	const struct cell_ref *r;

	if (row >= b->nr_rows)
		return at;
	r = &b->cells[row * b->nr_columns + col];
	at.source = b->sources[b->where[row].source];
	at.line = b->where[row].line;
	at.len = r->len == SIZE_MAX ? 0 : (int)(r->len > 40 ? 40 : r->len);
	at.text = b->arena.buf + r->off;
	return at;
}

int mlw_dataset_builder_new(struct mlw_dataset_builder **out,
			    const char *path, char *const *names,
			    size_t nr_columns)
{
	struct mlw_dataset_builder *b;
	size_t i, j;

	*out = NULL;
	for (i = 0; i < nr_columns; i++)
		if (!*names[i])
			return mlw_error_setc(MLW_EINVALID,
					      "%s: column %zu has no name", path,
					      i + 1);
	j = first_duplicate(names, nr_columns);
	if (j < nr_columns)
		return mlw_error_setc(MLW_EINVALID,
				      "%s: duplicate column name '%s'", path,
				      names[j]);
	if (nr_columns > MAX_COLUMNS)
		return mlw_error_setc(MLW_EINVALID, "%s: more than %d columns",
				      path, MAX_COLUMNS);
	b = mlw_calloc(1, sizeof(*b));
	b->path = mlw_strdup(path);
	b->nr_columns = nr_columns;
	b->names = mlw_calloc(nr_columns + 1, sizeof(char *));
	b->forced = mlw_calloc(nr_columns + 1, sizeof(int));
	for (i = 0; i < nr_columns; i++) {
		b->names[i] = mlw_strdup(names[i]);
		b->forced[i] = -1;
	}
	mlw_buf_init(&b->arena, 0);
	*out = b;
	return 0;
}

void mlw_dataset_builder_force(struct mlw_dataset_builder *b, size_t col,
			       enum mlw_column_type type)
{
	b->forced[col] = (int)type;
}

void mlw_dataset_builder_add(struct mlw_dataset_builder *b,
			     const char *source, size_t line,
			     const struct mlw_dataset_cell *cells)
{
	size_t i, base = b->nr_rows * b->nr_columns;

	if (!b->nr_sources || strcmp(b->sources[b->nr_sources - 1], source)) {
		MLW_ALLOC_GROW(b->sources, b->nr_sources + 1, b->alloc_sources);
		b->sources[b->nr_sources++] = mlw_strdup(source);
	}
	MLW_ALLOC_GROW(b->cells, base + b->nr_columns + 1, b->alloc_cells);
	MLW_ALLOC_GROW(b->where, b->nr_rows + 1, b->alloc_where);
	b->where[b->nr_rows].source = b->nr_sources - 1;
	b->where[b->nr_rows].line = line;
	for (i = 0; i < b->nr_columns; i++) {
		struct cell_ref *c = &b->cells[base + i];

		c->off = b->arena.len;
		c->len = cells[i].missing ? SIZE_MAX : cells[i].len;
		if (!cells[i].missing)
			mlw_buf_add(&b->arena, cells[i].text, cells[i].len);
	}
	b->nr_rows++;
}

size_t mlw_dataset_builder_rows(const struct mlw_dataset_builder *b)
{
	return b->nr_rows;
}

void mlw_dataset_builder_free(struct mlw_dataset_builder *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->nr_columns; i++)
		free(b->names[i]);
	for (i = 0; i < b->nr_sources; i++)
		free(b->sources[i]);
	free(b->sources);
	free(b->names);
	free(b->forced);
	free(b->cells);
	free(b->where);
	mlw_buf_release(&b->arena);
	free(b->path);
	free(b);
}

static int bool_text(const char *s, size_t len, int loose)
{
	if (len == 4 && !strncasecmp(s, "true", 4))
		return 1;
	if (len == 5 && !strncasecmp(s, "false", 5))
		return 0;
	if (loose && len == 1 && (*s == '1' || *s == '0'))
		return *s == '1';
	return -1;
}

/* type and fill column col of ds from the builder's cells */
static int build_column(struct mlw_dataset *ds, struct mlw_dataset_builder *b,
			size_t col)
{
	struct mlw_column *c = &ds->columns[col];
	double *out = ds->values + col * ds->nr_rows;
	size_t row, nr_num = 0, nr_text = 0, nr_bool = 0, nr_inf = 0;
	size_t first_text = SIZE_MAX;
	int forced = b->forced[col];

	for (row = 0; row < ds->nr_rows; row++) {
		struct cell_ref *r = &b->cells[row * b->nr_columns + col];
		const char *s = b->arena.buf + r->off;
		double v;
		int ret;

		if (r->len == SIZE_MAX) {
			out[row] = NAN;
			c->nr_missing++;
			continue;
		}
		ret = mlw_csv_parse_double(&v, s, r->len);
		/* an infinity is text, as the CSV loader keeps it */
		nr_inf += ret == 1;
		if (!ret) {
			out[row] = v;
			nr_num++;
			continue;
		}
		out[row] = NAN;
		nr_text++;
		nr_bool += bool_text(s, r->len, 0) >= 0;
		if (first_text == SIZE_MAX)
			first_text = row;
	}
	if (forced < 0)
		forced = nr_text == nr_inf ? MLW_COLUMN_NUMERIC :
			 !nr_num && nr_bool == nr_text ? MLW_COLUMN_BOOLEAN :
			 MLW_COLUMN_CATEGORICAL;
	if (forced == MLW_COLUMN_NUMERIC && nr_text == nr_inf && nr_inf) {
		struct cell_at at = cell_at(b, first_text, col);

		/* unusable, but refused only when used */
		c->problem = mlw_xstrfmt(
			"%s:%zu: infinite value '%.*s' (column '%s')",
			at.source, at.line, at.len, at.text, c->name);
		c->type = MLW_COLUMN_NUMERIC;
		return 0;
	}
	if (forced == MLW_COLUMN_NUMERIC) {
		struct cell_at at = cell_at(b, first_text, col);

		if (nr_text)
			return mlw_error_setc(MLW_EINVALID,
				"%s:%zu: '%.*s' is not a number (column '%s' is numeric)",
				at.source, at.line, at.len, at.text, c->name);
		c->type = MLW_COLUMN_NUMERIC;
		return 0;
	}
	if (forced == MLW_COLUMN_BOOLEAN) {
		c->type = MLW_COLUMN_BOOLEAN;
		for (row = 0; row < ds->nr_rows; row++) {
			struct cell_ref *r = &b->cells[row * b->nr_columns + col];
			int v;

			if (r->len == SIZE_MAX)
				continue;
			v = bool_text(b->arena.buf + r->off, r->len, 1);
			if (v < 0)
				return mlw_error_setc(MLW_EINVALID,
					"%s:%zu: '%.*s' is not true or false (column '%s' is boolean)",
					b->sources[b->where[row].source],
					b->where[row].line,
					(int)(r->len > 40 ? 40 : r->len),
					b->arena.buf + r->off, c->name);
			out[row] = v;
		}
		return 0;
	}
	/* categorical: every present cell by its text */
	{
		struct vocab v = { 0 };
		size_t *rank, i;

		c->type = MLW_COLUMN_CATEGORICAL;
		for (row = 0; row < ds->nr_rows; row++) {
			struct cell_ref *r = &b->cells[row * b->nr_columns + col];

			if (r->len != SIZE_MAX)
				out[row] = (double)vocab_intern(&v,
					b->arena.buf + r->off, r->len);
		}
		c->categories = mlw_malloc(mlw_st_mult(v.nr + 1, sizeof(char *)));
		memcpy(c->categories, v.keys, v.nr * sizeof(char *));
		qsort(c->categories, v.nr, sizeof(char *), cmp_str);
		c->nr_categories = v.nr;
		rank = mlw_malloc(mlw_st_mult(v.nr + 1, sizeof(*rank)));
		for (i = 0; i < v.nr; i++) {
			const char *key = c->categories[i];
			size_t h = hash_str(key, strlen(key)) & (v.nr_slots - 1);

			while (strcmp(v.keys[v.slots[h] - 1], key))
				h = (h + 1) & (v.nr_slots - 1);
			rank[v.slots[h] - 1] = i;
		}
		for (row = 0; row < ds->nr_rows; row++)
			if (!isnan(out[row]))
				out[row] = (double)rank[(size_t)out[row]];
		free(rank);
		free(v.keys);
		free(v.slots);
	}
	if (nr_num && b->forced[col] < 0) {
		struct cell_at at = cell_at(b, first_text, col);

		c->note = mixed_note(c, at.len, at.text, at.source, at.line);
	}
	return 0;
}

int mlw_dataset_builder_finish(struct mlw_dataset **out,
			       struct mlw_dataset_builder *b)
{
	struct mlw_dataset *ds = mlw_calloc(1, sizeof(*ds));
	size_t col;
	int ret = 0;

	*out = NULL;
	ds->refcount = 1;
	ds->path = mlw_strdup(b->path);
	ds->nr_rows = b->nr_rows;
	ds->nr_columns = b->nr_columns;
	ds->file_size = b->arena.len;
	ds->columns = mlw_calloc(b->nr_columns + 1, sizeof(*ds->columns));
	for (col = 0; col < b->nr_columns; col++)
		ds->columns[col].name = mlw_strdup(b->names[col]);
	ds->values_size = mlw_st_mult(mlw_st_mult(ds->nr_rows, ds->nr_columns),
				      sizeof(double));
	/* also for no rows: a column's address is never NULL + 0 */
	ds->values = mlw_big_alloc(ds->values_size);
	for (col = 0; col < b->nr_columns && !ret; col++)
		ret = build_column(ds, b, col);
	index_columns(ds);
	mlw_dataset_builder_free(b);
	if (ret) {
		mlw_dataset_unref(ds);
		return ret;
	}
	*out = ds;
	return 0;
}

static int parse_header(struct mlw_dataset *ds, const char **pos,
			const char *end, char delim, const char *path)
{
	struct mlw_buf b = MLW_BUF_INIT;
	size_t alloc = 0, i;
	char **names;
	int st = MLW_CSV_FIELD;

	while (st == MLW_CSV_FIELD) {
		struct mlw_csv_field f;

		st = mlw_csv_field(&f, pos, end, delim);
		if (st < 0) {
			mlw_buf_release(&b);
			return mlw_error_setc(MLW_EINVALID, "%s:1:%zu: %s", path,
					      ds->nr_columns + 1,
					      mlw_csv_strerror(st));
		}
		mlw_csv_unquote(&b, &f);
		if (!b.len) {
			mlw_buf_release(&b);
			return mlw_error_setc(MLW_EINVALID,
					      "%s:1:%zu: empty column name in the header",
					      path, ds->nr_columns + 1);
		}
		if (ds->nr_columns >= MAX_COLUMNS) {
			mlw_buf_release(&b);
			return mlw_error_setc(MLW_EINVALID,
					      "%s: more than %d columns", path,
					      MAX_COLUMNS);
		}
		MLW_ALLOC_GROW(ds->columns, ds->nr_columns + 1, alloc);
		memset(&ds->columns[ds->nr_columns], 0, sizeof(*ds->columns));
		ds->columns[ds->nr_columns++].name = mlw_strdup(b.buf);
	}
	mlw_buf_release(&b);
	names = mlw_malloc(mlw_st_mult(ds->nr_columns + 1, sizeof(char *)));
	for (i = 0; i < ds->nr_columns; i++)
		names[i] = ds->columns[i].name;
	/* the first repeat in the header, found by sorting, not n^2 */
	i = first_duplicate(names, ds->nr_columns);
	free(names);
	if (i < ds->nr_columns)
		return mlw_error_setc(MLW_EINVALID,
				      "%s:1:%zu: duplicate column name '%s'",
				      path, i + 1, ds->columns[i].name);
	index_columns(ds);
	return 0;
}


/*
 * Decide each column's type from the parse counts and encode text
 * columns.  Nothing here refuses the file: a column of numbers with an
 * infinity gets a problem (refused if used), one of numbers and text is
 * categorical with a note (a warning if used), as pandas reads it.
 */
static int type_columns(struct mlw_dataset *ds, struct loader *ld,
			const char *body, const char *end)
{
	size_t col, i;
	int k;

	for (col = 0; col < ds->nr_columns; col++) {
		struct mlw_column *c = &ds->columns[col];
		size_t nr_num = 0, nr_text = 0, nr_bool = 0, nr_inf = 0;
		struct text_cell *first = NULL;

		for (k = 0; k < ld->nr_slices; k++) {
			struct slice *s = &ld->slices[k];

			nr_num += s->nr_numeric[col];
			nr_text += s->nr_text[col];
			nr_inf += s->nr_inf[col];
			c->nr_missing += s->nr_missing[col];
			for (i = 0; i < s->nr_texts && s->nr_text[col]; i++) {
				if (s->texts[i].col != col)
					continue;
				if (!first)
					first = &s->texts[i];
				nr_bool += bool_value(&s->texts[i].field) >= 0;
			}
		}
		if (nr_text == nr_inf) {
			c->type = MLW_COLUMN_NUMERIC;
			c->has_sum = 1;
			for (k = 0; k < ld->nr_slices; k++)
				c->sum += ld->slices[k].sum[col];
			if (first)
				c->problem = mlw_xstrfmt(
					"%s:%zu:%zu: infinite value '%.*s' (column '%s')",
					ld->path, first->line, col + 1,
					(int)(first->field.len > 40 ? 40 :
					      first->field.len),
					first->field.text, c->name);
		} else if (!nr_num && nr_bool == nr_text) {
			c->type = MLW_COLUMN_BOOLEAN;
			for (k = 0; k < ld->nr_slices; k++) {
				struct slice *s = &ld->slices[k];

				for (i = 0; i < s->nr_texts; i++)
					if (s->texts[i].col == col)
						ds->values[col * ds->nr_rows +
							   s->texts[i].row] =
							bool_value(&s->texts[i].field);
			}
		} else {
			c->type = MLW_COLUMN_CATEGORICAL;
			encode_categorical(ds, ld, col, body, end, nr_num > 0);
			if (nr_num)
				c->note = mixed_note(c,
					(int)(first->field.len > 40 ? 40 :
					      first->field.len),
					first->field.text, ld->path,
					first->line);
		}
	}
	return 0;
}

static void free_slices(struct loader *ld)
{
	int k;

	for (k = 0; k < ld->nr_slices; k++) {
		struct slice *s = &ld->slices[k];

		free(s->nr_numeric);
		free(s->nr_text);
		free(s->nr_missing);
		free(s->nr_inf);
		free(s->sum);
		free(s->texts);
		free(s->error_msg);
	}
	free(ld->slices);
}

/*
 * The first line end in [p, end), end when there is none, or NULL when
 * there is none in the first MLW_DATASET_MAX_LINE bytes.
 */
static const char *find_line_end(const char *p, const char *end)
{
	size_t len = (size_t)(end - p);
	const char *nl;

	if (len > MLW_DATASET_MAX_LINE + 1)
		len = MLW_DATASET_MAX_LINE + 1;
	nl = memchr(p, '\n', len);
	if (!nl && p + len < end)
		return NULL;
	return nl ? nl : end;
}

static int load_mapped(struct mlw_dataset *ds, const char *map, size_t size,
		       int fd, const struct mlw_dataset_options *opts,
		       int part, int nr_parts)
{
	struct loader ld = { 0 };
	const char *pos = map, *end = map + size, *body;
	size_t body_size, row = 0, line, k, quotes = 0;
	int nr_threads, ret = 0;

	ld.path = ds->path;
	ld.map = map;
	ld.fd = fd;
	ld.delim = opts && opts->delimiter ? opts->delimiter : ',';
	if (size >= 3 && !memcmp(pos, "\xEF\xBB\xBF", 3))
		pos += 3;
	if (pos == end)
		return mlw_error_setc(MLW_EINVALID, "%s: empty file", ds->path);
	/* a header of gigabytes is no header: fail before reading it */
	if (!find_line_end(pos, end))
		return mlw_error_setc(MLW_EINVALID,
				      "%s:1: line longer than %zu MiB", ds->path,
				      (size_t)MLW_DATASET_MAX_LINE >> 20);
	ret = parse_header(ds, &pos, end, ld.delim, ds->path);
	if (ret)
		return ret;
	body = pos;
	line = 2 + count_char(map, body, '\n') - (body > map && body[-1] == '\n');
	if (nr_parts > 1) {
		const char *lo = share_start(body, end, part, nr_parts);
		const char *hi = share_start(body, end, part + 1, nr_parts);

		line += count_char(body, lo, '\n');
		body = lo;
		end = hi;
	}
	body_size = (size_t)(end - body);
	ld.nr_columns = ds->nr_columns;

	nr_threads = opts && opts->nr_threads > 0 ? opts->nr_threads :
		     (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nr_threads < 1)
		nr_threads = 1;
	if (nr_threads > MAX_THREADS)
		nr_threads = MAX_THREADS;
	/* threads only pay off beyond a few hundred kilobytes a slice */
	if ((size_t)nr_threads > body_size / (256 << 10) + 1)
		nr_threads = (int)(body_size / (256 << 10) + 1);
	ld.nr_slices = nr_threads;
	ld.slices = mlw_calloc((size_t)nr_threads, sizeof(*ld.slices));
	for (k = 0; k < (size_t)nr_threads; k++) {
		ld.slices[k].ld = &ld;
		ld.slices[k].start = body + body_size * k / nr_threads;
		ld.slices[k].end = body + body_size * (k + 1) / nr_threads;
	}
	/* cut after line ends and hope for no quotes: one pass, not two */
	for (k = 1; k < (size_t)nr_threads; k++) {
		const char *nl = find_line_end(ld.slices[k].start, end);
		/* no line end in sight: the slice before finds the long line */
		const char *cut = nl && nl < end ? nl + 1 : end;

		if (cut < ld.slices[k - 1].start)
			cut = ld.slices[k - 1].start;
		ld.slices[k].start = ld.slices[k - 1].end = cut;
	}
	run_parallel(&ld, count_plain);
	for (k = 0, quotes = line; k < (size_t)nr_threads; k++) {
		struct slice *s = &ld.slices[k];

		if (s->error) {
			ret = mlw_error_setc(s->error, "%s:%zu: %s", ds->path,
					     quotes + s->nr_lines, s->error_msg);
			free_slices(&ld);
			return ret;
		}
		quotes += s->nr_lines;
	}
	quotes = 0;
	for (k = 0; k < (size_t)nr_threads; k++)
		quotes += ld.slices[k].nr_quotes;
	if (!quotes)
		goto counted;
	quotes = 0;
	for (k = 0; k < (size_t)nr_threads; k++) {
		ld.slices[k].start = body + body_size * k / nr_threads;
		ld.slices[k].end = body + body_size * (k + 1) / nr_threads;
		ld.slices[k].nr_rows = ld.slices[k].nr_lines = 0;
	}
	run_parallel(&ld, count_quotes);
	/* move each cut to the next row start outside quotes */
	for (k = 1; k < (size_t)nr_threads; k++) {
		struct slice *s = &ld.slices[k];

		quotes += ld.slices[k - 1].nr_quotes;
		s->start = next_row_start(s->start, end, (int)(quotes & 1));
		if (s->start < ld.slices[k - 1].start)
			s->start = ld.slices[k - 1].start;
		ld.slices[k - 1].end = s->start;
	}
	ld.slices[nr_threads - 1].end = end;
	run_parallel(&ld, count_rows);
counted:
	for (k = 0; k < (size_t)nr_threads; k++) {
		struct slice *s = &ld.slices[k];

		s->first_row = row;
		s->first_line = line;
		row += s->nr_rows;
		line += s->nr_lines;
		s->nr_numeric = mlw_calloc(ds->nr_columns, sizeof(size_t));
		s->nr_text = mlw_calloc(ds->nr_columns, sizeof(size_t));
		s->nr_missing = mlw_calloc(ds->nr_columns, sizeof(size_t));
		s->nr_inf = mlw_calloc(ds->nr_columns, sizeof(size_t));
		s->sum = mlw_calloc(ds->nr_columns, sizeof(double));
	}
	ds->nr_rows = ld.nr_rows = row;
	ds->values_size = mlw_st_mult(mlw_st_mult(row, ds->nr_columns),
				      sizeof(double));
	/* also for no rows: a column's address is never NULL + 0 */
	ds->values = mlw_big_alloc(ds->values_size);
	ld.values = ds->values;
	run_parallel(&ld, parse_slice);
	for (k = 0; k < (size_t)nr_threads; k++) {
		struct slice *s = &ld.slices[k];

		if (s->error) {
			const char *name = s->error_col <= ds->nr_columns ?
				ds->columns[s->error_col - 1].name : NULL;

			if (name)
				ret = mlw_error_setc(s->error,
						     "%s:%zu:%zu: %s (column '%s')",
						     ds->path, s->error_line,
						     s->error_col, s->error_msg,
						     name);
			else
				ret = mlw_error_setc(s->error, "%s:%zu:%zu: %s",
						     ds->path, s->error_line,
						     s->error_col, s->error_msg);
			break;
		}
	}
	if (!ret)
		ret = type_columns(ds, &ld, body, end);
	free_slices(&ld);
	return ret;
}

int mlw_dataset_load(struct mlw_dataset **out, const char *path,
		     const struct mlw_dataset_options *opts)
{
	return mlw_dataset_load_part(out, path, opts, 0, 1);
}

int mlw_dataset_load_part(struct mlw_dataset **out, const char *path,
			  const struct mlw_dataset_options *opts, int part,
			  int nr_parts)
{
	struct mlw_dataset *ds;
	struct stat st;
	void *map = NULL;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int code = mlw_errno_code(errno);

		mlw_error_errno("cannot open '%s'", path);
		return mlw_error_recode(code);
	}
	if (fstat(fd, &st) < 0) {
		ret = mlw_error_errno("cannot stat '%s'", path);
		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return mlw_error_setc(MLW_EINVALID, "'%s' is not a file", path);
	}
	if (st.st_size) {
		/* mapped in a window at a time: see window_step() */
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			   fd, 0);
		if (map == MAP_FAILED) {
			ret = mlw_error_errno("cannot map '%s'", path);
			close(fd);
			return ret;
		}
		madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	}
	ds = mlw_calloc(1, sizeof(*ds));
	ds->refcount = 1;
	ds->path = mlw_strdup(path);
	ds->file_size = (size_t)st.st_size;
	ret = load_mapped(ds, map ? map : "", (size_t)st.st_size, fd, opts,
			  part, nr_parts);
	close(fd);
	if (map)
		munmap(map, (size_t)st.st_size);
	if (ret) {
		mlw_dataset_unref(ds);
		return ret;
	}
	*out = ds;
	return 0;
}

struct mlw_dataset *mlw_dataset_ref(struct mlw_dataset *ds)
{
	__atomic_add_fetch(&ds->refcount, 1, __ATOMIC_RELAXED);
	return ds;
}

void mlw_dataset_unref(struct mlw_dataset *ds)
{
	size_t i, j;

	if (!ds || __atomic_sub_fetch(&ds->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	for (i = 0; i < ds->nr_columns; i++) {
		for (j = 0; j < ds->columns[i].nr_categories; j++)
			free(ds->columns[i].categories[j]);
		free(ds->columns[i].categories);
		free(ds->columns[i].name);
		free(ds->columns[i].problem);
		free(ds->columns[i].note);
	}
	free(ds->columns);
	free(ds->by_name);
	mlw_big_free(ds->values, ds->values_size);
	free(ds->path);
	free(ds);
}

int mlw_dataset_find(const struct mlw_dataset *ds, const char *name)
{
	size_t lo = 0, hi = ds->nr_columns, i;

	if (!ds->by_name) {
		for (i = 0; i < ds->nr_columns; i++)
			if (!strcmp(ds->columns[i].name, name))
				return (int)i;
		return -1;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ds->columns[ds->by_name[mid]].name, name);

		if (!c)
			return (int)ds->by_name[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

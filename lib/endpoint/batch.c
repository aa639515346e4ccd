/*
 * batch.c - a batch deployment scoring the files of one invocation in
 * mini-batches on a pool of threads; see batch.h.
 *
 * Each mini-batch writes its lines to a file of its own in a scratch
 * folder (.mlw/tmp/batch-XXXXXX), so that threads never share an output
 * and memory stays one chunk of the scorer's whatever the input's size.
 * The files are joined in mini-batch order into the predictions file
 * while the others are scored: the worker that ends the next mini-batch
 * in order appends it, and any after it that ended before, hashing what
 * it appends; a temporary file, renamed over any older predictions at
 * the end.  The id so made is left in the run's stat cache hint
 * (req->hint_cache), so the run's supervisor need not read the
 * predictions again to store them.  An input file is first cut into
 * chunk files of mini_batch_size rows (the header repeated), a
 * quote-aware cut so a quoted newline stays in its row.
 */
#include "endpoint/batch.h"
#include "endpoint/endpoint.h"
#include "endpoint/internal.h"
#include "endpoint/worker.h"
#include "ml/model.h"
#include "ml/score.h"
#include "store/odb.h"
#include "store/statcache.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <dirent.h>
#include <jansson.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* a file the scorer reads: an input file, or a chunk of one */
struct part {
	char *path;
	const char *file_name;	/* borrowed: the input's name */
	size_t row_base;	/* the index of its first row in the input */
	size_t nr_rows;		/* rows in a chunk (0: not counted) */
};

struct mini_batch {
	size_t first, nr;	/* parts[first .. first + nr) */
	char *out_path;		/* its lines */
	int failed;
	int done;		/* tried for the last time (under lock) */
	size_t nr_rows, nr_skipped;
};

struct batch {
	const struct mlw_batch_request *req;
	const struct mlw_deployment *d;
	struct mlw_model model;
	struct mlw_worker_pool *pool;	/* a scoring script's workers */
	int is_folder;
	int level;
	char *scratch;
	struct part *parts;
	size_t nr_parts, alloc_parts;
	char **names;		/* the input files' names */
	size_t nr_names, alloc_names;
	struct mini_batch *batches;
	size_t nr_batches;
	int64_t retries;

	/* the predictions being joined (append_row), see the top */
	char *join_path, *join_tmp;
	int join_fd;
	struct mlw_hasher *hasher;
	unsigned char *join_buf;

	pthread_mutex_t lock;	/* the fields below, and the log */
	size_t next;
	size_t nr_retries;
	size_t joined;		/* mini-batches [0, joined) are in */
	int joining;		/* a worker is appending */
	int io_error;
	char *io_message;
};

/* one line of the invocation's log, when its level is logged */
static void say(struct batch *b, enum mlw_batch_level level,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(struct batch *b, enum mlw_batch_level level,
		const char *fmt, ...)
{
	const struct mlw_batch_request *req = b->req;
	struct mlw_buf line = MLW_BUF_INIT;
	va_list ap;

	if (!req->log || (int)level > b->level)
		return;
	va_start(ap, fmt);
	mlw_buf_vaddf(&line, fmt, ap);
	va_end(ap);
	req->log(level, line.buf, req->data);
	mlw_buf_release(&line);
}

/* the deployment's logging_level as a level (warning when unknown) */
static int level_of(const char *name)
{
	if (name && !strcasecmp(name, "debug"))
		return MLW_BATCH_DEBUG;
	if (name && !strcasecmp(name, "info"))
		return MLW_BATCH_INFO;
	return MLW_BATCH_WARNING;
}

static int has_csv_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !strcasecmp(name + n - 4, ".csv");
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_part(struct batch *b, char *path, const char *file_name,
		     size_t row_base, size_t nr_rows)
{
	struct part *p;

	MLW_ALLOC_GROW(b->parts, b->nr_parts + 1, b->alloc_parts);
	p = &b->parts[b->nr_parts++];
	p->path = path;
	p->file_name = file_name;
	p->row_base = row_base;
	p->nr_rows = nr_rows;
}

static char *add_name(struct batch *b, const char *name)
{
	MLW_ALLOC_GROW(b->names, b->nr_names + 1, b->alloc_names);
	b->names[b->nr_names] = mlw_strdup(name);
	return b->names[b->nr_names++];
}

/*
 * The regular files of folder dir (links followed; subfolders are not
 * entered, as Azure's), by name; each must be a .csv file.
 */
static int list_folder(struct batch *b, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t i, first = b->nr_names;
	int ret = 0;

	if (!d)
		return mlw_error_setc(errno == ENOENT ? MLW_ENOTFOUND :
				      MLW_ERROR, "cannot open folder '%s': %s",
				      dir, strerror(errno));
	while ((e = readdir(d))) {
		char *path;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		path = mlw_path_join(dir, e->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		free(path);
		add_name(b, e->d_name);
	}
	closedir(d);
	qsort(b->names + first, b->nr_names - first, sizeof(*b->names),
	      compare_names);
	for (i = first; i < b->nr_names && !ret && !b->d->scoring_script; i++)
		if (!has_csv_suffix(b->names[i]))
			ret = mlw_error_setc(MLW_EINVALID,
					     "'%s': only .csv files are scored (mlw models take tables)",
					     b->names[i]);
	for (i = first; i < b->nr_names && !ret; i++)
		add_part(b, mlw_path_join(dir, b->names[i]), b->names[i], 0,
			 0);
	if (!ret && !b->nr_parts)
		ret = mlw_error_setc(MLW_ENOTFOUND, "no files to score in '%s'",
				     dir);
	return ret;
}

/* write one chunk file: the header and rows[0..len) */
static int write_chunk(struct batch *b, const struct mlw_buf *header,
		       const char *rows, size_t len, const char *file_name,
		       size_t row_base, size_t nr_rows)
{
	char *path = mlw_xstrfmt("%s/chunk-%06zu.csv", b->scratch,
				 b->nr_parts);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int ret;

	if (fd < 0) {
		ret = mlw_error_errno("cannot create '%s'", path);
		free(path);
		return ret;
	}
	ret = mlw_write_all(fd, header->buf, header->len);
	if (!ret)
		ret = mlw_write_all(fd, rows, len);
	if (close(fd) < 0 && !ret)
		ret = mlw_error_errno("cannot write '%s'", path);
	if (ret) {
		free(path);
		return ret;
	}
	add_part(b, path, file_name, row_base, nr_rows);
	return 0;
}

/*
 * Cut the input file into chunk files of rows_per_chunk rows each.  A
 * row ends at a newline outside quotes (a doubled quote toggles twice);
 * blank lines are rows the scorer skips, as in the file.
 */
static int cut_file(struct batch *b, const char *input, const char *name,
		    size_t rows_per_chunk)
{
	struct mlw_buf header = MLW_BUF_INIT, rows = MLW_BUF_INIT;
	char block[65536];
	size_t row_base = 0, nr = 0;
	int in_header = 1, quoted = 0, ret = 0;
	FILE *fp = fopen(input, "rb");

	if (!fp)
		return mlw_error_setc(errno == ENOENT ? MLW_ENOTFOUND :
				      MLW_ERROR, "cannot open '%s': %s", input,
				      strerror(errno));
	for (;;) {
		size_t got = fread(block, 1, sizeof(block), fp), i, start = 0;

		for (i = 0; i < got && !ret; i++) {
			if (block[i] == '"')
				quoted = !quoted;
			if (block[i] != '\n' || quoted)
				continue;
			if (in_header) {
				mlw_buf_add(&header, block + start,
					    i + 1 - start);
				in_header = 0;
			} else {
				mlw_buf_add(&rows, block + start,
					    i + 1 - start);
				nr++;
			}
			start = i + 1;
			if (nr == rows_per_chunk) {
				ret = write_chunk(b, &header, rows.buf,
						  rows.len, name, row_base, nr);
				row_base += nr;
				nr = 0;
				mlw_buf_setlen(&rows, 0);
			}
		}
		if (ret)
			break;
		mlw_buf_add(in_header ? &header : &rows, block + start,
			    got - start);
		if (got < sizeof(block)) {
			if (ferror(fp))
				ret = mlw_error_errno("cannot read '%s'", input);
			break;
		}
	}
	fclose(fp);
	if (!ret && rows.len) {
		if (rows.buf[rows.len - 1] != '\n') {
			mlw_buf_addch(&rows, '\n');
			nr++;	/* a last row without its newline */
		}
		ret = write_chunk(b, &header, rows.buf, rows.len, name,
				  row_base, nr);
	}
	if (!ret && !b->nr_parts)
		ret = mlw_error_setc(MLW_ENOTFOUND, "no rows to score in '%s'",
				     input);
	mlw_buf_release(&header);
	mlw_buf_release(&rows);
	return ret;
}

/* the parts of the input and the mini-batches over them */
static int plan(struct batch *b, int64_t size)
{
	const char *input = b->req->input;
	struct stat st;
	size_t i, per;
	int ret;

	if (stat(input, &st) < 0)
		return mlw_error_setc(errno == ENOENT ? MLW_ENOTFOUND :
				      MLW_ERROR, "cannot read '%s': %s", input,
				      strerror(errno));
	b->is_folder = S_ISDIR(st.st_mode);
	if (b->is_folder) {
		ret = list_folder(b, input);
		per = (size_t)size;
	} else {
		const char *slash = strrchr(input, '/');
		const char *name = add_name(b, slash ? slash + 1 : input);

		per = 1;
		if (b->d->scoring_script) {
			/* a script reads the file itself: one item */
			add_part(b, mlw_strdup(input), name, 0, 1);
			ret = 0;
		} else if (!has_csv_suffix(name)) {
			return mlw_error_setc(MLW_EINVALID,
					      "'%s': only .csv files are scored (mlw models take tables)",
					      name);
		} else {
			ret = cut_file(b, input, name, (size_t)size);
		}
	}
	if (ret)
		return ret;
	b->nr_batches = (b->nr_parts + per - 1) / per;
	b->batches = mlw_calloc(b->nr_batches, sizeof(*b->batches));
	for (i = 0; i < b->nr_batches; i++) {
		struct mini_batch *mb = &b->batches[i];

		mb->first = i * per;
		mb->nr = b->nr_parts - mb->first < per ?
			 b->nr_parts - mb->first : per;
		mb->out_path = mlw_xstrfmt("%s/batch-%06zu.out", b->scratch, i);
	}
	return 0;
}

/* the rows the scorer skipped in one part: their indexes, in order */
struct skipped {
	struct batch *b;
	const struct part *part;
};

/*
 * on_error of the scorer: "PATH:LINE: message", LINE 2 being the part's
 * first row; logged as the input file's name and line.
 */
static void on_bad_row(const char *msg, void *data)
{
	struct skipped *s = data;
	const struct part *p = s->part;
	size_t n = strlen(p->path);
	char *end = NULL;
	unsigned long line = 0;

	if (!strncmp(msg, p->path, n) && msg[n] == ':') {
		errno = 0;
		line = strtoul(msg + n + 1, &end, 10);
		if (errno || end == msg + n + 1 || *end != ':' || line < 2)
			line = 0;
	}
	pthread_mutex_lock(&s->b->lock);
	if (line)
		say(s->b, MLW_BATCH_WARNING, "skipped: %s:%zu:%s",
		    p->file_name, p->row_base + line, end + 1);
	else
		say(s->b, MLW_BATCH_WARNING, "skipped: %s", msg);
	pthread_mutex_unlock(&s->b->lock);
}

/* f's name as a CSV field: quoted when it must be */
static void add_field(struct mlw_buf *out, const char *f)
{
	const char *p;

	if (!strpbrk(f, ",\"\r\n")) {
		mlw_buf_adds(out, f);
		return;
	}
	mlw_buf_addch(out, '"');
	for (p = f; *p; p++) {
		if (*p == '"')
			mlw_buf_addch(out, '"');
		mlw_buf_addch(out, *p);
	}
	mlw_buf_addch(out, '"');
}

/*
 * Score one part into out_fd as "ROW,PREDICTION,FILE" lines.  Rows the
 * scorer skips keep their index for the rows after them.
 */
static int score_part(struct batch *b, const struct part *p, int out_fd,
		      size_t *nr_rows, size_t *nr_skipped)
{
	struct mlw_score_options so = { 0 };
	struct mlw_score_stats st;
	struct skipped sk = { b, p };
	struct mlw_buf suffix = MLW_BUF_INIT;
	int ret;

	mlw_buf_addch(&suffix, ',');
	add_field(&suffix, p->file_name);
	so.error_threshold = -1;
	so.nr_threads = 1;
	so.on_error = on_bad_row;
	so.data = &sk;
	so.row_numbers = 1;
	so.row_base = p->row_base;
	so.line_suffix = suffix.buf;
	ret = mlw_score_csv(&st, &b->model, p->path, out_fd, &so);
	if (!ret) {
		*nr_rows += st.nr_scored;
		*nr_skipped += st.nr_errors;
	}
	mlw_buf_release(&suffix);
	return ret;
}

/*
 * A mini-batch on the scoring script's workers: run(mini_batch) with its
 * files' paths, within retry_settings.timeout; its answer is its lines.
 */
static int run_script(struct batch *b, struct mini_batch *mb, FILE *out)
{
	json_t *paths = json_array();
	struct mlw_buf answer = MLW_BUF_INIT;
	int64_t timeout = b->d->batch.retry_timeout > 0 ?
			  b->d->batch.retry_timeout : 30;
	char *body;
	size_t i;
	int status = 0, ret;

	for (i = 0; i < mb->nr; i++)
		json_array_append_new(paths,
				      json_string(b->parts[mb->first + i].path));
	body = json_dumps(paths, JSON_COMPACT);
	json_decref(paths);
	if (!body)
		return mlw_error_set("cannot encode a mini-batch");
	ret = mlw_worker_pool_call(b->pool, body, strlen(body),
				   timeout * 1000, &status, &answer);
	free(body);
	if (ret == MLW_WORKER_TIMEOUT)
		ret = mlw_error_set("run() did not return within retry_settings.timeout (%lld s)",
				    (long long)timeout);
	else if (!ret && status != 200)
		ret = mlw_error_set("%.*s", (int)(answer.len < 4096 ?
						  answer.len : 4096),
				    answer.buf ? answer.buf : "");
	if (!ret) {
		for (i = 0; i < answer.len; i++)
			mb->nr_rows += answer.buf[i] == '\n';
		if (answer.len &&
		    fwrite(answer.buf, 1, answer.len, out) != answer.len)
			ret = mlw_error_errno("cannot write predictions");
	}
	mlw_buf_release(&answer);
	return ret;
}

/* one try of a mini-batch: its parts scored into its output file */
static int try_mini_batch(struct batch *b, struct mini_batch *mb)
{
	int fd = open(mb->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		      0666);
	size_t i;
	int ret = 0;

	mb->nr_rows = mb->nr_skipped = 0;
	if (fd < 0)
		return mlw_error_errno("cannot create '%s'", mb->out_path);
	if (b->pool) {
		FILE *out = fdopen(fd, "wb");

		if (!out) {
			close(fd);
			return mlw_error_errno("cannot write '%s'",
					       mb->out_path);
		}
		ret = run_script(b, mb, out);
		if (fclose(out) && !ret)
			ret = mlw_error_errno("cannot write '%s'",
					      mb->out_path);
		return ret;
	}
	for (i = 0; i < mb->nr && !ret; i++)
		ret = score_part(b, &b->parts[mb->first + i], fd,
				 &mb->nr_rows, &mb->nr_skipped);
	if (close(fd) && !ret)
		ret = mlw_error_errno("cannot write '%s'", mb->out_path);
	return ret;
}

/* the items of a mini-batch: its files, or the rows of its chunk */
static size_t items_of(const struct batch *b, const struct mini_batch *mb)
{
	return b->is_folder ? mb->nr : b->parts[mb->first].nr_rows;
}

#define JOIN_CHUNK (1 << 20)

/* append a mini-batch's lines to the predictions, hashing them */
static int join_one(struct batch *b, const struct mini_batch *mb)
{
	int fd = open(mb->out_path, O_RDONLY | O_CLOEXEC);
	ssize_t got;
	int ret = 0;

	if (fd < 0)
		return mlw_error_errno("cannot open '%s'", mb->out_path);
	while ((got = mlw_read_full(fd, b->join_buf, JOIN_CHUNK)) > 0) {
		mlw_hasher_add(b->hasher, b->join_buf, (size_t)got);
		ret = mlw_write_all(b->join_fd, b->join_buf, (size_t)got);
		if (ret) {
			ret = mlw_error_errno("cannot write '%s'", b->join_tmp);
			break;
		}
	}
	if (got < 0)
		ret = mlw_error_errno("cannot read '%s'", mb->out_path);
	close(fd);
	/* its pages are let go now, while the others score, not at the end */
	if (!ret)
		unlink(mb->out_path);
	return ret;
}

/*
 * With b->lock held: append the mini-batches that ended, in order from
 * the next one not joined, unless another worker is at it (it looks
 * again, under the lock, before it stops).  The lock is let go while a
 * mini-batch is appended, so the others go on taking theirs.
 */
static void join_ready(struct batch *b)
{
	if (b->join_fd < 0 || b->joining)
		return;
	b->joining = 1;
	while (b->joined < b->nr_batches && b->batches[b->joined].done &&
	       !b->io_error) {
		const struct mini_batch *mb = &b->batches[b->joined];
		int ret = 0;

		pthread_mutex_unlock(&b->lock);
		if (!mb->failed)
			ret = join_one(b, mb);
		pthread_mutex_lock(&b->lock);
		if (ret) {
			b->io_error = ret;
			b->io_message = mlw_strdup(mlw_error_last());
		}
		b->joined++;
	}
	b->joining = 0;
}

/* a worker: take the next mini-batch until none is left */
static void *worker_main(void *arg)
{
	struct batch *b = arg;

	for (;;) {
		struct mini_batch *mb;
		size_t idx;
		int64_t attempt;
		int ret = 0;

		pthread_mutex_lock(&b->lock);
		idx = b->next < b->nr_batches && !b->io_error ? b->next++ :
		      b->nr_batches;
		pthread_mutex_unlock(&b->lock);
		if (idx == b->nr_batches)
			break;
		mb = &b->batches[idx];
		for (attempt = 0; attempt <= b->retries; attempt++) {
			ret = try_mini_batch(b, mb);
			if (!ret)
				break;
			pthread_mutex_lock(&b->lock);
			say(b, MLW_BATCH_WARNING,
			    "mini-batch %zu (%s) failed (try %lld of %lld): %s",
			    idx, b->parts[mb->first].file_name,
			    (long long)attempt + 1, (long long)b->retries + 1,
			    mlw_error_last());
			if (attempt < b->retries)
				b->nr_retries++;
			pthread_mutex_unlock(&b->lock);
		}
		mb->failed = ret != 0;
		pthread_mutex_lock(&b->lock);
		say(b, MLW_BATCH_DEBUG, "mini-batch %zu: %zu rows%s", idx,
		    mb->nr_rows, mb->failed ? ", failed" : "");
		mb->done = 1;
		join_ready(b);
		pthread_mutex_unlock(&b->lock);
	}
	return NULL;
}

/* run the workers over every mini-batch */
static int run_workers(struct batch *b, unsigned nr)
{
	pthread_t *threads = mlw_calloc(nr, sizeof(*threads));
	unsigned i, started = 0;
	int ret = 0;

	for (i = 0; i < nr; i++) {
		if (pthread_create(&threads[i], NULL, worker_main, b)) {
			ret = mlw_error_set("cannot start a worker thread");
			break;
		}
		started++;
	}
	if (ret) {
		pthread_mutex_lock(&b->lock);
		b->next = b->nr_batches;
		pthread_mutex_unlock(&b->lock);
	}
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	if (!ret && b->io_error)
		ret = mlw_error_setc(b->io_error, "%s", b->io_message);
	return ret;
}

/* append the whole of file path to out_fd: in the kernel when it can */
static int append_file(int out_fd, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char block[65536];
	ssize_t got;
	int ret = 0;

	if (fd < 0)
		return mlw_error_errno("cannot open '%s'", path);
	while ((got = copy_file_range(fd, NULL, out_fd, NULL, 1 << 30, 0)) > 0)
		;
	if (got < 0 && (errno == EXDEV || errno == ENOSYS ||
			errno == EOPNOTSUPP || errno == EINVAL)) {
		/* not between these files: on from where the offsets are */
		while ((got = mlw_read_full(fd, block, sizeof(block))) > 0 &&
		       !(ret = mlw_write_all(out_fd, block, (size_t)got)))
			;
	}
	if (!ret && got < 0)
		ret = mlw_error_errno("cannot copy '%s'", path);
	close(fd);
	return ret;
}

/* open the temporary file the predictions are joined into, in dir */
static int join_begin(struct batch *b, const char *dir, const char *file_name)
{
	b->join_path = mlw_path_join(dir, file_name);
	b->join_tmp = mlw_xstrfmt("%s.tmp%ld", b->join_path, (long)getpid());
	b->join_fd = open(b->join_tmp, O_WRONLY | O_CREAT | O_TRUNC |
			  O_CLOEXEC, 0666);
	if (b->join_fd < 0)
		return mlw_error_errno("cannot create '%s'", b->join_tmp);
	/* removed if the job is stopped: no half file in its output */
	mlw_tempfile_register(b->join_tmp);
	b->hasher = mlw_hasher_new();
	b->join_buf = mlw_malloc(JOIN_CHUNK);
	return 0;
}

/*
 * Make the joined predictions final, their id in *oid.  They are not
 * synced: the run stores its output folder when it ends, durably, and
 * a run that dies first has no output to lose.
 */
static int join_end(struct batch *b, struct mlw_oid *oid)
{
	int fd = b->join_fd;

	b->join_fd = -1;
	if (close(fd) < 0)
		return mlw_error_errno("cannot write '%s'", b->join_tmp);
	if (rename(b->join_tmp, b->join_path) < 0)
		return mlw_error_errno("cannot rename '%s'", b->join_tmp);
	mlw_tempfile_unregister(b->join_tmp);
	free(b->join_tmp);
	b->join_tmp = NULL;
	mlw_hasher_done(b->hasher, oid);
	b->hasher = NULL;
	return 0;
}

/*
 * A copy of the predictions in the folder dir, as the user asked
 * (--output-path): written as every output a user names is.
 */
static int copy_predictions(const char *from, const char *dir,
			    const char *file_name)
{
	char *path = mlw_path_join(dir, file_name);
	struct mlw_output out;
	int ret = mlw_output_open(&out, path);

	if (!ret) {
		ret = append_file(out.fd, from);
		if (ret)
			mlw_output_abort(&out);
		else
			ret = mlw_output_commit(&out);
	}
	free(path);
	return ret;
}

/*
 * Leave the id of the file path in the stat cache hint_cache, for the
 * run's supervisor (statcache.h), once a cache written now would trust
 * it.  A hint lost is only a file read again: nothing here fails.
 */
static void leave_hint(const char *hint_cache, const char *path,
		       const struct mlw_oid *oid)
{
	struct mlw_statcache *c;
	char *abs = realpath(path, NULL);
	struct stat st;

	if (!abs || stat(abs, &st) < 0) {
		free(abs);
		return;
	}
	mlw_statcache_settle(&st);
	mlw_statcache_open(&c, hint_cache);
	mlw_statcache_record(c, abs, &st, oid);
	if (mlw_statcache_save(c))
		mlw_error_clear();
	mlw_statcache_free(c);
	free(abs);
}

static void batch_release(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->nr_parts; i++)
		free(b->parts[i].path);
	free(b->parts);
	for (i = 0; i < b->nr_names; i++)
		free(b->names[i]);
	free(b->names);
	for (i = 0; i < b->nr_batches; i++)
		free(b->batches[i].out_path);
	free(b->batches);
	if (b->scratch) {
		mlw_remove_tree(b->scratch);
		free(b->scratch);
	}
	if (b->join_fd >= 0)
		close(b->join_fd);
	if (b->join_tmp) {
		unlink(b->join_tmp);
		mlw_tempfile_unregister(b->join_tmp);
		free(b->join_tmp);
	}
	free(b->join_path);
	mlw_hasher_free(b->hasher);
	free(b->join_buf);
	free(b->io_message);
	pthread_mutex_destroy(&b->lock);
}

/*
 * The scoring script's workers, one per worker thread, in a working area
 * of the scratch folder laid out as Azure lays it out; its init() runs
 * once in each.
 */
static int start_script(struct batch *b, unsigned nr)
{
	const struct mlw_deployment *d = b->d;

	if (!nr)
		nr = 1;
	say(b, MLW_BATCH_INFO, "starting %u Python worker%s for %s", nr,
	    nr == 1 ? "" : "s", d->scoring_script);
	return mlw_deployment_workers(&b->pool, b->req->repo, d, b->scratch,
				      nr, b->req->log_fd,
				      "MLW_WORKER_BATCH=1");
}

/* a file name of the output folder: one name, no path */
static int check_file_name(const char *name)
{
	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return mlw_error_setc(MLW_EINVALID,
				      "output_file_name '%s' is not a file name",
				      name);
	return 0;
}

int mlw_batch_score(struct mlw_batch_summary *out,
		    const struct mlw_batch_request *req)
{
	const struct mlw_deployment *d = req->deployment;
	const struct mlw_batch_settings *s = &d->batch;
	const char *file_name = req->output_file_name ?
				req->output_file_name : s->output_file_name;
	int64_t size = req->mini_batch_size > 0 ? req->mini_batch_size :
		       s->mini_batch_size;
	int64_t count = req->instance_count > 0 ? req->instance_count :
			d->instance_count;
	int64_t workers64 = s->max_concurrency_per_instance * count;
	int append = !s->output_action ||
		     strcmp(s->output_action, "summary_only");
	struct batch b;
	struct mlw_oid oid;
	size_t i, failed = 0;
	double start = mlw_now();
	int ret;

	memset(out, 0, sizeof(*out));
	memset(&b, 0, sizeof(b));
	b.join_fd = -1;
	/* the scorer's two buffers of 8 MiB a file: kept, not faulted in
	   again for each (the scoring took twice as long) */
	mlw_alloc_keep_heap(16 << 20);
	b.req = req;
	b.d = d;
	b.level = level_of(s->logging_level);
	b.retries = s->max_retries > 0 ? s->max_retries : 0;
	pthread_mutex_init(&b.lock, NULL);
	if (d->kind != MLW_ENDPOINT_BATCH) {
		ret = mlw_error_setc(MLW_EINVALID,
				     "deployment '%s' is not a batch deployment",
				     d->name);
		goto out;
	}
	if (!file_name)
		file_name = "predictions.csv";
	ret = check_file_name(file_name);
	if (ret)
		goto out;
	if (size < 1)
		size = 10;
	if (workers64 < 1)
		workers64 = 1;
	if (workers64 > 256)
		workers64 = 256;
	ret = mlw_endpoint_tmpdir(&b.scratch, req->repo, "batch");
	if (!ret)
		ret = mlw_mkdir_p(req->output, 0777);
	if (!ret)
		ret = plan(&b, size);
	if (!ret && d->scoring_script)
		ret = start_script(&b, (unsigned)(workers64 <
						  (int64_t)b.nr_batches ?
						  workers64 :
						  (int64_t)b.nr_batches));
	else if (!ret)
		ret = mlw_deployment_read_model(&b.model, req->repo, d);
	if (ret)
		goto release;
	out->nr_files = b.nr_names;
	out->nr_mini_batches = b.nr_batches;
	out->nr_workers = (unsigned)(workers64 < (int64_t)b.nr_batches ?
				     workers64 : (int64_t)b.nr_batches);
	say(&b, MLW_BATCH_INFO,
	    "scoring %zu file%s in %zu mini-batch%s of %lld %s%s on %u worker%s (deployment '%s', model %s)",
	    b.nr_names, b.nr_names == 1 ? "" : "s", b.nr_batches,
	    b.nr_batches == 1 ? "" : "es", (long long)size,
	    b.is_folder ? "file" : "row", size == 1 ? "" : "s",
	    out->nr_workers,
	    out->nr_workers == 1 ? "" : "s", d->name,
	    d->model ? d->model : "(inline)");
	if (append)
		ret = join_begin(&b, req->output, file_name);
	if (!ret)
		ret = run_workers(&b, out->nr_workers);
	if (!ret && append && b.joined != b.nr_batches)
		ret = mlw_error_set("%zu of %zu mini-batches joined",
				    b.joined, b.nr_batches);
	if (ret)
		goto release;
	for (i = 0; i < b.nr_batches; i++) {
		const struct mini_batch *mb = &b.batches[i];

		if (mb->failed) {
			out->nr_failed_mini_batches++;
			failed += items_of(&b, mb);
		} else {
			out->nr_rows += mb->nr_rows;
			failed += mb->nr_skipped;
		}
	}
	out->nr_failed_items = failed;
	out->nr_retries = b.nr_retries;
	if (s->error_threshold >= 0 && failed > (size_t)s->error_threshold) {
		ret = mlw_error_setc(MLW_EINVALID,
				     "%zu item%s failed, more than error_threshold (%lld)",
				     failed, failed == 1 ? "" : "s",
				     (long long)s->error_threshold);
		goto release;
	}
	if (append)
		ret = join_end(&b, &oid);
	if (append && !ret && req->copy_to) {
		ret = mlw_mkdir_p(req->copy_to, 0777);
		if (!ret)
			ret = copy_predictions(b.join_path, req->copy_to,
					       file_name);
	}
	if (append && !ret && req->hint_cache)
		leave_hint(req->hint_cache, b.join_path, &oid);
release:
	mlw_worker_pool_free(b.pool);
	mlw_model_release(&b.model);
out:
	out->seconds = mlw_now() - start;
	batch_release(&b);
	return ret;
}

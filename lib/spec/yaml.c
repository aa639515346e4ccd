/*
 * yaml.c - libyaml's event stream turned into a positioned node tree.
 *
 * The event API is used (not libyaml's document API) because it lets us
 * stop on the first alias that would blow the node budget and on nesting
 * that is too deep, before any memory is spent on them, and because it
 * gives the start mark of every node, which is what error messages need.
 */
#include "spec/yaml.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <jansson.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

const char *mlw_yaml_intern(struct mlw_yaml_doc *doc, const char *source)
{
	size_t i;

	for (i = 0; i < doc->nr_sources; i++)
		if (!strcmp(doc->sources[i], source))
			return doc->sources[i];
	MLW_ALLOC_GROW(doc->sources, doc->nr_sources + 1, doc->alloc_sources);
	doc->sources[doc->nr_sources] = mlw_strdup(source);
	return doc->sources[doc->nr_sources++];
}

struct mlw_yaml_node *mlw_yaml_new(struct mlw_yaml_doc *doc,
				   enum mlw_yaml_kind kind, const char *source,
				   int line, int col)
{
	struct mlw_yaml_node *n = mlw_calloc(1, sizeof(*n));

	n->kind = kind;
	n->source = source;
	n->line = line;
	n->col = col;
	n->weight = 1;
	MLW_ALLOC_GROW(doc->nodes, doc->nr_nodes + 1, doc->alloc_nodes);
	doc->nodes[doc->nr_nodes++] = n;
	return n;
}

struct mlw_yaml_node *mlw_yaml_new_scalar(struct mlw_yaml_doc *doc,
					  const char *text,
					  enum mlw_yaml_style style,
					  const char *source, int line, int col)
{
	struct mlw_yaml_node *n = mlw_yaml_new(doc, MLW_YAML_SCALAR, source,
					       line, col);

	n->text = mlw_strdup(text);
	n->len = strlen(text);
	n->style = style;
	return n;
}

void mlw_yaml_free(struct mlw_yaml_doc *doc)
{
	size_t i;

	if (!doc)
		return;
	for (i = 0; i < doc->nr_nodes; i++) {
		free(doc->nodes[i]->text);
		free(doc->nodes[i]->tag);
		free(doc->nodes[i]->items);
		free(doc->nodes[i]);
	}
	for (i = 0; i < doc->nr_sources; i++)
		free(doc->sources[i]);
	free(doc->nodes);
	free(doc->sources);
	free(doc->schema_comment);
	free(doc->name);
	free(doc);
}

static void push_item(struct mlw_yaml_node *parent, struct mlw_yaml_node *n)
{
	MLW_ALLOC_GROW(parent->items, parent->nr + 1, parent->alloc);
	parent->items[parent->nr++] = n;
}

void mlw_yaml_seq_push(struct mlw_yaml_node *seq, struct mlw_yaml_node *item)
{
	push_item(seq, item);
	seq->weight += item->weight;
}

long mlw_yaml_map_find(const struct mlw_yaml_node *map, const char *key)
{
	size_t i;

	if (!map || map->kind != MLW_YAML_MAP)
		return -1;
	for (i = 0; 2 * i + 1 < map->nr; i++)
		if (!strcmp(map->items[2 * i]->text, key))
			return (long)i;
	return -1;
}

struct mlw_yaml_node *mlw_yaml_map_get(const struct mlw_yaml_node *map,
				       const char *key)
{
	long i = mlw_yaml_map_find(map, key);

	return i < 0 ? NULL : mlw_yaml_value(map, i);
}

void mlw_yaml_map_set(struct mlw_yaml_node *map, struct mlw_yaml_node *key,
		      struct mlw_yaml_node *value)
{
	long i = mlw_yaml_map_find(map, key->text);

	if (i >= 0) {
		map->items[2 * i + 1] = value;
		return;
	}
	push_item(map, key);
	push_item(map, value);
}

/*
 * Mappings store keys and values interleaved in items[], so nr counts
 * both; the public macros index pairs.  These two hide that detail.
 */
static size_t map_pairs(const struct mlw_yaml_node *map)
{
	return map->nr / 2;
}

/* --- loading ------------------------------------------------------------ */

struct anchor {
	char *name;
	struct mlw_yaml_node *node;
	int pending;	/* a collection still being read */
};

struct loader {
	struct mlw_yaml_doc *doc;
	const char *source;
	int col_offset;
	struct mlw_yaml_node **stack;
	size_t depth, alloc;
	struct anchor *anchors;
	size_t nr_anchors, alloc_anchors;
	size_t budget;		/* expanded nodes so far */
	struct mlw_yaml_node *root;
	int documents;
};

static __thread struct mlw_yaml_error last_error;

const struct mlw_yaml_error *mlw_yaml_last_error(void)
{
	return &last_error;
}

static int fail_at(struct loader *l, int line, int col, const char *fmt,
		   const char *arg)
{
	struct mlw_buf b = MLW_BUF_INIT;
	int ret;

	last_error.line = line;
	last_error.col = col;
	snprintf(last_error.msg, sizeof(last_error.msg), fmt, arg);
	mlw_buf_addf(&b, "%s:%d:%d: ", l->source, line, col);
	mlw_buf_addf(&b, fmt, arg);
	ret = mlw_error_setc(MLW_EINVALID, "%s", b.buf);
	mlw_buf_release(&b);
	return ret;
}

static int check_duplicates(struct loader *l, struct mlw_yaml_node *map);

/* attach a finished node to the collection on top of the stack */
static int attach(struct loader *l, struct mlw_yaml_node *n)
{
	struct mlw_yaml_node *parent;

	if (!l->depth) {
		l->root = n;
		return 0;
	}
	parent = l->stack[l->depth - 1];
	if (parent->kind == MLW_YAML_MAP && parent->nr % 2 == 0 &&
	    n->kind != MLW_YAML_SCALAR)
		return fail_at(l, n->line, n->col,
			       "%s", "a mapping key must be a scalar");
	push_item(parent, n);
	parent->weight += n->weight;
	return 0;
}

static void add_anchor(struct loader *l, const yaml_char_t *name,
		       struct mlw_yaml_node *n)
{
	MLW_ALLOC_GROW(l->anchors, l->nr_anchors + 1, l->alloc_anchors);
	l->anchors[l->nr_anchors].name = mlw_strdup((const char *)name);
	l->anchors[l->nr_anchors].node = n;
	l->anchors[l->nr_anchors].pending = 0;
	l->nr_anchors++;
}

static struct mlw_yaml_node *find_anchor(struct loader *l,
					 const yaml_char_t *name)
{
	size_t i = l->nr_anchors;

	/* the latest definition wins, as YAML says */
	while (i--)
		if (!l->anchors[i].pending &&
		    !strcmp(l->anchors[i].name, (const char *)name))
			return l->anchors[i].node;
	return NULL;
}

static int spend(struct loader *l, size_t n, int line, int col)
{
	l->budget += n;
	if (l->budget > MLW_YAML_MAX_NODES) {
		char lim[32];

		snprintf(lim, sizeof(lim), "%zu", MLW_YAML_MAX_NODES);
		return fail_at(l, line, col,
			       "document expands to more than %s nodes "
			       "(alias bomb?)", lim);
	}
	return 0;
}

static int handle_event(struct loader *l, yaml_event_t *ev)
{
	int line = (int)ev->start_mark.line + 1;
	int col = (int)ev->start_mark.column + 1 + (line == 1 ? l->col_offset : 0);
	struct mlw_yaml_node *n;
	int ret;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++l->documents > 1)
			return fail_at(l, line, col, "%s",
				       "several YAML documents in one file; "
				       "mlw reads one spec per file");
		return 0;
	case YAML_SCALAR_EVENT:
		if ((ret = spend(l, 1, line, col)))
			return ret;
		n = mlw_yaml_new(l->doc, MLW_YAML_SCALAR, l->source, line, col);
		n->text = mlw_strndup((const char *)ev->data.scalar.value,
				      ev->data.scalar.length);
		n->len = ev->data.scalar.length;
		if (memchr(n->text, '\0', n->len))
			return fail_at(l, line, col, "%s",
				       "NUL character in a scalar");
		switch (ev->data.scalar.style) {
		case YAML_SINGLE_QUOTED_SCALAR_STYLE:
			n->style = MLW_YAML_SINGLE_QUOTED; break;
		case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
			n->style = MLW_YAML_DOUBLE_QUOTED; break;
		case YAML_LITERAL_SCALAR_STYLE:
			n->style = MLW_YAML_LITERAL; break;
		case YAML_FOLDED_SCALAR_STYLE:
			n->style = MLW_YAML_FOLDED; break;
		default:
			n->style = MLW_YAML_PLAIN;
		}
		if (ev->data.scalar.tag)
			n->tag = mlw_strdup((const char *)ev->data.scalar.tag);
		if (ev->data.scalar.anchor)
			add_anchor(l, ev->data.scalar.anchor, n);
		return attach(l, n);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (l->depth >= MLW_YAML_MAX_DEPTH) {
			char lim[16];

			snprintf(lim, sizeof(lim), "%d", MLW_YAML_MAX_DEPTH);
			return fail_at(l, line, col,
				       "nesting deeper than %s levels", lim);
		}
		if ((ret = spend(l, 1, line, col)))
			return ret;
		n = mlw_yaml_new(l->doc, ev->type == YAML_MAPPING_START_EVENT ?
				 MLW_YAML_MAP : MLW_YAML_SEQ, l->source, line, col);
		{
			const yaml_char_t *tag, *anchor;

			if (ev->type == YAML_MAPPING_START_EVENT) {
				tag = ev->data.mapping_start.tag;
				anchor = ev->data.mapping_start.anchor;
			} else {
				tag = ev->data.sequence_start.tag;
				anchor = ev->data.sequence_start.anchor;
			}
			if (tag)
				n->tag = mlw_strdup((const char *)tag);
			/*
			 * A collection's anchor becomes usable only when the
			 * collection ends, so an alias inside its own anchor
			 * is "unknown" and cycles cannot be built.
			 */
			if (anchor) {
				add_anchor(l, anchor, n);
				l->anchors[l->nr_anchors - 1].pending = 1;
			}
		}
		if (l->depth && l->stack[l->depth - 1]->kind == MLW_YAML_MAP &&
		    l->stack[l->depth - 1]->nr % 2 == 0)
			return fail_at(l, line, col, "%s",
				       "a mapping key must be a scalar");
		MLW_ALLOC_GROW(l->stack, l->depth + 1, l->alloc);
		l->stack[l->depth++] = n;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		n = l->stack[--l->depth];
		if (n->kind == MLW_YAML_MAP && (ret = check_duplicates(l, n)))
			return ret;
		{
			size_t i;

			/* the anchor of this collection becomes usable */
			for (i = 0; i < l->nr_anchors; i++)
				if (l->anchors[i].node == n)
					l->anchors[i].pending = 0;
		}
		return attach(l, n);
	case YAML_ALIAS_EVENT:
		n = find_anchor(l, ev->data.alias.anchor);
		if (!n)
			return fail_at(l, line, col, "unknown anchor '%s'",
				       (const char *)ev->data.alias.anchor);
		if ((ret = spend(l, n->weight, line, col)))
			return ret;
		return attach(l, n);
	default:
		return 0;
	}
}

static int check_utf8(struct loader *l, const unsigned char *s, size_t len)
{
	size_t i = 0;
	int line = 1, col = 1;

	while (i < len) {
		unsigned c = s[i];
		size_t n, k;
		unsigned cp;

		if (c < 0x80) {
			n = 1;
			cp = c;
		} else if ((c & 0xe0) == 0xc0) {
			n = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 4;
			cp = c & 0x07;
		} else {
			goto bad;
		}
		if (i + n > len)
			goto bad;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* overlong forms, surrogates and values past U+10FFFF */
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		if (c == '\0')
			return fail_at(l, line, col, "%s",
				       "NUL byte in the document");
		if (c == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
		i += n;
	}
	return 0;
bad:
	{
		char hex[8];

		snprintf(hex, sizeof(hex), "0x%02x", s[i]);
		return fail_at(l, line, col,
			       "invalid UTF-8 (byte %s); specs must be UTF-8",
			       hex);
	}
}

/* YAML 1.1 allows keys to repeat silently in some parsers: we refuse. */
struct keyref {
	const struct mlw_yaml_node *key;
	size_t index;
};

static int cmp_keyref(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = strcmp(x->key->text, y->key->text);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int check_duplicates(struct loader *l, struct mlw_yaml_node *map)
{
	size_t n = map_pairs(map), i;
	struct keyref *refs;
	int ret = 0;

	if (n < 2)
		return 0;
	refs = mlw_calloc(n, sizeof(*refs));
	for (i = 0; i < n; i++) {
		refs[i].key = mlw_yaml_key(map, i);
		refs[i].index = i;
	}
	qsort(refs, n, sizeof(*refs), cmp_keyref);
	for (i = 1; i < n; i++) {
		if (!strcmp(refs[i].key->text, refs[i - 1].key->text)) {
			const struct mlw_yaml_node *first = refs[i - 1].key;
			const struct mlw_yaml_node *dup = refs[i].key;
			struct mlw_buf b = MLW_BUF_INIT;

			mlw_buf_addf(&b, "duplicate key '%s' (first at line %d)",
				     dup->text, first->line);
			ret = fail_at(l, dup->line, dup->col, "%s", b.buf);
			mlw_buf_release(&b);
			break;
		}
	}
	free(refs);
	return ret;
}

static const char *yaml_problem(yaml_parser_t *p)
{
	return p->problem ? p->problem : "syntax error";
}

static int run_parser(struct loader *l, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int ret = 0, done = 0;

	if (!yaml_parser_initialize(&parser))
		return mlw_error_set("cannot initialise the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			struct mlw_buf b = MLW_BUF_INIT;
			yaml_mark_t m = parser.problem_mark;

			mlw_buf_adds(&b, yaml_problem(&parser));
			if (parser.context)
				mlw_buf_addf(&b, " %s (line %zu)",
					     parser.context,
					     parser.context_mark.line + 1);
			ret = fail_at(l, (int)m.line + 1,
				      (int)m.column + 1 +
				      (m.line == 0 ? l->col_offset : 0),
				      "YAML syntax error: %s", b.buf);
			mlw_buf_release(&b);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		ret = handle_event(l, &ev);
		yaml_event_delete(&ev);
		if (ret)
			break;
	}
	yaml_parser_delete(&parser);
	return ret;
}

static void loader_release(struct loader *l)
{
	size_t i;

	for (i = 0; i < l->nr_anchors; i++)
		free(l->anchors[i].name);
	free(l->anchors);
	free(l->stack);
}

/* the editor hint some SDK files carry instead of a $schema key */
static void find_schema_comment(struct mlw_yaml_doc *doc, const char *buf,
				size_t len)
{
	const char *p = buf, *end = buf + len;
	int line = 1;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q = p, *hit;
		size_t n;

		if (!eol)
			eol = end;
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (q < eol && *q == '#') {
			n = (size_t)(eol - q);
			hit = memmem(q, n, "$schema=", 8);
			if (hit) {
				const char *v = hit + 8, *e = v;

				while (e < eol && *e != ' ' && *e != '\t' &&
				       *e != '\r')
					e++;
				doc->schema_comment = mlw_strndup(v,
							(size_t)(e - v));
				doc->schema_comment_line = line;
				return;
			}
		}
		p = eol + 1;
		line++;
	}
}

int mlw_yaml_load_mem(struct mlw_yaml_doc **out, const char *name,
		      const char *buf, size_t len)
{
	struct mlw_yaml_doc *doc = mlw_calloc(1, sizeof(*doc));
	struct loader l;
	int ret;

	*out = NULL;
	memset(&last_error, 0, sizeof(last_error));
	doc->name = mlw_strdup(name);
	memset(&l, 0, sizeof(l));
	l.doc = doc;
	l.source = mlw_yaml_intern(doc, name);
	if (len > MLW_YAML_MAX_SIZE) {
		char lim[32];

		snprintf(lim, sizeof(lim), "%zu MiB", MLW_YAML_MAX_SIZE >> 20);
		ret = fail_at(&l, 1, 1, "document larger than %s", lim);
		goto out;
	}
	ret = check_utf8(&l, (const unsigned char *)buf, len);
	if (ret)
		goto out;
	ret = run_parser(&l, buf, len);
	if (ret)
		goto out;
	if (!l.root || (l.root->kind == MLW_YAML_SCALAR &&
			mlw_yaml_is_null(l.root))) {
		ret = fail_at(&l, 1, 1, "%s", "empty document");
		goto out;
	}
	doc->root = l.root;
	find_schema_comment(doc, buf, len);
out:
	loader_release(&l);
	if (ret) {
		mlw_yaml_free(doc);
		return ret;
	}
	*out = doc;
	return 0;
}

int mlw_yaml_load_file(struct mlw_yaml_doc **out, const char *path)
{
	struct mlw_buf b = MLW_BUF_INIT;
	struct stat st;
	int fd, ret;

	*out = NULL;
	/* no earlier document's error may stand for this one */
	memset(&last_error, 0, sizeof(last_error));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		mlw_error_errno("cannot open '%s'", path);
		return mlw_error_recode(mlw_errno_code(e));
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return mlw_error_errno("cannot stat '%s'", path);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return mlw_error_setc(MLW_EINVALID, "'%s' is a folder, not a "
				      "spec file", path);
	}
	/* a regular file's size is known: refuse before reading it */
	if (S_ISREG(st.st_mode) && (size_t)st.st_size > MLW_YAML_MAX_SIZE) {
		close(fd);
		last_error.line = last_error.col = 1;
		snprintf(last_error.msg, sizeof(last_error.msg),
			 "document larger than %zu MiB (%lld bytes)",
			 MLW_YAML_MAX_SIZE >> 20, (long long)st.st_size);
		return mlw_error_setc(MLW_EINVALID,
				      "%s:1:1: document larger than %zu MiB "
				      "(%lld bytes)", path,
				      MLW_YAML_MAX_SIZE >> 20,
				      (long long)st.st_size);
	}
	/* pipes and devices: the read itself is capped */
	ret = mlw_buf_read_fd(&b, fd, MLW_YAML_MAX_SIZE);
	close(fd);
	if (ret == MLW_EINVALID) {
		mlw_buf_release(&b);
		last_error.line = last_error.col = 1;
		snprintf(last_error.msg, sizeof(last_error.msg),
			 "document larger than %zu MiB",
			 MLW_YAML_MAX_SIZE >> 20);
		return mlw_error_setc(MLW_EINVALID,
				      "%s:1:1: document larger than %zu MiB",
				      path, MLW_YAML_MAX_SIZE >> 20);
	}
	if (ret) {
		mlw_buf_release(&b);
		return ret;
	}
	ret = mlw_yaml_load_mem(out, path, b.buf, b.len);
	mlw_buf_release(&b);
	return ret;
}

int mlw_yaml_parse_value(struct mlw_yaml_node **out, struct mlw_yaml_doc *doc,
			 const char *source, const char *text, int col_offset)
{
	struct loader l;
	int ret;

	*out = NULL;
	memset(&l, 0, sizeof(l));
	l.doc = doc;
	l.source = mlw_yaml_intern(doc, source);
	l.col_offset = col_offset;
	ret = check_utf8(&l, (const unsigned char *)text, strlen(text));
	if (!ret)
		ret = run_parser(&l, text, strlen(text));
	loader_release(&l);
	if (ret) {
		/* not YAML: the caller takes the text as a string */
		mlw_error_clear();
		return 0;
	}
	*out = l.root;
	return 0;
}

/* --- YAML 1.1 scalar resolution ----------------------------------------- */

static int is_tagged(const struct mlw_yaml_node *n, const char *what)
{
	return n->tag && mlw_ends_with(n->tag, what);
}

static int word_in(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(s, *words))
			return 1;
	return 0;
}

static const char *const true_words[] = {
	"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL
};
static const char *const false_words[] = {
	"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", NULL
};
static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };

static int digits(const char **p, const char *set)
{
	int n = 0;

	while (**p && (strchr(set, **p) && **p != '\0')) {
		if (**p != '_')
			n++;
		(*p)++;
	}
	return n;
}

/* PyYAML's int: 0b.., 0x.., 0.. (octal), decimal, with '_' separators */
static int looks_int(const char *s)
{
	const char *p = s;

	if (*p == '+' || *p == '-')
		p++;
	if (!*p)
		return 0;
	if (p[0] == '0' && p[1] == 'b')
		return p += 2, digits(&p, "01_") && !*p;
	if (p[0] == '0' && p[1] == 'x')
		return p += 2, digits(&p, "0123456789abcdefABCDEF_") && !*p;
	if (p[0] == '0' && p[1])
		return p += 1, digits(&p, "01234567_") >= 0 && !*p;
	if (*p == '_')
		return 0;
	return digits(&p, "0123456789_") && !*p;
}

/* PyYAML's float: needs a '.', exponent needs a sign; .inf, .nan */
static int looks_float(const char *s)
{
	const char *p = s;
	int before, after;

	if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
		return 1;
	if (*p == '+' || *p == '-')
		p++;
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF"))
		return 1;
	before = digits(&p, "0123456789_");
	if (*p != '.')
		return 0;
	p++;
	after = digits(&p, "0123456789_");
	if (!before && !after)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p != '+' && *p != '-')
			return 0;
		p++;
		if (!digits(&p, "0123456789"))
			return 0;
	}
	return !*p;
}

enum mlw_yaml_type mlw_yaml_scalar_type(const struct mlw_yaml_node *n)
{
	if (!n)
		return MLW_YAML_NULL;
	if (n->kind != MLW_YAML_SCALAR)
		return MLW_YAML_STR;
	if (n->tag) {
		if (is_tagged(n, ":str"))
			return MLW_YAML_STR;
		if (is_tagged(n, ":int"))
			return MLW_YAML_INT;
		if (is_tagged(n, ":float"))
			return MLW_YAML_FLOAT;
		if (is_tagged(n, ":bool"))
			return MLW_YAML_BOOL;
		if (is_tagged(n, ":null"))
			return MLW_YAML_NULL;
	}
	if (n->style != MLW_YAML_PLAIN)
		return MLW_YAML_STR;
	if (word_in(n->text, null_words))
		return MLW_YAML_NULL;
	if (word_in(n->text, true_words) || word_in(n->text, false_words))
		return MLW_YAML_BOOL;
	if (looks_int(n->text))
		return MLW_YAML_INT;
	if (looks_float(n->text))
		return MLW_YAML_FLOAT;
	return MLW_YAML_STR;
}

int mlw_yaml_is_null(const struct mlw_yaml_node *n)
{
	return !n || (n->kind == MLW_YAML_SCALAR &&
		      mlw_yaml_scalar_type(n) == MLW_YAML_NULL);
}

const char *mlw_yaml_str(const struct mlw_yaml_node *n)
{
	if (!n || n->kind != MLW_YAML_SCALAR ||
	    mlw_yaml_scalar_type(n) != MLW_YAML_STR)
		return NULL;
	return n->text;
}

int mlw_yaml_to_bool(const struct mlw_yaml_node *n, int *out)
{
	if (!n || n->kind != MLW_YAML_SCALAR)
		return MLW_EINVALID;
	if (mlw_yaml_scalar_type(n) == MLW_YAML_BOOL ||
	    n->style != MLW_YAML_PLAIN) {
		if (word_in(n->text, true_words)) {
			*out = 1;
			return 0;
		}
		if (word_in(n->text, false_words)) {
			*out = 0;
			return 0;
		}
	}
	return MLW_EINVALID;
}

/* strip '_' separators into a bounded buffer */
static int clean_number(char *dst, size_t size, const char *s)
{
	size_t j = 0;

	for (; *s; s++) {
		if (*s == '_')
			continue;
		if (j + 1 >= size)
			return -1;
		dst[j++] = *s;
	}
	dst[j] = '\0';
	return j ? 0 : -1;
}

int mlw_yaml_to_int(const struct mlw_yaml_node *n, int64_t *out)
{
	char num[64], *end;
	const char *p;
	int neg = 0, base = 10;
	long long v;

	if (!n || n->kind != MLW_YAML_SCALAR)
		return MLW_EINVALID;
	if (mlw_yaml_scalar_type(n) != MLW_YAML_INT && !looks_int(n->text))
		return MLW_EINVALID;
	if (clean_number(num, sizeof(num), n->text))
		return MLW_EINVALID;
	p = num;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (p[0] == '0' && p[1] == 'x') {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && p[1] == 'b') {
		base = 2;
		p += 2;
	} else if (p[0] == '0' && p[1]) {
		base = 8;
		p += 1;
	}
	errno = 0;
	v = strtoll(p, &end, base);
	if (errno || *end || end == p)
		return MLW_EINVALID;
	*out = neg ? -v : v;
	return 0;
}

int mlw_yaml_to_double(const struct mlw_yaml_node *n, double *out)
{
	char num[128], *end;
	enum mlw_yaml_type t;
	int64_t i;

	if (!n || n->kind != MLW_YAML_SCALAR)
		return MLW_EINVALID;
	t = mlw_yaml_scalar_type(n);
	if (t == MLW_YAML_INT || (t == MLW_YAML_STR && looks_int(n->text))) {
		if (!mlw_yaml_to_int(n, &i)) {
			*out = (double)i;
			return 0;
		}
	}
	if (t == MLW_YAML_FLOAT || looks_float(n->text)) {
		const char *s = n->text, *p;

		p = s + (*s == '+' || *s == '-');
		if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") ||
		    !strcmp(p, ".INF")) {
			*out = *s == '-' ? -INFINITY : INFINITY;
			return 0;
		}
		if (p[0] == '.' && (p[1] == 'n' || p[1] == 'N')) {
			*out = NAN;
			return 0;
		}
	}
	if (t != MLW_YAML_FLOAT && t != MLW_YAML_STR)
		return MLW_EINVALID;
	/* "1e-3" (a string to YAML 1.1) and friends: strtod's syntax */
	if (clean_number(num, sizeof(num), n->text))
		return MLW_EINVALID;
	if (strpbrk(num, "xXpP") || !strpbrk(num, "0123456789") ||
	    strstr(num, "nan") || strstr(num, "inf") || strstr(num, "NAN") ||
	    strstr(num, "INF"))
		return MLW_EINVALID;
	errno = 0;
	*out = strtod(num, &end);
	if (*end || end == num || errno == ERANGE)
		return MLW_EINVALID;
	return 0;
}

const char *mlw_yaml_describe(const struct mlw_yaml_node *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case MLW_YAML_MAP:
		return "a mapping";
	case MLW_YAML_SEQ:
		return "a sequence";
	default:
		break;
	}
	switch (mlw_yaml_scalar_type(n)) {
	case MLW_YAML_NULL:
		return "null";
	case MLW_YAML_BOOL:
		return "a boolean";
	case MLW_YAML_INT:
		return "an integer";
	case MLW_YAML_FLOAT:
		return "a number";
	default:
		return "a string";
	}
}

/* ---- as a JSON value ---- */

struct json_t *mlw_yaml_to_jansson(const struct mlw_yaml_node *n)
{
	json_t *v;
	size_t i;

	if (!n)
		return json_null();
	if (n->kind == MLW_YAML_MAP) {
		v = json_object();
		for (i = 0; i < n->nr / 2; i++)
			json_object_set_new(v, mlw_yaml_key(n, i)->text,
					    mlw_yaml_to_jansson(mlw_yaml_value(n, i)));
		return v;
	}
	if (n->kind == MLW_YAML_SEQ) {
		v = json_array();
		for (i = 0; i < n->nr; i++)
			json_array_append_new(v, mlw_yaml_to_jansson(n->items[i]));
		return v;
	}
	switch (mlw_yaml_scalar_type(n)) {
	case MLW_YAML_NULL:
		return json_null();
	case MLW_YAML_BOOL: {
		int b = 0;

		mlw_yaml_to_bool(n, &b);
		return json_boolean(b);
	}
	case MLW_YAML_INT: {
		int64_t i64;

		if (!mlw_yaml_to_int(n, &i64))
			return json_integer((json_int_t)i64);
		break;
	}
	case MLW_YAML_FLOAT: {
		double d;

		/* JSON has no NaN or infinity: keep those as text */
		if (!mlw_yaml_to_double(n, &d) && isfinite(d))
			return json_real(d);
		break;
	}
	case MLW_YAML_STR:
		break;
	}
	return json_stringn(n->text, n->len);
}

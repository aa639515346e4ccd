/*
 * yaml.h - YAML documents as node trees that remember where they came from.
 *
 * Specs are read with libyaml into a tree of scalars, mappings and
 * sequences.  Every node keeps its source (the file name, or the --set
 * override that created it) and its 1-based line and column, so every
 * later message can point at the text the user wrote.  Scalars keep their
 * original text and their style (plain, quoted, block): YAML 1.1 typing
 * ("True" is a boolean, "1e-3" is a string) is decided on demand by
 * mlw_yaml_scalar_type() and the coercions below, never at load time, so a
 * declared type can still turn "1e-3" into a number.
 *
 * Untrusted input is bounded: documents over MLW_YAML_MAX_SIZE are refused
 * before they are read, nesting deeper than MLW_YAML_MAX_DEPTH and alias
 * expansion beyond MLW_YAML_MAX_NODES nodes (the "billion laughs") are
 * errors, as are invalid UTF-8, empty documents, several documents in one
 * stream, non-scalar keys and duplicate keys.
 *
 * Aliases share the anchored node: the tree is a DAG, walks are bounded by
 * the node budget.  All nodes belong to their document and are freed with
 * it by mlw_yaml_free().
 */
#ifndef MLW_SPEC_YAML_H
#define MLW_SPEC_YAML_H

#include <stddef.h>
#include <stdint.h>

#define MLW_YAML_MAX_SIZE ((size_t)16 << 20)
#define MLW_YAML_MAX_DEPTH 64
#define MLW_YAML_MAX_NODES ((size_t)1 << 20)

enum mlw_yaml_kind {
	MLW_YAML_SCALAR,
	MLW_YAML_MAP,
	MLW_YAML_SEQ
};

enum mlw_yaml_style {
	MLW_YAML_PLAIN,
	MLW_YAML_SINGLE_QUOTED,
	MLW_YAML_DOUBLE_QUOTED,
	MLW_YAML_LITERAL,	/* | */
	MLW_YAML_FOLDED		/* > */
};

/* the YAML 1.1 type a scalar resolves to (PyYAML's resolver) */
enum mlw_yaml_type {
	MLW_YAML_NULL,
	MLW_YAML_BOOL,
	MLW_YAML_INT,
	MLW_YAML_FLOAT,
	MLW_YAML_STR
};

struct mlw_yaml_node {
	enum mlw_yaml_kind kind;
	enum mlw_yaml_style style;
	const char *source;	/* file name or "--set ..."; owned by the doc */
	int line, col;		/* 1-based */
	char *tag;		/* explicit tag ("tag:yaml.org,2002:str") or NULL */
	char *text;		/* scalar: the text, NUL-terminated */
	size_t len;
	/*
	 * mapping: nr / 2 pairs (nr counts keys and values), key i at
	 * items[2*i], value at items[2*i+1];
	 * sequence: nr items.
	 */
	size_t nr, alloc;
	struct mlw_yaml_node **items;
	size_t weight;		/* nodes in the expanded subtree */
};

struct mlw_yaml_doc {
	struct mlw_yaml_node *root;
	char *name;		/* the file name as given */
	/* every node and source string, for freeing */
	struct mlw_yaml_node **nodes;
	size_t nr_nodes, alloc_nodes;
	char **sources;
	size_t nr_sources, alloc_sources;
	/* "# yaml-language-server: $schema=URL": the URL and its line */
	char *schema_comment;
	int schema_comment_line;
};

/*
 * Where the last failed load stopped (valid after an MLW_EINVALID; line 0
 * when the error has no position, such as a folder given as a file).
 */
struct mlw_yaml_error {
	int line, col;
	char msg[512];		/* without the "FILE:LINE:COL: " prefix */
};
const struct mlw_yaml_error *mlw_yaml_last_error(void);

/*
 * Load a file (at most MLW_YAML_MAX_SIZE bytes, checked before reading).
 * Errors are MLW_EINVALID with "FILE:LINE:COL: problem" (a folder:
 * "'DIR' is a folder, not a spec file", no position), MLW_ENOTFOUND for a
 * missing file, MLW_ERROR for I/O.
 */
int mlw_yaml_load_file(struct mlw_yaml_doc **out, const char *path);
/* Load from memory; name is used in positions. */
int mlw_yaml_load_mem(struct mlw_yaml_doc **out, const char *name,
		      const char *buf, size_t len);
void mlw_yaml_free(struct mlw_yaml_doc *doc);

/*
 * Parse text as a YAML value into nodes owned by doc, with source as their
 * origin and col_offset added to their columns (for --set values).  A
 * NULL *out with 0 return means "not YAML": the caller takes it as text.
 */
int mlw_yaml_parse_value(struct mlw_yaml_node **out, struct mlw_yaml_doc *doc,
			 const char *source, const char *text, int col_offset);

/* New nodes owned by doc (for overrides and synthesised values). */
struct mlw_yaml_node *mlw_yaml_new(struct mlw_yaml_doc *doc,
				   enum mlw_yaml_kind kind, const char *source,
				   int line, int col);
struct mlw_yaml_node *mlw_yaml_new_scalar(struct mlw_yaml_doc *doc,
					  const char *text,
					  enum mlw_yaml_style style,
					  const char *source, int line, int col);
/* A source name that lives as long as doc. */
const char *mlw_yaml_intern(struct mlw_yaml_doc *doc, const char *source);

/* mapping helpers; keys compare exactly */
#define mlw_yaml_key(n, i) ((n)->items[2 * (i)])
#define mlw_yaml_value(n, i) ((n)->items[2 * (i) + 1])
struct mlw_yaml_node *mlw_yaml_map_get(const struct mlw_yaml_node *map,
				       const char *key);
/* index of key in map or -1 */
long mlw_yaml_map_find(const struct mlw_yaml_node *map, const char *key);
void mlw_yaml_map_set(struct mlw_yaml_node *map, struct mlw_yaml_node *key,
		      struct mlw_yaml_node *value);
void mlw_yaml_seq_push(struct mlw_yaml_node *seq, struct mlw_yaml_node *item);

/* YAML 1.1 resolution of a scalar (quoted scalars are strings) */
enum mlw_yaml_type mlw_yaml_scalar_type(const struct mlw_yaml_node *n);
/* 1 when n is NULL or a null scalar */
int mlw_yaml_is_null(const struct mlw_yaml_node *n);
/* A scalar that is a string (not null/bool/number), or NULL. */
const char *mlw_yaml_str(const struct mlw_yaml_node *n);

/*
 * Coercions to a declared type; 0 or MLW_EINVALID (no message set).
 * bool: YAML 1.1 words (true/True/yes/on...) or a quoted "true"/"false".
 * int: an integer scalar, or a string holding one ("42", "0x10").
 * double: int or float, or a string holding a number ("1e-3", ".5").
 */
int mlw_yaml_to_bool(const struct mlw_yaml_node *n, int *out);
int mlw_yaml_to_int(const struct mlw_yaml_node *n, int64_t *out);
int mlw_yaml_to_double(const struct mlw_yaml_node *n, double *out);

/* "a string", "a mapping", "an integer"... for messages */
const char *mlw_yaml_describe(const struct mlw_yaml_node *n);

/*
 * The node as a jansson value (the caller's reference), scalars typed as
 * YAML 1.1 types them; NaN and infinities stay text, JSON having none.
 * NULL gives JSON null.
 */
struct json_t;
struct json_t *mlw_yaml_to_jansson(const struct mlw_yaml_node *n);

#endif

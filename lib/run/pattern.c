/*
 * pattern.c - PCRE2 metric patterns, loaded on demand; see pattern.h.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "run/pattern.h"
#include "util/alloc.h"
#include "util/dl.h"
#include "util/error.h"

#include <pcre2.h>
#include <stdlib.h>

/* the functions of PCRE2 we call, resolved once */
static struct {
	__typeof__(&pcre2_compile) compile;
	__typeof__(&pcre2_code_free) code_free;
	__typeof__(&pcre2_match_data_create_from_pattern) md_create;
	__typeof__(&pcre2_match_data_free) md_free;
	__typeof__(&pcre2_match) match;
	__typeof__(&pcre2_get_ovector_pointer) ovector;
	__typeof__(&pcre2_get_error_message) error_message;
} p2;

/* the 8-bit library's names: the macros above add the _8 */
static const struct mlw_dl_symbol pcre2_symbols[] = {
	{ "pcre2_compile_8", &p2.compile },
	{ "pcre2_code_free_8", &p2.code_free },
	{ "pcre2_match_data_create_from_pattern_8", &p2.md_create },
	{ "pcre2_match_data_free_8", &p2.md_free },
	{ "pcre2_match_8", &p2.match },
	{ "pcre2_get_ovector_pointer_8", &p2.ovector },
	{ "pcre2_get_error_message_8", &p2.error_message },
	{ NULL, NULL }
};

static struct mlw_dl_library pcre2 = {
	.name = "PCRE2",
	.sonames = { "libpcre2-8.so.0" },
	.package = "libpcre2-8-0",
	.symbols = pcre2_symbols,
};

struct mlw_pattern {
	pcre2_code *code;
	pcre2_match_data *md;
};

int mlw_pattern_new(struct mlw_pattern **out, const char *regex)
{
	struct mlw_pattern *p;
	PCRE2_SIZE offset;
	int err;

	*out = NULL;
	if (mlw_dl_load(&pcre2))
		return -1;
	p = mlw_calloc(1, sizeof(*p));
	p->code = p2.compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED,
			     PCRE2_UCP | PCRE2_UTF, &err, &offset, NULL);
	if (!p->code) {
		PCRE2_UCHAR msg[256];

		p2.error_message(err, msg, sizeof(msg));
		free(p);
		return mlw_error_setc(MLW_EINVALID, "pattern '%s' at offset "
				      "%zu: %s", regex, (size_t)offset,
				      (const char *)msg);
	}
	p->md = p2.md_create(p->code, NULL);
	*out = p;
	return 0;
}

void mlw_pattern_free(struct mlw_pattern *p)
{
	if (!p)
		return;
	p2.md_free(p->md);
	p2.code_free(p->code);
	free(p);
}

int mlw_pattern_scan(struct mlw_pattern *p, const char *line, size_t len,
		     struct mlw_pattern_match *m, int max)
{
	PCRE2_SIZE start = 0;
	int n = 0;

	while (n < max && start <= len) {
		PCRE2_SIZE *ov;
		int rc = p2.match(p->code, (PCRE2_SPTR)line, len, start,
				  PCRE2_NO_UTF_CHECK, p->md, NULL);

		if (rc < 3)
			break;
		ov = p2.ovector(p->md);
		if (ov[2] != PCRE2_UNSET && ov[4] != PCRE2_UNSET &&
		    ov[5] > ov[4]) {
			m[n].name = line + ov[2];
			m[n].name_len = ov[3] - ov[2];
			m[n].value = line + ov[4];
			m[n].value_len = ov[5] - ov[4];
			n++;
		}
		start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
	return n;
}

/*
 * config.h - read workspace settings (.mlw/config), in git-config syntax.
 *
 *	# comment            ; comment
 *	[section]
 *		key = value
 *	[section "subsection"]
 *		key = "quoted \"value\" with \\ escapes"
 *
 * Section and key names are case-insensitive, subsection names are not,
 * as in git; a key is looked up as "section.key" or
 * "section.subsection.key".  A key given without "= value" is true.  When
 * a key appears more than once the last one wins.  Only reading is
 * offered: the file is small and people edit it by hand.
 */
#ifndef MLW_UTIL_CONFIG_H
#define MLW_UTIL_CONFIG_H

/*
 * The value of key in the config file at path, in *out (allocated), and
 * 1; 0 when the file or the key is missing; a negative code (with a
 * message naming the file and line) when the file is malformed.
 */
int mlw_config_get(char **out, const char *path, const char *key);

/*
 * A boolean as git reads one: true/yes/on/1 and false/no/off/0 (any
 * case); -1 for anything else.
 */
int mlw_config_bool(const char *value);

#endif

/**
 * @file config_int.h
 * @brief Private to the config module: the raw INI document that
 *        config_ini.c reads (through libinih) and config.c interprets.
 */
#ifndef CORRAL_CONFIG_INT_H
#define CORRAL_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/** The longest physical line libinih reads whole (its buffer is 200 bytes with the NUL). */
#define CORRAL__INI_MAX_LINE 199

/** One `key = value`, continuation lines already joined (space-separated). */
typedef struct corral__ini_entry {
    char *key;
    char *value;
    int line; /**< the key's own (first) line */
} corral__ini_entry_t;

/** One `[KIND ID]` section, possibly without keys. */
typedef struct corral__ini_section {
    char *header; /**< the text between the brackets, as written; NULL before any header */
    int line;     /**< the header's line; 0 before any header */
    bool broken;  /**< a line of it could not be read: skip checks that would only echo that */
    corral__ini_entry_t *entries;
    size_t n_entries;
    size_t cap_entries;
} corral__ini_section_t;

typedef struct corral__ini_doc {
    corral__ini_section_t *sections;
    size_t n_sections;
    size_t cap_sections;
} corral__ini_doc_t;

/**
 * Read `text` (named `file` in messages) through libinih into *doc (zeroed by
 * the caller; free with corral__ini_doc_free). Syntax problems go to diags.
 * Returns the number of errors added.
 */
int corral__ini_read(const char *file, const char *text, corral__ini_doc_t *doc,
                     corral_diags_t *diags);
void corral__ini_doc_free(corral__ini_doc_t *doc);

/** Append a diagnostic (file and message copied). */
void corral__diag_add(corral_diags_t *diags, const char *file, int line, bool warning,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif

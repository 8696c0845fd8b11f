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
    char *key;   /**< owned by the document (its string storage) */
    char *value; /**< owned by the document */
    int line;    /**< the key's own (first) line */
} corral__ini_entry_t;

/** One `[KIND ID]` section, possibly without keys. */
typedef struct corral__ini_section {
    char *header; /**< the text between the brackets, as written (owned by the document) */
    int line;     /**< the header's line */
    bool broken;  /**< a line of it could not be read: skip checks that would only echo that */
    corral__ini_entry_t *entries; /**< n_entries of the document's entries, set once read */
    size_t n_entries;
    size_t first; /**< index of its first entry in the document's entries */
} corral__ini_section_t;

/** A block of the document's string storage. */
typedef struct corral__ini_chunk corral__ini_chunk_t;

/**
 * The document. Its strings live in a few large blocks and its entries in
 * one array, freed together: a 10,000-resource config has tens of
 * thousands of keys, and an allocation for each key, value and section was
 * much of what reading one cost.
 */
typedef struct corral__ini_doc {
    corral__ini_section_t *sections;
    size_t n_sections;
    size_t cap_sections;
    corral__ini_entry_t *entries; /**< every section's entries, in file order */
    size_t n_entries;
    size_t cap_entries;
    corral__ini_chunk_t *chunks; /**< string storage, newest first */
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

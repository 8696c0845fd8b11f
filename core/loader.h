/**
 * @file loader.h
 * @brief Internal: open shared objects and look up symbols through libltdl.
 *        loader.c is the only file that includes ltdl.h.
 */
#ifndef CORRAL_LOADER_H
#define CORRAL_LOADER_H

/** Opaque handle of one opened shared object. */
typedef struct corral__module corral__module_t;

/**
 * Open the shared object `path` (a full file name, e.g. ".../dummy.so").
 * 0 and *mod_out (close with corral__loader_close), or -errno with
 * *error_out (malloc'd, the dynamic linker's words; caller frees).
 */
int corral__loader_open(const char *path, corral__module_t **mod_out, char **error_out);

/** The address of `symbol` in the module, or NULL. */
void *corral__loader_sym(corral__module_t *mod, const char *symbol);

/** Close the module (NULL is ignored). */
void corral__loader_close(corral__module_t *mod);

#endif

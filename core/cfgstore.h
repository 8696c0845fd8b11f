/**
 * @file cfgstore.h
 * @brief The node's store of configuration versions in its state directory.
 *
 * Each version is a whole INI file, `<state_dir>/configs/cluster-<epoch>.ini`,
 * written atomically (temp file, fsync, rename), whose first line is a
 * comment holding its epoch, digest, time and origin node, so the file stays
 * a valid config. The newest epoch is the node's authoritative config; the
 * last CORRAL_CFGSTORE_KEEP versions are kept for `history` and `rollback`.
 */
#ifndef CORRAL_CFGSTORE_H
#define CORRAL_CFGSTORE_H

#include <stddef.h>
#include <stdint.h>

#define CORRAL_CFGSTORE_KEEP 20

typedef struct corral_cfgstore corral_cfgstore_t;

typedef struct corral_cfg_version {
    uint64_t epoch;
    char digest[65];
    uint64_t time_ms; /**< wall clock when it was stored */
    char origin[64];  /**< the node the push came from */
    size_t size;      /**< bytes of config text (without our header line) */
} corral_cfg_version_t;

/** Open (creating `<state_dir>/configs`). 0 and *store_out (caller frees), or -errno. */
int corral_cfgstore_open(const char *state_dir, corral_cfgstore_t **store_out);
void corral_cfgstore_free(corral_cfgstore_t *store);

/**
 * The newest stored version: 0, *ver_out and *text_out (malloc'd config text,
 * without our header line; caller frees); -ENOENT when the store is empty.
 */
int corral_cfgstore_latest(corral_cfgstore_t *store, corral_cfg_version_t *ver_out,
                           char **text_out);

/** One version by epoch: as corral_cfgstore_latest(); -ENOENT if not kept. */
int corral_cfgstore_get(corral_cfgstore_t *store, uint64_t epoch, corral_cfg_version_t *ver_out,
                        char **text_out);

/**
 * Store `text` as `ver->epoch` (which must be newer than every stored one:
 * -EEXIST for an equal epoch, -ESTALE for an older one), then prune to the
 * last CORRAL_CFGSTORE_KEEP versions. 0 or -errno.
 */
int corral_cfgstore_save(corral_cfgstore_t *store, const corral_cfg_version_t *ver,
                         const char *text);

/** Kept versions, oldest first. 0 and *vers_out (caller frees), *n_out. */
int corral_cfgstore_history(corral_cfgstore_t *store, corral_cfg_version_t **vers_out,
                            size_t *n_out);

#endif

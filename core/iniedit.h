/**
 * @file iniedit.h
 * @brief Small edits to a config's INI text that keep everything else as
 *        the person wrote it (comments, order, spacing): how `corral
 *        resource move|ban|clear|start|stop` and `corral node standby|online`
 *        change the config before pushing it.
 */
#ifndef CORRAL_INIEDIT_H
#define CORRAL_INIEDIT_H

#include <stdbool.h>

/**
 * Set `key = value` in section `[header]` ("resource vip"): replace the
 * key's line (and its continuation lines) if present, else add it after the
 * section's last key; add the section at the end if it is missing. value
 * NULL removes the key. Returns a new text (caller frees).
 */
char *corral_ini_set(const char *text, const char *header, const char *key, const char *value);

/** Remove section `[header]` (with its keys); *removed_out says whether it was there. New text. */
char *corral_ini_remove_section(const char *text, const char *header, bool *removed_out);

/** Whether section `[header]` exists. */
bool corral_ini_has_section(const char *text, const char *header);

/**
 * Remove every section whose header starts with `prefix` (e.g. "location
 * cli-ban-vip-"); returns a new text, *count_out how many went.
 */
char *corral_ini_remove_sections_prefixed(const char *text, const char *prefix, int *count_out);

#endif

/* The local store of configuration versions; see cfgstore.h. */
#include "cfgstore.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define HEADER_PREFIX "; corral-config "

struct corral_cfgstore {
    char *dir;
};

int corral_cfgstore_open(const char *state_dir, corral_cfgstore_t **store_out)
{
    char *dir = corral_xasprintf("%s/configs", state_dir);
    int rc = corral_mkdir_p(dir, 0750);
    if (rc < 0) {
        free(dir);
        return rc;
    }
    corral_cfgstore_t *s = corral_xcalloc(1, sizeof(*s));
    s->dir = dir;
    *store_out = s;
    return 0;
}

void corral_cfgstore_free(corral_cfgstore_t *store)
{
    if (!store) return;
    free(store->dir);
    free(store);
}

static char *version_path(const corral_cfgstore_t *s, uint64_t epoch)
{
    return corral_xasprintf("%s/cluster-%010" PRIu64 ".ini", s->dir, epoch);
}

/* Epochs present on disk, ascending. */
static int list_epochs(const corral_cfgstore_t *s, uint64_t **epochs_out, size_t *n_out)
{
    DIR *d = opendir(s->dir);
    if (!d) return -errno;
    uint64_t *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned long long e;
        char tail[8];
        if (sscanf(de->d_name, "cluster-%llu.%7s", &e, tail) == 2 && !strcmp(tail, "ini"))
            CORRAL_PUSH(v, n, cap, (uint64_t)e);
    }
    closedir(d);
    for (size_t i = 1; i < n; i++) /* few entries: insertion sort */
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    *epochs_out = v;
    *n_out = n;
    return 0;
}

/* Split a stored file into its header fields and the config text. */
static int parse_stored(const char *data, corral_cfg_version_t *ver, char **text_out)
{
    memset(ver, 0, sizeof(*ver));
    if (!corral_str_has_prefix(data, HEADER_PREFIX)) return -EBADMSG;
    const char *nl = strchr(data, '\n');
    if (!nl) return -EBADMSG;
    char *hdr =
        corral_xstrndup(data + strlen(HEADER_PREFIX), (size_t)(nl - data) - strlen(HEADER_PREFIX));
    char **words = corral_split_words(hdr, NULL);
    free(hdr);
    int seen = 0;
    for (char **w = words; *w; w++) {
        char *eq = strchr(*w, '=');
        if (!eq) continue;
        *eq = '\0';
        const char *val = eq + 1;
        if (!strcmp(*w, "epoch")) {
            ver->epoch = strtoull(val, NULL, 10);
            seen |= 1;
        } else if (!strcmp(*w, "digest")) {
            snprintf(ver->digest, sizeof(ver->digest), "%s", val);
            seen |= 2;
        } else if (!strcmp(*w, "time")) {
            ver->time_ms = strtoull(val, NULL, 10);
        } else if (!strcmp(*w, "origin")) {
            snprintf(ver->origin, sizeof(ver->origin), "%s", val);
        }
    }
    corral_strv_free(words);
    if (seen != 3) return -EBADMSG;
    *text_out = corral_xstrdup(nl + 1);
    ver->size = strlen(*text_out);
    return 0;
}

int corral_cfgstore_get(corral_cfgstore_t *store, uint64_t epoch, corral_cfg_version_t *ver_out,
                        char **text_out)
{
    char *path = version_path(store, epoch);
    char *data = NULL;
    int rc = corral_read_file(path, &data, NULL);
    if (rc < 0) goto done;
    corral_cfg_version_t ver;
    char *text = NULL;
    rc = parse_stored(data, &ver, &text);
    if (rc < 0) {
        corral_err("config store: %s: not a stored config version (bad header line)", path);
        goto done;
    }
    *ver_out = ver;
    *text_out = text;
done:
    free(data);
    free(path);
    return rc;
}

int corral_cfgstore_latest(corral_cfgstore_t *store, corral_cfg_version_t *ver_out, char **text_out)
{
    uint64_t *epochs = NULL;
    size_t n = 0;
    int rc = list_epochs(store, &epochs, &n);
    if (rc < 0) return rc;
    rc = -ENOENT;
    /* A damaged newest file must not hide the good one before it. */
    for (size_t i = n; i-- > 0 && rc < 0;)
        rc = corral_cfgstore_get(store, epochs[i], ver_out, text_out);
    free(epochs);
    return rc < 0 ? -ENOENT : 0;
}

int corral_cfgstore_save(corral_cfgstore_t *store, const corral_cfg_version_t *ver,
                         const char *text)
{
    uint64_t *epochs = NULL;
    size_t n = 0;
    int rc = list_epochs(store, &epochs, &n);
    if (rc < 0) return rc;
    if (n && epochs[n - 1] == ver->epoch)
        rc = -EEXIST;
    else if (n && epochs[n - 1] > ver->epoch)
        rc = -ESTALE;
    if (rc < 0) goto done;

    corral_buf_t b = {0};
    corral_buf_printf(&b, HEADER_PREFIX "epoch=%" PRIu64 " digest=%s time=%" PRIu64 " origin=%s\n",
                      ver->epoch, ver->digest, ver->time_ms, ver->origin[0] ? ver->origin : "-");
    corral_buf_append(&b, text);
    char *path = version_path(store, ver->epoch);
    rc = corral_write_file_atomic(path, b.s, b.len, 0640);
    free(path);
    corral_buf_free(&b);
    if (rc < 0) goto done;

    /* Keep the newest CORRAL_CFGSTORE_KEEP, the one just written included. */
    size_t total = n + 1;
    for (size_t i = 0; total > CORRAL_CFGSTORE_KEEP && i < n; i++, total--) {
        char *old = version_path(store, epochs[i]);
        if (unlink(old) < 0)
            corral_warn("config store: cannot remove %s: %s", old, strerror(errno));
        free(old);
    }
done:
    free(epochs);
    return rc;
}

int corral_cfgstore_history(corral_cfgstore_t *store, corral_cfg_version_t **vers_out,
                            size_t *n_out)
{
    uint64_t *epochs = NULL;
    size_t n = 0;
    int rc = list_epochs(store, &epochs, &n);
    if (rc < 0) return rc;
    corral_cfg_version_t *v = corral_xcalloc(n ? n : 1, sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char *text = NULL;
        if (corral_cfgstore_get(store, epochs[i], &v[k], &text) == 0) k++;
        free(text);
    }
    free(epochs);
    *vers_out = v;
    *n_out = k;
    return 0;
}

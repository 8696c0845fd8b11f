/* Shared-object loading through libltdl; the only user of ltdl.h (see loader.h). */
#include "loader.h"

#include <errno.h>
#include <ltdl.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

struct corral__module {
    lt_dlhandle handle;
};

/* lt_dlinit/lt_dlexit are reference counted by libltdl; we hold one per open module. */

static char *ltdl_error(const char *fallback)
{
    const char *e = lt_dlerror();
    return corral_xstrdup(e ? e : fallback);
}

int corral__loader_open(const char *path, corral__module_t **mod_out, char **error_out)
{
    if (!path || !mod_out) return -EINVAL;
    int ret = 0;
    lt_dladvise advise = NULL;
    bool inited = false;
    char *stem = NULL;

    if (lt_dlinit() != 0) {
        if (error_out) *error_out = ltdl_error("cannot initialise libltdl");
        ret = -ENOEXEC;
        goto done;
    }
    inited = true;
    /*
     * lt_dlopenext adds the shared-library extension itself: hand it the
     * stem. Symbols stay local so that plugins exporting the same
     * descriptor name never resolve one another's.
     */
    size_t len = strlen(path);
    stem = corral_xstrdup(path);
    if (len > 3 && !strcmp(path + len - 3, ".so")) stem[len - 3] = '\0';
    if (lt_dladvise_init(&advise) || lt_dladvise_ext(&advise) || lt_dladvise_local(&advise)) {
        if (error_out) *error_out = ltdl_error("cannot set up libltdl");
        ret = -ENOEXEC;
        goto done;
    }
    lt_dlhandle h = lt_dlopenadvise(stem, advise);
    if (!h) {
        if (error_out) *error_out = ltdl_error("cannot open");
        ret = -ENOEXEC;
        goto done;
    }
    corral__module_t *mod = corral_xcalloc(1, sizeof(*mod));
    mod->handle = h;
    *mod_out = mod;
    inited = false; /* the module keeps the reference */

done:
    if (advise) lt_dladvise_destroy(&advise);
    if (inited) lt_dlexit();
    free(stem);
    return ret;
}

void *corral__loader_sym(corral__module_t *mod, const char *symbol)
{
    if (!mod || !symbol) return NULL;
    return lt_dlsym(mod->handle, symbol);
}

void corral__loader_close(corral__module_t *mod)
{
    if (!mod) return;
    lt_dlclose(mod->handle);
    lt_dlexit();
    free(mod);
}

/* libqb logging set-up; see log.h. */
#include "log.h"

#include <string.h>

static bool initialised;

void corral_log_init(const char *name, corral_log_target_t target, int priority, const char *file)
{
    if (initialised) qb_log_fini();
    qb_log_init(name, LOG_DAEMON, priority);
    initialised = true;
    /* qb_log_init enables syslog by default: route to exactly one target. */
    qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
    int t = QB_LOG_STDERR;
    if (target == CORRAL_LOG_SYSLOG) {
        t = QB_LOG_SYSLOG;
    } else if (target == CORRAL_LOG_FILE && file) {
        t = qb_log_file_open(file);
        if (t < 0) t = QB_LOG_STDERR;
    }
    qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
    qb_log_filter_ctl(t, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", priority);
    /* Files get %T, the time with milliseconds, which event timing needs. */
    if (t == QB_LOG_STDERR)
        qb_log_format_set(t, priority >= LOG_INFO ? "%t %N: [%p] %b" : "%N: %b");
    else
        qb_log_format_set(t, "%T %N[%P]: [%p] %b");
}

void corral_log_fini(void)
{
    if (initialised) qb_log_fini();
    initialised = false;
}

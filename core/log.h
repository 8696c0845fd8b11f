/**
 * @file log.h
 * @brief Logging through libqb's qb_log, with thin macros. A message starts
 *        with the object it concerns: "resource vip: monitor failed: ...".
 *
 * Levels as Pacemaker documents them: crit (the daemon cannot go on), err
 * (an operation failed), warning (something is wrong but handled), notice
 * (a change a person wants to see: a start, a move, a fence), info (detail
 * of normal operation), debug (for developers).
 */
#ifndef CORRAL_LOG_H
#define CORRAL_LOG_H

#include <qb/qblog.h>
#include <stdbool.h>

#define corral_crit(fmt, ...)   qb_log(LOG_CRIT, fmt, ##__VA_ARGS__)
#define corral_err(fmt, ...)    qb_log(LOG_ERR, fmt, ##__VA_ARGS__)
#define corral_warn(fmt, ...)   qb_log(LOG_WARNING, fmt, ##__VA_ARGS__)
#define corral_notice(fmt, ...) qb_log(LOG_NOTICE, fmt, ##__VA_ARGS__)
#define corral_info(fmt, ...)   qb_log(LOG_INFO, fmt, ##__VA_ARGS__)
#define corral_debug(fmt, ...)  qb_log(LOG_DEBUG, fmt, ##__VA_ARGS__)

typedef enum corral_log_target {
    CORRAL_LOG_STDERR, /**< foreground daemon and the CLI */
    CORRAL_LOG_SYSLOG,
    CORRAL_LOG_FILE,
} corral_log_target_t;

/**
 * Set up libqb logging for program `name`. `priority` is the most verbose
 * level shown (LOG_NOTICE for the CLI, LOG_INFO for the daemon). `file` is
 * used with CORRAL_LOG_FILE. Safe to call more than once.
 */
void corral_log_init(const char *name, corral_log_target_t target, int priority, const char *file);
void corral_log_fini(void);

#endif

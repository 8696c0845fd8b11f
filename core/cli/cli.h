/**
 * @file cli.h
 * @brief The `corral` program: one function per subcommand, each in its own
 *        file (cmd_<name>.c), registered in main.c's table.
 *
 * Exit codes: 0 success, 1 failure, 2 bad usage or a bad file. Errors go to
 * stderr as one plain sentence each.
 */
#ifndef CORRAL_CLI_H
#define CORRAL_CLI_H

#define CORRAL_EXIT_OK    0
#define CORRAL_EXIT_FAIL  1
#define CORRAL_EXIT_USAGE 2

/** A subcommand: argv[0] is the subcommand's name. */
typedef int (*corral_cmd_fn)(int argc, char **argv);

int corral_cmd_agent(int argc, char **argv);
int corral_cmd_config(int argc, char **argv);
int corral_cmd_simulate(int argc, char **argv);
int corral_cmd_status(int argc, char **argv);
int corral_cmd_resource(int argc, char **argv);
int corral_cmd_node(int argc, char **argv);
int corral_cmd_wait(int argc, char **argv);
/** config push|show|diff|history|rollback: argv[1] is the verb. */
int corral_cli_config_daemon(int argc, char **argv);

/**
 * Send argv (+ body) to the local corrald and return its exit code; its
 * output is printed, or kept in *out_keep (caller frees) when non-NULL.
 */
int corral_cli_call(int argc, const char *const argv[], const char *body, int timeout_ms,
                    char **out_keep);

/** Explain a failed corral_ipc_call() (-errno) on stderr. */
void corral_cli_ipc_error(int r);

/** Print "corral: " + message + newline to stderr. */
void corral_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/*
 * corral-forksrv: the executor's fork server as a program of its own (see
 * docs/executor.md). corrald starts it with its request socket on fd 3; it
 * maps only what it needs, so each fork of it for an action costs less than
 * a fork of the daemon would.
 */
#include <stdlib.h>

#include "action.h"

int main(int argc, char **argv)
{
    /* Set for the dynamic loader only (forkserver.h): the actions must not inherit it. */
    unsetenv("LD_BIND_NOW");
    return corral_action_forkserver_main(argc, argv);
}

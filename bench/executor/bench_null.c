/*
 * "bench-null": the thinnest native agent (a look at its state file for
 * monitor), a plugin like any other, for bench_executor. The shipped `dummy`
 * rewrites and fsyncs its state file on every action, monitors included;
 * this one shows what the executor, the fork server and the runner cost by
 * themselves.
 */
#include <corral/plugin.h>
#include <unistd.h>

static int null_start(const corral_op_t *op)
{
    return CORRAL_OCF_SUCCESS;
}

static int null_monitor(const corral_op_t *op)
{
    const char *p = op->param(op, "state");
    /* Look, as a monitor would; the answer is "running" either way. */
    if (p) (void)access(p, F_OK);
    return CORRAL_OCF_SUCCESS;
}

static const corral_param_spec_t null_params[] = {
    {.name = "state", .type = CORRAL_PARAM_STRING, .description = "a path it looks at"},
    {.name = NULL},
};

const corral_resource_plugin_t corral_resource_plugin = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "bench-null",
    .version = "1",
    .description = "executor benchmark: does nothing",
    .params = null_params,
    .start = null_start,
    .stop = null_start,
    .monitor = null_monitor,
};

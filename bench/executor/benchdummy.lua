-- benchdummy: the Lua twin of the native `dummy` agent for bench_executor:
-- start writes a state file (atomically, like dummy), stop removes it,
-- monitor checks it. Only the benchmark uses it (CORRAL_LUA_PATH points here).
agent = {
    name = "benchdummy",
    version = "1.0",
    description = "A state file as a resource, for the executor benchmark.",
    kind = "resource",
    params = {
        state = { type = "string", required = true, description = "The state file." },
    },
}

function start(p)
    corral.write_file(p.state, "running\n")
    return corral.OK
end

function stop(p)
    corral.remove_file(p.state)
    return corral.OK
end

function monitor(p)
    if corral.file_exists(p.state) then
        return corral.OK
    end
    return corral.NOT_RUNNING
end

-- daemon: any long-running command as a resource (like ocf:heartbeat:anything).
agent = {
    name = "daemon",
    version = "1.0",
    description = [[Runs a command in the background as a resource.
start launches it in its own session and records its pid; monitor checks that
the process still lives and still runs the same program; stop sends SIGTERM,
then SIGKILL after stop_grace.]],
    kind = "resource",
    params = {
        command = {
            type = "string",
            required = true,
            description = "The program and its arguments, split on spaces (no shell).",
        },
        pidfile = {
            type = "string",
            description = "Where to keep the pid (default: in corral's state directory).",
        },
        start_wait = {
            type = "duration",
            default = "200ms",
            description = "start succeeds only if the command still runs after this long.",
        },
        stop_grace = {
            type = "duration",
            default = "10s",
            description = "How long stop waits after SIGTERM before SIGKILL.",
        },
    },
}

local function duration_ms(s)
    local n, unit = tostring(s):match("^(%d+)(%a*)$")
    local scale = { [""] = 1000, ms = 1, s = 1000, min = 60000, h = 3600000 }
    return tonumber(n) * scale[unit]
end

local function words(s)
    local argv = {}
    for w in s:gmatch("%S+") do
        argv[#argv + 1] = w
    end
    return argv
end

local function pidfile(p)
    if p.pidfile then
        return p.pidfile
    end
    local dir = (corral.state_dir() or "/run/corral") .. "/lua-agents"
    corral.mkdir(dir)
    return string.format("%s/daemon-%s@%s.pid", dir, corral.resource(), corral.node())
end

-- The pid when the recorded process is alive and runs our program, else nil.
local function running_pid(p)
    local pid = tonumber((corral.read_file(pidfile(p)) or ""):match("^(%d+)"))
    if not pid then
        return nil
    end
    local stat = corral.read_file("/proc/" .. pid .. "/stat")
    if not stat or stat:match("%) (%a)") == "Z" then
        return nil -- gone, or a zombie waiting for its parent
    end
    local cmdline = corral.read_file("/proc/" .. pid .. "/cmdline") or ""
    local program = cmdline:match("^([^\0]*)")
    if program ~= words(p.command)[1] then
        return nil -- the pid was reused by another program
    end
    return pid
end

function validate(p)
    local program = words(p.command or "")[1]
    if not program then
        return corral.NOT_CONFIGURED, "command is empty"
    end
    if program:sub(1, 1) ~= "/" then
        return corral.NOT_CONFIGURED, "command must start with an absolute path"
    end
    if not corral.file_exists(program) then
        return corral.NOT_INSTALLED, program .. " is missing"
    end
    return corral.OK
end

function start(p)
    local rc, why = validate(p)
    if rc ~= corral.OK then
        return rc, why
    end
    if running_pid(p) then
        return corral.OK
    end
    -- setsid: the daemon leaves the action's process group and session.
    local argv = { "/bin/sh", "-c", 'setsid "$@" </dev/null >/dev/null 2>&1 & echo $!', "sh" }
    for _, w in ipairs(words(p.command)) do
        argv[#argv + 1] = w
    end
    local src, out, err = corral.exec(argv)
    local pid = out:match("^(%d+)")
    if src ~= 0 or not pid then
        return corral.ERR_GENERIC, "cannot launch " .. p.command .. ": " .. err
    end
    local ok, werr = corral.write_file(pidfile(p), pid .. "\n")
    if not ok then
        return corral.ERR_GENERIC, werr
    end
    -- It must still be there a moment later (a typo in its arguments kills it at once).
    corral.sleep(duration_ms(p.start_wait))
    if not running_pid(p) then
        return corral.ERR_GENERIC, p.command .. " exited right after it started"
    end
    corral.log("info", "started " .. p.command .. " as pid " .. pid)
    return corral.OK
end

function stop(p)
    local pid = running_pid(p)
    if pid then
        corral.exec({ "kill", "-TERM", tostring(pid) })
        local left = duration_ms(p.stop_grace)
        while running_pid(p) and left > 0 do
            corral.sleep(100)
            left = left - 100
        end
        if running_pid(p) then
            corral.log("warning", p.command .. " ignored SIGTERM; sending SIGKILL")
            corral.exec({ "kill", "-KILL", tostring(pid) })
        end
    end
    corral.remove_file(pidfile(p))
    return corral.OK
end

function monitor(p)
    if running_pid(p) then
        return corral.OK
    end
    if corral.file_exists(pidfile(p)) then
        return corral.ERR_GENERIC, p.command .. " died"
    end
    return corral.NOT_RUNNING
end

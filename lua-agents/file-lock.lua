-- file-lock: a lease on shared storage, so that two nodes never both believe
-- they own a resource (e.g. a database on a shared volume).
--
-- The lock is a file on the shared storage that names its owner node and the
-- time of its last renewal. start takes it, or refuses while another node
-- holds a fresh lease; monitor renews it (and fails if another node took
-- it); stop releases it. A lease that was not renewed for `lease` is stale and
-- may be taken over: the monitor interval must be well below the lease, and
-- the nodes' clocks must agree (NTP).
--
-- Every change of the lock happens under a short-lived guard file created
-- with link(), which is atomic even on NFS, so two nodes racing for a free or
-- stale lock cannot both win.
--
--   [resource db-lock]
--   agent = lua:file-lock
--   param.path = /shared/db/.corral-lock
--   param.lease = 60s
--   op.monitor = interval=10s timeout=20s
--
--   [group db]
--   resources = db-lock db-fs db-server

agent = {
    name = "file-lock",
    version = "1.0",
    description = [[A lease file on shared storage: at most one node holds it.
start refuses while another node holds a fresh lease; monitor renews it.]],
    kind = "resource",
    params = {
        path = {
            type = "string",
            required = true,
            unique = true,
            description = "The lock file, on storage every node shares.",
        },
        lease = {
            type = "duration",
            default = "60s",
            description = "A lock not renewed for this long is stale and may be taken over.",
        },
        owner = {
            type = "string",
            description = "This node's name in the lock (default: the node's name).",
        },
        guard_timeout = {
            type = "duration",
            default = "5s",
            description = "How long to wait for another node's change of the lock to finish.",
        },
    },
}

local GUARD_STALE_S = 10 -- a guard is held for milliseconds; older means its holder died

local function duration_ms(s)
    local n, unit = tostring(s):match("^(%d+)(%a*)$")
    local scale = { [""] = 1000, ms = 1, s = 1000, min = 60000, h = 3600000 }
    return tonumber(n) * scale[unit]
end

local function me(p)
    return p.owner or corral.node()
end

local function flag_path(p)
    local dir = (corral.state_dir() or "/run/corral") .. "/lua-agents"
    corral.mkdir(dir)
    return string.format("%s/file-lock-%s@%s.held", dir, corral.resource(), me(p))
end

-- The lock as a table {owner=, renewed=}, or nil when there is none.
local function read_lock(path)
    local data = corral.read_file(path)
    if not data then
        return nil
    end
    local lock = {}
    for k, v in data:gmatch("(%w+)=([^\n]*)") do
        lock[k] = v
    end
    lock.renewed = tonumber(lock.renewed) or 0
    return lock
end

local function fresh(p, lock)
    return os.time() - lock.renewed < duration_ms(p.lease) / 1000
end

local function write_lock(p)
    return corral.write_file(p.path, string.format("owner=%s\nrenewed=%d\nresource=%s\n", me(p),
        os.time(), corral.resource()))
end

-- Run fn() while holding the guard; returns fn's results, or
-- corral.ERR_GENERIC and why when the guard cannot be had.
local function with_guard(p, fn)
    local guard = p.path .. ".guard"
    local waited, limit = 0, duration_ms(p.guard_timeout)
    while true do
        local ok, err = corral.write_file(guard, me(p) .. " " .. os.time() .. "\n",
            { exclusive = true })
        if ok then
            local results = table.pack(pcall(fn))
            corral.remove_file(guard)
            if not results[1] then
                error(results[2], 0)
            end
            return table.unpack(results, 2, results.n)
        end
        if ok == nil then
            return corral.ERR_GENERIC, "cannot create " .. guard .. ": " .. err
        end
        local held = corral.read_file(guard) or ""
        local holder, stamp = held:match("^(%S+) (%d+)")
        if stamp and os.time() - tonumber(stamp) > GUARD_STALE_S then
            corral.log("warning", "removing the stale guard " .. guard .. " of " .. holder)
            corral.remove_file(guard)
        elseif waited >= limit then
            return corral.ERR_GENERIC, guard .. " is held by " .. (holder or "?")
        else
            corral.sleep(100)
            waited = waited + 100
        end
    end
end

function validate(p)
    local dir = p.path:match("^(.*)/[^/]+$")
    if not dir or dir == "" then
        return corral.NOT_CONFIGURED, "path must be an absolute file name"
    end
    if not corral.file_exists(dir) then
        return corral.NOT_CONFIGURED, dir .. " does not exist (is the shared storage mounted?)"
    end
    return corral.OK
end

function start(p)
    local rc, why = validate(p)
    if rc ~= corral.OK then
        return rc, why
    end
    rc, why = with_guard(p, function()
        local lock = read_lock(p.path)
        if lock and lock.owner ~= me(p) and fresh(p, lock) then
            return corral.ERR_GENERIC, string.format("%s is held by %s (renewed %ds ago)", p.path,
                lock.owner, os.time() - lock.renewed)
        end
        if lock and lock.owner ~= me(p) then
            corral.log("warning", string.format("taking over the stale lock %s of %s", p.path,
                lock.owner))
        end
        local ok, err = write_lock(p)
        if not ok then
            return corral.ERR_GENERIC, err
        end
        return corral.OK
    end)
    if rc == corral.OK then
        corral.write_file(flag_path(p), p.path .. "\n")
    end
    return rc, why
end

function stop(p)
    local rc, why = with_guard(p, function()
        local lock = read_lock(p.path)
        if lock and lock.owner == me(p) then
            local ok, err = corral.remove_file(p.path)
            if ok == nil then
                return corral.ERR_GENERIC, err
            end
        end
        return corral.OK
    end)
    if rc == corral.OK then
        corral.remove_file(flag_path(p))
    end
    return rc, why
end

function monitor(p)
    local held_here = corral.file_exists(flag_path(p))
    local lock = read_lock(p.path)
    if not held_here then
        -- A probe: running here only if the lock says so and is fresh; then
        -- adopt it (the local mark was lost, e.g. with the state directory).
        if not (lock and lock.owner == me(p) and fresh(p, lock)) then
            return corral.NOT_RUNNING
        end
        corral.write_file(flag_path(p), p.path .. "\n")
    end
    return with_guard(p, function()
        lock = read_lock(p.path)
        if not lock then
            return corral.ERR_GENERIC, p.path .. " vanished"
        end
        if lock.owner ~= me(p) then
            return corral.ERR_GENERIC, p.path .. " was taken over by " .. lock.owner
        end
        if not fresh(p, lock) then
            corral.log("warning", p.path .. ": renewed late; the monitor interval should be "
                .. "well below the lease")
        end
        local ok, err = write_lock(p)
        if not ok then
            return corral.ERR_GENERIC, err
        end
        return corral.OK
    end)
end

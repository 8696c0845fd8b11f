-- ping: connectivity as a node attribute.
--
-- Pings every host of host_list and sets a transient node attribute (default
-- "pingd") to multiplier x the number of hosts that answered, so that
-- location rules can keep resources on nodes that still reach the network:
--
--   [resource ping]
--   agent = lua:ping
--   param.host_list = 198.18.0.1 198.18.0.2
--   param.multiplier = 100
--   op.monitor = interval=10s timeout=20s
--
--   [clone ping-clone]
--   resource = ping
--
--   [location web-needs-network]
--   resource = web
--   rule = attr.pingd lt 100        ; or: attr.pingd not_defined
--   score = -INFINITY
--
-- Run it as a clone so that every node measures its own connectivity. The
-- attribute is refreshed by every monitor and removed by stop.

agent = {
    name = "ping",
    version = "1.0",
    description = [[Sets a node attribute to multiplier x the number of reachable hosts.
Like ocf:pacemaker:ping: run it as a clone, and let location rules follow the attribute.]],
    kind = "resource",
    params = {
        host_list = {
            type = "string",
            required = true,
            description = "Hosts (names or addresses) to ping, separated by spaces.",
        },
        name = { type = "string", default = "pingd", description = "The node attribute to set." },
        multiplier = {
            type = "integer",
            default = 1,
            description = "The attribute is this times the number of hosts that answered.",
        },
        attempts = {
            type = "integer",
            default = 2,
            description = "Echo requests per host; the host counts when any is answered.",
        },
        timeout = {
            type = "duration",
            default = "2s",
            description = "How long to wait for a host's answers. Mind the op timeout: "
                .. "hosts are pinged one after another.",
        },
        failure_score = {
            type = "integer",
            default = 0,
            description = "When above 0, monitor fails if the attribute would be below it.",
        },
    },
}

local function duration_ms(s)
    local n, unit = tostring(s):match("^(%d+)(%a*)$")
    local scale = { [""] = 1000, ms = 1, s = 1000, min = 60000, h = 3600000 }
    return tonumber(n) * scale[unit]
end

local function flag_path()
    local dir = (corral.state_dir() or "/run/corral") .. "/lua-agents"
    corral.mkdir(dir)
    return string.format("%s/ping-%s@%s.active", dir, corral.resource(), corral.node())
end

local function hosts(p)
    local list = {}
    for h in (p.host_list or ""):gmatch("%S+") do
        list[#list + 1] = h
    end
    return list
end

-- Returns the score and how many hosts answered, or nil and why.
local function measure(p)
    local wait = math.max(1, duration_ms(p.timeout) // 1000)
    local up = 0
    for _, host in ipairs(hosts(p)) do
        local rc, _, err = corral.exec({
            "ping", "-n", "-q", "-c", p.attempts, "-i", "0.2", "-W", tostring(wait), "-w",
            tostring(wait + 1), host,
        })
        if rc == 127 then
            return nil, "the ping command is missing (Debian: iputils-ping)"
        end
        if rc == 0 then
            up = up + 1
        else
            corral.log("debug", "ping: " .. host .. " did not answer (rc " .. rc .. ") " .. err)
        end
    end
    return up * tonumber(p.multiplier), up
end

local function update(p)
    local score, up = measure(p)
    if not score then
        return corral.NOT_INSTALLED, up
    end
    local old = corral.get_attr(p.name)
    corral.set_attr(p.name, tostring(score))
    if old ~= tostring(score) then
        corral.log("notice", string.format("%s: %d of %d hosts reachable, %s = %d", corral.node(),
            up, #hosts(p), p.name, score))
    end
    local floor = tonumber(p.failure_score)
    if floor > 0 and score < floor then
        return corral.ERR_GENERIC, string.format("%s = %d, below failure_score %d", p.name,
            score, floor)
    end
    return corral.OK
end

function validate(p)
    if #hosts(p) == 0 then
        return corral.NOT_CONFIGURED, "host_list names no host"
    end
    if tonumber(p.attempts) < 1 then
        return corral.NOT_CONFIGURED, "attempts must be 1 or more"
    end
    return corral.OK
end

function start(p)
    local rc, why = validate(p)
    if rc ~= corral.OK then
        return rc, why
    end
    local ok, err = corral.write_file(flag_path(), os.date("!%Y-%m-%dT%H:%M:%SZ") .. "\n")
    if not ok then
        return corral.ERR_GENERIC, err
    end
    rc, why = update(p)
    if rc == corral.NOT_INSTALLED then
        return rc, why
    end
    return corral.OK -- a low score is for the location rules, not a failed start
end

function stop(p)
    corral.remove_file(flag_path())
    corral.set_attr(p.name, nil)
    return corral.OK
end

function monitor(p)
    if not corral.file_exists(flag_path()) then
        return corral.NOT_RUNNING
    end
    return update(p)
end

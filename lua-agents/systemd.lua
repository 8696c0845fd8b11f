-- systemd: a systemd unit as a cluster resource, through systemctl.
--
--   [resource web]
--   agent = lua:systemd
--   param.unit = nginx.service
--   op.monitor = interval=10s timeout=20s
--
-- start runs `systemctl start UNIT` and waits until `systemctl is-active`
-- says active; stop runs `systemctl stop UNIT` and waits until it is no
-- longer active; monitor asks `systemctl is-active`. Disable the unit
-- (`systemctl disable UNIT`) so that only the cluster starts it.

agent = {
    name = "systemd",
    version = "1.0",
    description = [[Starts, stops and monitors a systemd unit through systemctl.
A name without a suffix means a .service unit.]],
    kind = "resource",
    params = {
        unit = {
            type = "string",
            required = true,
            unique = true,
            description = "The unit: nginx, nginx.service, data.mount, ...",
        },
        poll = {
            type = "duration",
            default = "500ms",
            description = "How often start and stop look at the unit's state while waiting.",
        },
    },
}

local function duration_ms(s)
    local n, unit = tostring(s):match("^(%d+)(%a*)$")
    local scale = { [""] = 1000, ms = 1, s = 1000, min = 60000, h = 3600000 }
    return tonumber(n) * scale[unit]
end

local function unit_name(p)
    local u = p.unit or ""
    if not u:find("%.") then
        u = u .. ".service"
    end
    return u
end

local function trim(s)
    return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

local function systemctl(...)
    local rc, out, err = corral.exec({ "systemctl", ... })
    return rc, trim(out), trim(err)
end

-- "active", "inactive", "failed", "activating", "deactivating", "reloading", ...
local function state(unit)
    local rc, out, err = systemctl("is-active", unit)
    if rc == 127 then
        return nil, "systemctl is missing: " .. err
    end
    if out == "" then
        return "unknown"
    end
    return out:match("^(%S+)")
end

local function check(p)
    if not p.unit or p.unit == "" or p.unit:find("[%s/]") then
        return corral.NOT_CONFIGURED, "unit must name one unit"
    end
    local rc, out, err = systemctl("show", "-p", "LoadState", "--value", unit_name(p))
    if rc == 127 then
        return corral.NOT_INSTALLED, "systemctl is missing: " .. err
    end
    if out == "not-found" then
        return corral.NOT_INSTALLED, unit_name(p) .. " is not installed"
    end
    if out == "masked" then
        return corral.NOT_CONFIGURED, unit_name(p) .. " is masked"
    end
    return corral.OK
end

-- Wait until the unit's state is one of `want` (a set), or fails, or the op's
-- time is nearly out.
local function wait_for(p, want)
    local unit = unit_name(p)
    local step = duration_ms(p.poll)
    local left = corral.timeout() - 500
    while true do
        local s, err = state(unit)
        if not s then
            return corral.NOT_INSTALLED, err
        end
        if want[s] then
            return corral.OK, s
        end
        if s == "failed" and not want.inactive then
            return corral.ERR_GENERIC, unit .. " failed"
        end
        if left <= step then
            return corral.ERR_GENERIC, unit .. " is still " .. s
        end
        corral.sleep(step)
        left = left - step
    end
end

function validate(p)
    return check(p)
end

function start(p)
    local rc, why = check(p)
    if rc ~= corral.OK then
        return rc, why
    end
    local unit = unit_name(p)
    local src, _, err = systemctl("start", unit)
    if src ~= 0 then
        return corral.ERR_GENERIC, "systemctl start " .. unit .. ": " .. (err ~= "" and err or ("exit " .. src))
    end
    return wait_for(p, { active = true, reloading = true })
end

function stop(p)
    local unit = unit_name(p)
    local rc, out = systemctl("show", "-p", "LoadState", "--value", unit)
    if rc == 127 or out == "not-found" then
        return corral.OK -- nothing to stop where it cannot even run
    end
    local src, _, err = systemctl("stop", unit)
    if src ~= 0 then
        return corral.ERR_GENERIC, "systemctl stop " .. unit .. ": " .. (err ~= "" and err or ("exit " .. src))
    end
    return wait_for(p, { inactive = true, failed = true, unknown = true })
end

function monitor(p)
    local s, err = state(unit_name(p))
    if not s then
        return corral.NOT_INSTALLED, err
    end
    if s == "active" or s == "reloading" or s == "activating" then
        return corral.OK
    end
    if s == "failed" then
        return corral.NOT_RUNNING, unit_name(p) .. " failed"
    end
    return corral.NOT_RUNNING
end

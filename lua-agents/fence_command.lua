-- fence_command: fencing through the commands of a power switch, a BMC or a
-- hypervisor (ipmitool, snmpset, virsh, a vendor's CLI...).
--
-- Each action has a command template. It is split on whitespace and run
-- without a shell (shell = true runs it with /bin/sh -c, the values quoted),
-- after these substitutions: %n the target node, %p the target as the device
-- calls it (the host-map'd plug), %a the action, %% a literal %.
--
--   [fence ipmi-n1]
--   agent = lua:fence_command
--   param.off_command = ipmitool -I lanplus -H bmc-%n -U admin -f /etc/corral/ipmi.pw chassis power off
--   param.on_command = ipmitool -I lanplus -H bmc-%n -U admin -f /etc/corral/ipmi.pw chassis power on
--   param.status_command = ipmitool -I lanplus -H bmc-%n -U admin -f /etc/corral/ipmi.pw chassis power status
--   param.status_on_pattern = is on
--   param.status_off_pattern = is off
--   hosts = n1
--
-- status: with status_on_pattern / status_off_pattern (Lua patterns) the
-- command's output decides; without them its exit code: 0 on, 2 off (as
-- fence_* agents answer), anything else an error. After off and on, when a
-- status command is set, the agent waits (up to power_wait) until the status
-- agrees.

agent = {
    name = "fence_command",
    version = "1.0",
    description = [[Fences nodes through configured commands (%n node, %p plug, %a action).
Off is required; on, reboot, status, list and monitor commands are optional.]],
    kind = "fence",
    params = {
        off_command = { type = "string", required = true, description = "Powers the target off." },
        on_command = { type = "string", description = "Powers the target on." },
        reboot_command = {
            type = "string",
            description = "Power-cycles the target (default: off, then on when on_command is set).",
        },
        status_command = {
            type = "string",
            description = "Tells whether the target is on (exit 0) or off (exit 2).",
        },
        status_on_pattern = {
            type = "string",
            description = "A Lua pattern: status output matching it means on.",
        },
        status_off_pattern = {
            type = "string",
            description = "A Lua pattern: status output matching it means off.",
        },
        list_command = {
            type = "string",
            description = "Prints the targets the device can fence, separated by spaces or lines.",
        },
        monitor_command = {
            type = "string",
            description = "Exits 0 when the device is reachable (default: the off command's "
                .. "program is installed).",
        },
        power_wait = {
            type = "duration",
            default = "10s",
            description = "After off/on: how long to wait for the status to agree.",
        },
        shell = {
            type = "boolean",
            default = false,
            description = "Run the commands with /bin/sh -c (values are quoted).",
        },
    },
}

local function duration_ms(s)
    local n, unit = tostring(s):match("^(%d+)(%a*)$")
    local scale = { [""] = 1000, ms = 1, s = 1000, min = 60000, h = 3600000 }
    return tonumber(n) * scale[unit]
end

local function truthy(v)
    v = tostring(v or ""):lower()
    return v == "true" or v == "yes" or v == "on" or v == "1"
end

local function shell_quote(s)
    return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function expand(word, values, quote)
    return (word:gsub("%%(.)", function(c)
        if c == "%" then
            return "%"
        end
        local v = values[c]
        if v == nil then
            return "%" .. c
        end
        return quote and shell_quote(v) or v
    end))
end

-- Run a template; returns rc, stdout, stderr.
local function run(p, template, action, plug)
    local values = { n = corral.target() or plug or "", p = plug or "", a = action }
    if truthy(p.shell) then
        return corral.exec(expand(template, values, true), { shell = true })
    end
    local argv = {}
    for word in template:gmatch("%S+") do
        argv[#argv + 1] = expand(word, values, false)
    end
    return corral.exec(argv)
end

local function first_line(s)
    return s:match("[^\n]+") or ""
end

local function power_state(p, plug)
    if not p.status_command then
        return nil, "no status_command configured"
    end
    local rc, out, err = run(p, p.status_command, "status", plug)
    if p.status_on_pattern or p.status_off_pattern then
        if p.status_off_pattern and out:find(p.status_off_pattern) then
            return "off"
        end
        if p.status_on_pattern and out:find(p.status_on_pattern) then
            return "on"
        end
        return nil, "status of " .. plug .. ": unrecognised answer: " .. first_line(out .. err)
    end
    if rc == 0 then
        return "on"
    elseif rc == 2 then
        return "off"
    end
    return nil, "status of " .. plug .. " failed (exit " .. rc .. "): " .. first_line(err)
end

-- After a power change: wait until the status says `want` (when it can tell).
local function settle(p, plug, want)
    if not p.status_command then
        return corral.OK
    end
    local waited, limit = 0, duration_ms(p.power_wait)
    while true do
        local s, err = power_state(p, plug)
        if s == want then
            return corral.OK
        end
        if waited >= limit then
            return corral.ERR_GENERIC, string.format("%s is still %s after %dms", plug,
                s or ("unknown (" .. tostring(err) .. ")"), waited)
        end
        corral.sleep(500)
        waited = waited + 500
    end
end

local function power(p, template, action, plug, want)
    local rc, _, err = run(p, template, action, plug)
    if rc ~= 0 then
        return corral.ERR_GENERIC, string.format("%s of %s failed (exit %d): %s", action, plug, rc,
            first_line(err))
    end
    corral.log("notice", action .. " of " .. plug .. " done")
    return settle(p, plug, want)
end

function off(plug, p)
    return power(p, p.off_command, "off", plug, "off")
end

function on(plug, p)
    if not p.on_command then
        return corral.UNIMPLEMENTED, "no on_command configured"
    end
    return power(p, p.on_command, "on", plug, "on")
end

function reboot(plug, p)
    if p.reboot_command then
        return power(p, p.reboot_command, "reboot", plug, "on")
    end
    local rc, why = off(plug, p)
    if rc ~= corral.OK or not p.on_command then
        return rc, why
    end
    rc, why = on(plug, p)
    if rc ~= corral.OK then
        corral.log("warning", "reboot of " .. plug .. ": it is off, but on failed: " .. tostring(why))
    end
    return corral.OK -- fenced: the target did go off
end

function status(plug, p)
    local s, err = power_state(p, plug)
    if s == "on" then
        return corral.OK
    elseif s == "off" then
        return corral.NOT_RUNNING
    end
    if not p.status_command then
        return corral.UNIMPLEMENTED, err
    end
    return corral.ERR_GENERIC, err
end

function list(p)
    if not p.list_command then
        return corral.UNIMPLEMENTED, "no list_command configured"
    end
    local rc, out, err = run(p, p.list_command, "list", nil)
    if rc ~= 0 then
        return corral.ERR_GENERIC, "list failed (exit " .. rc .. "): " .. first_line(err)
    end
    return out
end

function monitor(p)
    if p.monitor_command then
        local rc, _, err = run(p, p.monitor_command, "monitor", nil)
        if rc ~= 0 then
            return corral.ERR_GENERIC, "monitor failed (exit " .. rc .. "): " .. first_line(err)
        end
        return corral.OK
    end
    local program = p.off_command:match("^%s*(%S+)")
    if program and program:sub(1, 1) == "/" and not truthy(p.shell) and not corral.file_exists(program) then
        return corral.NOT_INSTALLED, program .. " is missing"
    end
    return corral.OK
end

-- http: an HTTP health check as a resource.
--
-- monitor GETs url with curl and expects a status code (and, if set, a
-- substring of the body). start marks the check active on this node and
-- runs it once; stop clears the mark. Colocate it with the service it checks
-- (and order it after) so that a service which runs but no longer answers
-- is recovered:
--
--   [resource web-check]
--   agent = lua:http
--   param.url = http://127.0.0.1:8080/health
--   param.expect_body = ok
--   op.monitor = interval=10s timeout=20s
--
--   [group web]
--   resources = vip nginx web-check

agent = {
    name = "http",
    version = "1.0",
    description = [[Health check of an HTTP(S) URL through curl.
Fails when the URL does not answer with the expected status and body.]],
    kind = "resource",
    params = {
        url = { type = "string", required = true, description = "The URL to GET (http:// or https://)." },
        expect_status = {
            type = "integer",
            default = 200,
            description = "The HTTP status the check expects.",
        },
        expect_body = {
            type = "string",
            description = "A plain substring the body must contain (none: any body).",
        },
        check_timeout = {
            type = "duration",
            default = "5s",
            description = "How long one request may take (curl --max-time).",
        },
        insecure = {
            type = "boolean",
            default = false,
            description = "Accept any TLS certificate (curl --insecure).",
        },
        host_header = {
            type = "string",
            description = "A Host: header to send (virtual hosts behind an address).",
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

local function flag_path()
    local dir = (corral.state_dir() or "/run/corral") .. "/lua-agents"
    corral.mkdir(dir)
    return string.format("%s/http-%s@%s.active", dir, corral.resource(), corral.node())
end

-- corral.OK, or an error code and why.
local function check(p)
    local secs = string.format("%.3f", duration_ms(p.check_timeout) / 1000)
    local argv = { "curl", "--silent", "--show-error", "--output", "-", "--write-out",
        "\n%{http_code}", "--max-time", secs }
    if truthy(p.insecure) then
        argv[#argv + 1] = "--insecure"
    end
    if p.host_header then
        argv[#argv + 1] = "--header"
        argv[#argv + 1] = "Host: " .. p.host_header
    end
    argv[#argv + 1] = "--url"
    argv[#argv + 1] = p.url
    local rc, out, err = corral.exec(argv, { timeout = duration_ms(p.check_timeout) + 2000 })
    if rc == 127 then
        return corral.NOT_INSTALLED, "curl is missing"
    end
    if rc ~= 0 then
        return corral.ERR_GENERIC, p.url .. ": " .. (err:match("[^\n]+") or ("curl exit " .. rc))
    end
    local body, code = out:match("^(.*)\n(%d%d%d)$")
    if not code then
        return corral.ERR_GENERIC, p.url .. ": no HTTP status in curl's answer"
    end
    if tonumber(code) ~= tonumber(p.expect_status) then
        return corral.ERR_GENERIC, string.format("%s: status %s, expected %s", p.url, code,
            p.expect_status)
    end
    if p.expect_body and p.expect_body ~= "" and not body:find(p.expect_body, 1, true) then
        return corral.ERR_GENERIC, string.format("%s: the body does not contain %q", p.url,
            p.expect_body)
    end
    return corral.OK
end

function validate(p)
    if not (p.url or ""):match("^https?://[^%s]+$") then
        return corral.NOT_CONFIGURED, "url must be an http:// or https:// URL"
    end
    local s = tonumber(p.expect_status)
    if s < 100 or s > 599 then
        return corral.NOT_CONFIGURED, "expect_status must be an HTTP status (100-599)"
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
    return check(p)
end

function stop(p)
    corral.remove_file(flag_path())
    return corral.OK
end

function monitor(p)
    if not corral.file_exists(flag_path()) then
        return corral.NOT_RUNNING
    end
    return check(p)
end

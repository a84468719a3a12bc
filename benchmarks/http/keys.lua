-- wrk script: requests on random keys among 10,000 in the collection
-- "bench" (/bench/w1 ... /bench/w10000), which run.sh fills first: a given
-- percentage of them PUTs of a 100-byte value (most replace one: 204), the
-- rest GETs (200).
--   wrk -t2 -c100 -d10s -s benchmarks/http/keys.lua URL -- PUT_PERCENT
-- Every 2xx is a success; wrk counts anything else as "Non-2xx".

local keys = 10000
-- The same 100 bytes run.sh stores as "present": a fixed value keeps the
-- request as cheap to build as a GET's, so wrk measures the server.
local value = string.rep("0123456789", 10)
local headers = { ["Content-Type"] = "application/octet-stream" }
local put_percent = 100

-- A different random sequence per wrk thread: setup() runs once per thread
-- in the main Lua state, init() in the thread's own.
local next_id = 1
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  put_percent = tonumber(args[1]) or put_percent
  math.randomseed(os.time() * 1000 + (id or 0))
end

function request()
  local path = "/bench/w" .. math.random(1, keys)
  if math.random(1, 100) <= put_percent then
    return wrk.format("PUT", path, headers, value)
  end
  return wrk.format("GET", path)
end

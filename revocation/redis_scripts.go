package revocation

import "github.com/redis/go-redis/v9"

// The Lua scripts of the Redis store. Every key a script touches carries
// the store's hash tag, so in a Cluster they all live in one slot; keys
// other than KEYS[…] are built from the tag passed in ARGV[1], which Redis
// allows because they hash to the same slot as the declared ones.
//
// Session layout (see docs/revocation.md): a session revoked until U lands
// in expiry window w = ceil(U/W). Each window is a linear-hashing table of
// small hashes {tag}b:<w>:<n>, field = the raw 16-byte ID, value "1", with
// its shape in {tag}m:<w> (k, s, n: level, split pointer, entry count). The
// bucket of an ID is h mod 2^k, or h mod 2^(k+1) when that is below s, with
// h the ID's first four bytes (IDs are uniformly random). When the window
// holds more than target entries per bucket, bucket s is split in two, so
// buckets stay at target/2…2×target entries whatever the number of live
// entries, and every bucket expires as a whole at the end of its window.

// luaAddr is shared by the scripts that locate an ID's bucket.
const luaAddr = `
local function h32(f)
  local a, b, c, d = string.byte(f, 1, 4)
  return ((a * 256 + b) * 256 + c) * 256 + d
end
local function addr(h, k, s)
  local a = h % (2 ^ k)
  if a < s then a = h % (2 ^ (k + 1)) end
  return a
end
`

// scriptRevokeSession: KEYS[1] stream, KEYS[2] epoch.
// ARGV: tag, window, expireAtMs, id, untilMs, target, minID, emit ("1" to
// XADD the event). Returns the epoch marker (false when missing).
var scriptRevokeSession = redis.NewScript(luaAddr + `
local tag, w, expat, id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local target = tonumber(ARGV[6])
local meta = tag .. 'm:' .. w
local ks = redis.call('HMGET', meta, 'k', 's', 'n')
local k, s, n = tonumber(ks[1]) or 0, tonumber(ks[2]) or 0, tonumber(ks[3]) or 0
local b = tag .. 'b:' .. w .. ':' .. string.format('%d', addr(h32(id), k, s))
if redis.call('HSET', b, id, 1) == 1 then
  redis.call('PEXPIREAT', b, expat)
  n = n + 1
  if n > target * (2 ^ k + s) then
    local old = tag .. 'b:' .. w .. ':' .. string.format('%d', s)
    local new = tag .. 'b:' .. w .. ':' .. string.format('%d', s + 2 ^ k)
    local moved = false
    for _, f in ipairs(redis.call('HKEYS', old)) do
      if h32(f) % (2 ^ (k + 1)) ~= s then
        redis.call('HDEL', old, f)
        redis.call('HSET', new, f, 1)
        moved = true
      end
    end
    if moved then redis.call('PEXPIREAT', new, expat) end
    s = s + 1
    if s == 2 ^ k then k, s = k + 1, 0 end
  end
  redis.call('HSET', meta, 'k', k, 's', s, 'n', n)
  redis.call('PEXPIREAT', meta, expat)
end
if ARGV[8] == '1' then
  redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[7], '*', 't', 's', 'i', id, 'u', ARGV[5])
end
return redis.call('GET', KEYS[2])
`)

// scriptRevokeSubject: KEYS[1] stream, KEYS[2] epoch.
// ARGV: tag, window, expireAtMs, subject, cutoffMs, minID, emit.
var scriptRevokeSubject = redis.NewScript(`
local u = ARGV[1] .. 'u:' .. ARGV[2]
local old = redis.call('HGET', u, ARGV[4])
if not old or tonumber(ARGV[5]) > tonumber(old) then
  redis.call('HSET', u, ARGV[4], ARGV[5])
  redis.call('PEXPIREAT', u, ARGV[3])
end
if ARGV[7] == '1' then
  redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[6], '*', 't', 'u', 's', ARGV[4], 'c', ARGV[5])
end
return redis.call('GET', KEYS[2])
`)

// scriptStrictCheck: KEYS[1] epoch. ARGV: tag, epoch, id ("" for none),
// subject ("" for none), iatMs, first window, last window.
// Returns 0 good, 1 session revoked, 2 subject cutoff, 3 epoch mismatch
// (Redis lost its data and the mirrors have not restored it yet).
var scriptStrictCheck = redis.NewScript(luaAddr + `
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 3 end
local tag, id, sub = ARGV[1], ARGV[3], ARGV[4]
local iat = tonumber(ARGV[5])
local w0, w1 = tonumber(ARGV[6]), tonumber(ARGV[7])
local h = nil
if id ~= '' then h = h32(id) end
for w = w0, w1 do
  local ws = string.format('%d', w)
  if h then
    local ks = redis.call('HMGET', tag .. 'm:' .. ws, 'k', 's')
    if ks[1] then
      local a = addr(h, tonumber(ks[1]), tonumber(ks[2]))
      if redis.call('HEXISTS', tag .. 'b:' .. ws .. ':' .. string.format('%d', a), id) == 1 then return 1 end
    end
  end
  if sub ~= '' then
    local c = redis.call('HGET', tag .. 'u:' .. ws, sub)
    if c and iat < tonumber(c) then return 2 end
  end
end
return 0
`)

// scriptAdvanceRefresh: KEYS[1] the session's counter hash.
// ARGV: presented, nowMs, graceMs, untilMs. Returns the new generation, or
// -1 on reuse. It is the same decision as advance in memory.go.
// Generations stay far below 2^53, where Lua numbers are exact.
var scriptAdvanceRefresh = redis.NewScript(`
local st = redis.call('HMGET', KEYS[1], 'g', 't')
local cur, at = tonumber(st[1]) or 0, tonumber(st[2]) or 0
local p, now, grace = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local nxt
if p == cur then nxt = cur + 1
elseif p > cur then nxt = p + 1
elseif cur > 0 and p == cur - 1 and now - at <= grace then return cur
else return -1 end
redis.call('HSET', KEYS[1], 'g', string.format('%d', nxt), 't', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return nxt
`)

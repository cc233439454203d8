-- The Lua workload: a little of what Lua programs do, N rounds of it.
-- Objects with metatables, closures, string building and patterns, table
-- sorting, hash tables with string keys, recursion, integer and float
-- arithmetic. Returns an integer checksum; it never depends on the order
-- `pairs` visits a table in.

local n = ...
local M = 0x7fffffff
local checksum = 0

local function mix(x)
  checksum = (checksum * 31 + x) % M
end

-- A deterministic generator (xorshift32 on integers).
local seed = 2463534242
local function rand(k)
  seed = seed ~ ((seed << 13) & 0xffffffff)
  seed = seed ~ (seed >> 17)
  seed = seed ~ ((seed << 5) & 0xffffffff)
  return seed % k
end

-- Classes through metatables.
local Vec = {}
Vec.__index = Vec
function Vec.new(x, y) return setmetatable({x = x, y = y}, Vec) end
function Vec.__add(a, b) return Vec.new(a.x + b.x, a.y + b.y) end
function Vec.__mul(a, s) return Vec.new(a.x * s, a.y * s) end
function Vec:dot(o) return self.x * o.x + self.y * o.y end
function Vec:len2() return self:dot(self) end

local Body = setmetatable({}, {__index = Vec})
Body.__index = Body
function Body.new(x, y, vx, vy)
  local b = setmetatable({pos = Vec.new(x, y), vel = Vec.new(vx, vy), hits = 0}, Body)
  return b
end
function Body:step(dt)
  self.pos = self.pos + self.vel * dt
  if self.pos.x < 0 or self.pos.x > 100 then self.vel.x = -self.vel.x; self.hits = self.hits + 1 end
  if self.pos.y < 0 or self.pos.y > 100 then self.vel.y = -self.vel.y; self.hits = self.hits + 1 end
end

local function simulate()
  local bodies = {}
  for i = 1, 200 do
    bodies[i] = Body.new(rand(100), rand(100), rand(21) - 10, rand(21) - 10)
  end
  for _ = 1, 100 do
    for i = 1, #bodies do bodies[i]:step(0.25) end
  end
  local hits, energy = 0, 0
  for _, b in ipairs(bodies) do
    hits = hits + b.hits
    energy = energy + b.vel:len2()
  end
  mix(hits)
  mix(math.floor(energy))
end

-- Strings: building, formatting, patterns.
local words = {"lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing",
  "elit", "sed", "do", "eiusmod", "tempor", "incididunt", "ut", "labore", "et"}

local function text_processing()
  local parts = {}
  for i = 1, 3000 do
    local w = words[rand(#words) + 1]
    parts[#parts + 1] = string.format("%s-%d=%d;", w, i % 97, rand(100000))
    if i % 10 == 0 then parts[#parts + 1] = "\n" end
  end
  local text = table.concat(parts)
  local counts = {}
  for word, num in text:gmatch("(%a+)%-%d+=(%d+)") do
    counts[word] = (counts[word] or 0) + tonumber(num) % 7
  end
  local total = 0
  for w, c in pairs(counts) do total = total + #w * c end
  mix(total)
  local upper, changed = text:gsub("(%a+)", string.upper)
  mix(changed)
  mix(#upper)
  local lines = 0
  for line in text:gmatch("[^\n]+") do
    if line:find("tempor", 1, true) then lines = lines + 1 end
  end
  mix(lines)
  local rev = {}
  for i = 1, 500 do rev[i] = words[(i % #words) + 1]:reverse():rep(2) end
  mix(#table.concat(rev, ","))
end

-- Tables: sorting records with a comparator, grouping.
local function records()
  local list = {}
  for i = 1, 4000 do
    list[i] = {id = i, score = rand(1000), name = words[rand(#words) + 1] .. rand(50)}
  end
  table.sort(list, function(a, b)
    if a.score ~= b.score then return a.score > b.score end
    return a.id < b.id
  end)
  for i = 1, 50 do mix(list[i].id) end
  local groups = {}
  for _, r in ipairs(list) do
    local g = groups[r.name]
    if not g then g = {n = 0, sum = 0}; groups[r.name] = g end
    g.n = g.n + 1
    g.sum = g.sum + r.score
  end
  local acc = 0
  for name, g in pairs(groups) do acc = acc + #name * g.n + g.sum % 13 end
  mix(acc)
end

-- Closures and higher-order functions.
local function map(t, f) local r = {} for i = 1, #t do r[i] = f(t[i]) end return r end
local function filter(t, p) local r = {} for i = 1, #t do if p(t[i]) then r[#r + 1] = t[i] end end return r end
local function reduce(t, f, a) for i = 1, #t do a = f(a, t[i]) end return a end

local function functional()
  local nums = {}
  for i = 1, 5000 do nums[i] = rand(1000) end
  local k = rand(10) + 2
  local result = reduce(filter(map(nums, function(x) return x * k + 1 end),
    function(x) return x % 3 ~= 0 end), function(a, x) return (a + x) % M end, 0)
  mix(result)
  local counter = 0
  local function make_counter(step) return function() counter = counter + step; return counter end end
  local incs = {}
  for i = 1, 100 do incs[i] = make_counter(i) end
  for _ = 1, 50 do for i = 1, #incs do incs[i]() end end
  mix(counter)
end

-- Recursion: binary trees.
local function make_tree(depth)
  if depth == 0 then return {} end
  depth = depth - 1
  return {make_tree(depth), make_tree(depth)}
end
local function check_tree(t)
  if not t[1] then return 1 end
  return 1 + check_tree(t[1]) + check_tree(t[2])
end

local function trees()
  local total = 0
  for d = 4, 12, 2 do
    for _ = 1, 2 ^ (14 - d) do total = total + check_tree(make_tree(d)) end
  end
  mix(total)
end

-- Numbers: integer and float loops, bit operations.
local function numeric()
  local acc = 0
  for i = 1, 100000 do
    acc = (acc + (i * i) % 1000003 + ((i << 3) ~ (i >> 2))) % M
  end
  mix(acc)
  -- A small Mandelbrot set.
  local inside = 0
  for y = 0, 59 do
    for x = 0, 79 do
      local cr, ci = x / 40 - 1.5, y / 30 - 1.0
      local zr, zi, it = 0.0, 0.0, 0
      while it < 50 and zr * zr + zi * zi < 4.0 do
        zr, zi = zr * zr - zi * zi + cr, 2 * zr * zi + ci
        it = it + 1
      end
      if it == 50 then inside = inside + 1 end
    end
  end
  mix(inside)
end

for round = 1, n do
  simulate()
  text_processing()
  records()
  functional()
  trees()
  numeric()
  mix(round)
end
return checksum

/* lua_driver: runs a Lua script on Debian's liblua5.4.a.  The script
 * exercises the string library, tables, closures, coroutines, float
 * formatting, pcall/error (Lua's setjmp/longjmp), math and a C function
 * registered from here.  Only deterministic values are printed: no
 * addresses, no pairs() order over string keys (string hashing is seeded
 * per state), no time. */
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

static const char script[] =
    "local out = {}\n"
    "local function p(...) print(...) end\n"
    "-- strings\n"
    "local s = 'The quick brown fox jumps over the lazy dog'\n"
    "p(#s, s:upper(), s:reverse():sub(1, 9))\n"
    "p(s:gsub('o', '0'))\n"
    "p(s:find('(%a+) fox'))\n"
    "local words = {}\n"
    "for w in s:gmatch('%a+') do words[#words + 1] = w:lower() end\n"
    "table.sort(words)\n"
    "p(table.concat(words, ','))\n"
    "p(string.rep('ab', 3, '-'), ('x'):byte(), string.char(76, 117, 97))\n"
    "p(string.format('%5.2f|%-6d|%x|%q|%s', math.pi, 42, 255, 'a\\nb', nil))\n"
    "p(string.format('%.3f %.10g %g %e', 1/3, 2^0.5, 1e300 * 1e10, 12345.678))\n"
    "p(string.format('%a', 1.0), 7 // 2, 7.0 // 2, 7 % -3, -7 % 3, 2^53)\n"
    "p(string.pack('<i4', 0x01020304):byte(1, -1))\n"
    "p(string.unpack('<d', string.pack('<d', -0.125)))\n"
    "p(utf8.char(72, 228, 8364), utf8.len('h\\u{e4}\\u{20ac}'))\n"
    "-- tables\n"
    "local t = {}\n"
    "for i = 1, 20 do t[i] = (i * 7919) % 31 end\n"
    "table.sort(t, function(a, b) return a > b end)\n"
    "p(table.concat(t, ' '))\n"
    "table.insert(t, 1, 'first'); table.remove(t); p(#t, t[1], t[2])\n"
    "p(select('#', table.unpack({1, 2, nil, 4}, 1, 4)), table.pack(1, 2).n)\n"
    "local keys = {}\n"
    "for k in pairs({alpha = 1, beta = 2, gamma = 3}) do keys[#keys + 1] = k end\n"
    "table.sort(keys); p(table.concat(keys, ' '))\n"
    "-- closures\n"
    "local function counter(step)\n"
    "  local n = 0\n"
    "  return function() n = n + step; return n end\n"
    "end\n"
    "local c1, c2 = counter(1), counter(10)\n"
    "c1(); c1(); c2()\n"
    "p(c1(), c2())\n"
    "local fib; fib = function(n) if n < 2 then return n end "
    "return fib(n - 1) + fib(n - 2) end\n"
    "p(fib(20))\n"
    "-- coroutines\n"
    "local gen = coroutine.wrap(function(a, b)\n"
    "  for i = a, b do coroutine.yield(i * i) end\n"
    "  return 'done'\n"
    "end)\n"
    "p(gen(3, 6), gen(), gen(), gen(), gen())\n"
    "local co = coroutine.create(function(x)\n"
    "  local y = coroutine.yield(x + 1)\n"
    "  error('inside coroutine ' .. y)\n"
    "end)\n"
    "p(coroutine.resume(co, 1))\n"
    "p(coroutine.resume(co, 'boom'))\n"
    "p(coroutine.status(co), coroutine.isyieldable())\n"
    "-- errors\n"
    "p(pcall(error, 'plain'))\n"
    "local ok2, err2 = pcall(error, {code = 7}); p(ok2, type(err2), err2.code)\n"
    "p(select(2, pcall(function() local x = nil; return x.field end)))\n"
    "p(xpcall(function() error('deep', 1) end, function(m) return 'handled: ' .. m end))\n"
    "p(pcall(string.rep))\n"
    "local ok, e = pcall(error, setmetatable({}, {__tostring = function() return 'custom' end}))\n"
    "p(ok, tostring(e))\n"
    "-- math\n"
    "p(math.floor(-3.5), math.ceil(-3.5), math.abs(math.mininteger), math.maxinteger)\n"
    "p(math.sqrt(2), math.sin(1), math.exp(1), math.log(1000, 10), math.fmod(7, -3))\n"
    "p(math.tointeger(3.0), math.type(1), math.type(1.0), math.type('1'), 1e15, 2^63)\n"
    "p(math.huge, -math.huge, math.ult(1, -1), 10 / 0 ~= 10 / 0, 0/0 ~= 0/0)\n"
    "math.randomseed(42)\n"
    "p(math.random(1, 1000), math.random(1, 1000), math.random(1, 1000))\n"
    "p(tostring(1e100), tonumber('0x10'), tonumber('z', 36), tonumber('  12  '))\n"
    "-- metatables and the C function from the driver\n"
    "local V = {}\n"
    "V.__index = V\n"
    "V.__add = function(a, b) return setmetatable({x = a.x + b.x}, V) end\n"
    "V.__tostring = function(v) return 'V(' .. v.x .. ')' end\n"
    "p(tostring(setmetatable({x = 2}, V) + setmetatable({x = 3}, V)))\n"
    "p(c_sum(1, 2.5, 3), c_sum())\n"
    "io.stderr:write('to stderr from Lua\\n')\n"
    "return fib(10)\n";

/* A C function called from Lua: sums its numeric arguments. */
static int c_sum(lua_State *L) {
  int n = lua_gettop(L);
  lua_Number s = 0;

  for (int i = 1; i <= n; i++)
    s += luaL_checknumber(L, i);
  lua_pushnumber(L, s);
  lua_pushinteger(L, n);
  return 2;
}

int main(void) {
  lua_State *L = luaL_newstate();
  int status;

  if (!L) {
    fprintf(stderr, "cannot create a Lua state\n");
    return 2;
  }
  luaL_openlibs(L);
  lua_register(L, "c_sum", c_sum);
  status = luaL_loadbuffer(L, script, sizeof script - 1, "=script");
  if (status == LUA_OK)
    status = lua_pcall(L, 0, 1, 0);
  if (status != LUA_OK) {
    fprintf(stderr, "lua error: %s\n", lua_tostring(L, -1));
    lua_close(L);
    return 1;
  }
  printf("script returned %d\n", (int)lua_tointeger(L, -1));
  lua_pop(L, 1);

  /* An error raised from C through lua_error, caught by lua_pcall. */
  status = luaL_dostring(L, "local t = nil; return t + 1");
  printf("dostring status %d: %s\n", status, lua_tostring(L, -1));
  lua_pop(L, 1);

  /* A syntax error. */
  status = luaL_loadstring(L, "return 1 +");
  printf("load status %d: %s\n", status, lua_tostring(L, -1));
  lua_pop(L, 1);

  printf("version %.0f, top %d\n", (double)lua_version(L), lua_gettop(L));
  lua_close(L);
  return 3;
}

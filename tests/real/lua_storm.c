/* lua_storm: a long Lua workload on Debian's liblua5.4.a, for reload
 * storms (tests/real/storm.py): its objects are replaced one at a time
 * while this runs.  Each round builds and sorts tables, runs closures and
 * coroutines, formats strings, raises and catches errors and collects
 * garbage, and prints a checksum; only deterministic values are printed.
 *
 *   lua_storm ROUNDS */
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

static const char script[] =
    "local rounds = ...\n"
    "local function work(r)\n"
    "  local t, s = {}, 0\n"
    "  for i = 1, 3000 do t[i] = (i * 7919 + r) % 1000 end\n"
    "  table.sort(t)\n"
    "  for i = 1, #t, 37 do s = s + t[i] end\n"
    "  local parts = {}\n"
    "  for i = 1, 200 do parts[#parts + 1] = string.format('%d:%x', i, i * r) end\n"
    "  local str = table.concat(parts, ',')\n"
    "  s = s + #str + select(2, str:gsub('a', 'A'))\n"
    "  local co = coroutine.wrap(function(n)\n"
    "    for i = 1, n do coroutine.yield(i * i) end\n"
    "  end)\n"
    "  for i = 1, 50 do s = s + co(50) end\n"
    "  local ok, err = pcall(function() error({code = r}) end)\n"
    "  s = s + (ok and 0 or err.code)\n"
    "  local mt = setmetatable({}, {__index = function(_, k) return k * 2 end})\n"
    "  for i = 1, 100 do s = s + mt[i] end\n"
    "  local f = load('return ' .. r .. ' * 3')\n"
    "  s = s + f()\n"
    "  collectgarbage('step', 100)\n"
    "  return s\n"
    "end\n"
    "local total = 0\n"
    "for r = 1, rounds do\n"
    "  local s = work(r)\n"
    "  total = (total * 31 + s) % 1000000007\n"
    "  if r % 50 == 0 then print(r, s, total) end\n"
    "end\n"
    "print('done', total)\n";

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 100;
  lua_State *L = luaL_newstate();
  if (!L)
    return 1;
  luaL_openlibs(L);
  if (luaL_loadstring(L, script) != LUA_OK) {
    fprintf(stderr, "%s\n", lua_tostring(L, -1));
    return 1;
  }
  lua_pushinteger(L, rounds);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    fprintf(stderr, "%s\n", lua_tostring(L, -1));
    return 1;
  }
  lua_close(L);
  return 0;
}

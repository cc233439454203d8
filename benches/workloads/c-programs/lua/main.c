/* lua: `lua N` runs the Lua 5.4 interpreter (from the lua-src crate) on
 * bench.lua, compiled into the program, with N as its argument, and
 * prints the checksum the script returns. */
#include <stdio.h>
#include <stdlib.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

/* bench.lua's bytes, generated at build time (script.c). */
extern const char bench_script[];
extern const unsigned long bench_script_len;

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s N\n", argv[0]);
        return 2;
    }
    lua_State *L = luaL_newstate();
    if (L == NULL) return 1;
    luaL_openlibs(L);
    if (luaL_loadbufferx(L, bench_script, bench_script_len, "=bench.lua", "t") != LUA_OK) {
        fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
        return 1;
    }
    lua_pushinteger(L, atoi(argv[1]));
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
        return 1;
    }
    printf("%s\n", lua_tostring(L, -1));
    lua_close(L);
    return 0;
}

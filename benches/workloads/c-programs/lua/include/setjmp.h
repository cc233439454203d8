/* Stands in for <setjmp.h>, which WASI lacks: Lua's ldo.c includes it,
 * and config.h makes Lua use none of it. */

/* sqlite: `sqlite N` runs N rounds of a small shop's database in memory:
 * bulk inserts through prepared statements, indexes, joins, grouping,
 * window functions, a recursive CTE, LIKE scans, point lookups, updates
 * and deletes. It prints a checksum of every row every query returned.
 * SQLite 3.50.2, the amalgamation from the libsqlite3-sys crate, built
 * with SQLITE_OS_OTHER: the only "OS" it needs is the tiny VFS below,
 * the same natively and on WASI, so no file, clock or entropy source is
 * ever touched and every run is alike. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3.h"

#define CUSTOMERS 4000
#define ORDERS 40000
#define LOOKUPS 4000

/* ---- The VFS: in-memory databases only. ---- */

static int vfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags,
                    int *out_flags) {
    (void)vfs, (void)name, (void)file, (void)flags, (void)out_flags;
    return SQLITE_CANTOPEN;
}
static int vfs_delete(sqlite3_vfs *vfs, const char *name, int sync) {
    (void)vfs, (void)name, (void)sync;
    return SQLITE_IOERR_DELETE;
}
static int vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    (void)vfs, (void)name, (void)flags;
    *out = 0;
    return SQLITE_OK;
}
static int vfs_full_pathname(sqlite3_vfs *vfs, const char *name, int len, char *out) {
    (void)vfs;
    sqlite3_snprintf(len, out, "%s", name);
    return SQLITE_OK;
}
/* Deterministic "randomness" (SQLite asks for it to seed its PRNG). */
static int vfs_randomness(sqlite3_vfs *vfs, int len, char *out) {
    (void)vfs;
    for (int i = 0; i < len; i++) out[i] = (char)(i * 37 + 11);
    return len;
}
static int vfs_sleep(sqlite3_vfs *vfs, int micros) {
    (void)vfs;
    return micros;
}
static int vfs_current_time(sqlite3_vfs *vfs, double *now) {
    (void)vfs;
    *now = 2461000.5; /* a fixed Julian day */
    return SQLITE_OK;
}
static int vfs_last_error(sqlite3_vfs *vfs, int len, char *out) {
    (void)vfs, (void)len, (void)out;
    return 0;
}

static sqlite3_vfs memory_vfs = {
    1, sizeof(sqlite3_file), 512, NULL, "bench-memory", NULL,
    vfs_open, vfs_delete, vfs_access, vfs_full_pathname,
    NULL, NULL, NULL, NULL,
    vfs_randomness, vfs_sleep, vfs_current_time, vfs_last_error,
};

int sqlite3_os_init(void) { return sqlite3_vfs_register(&memory_vfs, 1); }
int sqlite3_os_end(void) { return SQLITE_OK; }

/* ---- The workload. ---- */

static uint64_t checksum = 0xcbf29ce484222325ull;

static void mix_bytes(const unsigned char *bytes, int len) {
    for (int i = 0; i < len; i++) {
        checksum ^= bytes[i];
        checksum *= 0x100000001b3ull;
    }
    checksum ^= 0xff;
    checksum *= 0x100000001b3ull;
}

static void fail(sqlite3 *db, const char *what) {
    fprintf(stderr, "sqlite: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    exit(1);
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql) {
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) fail(db, sql);
    return stmt;
}

/* Steps `stmt` to the end, mixing every column of every row into the
 * checksum; returns the number of rows. */
static int drain(sqlite3 *db, sqlite3_stmt *stmt) {
    int rows = 0, rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int columns = sqlite3_column_count(stmt);
        for (int c = 0; c < columns; c++) {
            const unsigned char *text = sqlite3_column_text(stmt, c);
            mix_bytes(text ? text : (const unsigned char *)"NULL", sqlite3_column_bytes(stmt, c));
        }
        rows++;
    }
    if (rc != SQLITE_DONE) fail(db, sqlite3_sql(stmt));
    return rows;
}

static void query(sqlite3 *db, const char *sql) {
    sqlite3_stmt *stmt = prepare(db, sql);
    drain(db, stmt);
    sqlite3_finalize(stmt);
}

static void exec(sqlite3 *db, const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "sqlite: %s: %s\n", sql, err ? err : "?");
        exit(1);
    }
}

static uint64_t xorshift64(uint64_t *state) {
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static void round_trip(int round) {
    static const char *cities[] = {"Lisbon", "Oslo", "Quito", "Perth", "Tunis", "Osaka",
                                   "Lima", "Riga", "Accra", "Hanoi", "Bergen", "Cork"};
    static const char *items[] = {"gear", "bolt", "nut", "spring", "gasket", "valve",
                                  "pulley", "bearing", "shaft", "gearbox", "washer", "clamp"};
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) fail(db, "open");
    exec(db, "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
             "city TEXT NOT NULL, balance REAL NOT NULL);"
             "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER NOT NULL "
             "REFERENCES customers(id), item TEXT NOT NULL, qty INTEGER NOT NULL, "
             "price INTEGER NOT NULL, day INTEGER NOT NULL);");

    uint64_t state = 0x2545F4914F6CDD1Dull + (uint64_t)round;
    exec(db, "BEGIN");
    sqlite3_stmt *ins = prepare(db, "INSERT INTO customers(name, city, balance) VALUES (?1, ?2, ?3)");
    for (int i = 0; i < CUSTOMERS; i++) {
        char name[32];
        uint64_t r = xorshift64(&state);
        snprintf(name, sizeof name, "customer-%05u-%c%c", (unsigned)i, 'a' + (int)(r % 26),
                 'a' + (int)((r >> 8) % 26));
        sqlite3_bind_text(ins, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, cities[(r >> 16) % 12], -1, SQLITE_STATIC);
        sqlite3_bind_double(ins, 3, (double)((r >> 24) % 1000000) / 100.0);
        if (sqlite3_step(ins) != SQLITE_DONE) fail(db, "insert customer");
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    ins = prepare(db, "INSERT INTO orders(customer, item, qty, price, day) VALUES (?1, ?2, ?3, ?4, ?5)");
    for (int i = 0; i < ORDERS; i++) {
        char item[48];
        uint64_t r = xorshift64(&state);
        snprintf(item, sizeof item, "%s %s-%u", items[r % 12], items[(r >> 8) % 12],
                 (unsigned)(r >> 40) % 500u);
        sqlite3_bind_int64(ins, 1, 1 + (sqlite3_int64)((r >> 16) % CUSTOMERS));
        sqlite3_bind_text(ins, 2, item, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(ins, 3, 1 + (int)((r >> 28) % 20));
        sqlite3_bind_int(ins, 4, 10 + (int)((r >> 34) % 990));
        sqlite3_bind_int(ins, 5, (int)((r >> 50) % 365));
        if (sqlite3_step(ins) != SQLITE_DONE) fail(db, "insert order");
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    exec(db, "COMMIT");
    exec(db, "CREATE INDEX orders_customer ON orders(customer);"
             "CREATE INDEX orders_day ON orders(day, price);"
             "CREATE INDEX customers_city ON customers(city, balance);");

    query(db, "SELECT city, count(*), sum(balance), min(name) FROM customers GROUP BY city ORDER BY city");
    query(db, "SELECT c.name, sum(o.qty * o.price) AS total, count(*) FROM orders o "
              "JOIN customers c ON c.id = o.customer GROUP BY c.id ORDER BY total DESC, c.id LIMIT 50");
    query(db, "SELECT count(*), sum(qty) FROM orders WHERE item LIKE '%gear%' AND item NOT LIKE 'gearbox%'");
    query(db, "SELECT day, avg(price), max(qty), count(*) FROM orders GROUP BY day "
              "HAVING count(*) > 100 ORDER BY 2 DESC, day");
    query(db, "SELECT sum(running) FROM (SELECT sum(price) OVER (PARTITION BY customer ORDER BY day, id "
              "ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS running FROM orders)");
    query(db, "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000) "
              "SELECT sum(x * x % 7), count(*) FROM n");
    query(db, "SELECT city, item, total FROM (SELECT c.city, substr(o.item, 1, instr(o.item, ' ') - 1) AS item, "
              "sum(o.qty) AS total, rank() OVER (PARTITION BY c.city ORDER BY sum(o.qty) DESC) AS r "
              "FROM orders o JOIN customers c ON c.id = o.customer GROUP BY 1, 2) WHERE r <= 3 ORDER BY 1, 3 DESC, 2");
    query(db, "SELECT upper(name), length(name) + balance FROM customers WHERE city IN ('Oslo', 'Cork') "
              "AND balance BETWEEN 1000 AND 5000 ORDER BY balance DESC, id LIMIT 200");

    sqlite3_stmt *lookup = prepare(db, "SELECT count(*), sum(qty * price), max(day) FROM orders WHERE customer = ?1");
    for (int i = 0; i < LOOKUPS; i++) {
        sqlite3_bind_int(lookup, 1, 1 + (int)(xorshift64(&state) % CUSTOMERS));
        drain(db, lookup);
        sqlite3_reset(lookup);
    }
    sqlite3_finalize(lookup);
    lookup = prepare(db, "SELECT id, price FROM orders WHERE day = ?1 AND price > ?2 ORDER BY price LIMIT 5");
    for (int i = 0; i < LOOKUPS; i++) {
        uint64_t r = xorshift64(&state);
        sqlite3_bind_int(lookup, 1, (int)(r % 365));
        sqlite3_bind_int(lookup, 2, (int)((r >> 20) % 1000));
        drain(db, lookup);
        sqlite3_reset(lookup);
    }
    sqlite3_finalize(lookup);

    exec(db, "BEGIN;"
             "UPDATE orders SET qty = qty + 1 WHERE day % 7 = 0;"
             "UPDATE customers SET balance = balance * 1.01 WHERE city = 'Lima';"
             "DELETE FROM orders WHERE price < 60;"
             "COMMIT;");
    query(db, "SELECT count(*), sum(qty), total(price) FROM orders");
    query(db, "SELECT city, round(sum(balance), 2) FROM customers GROUP BY city ORDER BY 2 DESC");
    if (sqlite3_close(db) != SQLITE_OK) fail(db, "close");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s N\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    for (int round = 0; round < n; round++) round_trip(round);
    printf("%llu\n", (unsigned long long)checksum);
    return 0;
}

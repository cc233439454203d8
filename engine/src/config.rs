//! [`Config`] and [`Tier`]: the settings an engine is created with. Every
//! layer reads them; this file depends on nothing else in the crate.

/// Which execution tier runs guest code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Tier {
    /// Petrel's register-bytecode interpreter: starts instantly, runs
    /// everywhere, including `no_std` targets.
    #[default]
    Interpreter,
    /// The Cranelift JIT: compiles every function to machine code when the
    /// module is created. Needs the `jit` feature (on by default) and an
    /// x86-64, aarch64 or riscv64 host (riscv64 compiles SIMD only with
    /// the vector extension).
    Jit,
    /// Both: every function starts in the interpreter, and one that is
    /// called, or whose loops iterate, often ([`Config::tier_up_threshold`])
    /// is compiled by the JIT, on a background thread unless
    /// [`Config::tier_up_in_background`] is off; functions that stay cold
    /// are never compiled. Calls to a function with code, from the host,
    /// from the interpreter (even from frames it was already running) and
    /// from compiled code, run that code; compiled code calls the others in
    /// the interpreter; a frame running a hot loop moves into compiled
    /// code at the loop's header (on-stack replacement). With
    /// [`Config::tier_up_per_function`] off, the unit is the whole module,
    /// and a store moves once every module it holds has code. Relaxed SIMD
    /// is always deterministic here, so results do not change with the
    /// tier. Without the `jit` feature this is the interpreter.
    Auto,
}

/// The settings that change the code both tiers' translators generate:
/// the checks guest code carries for the engine's limits, NaN
/// canonicalization, and how the JIT compiles relaxed SIMD.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CodeSettings {
    /// Charge fuel per segment, checked at entries and loop headers.
    pub fuel: bool,
    /// Check the epoch deadline at entries and loop headers.
    pub epoch: bool,
    /// Replace every NaN a float operation produces with the canonical one.
    pub canonical_nans: bool,
    /// Relaxed SIMD gives the one result Petrel fixes on every ISA (the
    /// interpreter always does), not the fastest native one.
    pub relaxed_simd_deterministic: bool,
    /// `Tier::Auto`: the interpreter marks the loops a frame can leave for
    /// compiled code (on-stack replacement).
    pub tier_up: bool,
}

/// Settings for an [`Engine`](crate::Engine).
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) tier: Tier,
    pub(crate) max_call_depth: usize,
    pub(crate) max_native_stack: usize,
    pub(crate) max_value_stack: usize,
    pub(crate) max_memory_pages: u64,
    pub(crate) max_table_elements: u64,
    pub(crate) lazy_translation: bool,
    pub(crate) signals_based_traps: bool,
    pub(crate) multi_memory: bool,
    pub(crate) extended_const: bool,
    pub(crate) tail_call: bool,
    pub(crate) function_references: bool,
    pub(crate) exceptions: bool,
    pub(crate) wide_arithmetic: bool,
    pub(crate) custom_page_sizes: bool,
    pub(crate) memory64: bool,
    pub(crate) relaxed_simd: bool,
    pub(crate) threads: bool,
    pub(crate) relaxed_simd_deterministic: bool,
    pub(crate) consume_fuel: bool,
    pub(crate) epoch_interruption: bool,
    pub(crate) nan_canonicalization: bool,
    /// Where the JIT keeps compiled modules, if anywhere.
    #[cfg(feature = "std")]
    pub(crate) compile_cache: Option<CompileCache>,
    pub(crate) allocation: InstanceAllocationStrategy,
    pub(crate) profiler: ProfilingStrategy,
    pub(crate) reference_types: bool,
    tier_up_threshold: Option<u32>,
    pub(crate) tier_up_in_background: bool,
    pub(crate) tier_up_threads: usize,
    pub(crate) tier_up_per_function: bool,
}

/// Which external profiler is told where compiled code lies
/// ([`Config::profiler`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfilingStrategy {
    /// None (the default).
    #[default]
    None,
    /// Linux `perf`'s map file, `/tmp/perf-PID.map`: one line per JIT
    /// function, appended when a module's code is mapped (under
    /// `Tier::Auto`, when it is made, and for each on-stack-replacement
    /// twin, named `... (osr)`), so `perf record`
    /// then `perf report` name each Wasm function (by the module's name
    /// section, when it has one). The file is left for `perf` to read; it
    /// is not removed when the process exits.
    PerfMap,
}

/// How an engine allocates what its instances are made of: their linear
/// memories, tables and instance records
/// ([`Config::allocation_strategy`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum InstanceAllocationStrategy {
    /// Each memory and table is allocated when its instance is created and
    /// released when its store is dropped (the default). A few released
    /// memory reservations are still kept process-wide for the next
    /// memory, so a program that creates and drops instances does not map
    /// and unmap address space each time.
    #[default]
    OnDemand,
    /// A pool owned by the engine, for servers that instantiate per
    /// request: released memories and tables are kept warm in their slots
    /// (their first bytes zeroed in place and kept resident, the rest
    /// handed back to the kernel) and reused, and the engine's totals of
    /// live instances, memories and tables are bounded, so a burst of
    /// requests fails cleanly at instantiation instead of exhausting the
    /// host. Sizes beyond the pool's bounds fail instantiation too.
    Pooling(PoolingAllocationConfig),
}

impl InstanceAllocationStrategy {
    /// The pooling strategy with its default bounds.
    pub fn pooling() -> Self {
        InstanceAllocationStrategy::Pooling(PoolingAllocationConfig::default())
    }
}

/// The bounds of a pooling allocator
/// ([`InstanceAllocationStrategy::Pooling`]); the names and defaults are
/// wasmtime's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolingAllocationConfig {
    pub(crate) total_core_instances: u32,
    pub(crate) total_memories: u32,
    pub(crate) total_tables: u32,
    pub(crate) max_memory_size: usize,
    pub(crate) table_elements: usize,
    pub(crate) max_unused_warm_slots: u32,
    pub(crate) linear_memory_keep_resident: usize,
}

impl Default for PoolingAllocationConfig {
    fn default() -> Self {
        Self {
            total_core_instances: 1000,
            total_memories: 1000,
            total_tables: 1000,
            // 4 GiB, or all of a 32-bit address space.
            max_memory_size: usize::try_from(1u64 << 32).unwrap_or(usize::MAX),
            table_elements: 20_000,
            max_unused_warm_slots: 100,
            linear_memory_keep_resident: 64 << 10,
        }
    }
}

impl PoolingAllocationConfig {
    /// The most instances alive at once, in every store of the engine
    /// (default 1,000).
    pub fn total_core_instances(&mut self, n: u32) -> &mut Self {
        self.total_core_instances = n;
        self
    }

    /// The most linear memories alive at once (default 1,000).
    pub fn total_memories(&mut self, n: u32) -> &mut Self {
        self.total_memories = n;
        self
    }

    /// The most tables alive at once (default 1,000).
    pub fn total_tables(&mut self, n: u32) -> &mut Self {
        self.total_tables = n;
        self
    }

    /// The largest a linear memory may become, in bytes (default 4 GiB):
    /// a memory whose initial size is larger fails instantiation, and
    /// `memory.grow` past it fails (returns -1).
    pub fn max_memory_size(&mut self, bytes: usize) -> &mut Self {
        self.max_memory_size = bytes;
        self
    }

    /// The most elements a table may have (default 20,000), as for
    /// [`max_memory_size`](Self::max_memory_size).
    pub fn table_elements(&mut self, elements: usize) -> &mut Self {
        self.table_elements = elements;
        self
    }

    /// How many released memories and tables are kept warm for reuse
    /// (default 100); beyond that they are freed.
    pub fn max_unused_warm_slots(&mut self, n: u32) -> &mut Self {
        self.max_unused_warm_slots = n;
        self
    }

    /// How many bytes at the start of a released linear memory are zeroed
    /// in place and kept resident for the next instance, rather than handed
    /// back to the kernel (default 64 KiB, one Wasm page: zeroing it costs
    /// less than the system call and page faults it saves). Rounded up to
    /// a whole Wasm page.
    pub fn linear_memory_keep_resident(&mut self, bytes: usize) -> &mut Self {
        self.linear_memory_keep_resident = bytes;
        self
    }
}

/// The JIT's compile cache: a directory of artifacts and the most bytes
/// they may take.
#[cfg(feature = "std")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompileCache {
    pub dir: std::path::PathBuf,
    pub limit: u64,
}

/// The compile cache's default size bound: 1 GiB.
#[cfg(feature = "std")]
pub const DEFAULT_COMPILE_CACHE_LIMIT: u64 = 1 << 30;

impl Default for Config {
    fn default() -> Self {
        Self {
            tier: Tier::Interpreter,
            max_call_depth: 10_000,
            max_native_stack: 512 * 1024,
            max_value_stack: 1 << 20,
            max_memory_pages: 65_536,
            max_table_elements: 10_000_000,
            lazy_translation: true,
            signals_based_traps: true,
            multi_memory: true,
            extended_const: true,
            tail_call: true,
            function_references: true,
            exceptions: true,
            wide_arithmetic: false,
            custom_page_sizes: false,
            memory64: true,
            relaxed_simd: true,
            threads: true,
            relaxed_simd_deterministic: false,
            consume_fuel: false,
            epoch_interruption: false,
            nan_canonicalization: false,
            #[cfg(feature = "std")]
            compile_cache: None,
            allocation: InstanceAllocationStrategy::OnDemand,
            profiler: ProfilingStrategy::None,
            reference_types: true,
            tier_up_threshold: None,
            tier_up_in_background: true,
            tier_up_threads: 0,
            tier_up_per_function: true,
        }
    }
}

impl Config {
    /// The checks guest code compiled under these settings carries.
    pub(crate) fn code_settings(&self) -> CodeSettings {
        CodeSettings {
            fuel: self.consume_fuel,
            epoch: self.epoch_interruption,
            canonical_nans: self.nan_canonicalization,
            // Under `Tier::Auto` a function's results must not depend on
            // which tier runs it.
            relaxed_simd_deterministic: self.relaxed_simd_deterministic || self.tier == Tier::Auto,
            tier_up: self.tier == Tier::Auto,
        }
    }

    /// The default settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether every NaN a float operation produces is the canonical one
    /// (positive, quiet, empty payload: `0x7fc0_0000` for `f32`,
    /// `0x7ff8_0000_0000_0000` for `f64`, in every lane of a vector), on
    /// both tiers. The Wasm specification lets an engine return any NaN
    /// from arithmetic, and CPUs differ (x86-64 sets the sign bit, aarch64
    /// and riscv64 do not; payloads propagate differently), so results that
    /// hold NaNs may differ between machines. Turn this on when they must
    /// be bit-identical everywhere (replay, consensus). Operations that
    /// only move bits (`neg`, `abs`, `copysign`, loads, stores,
    /// reinterpretations, `pmin`/`pmax`) are left as they are. Costs a
    /// compare and a select per float operation. Off by default, as in
    /// wasmtime (`cranelift_nan_canonicalization`).
    pub fn nan_canonicalization(&mut self, enable: bool) -> &mut Self {
        self.nan_canonicalization = enable;
        self
    }

    /// Tells an external profiler where the JIT's code lies (wasmtime's
    /// `Config::profiler`). The interpreter has no code of its own to
    /// name: a profile of it shows the interpreter's functions.
    pub fn profiler(&mut self, strategy: ProfilingStrategy) -> &mut Self {
        self.profiler = strategy;
        self
    }

    /// Selects the execution tier.
    pub fn tier(&mut self, tier: Tier) -> &mut Self {
        self.tier = tier;
        self
    }

    /// Under [`Tier::Auto`], how many calls make code hot (from the host,
    /// from the interpreter and, per function, from compiled code through
    /// a bridge; counted in every store of the engine; each loop iteration
    /// counts as a call). Per function (the default,
    /// [`Config::tier_up_per_function`]) a function's own calls: it is
    /// compiled, with the other functions of its module at least half-way
    /// there; default 300. By module, calls into any of a module's
    /// functions: the module is compiled, with every other module of the
    /// store; default 10,000. A program that starts, prints and exits
    /// stays in the interpreter either way. 0 and 1 compile on the first
    /// call.
    pub fn tier_up_threshold(&mut self, calls: u32) -> &mut Self {
        self.tier_up_threshold = Some(calls);
        self
    }

    /// The tier-up threshold in force: the one set, or the default of the
    /// unit (see [`Config::tier_up_threshold`]).
    pub(crate) fn tier_up_calls(&self) -> u32 {
        match (self.tier_up_threshold, self.tier_up_per_function) {
            (Some(calls), _) => calls,
            (None, true) => 300,
            (None, false) => 10_000,
        }
    }

    /// Under [`Tier::Auto`], whether the JIT compiles on a background
    /// thread while the interpreter goes on (the default), or on the
    /// thread whose call crossed the threshold, which then waits for it
    /// (deterministic: for tests).
    pub fn tier_up_in_background(&mut self, background: bool) -> &mut Self {
        self.tier_up_in_background = background;
        self
    }

    /// Under [`Tier::Auto`], how many threads compile one hot module (a
    /// large module's functions are spread over them). 0, the default:
    /// as many as the machine has cores, one of which joins only after
    /// 100 ms if the compile is not done by then. The interpreter goes on
    /// beside them, but at a tenth of compiled code's speed its progress
    /// is worth less than the compile finishing sooner (measured on two
    /// cores: `sqlite` 1.50x the JIT's time with one thread, 1.19x with
    /// two); the late thread keeps a program that ends within a tenth of a
    /// second from sharing its core with a compile it never uses. A
    /// number other than 0 starts that many at once.
    pub fn tier_up_threads(&mut self, threads: usize) -> &mut Self {
        self.tier_up_threads = threads;
        self
    }

    /// Under [`Tier::Auto`], whether the unit of tier-up is the function
    /// (the default) rather than the module. Per function, each function
    /// counts its own calls and loop iterations against
    /// [`Config::tier_up_threshold`]; hot ones are compiled in batches, and
    /// functions that stay cold are never compiled: compiled code calls
    /// them in the interpreter. The compile cache is read (a module with
    /// an entry gets all its code from it when its first function gets
    /// hot) but not written: it holds whole modules. By module, a hot
    /// module is compiled whole, and the cache is read and written.
    pub fn tier_up_per_function(&mut self, yes: bool) -> &mut Self {
        self.tier_up_per_function = yes;
        self
    }

    /// The deepest Wasm call nesting allowed before a call traps with
    /// [`TrapCode::StackOverflow`](crate::TrapCode::StackOverflow).
    /// Default 10,000.
    pub fn max_call_depth(&mut self, depth: usize) -> &mut Self {
        self.max_call_depth = depth.max(1);
        self
    }

    /// How much native stack nested host re-entries (a host function that
    /// calls back into Wasm, recursively) may use before the call traps with
    /// [`TrapCode::StackOverflow`](crate::TrapCode::StackOverflow). Wasm-to-Wasm
    /// calls use no native stack in the interpreter. On the JIT tier,
    /// where every Wasm call is a native call, it bounds all the native
    /// stack compiled code uses below the host's outermost call into Wasm.
    /// Default 512 KiB; keep it well under the stack size of the threads
    /// that run guests.
    pub fn max_native_stack(&mut self, bytes: usize) -> &mut Self {
        self.max_native_stack = bytes;
        self
    }

    /// The most 64-bit value slots (locals and temporaries of all live
    /// frames) one store's interpreter stack may hold. Default 1 Mi slots
    /// (8 MiB).
    pub fn max_value_stack(&mut self, slots: usize) -> &mut Self {
        self.max_value_stack = slots.max(1);
        self
    }

    /// The most 64 KiB pages any one linear memory may grow to, whatever
    /// its declared maximum. `memory.grow` past it returns -1. Default
    /// 65,536 (4 GiB).
    pub fn max_memory_pages(&mut self, pages: u64) -> &mut Self {
        self.max_memory_pages = pages;
        self
    }

    /// The most elements any one table may grow to. Default 10,000,000.
    pub fn max_table_elements(&mut self, elements: u64) -> &mut Self {
        self.max_table_elements = elements;
        self
    }

    /// Whether functions are translated on their first call (the default,
    /// for fast start-up) or all when the module is created. Validation is
    /// always done up front either way.
    pub fn lazy_translation(&mut self, lazy: bool) -> &mut Self {
        self.lazy_translation = lazy;
        self
    }

    /// Whether modules may use the multi-memory proposal (Wasm 3.0):
    /// several memories per module, and memory indices in loads, stores
    /// and memory instructions. On by default, as in wasmtime; off, Petrel
    /// validates exactly Wasm 2.0.
    pub fn wasm_multi_memory(&mut self, enable: bool) -> &mut Self {
        self.multi_memory = enable;
        self
    }

    /// Whether constant expressions (global initialisers, segment offsets)
    /// may use `i32`/`i64` `add`, `sub` and `mul` (Wasm 3.0's extended
    /// constant expressions). On by default, as in wasmtime.
    pub fn wasm_extended_const(&mut self, enable: bool) -> &mut Self {
        self.extended_const = enable;
        self
    }

    /// Whether modules may use tail calls (Wasm 3.0: `return_call`,
    /// `return_call_indirect`, and `return_call_ref` with typed function
    /// references), which replace the caller's frame, so a tail-recursive
    /// loop runs in constant stack on every tier. On by default, as in
    /// wasmtime.
    pub fn wasm_tail_call(&mut self, enable: bool) -> &mut Self {
        self.tail_call = enable;
        self
    }

    /// Whether modules may use typed function references (Wasm 3.0):
    /// reference types naming a function type (`(ref $t)`, `(ref null
    /// $t)`), `call_ref`, `return_call_ref`, `ref.as_non_null`,
    /// `br_on_null` and `br_on_non_null`, non-nullable locals and table
    /// initialisers; with them come Wasm 3.0's type section (recursion
    /// groups, subtype declarations) and the abstract heap types of GC
    /// (`anyref` and its kin, which can only hold null: Petrel has no GC
    /// instructions or struct and array types yet). On by default, as in
    /// wasmtime.
    pub fn wasm_function_references(&mut self, enable: bool) -> &mut Self {
        self.function_references = enable;
        self
    }

    /// Whether modules may use exception handling (Wasm 3.0): tags,
    /// `throw`, `throw_ref`, `try_table` and `exnref` values. An exception
    /// no handler catches reaches the host as [`Error::Exception`](crate::Error::Exception)
    /// (`crate::Error::Exception`), and a host function may throw one into
    /// Wasm. On by default, as in wasmtime. Both tiers run it.
    pub fn wasm_exceptions(&mut self, enable: bool) -> &mut Self {
        self.exceptions = enable;
        self
    }

    /// Whether modules may use the wide-arithmetic proposal:
    /// `i64.add128` and `i64.sub128` (128-bit addition and subtraction of
    /// values given as two `i64` halves, low half first) and
    /// `i64.mul_wide_s` and `i64.mul_wide_u` (the full 128-bit product of
    /// two `i64`s). Both tiers run it; the JIT emits the machine's
    /// carrying add and widening multiply. Off by default, as in wasmtime:
    /// the proposal is not part of Wasm 3.0.
    pub fn wasm_wide_arithmetic(&mut self, enable: bool) -> &mut Self {
        self.wide_arithmetic = enable;
        self
    }

    /// Whether modules may use the custom-page-sizes proposal: a memory
    /// may declare `(pagesize 1)`, so its size, `memory.size` and
    /// `memory.grow` count single bytes instead of 64 KiB pages, and its
    /// length can be any number of bytes. Its accesses are always
    /// bounds-checked against that exact length, on the JIT too (guard
    /// pages work in whole OS pages); memories of 64 KiB pages are
    /// compiled as before. The engine's limits
    /// ([`Config::max_memory_pages`], the pool's memory size) bound such
    /// a memory by the same number of bytes. Off by default, as in
    /// wasmtime.
    pub fn wasm_custom_page_sizes(&mut self, enable: bool) -> &mut Self {
        self.custom_page_sizes = enable;
        self
    }

    /// Whether modules may use the threads proposal: shared memories
    /// (`(memory 1 10 shared)`, which must declare a maximum), the atomic
    /// loads, stores, read-modify-writes and compare-exchanges (on shared
    /// and unshared memories), `memory.atomic.wait32/64`,
    /// `memory.atomic.notify` and `atomic.fence`. Both tiers run them; a
    /// shared memory is a [`SharedMemory`](crate::SharedMemory) that
    /// stores on several host threads may import at once. On by default,
    /// as in wasmtime 48 (whose `threads` cargo feature is on by default).
    pub fn wasm_threads(&mut self, enable: bool) -> &mut Self {
        self.threads = enable;
        self
    }

    /// Whether modules may use memory64 (Wasm 3.0): memories whose
    /// addresses, sizes and lengths are `i64` (`(memory i64 1)`), and
    /// tables whose indices are (`(table i64 1 funcref)`). Both tiers run
    /// them; the JIT bounds-checks every access to a 64-bit memory
    /// explicitly (guard pages cannot cover a 64-bit space). Such a memory
    /// is still bounded by [`Config::max_memory_pages`]. On by default, as
    /// in wasmtime 48 (whose defaults are wasmparser's Wasm 3.0 set).
    pub fn wasm_memory64(&mut self, enable: bool) -> &mut Self {
        self.memory64 = enable;
        self
    }

    /// Whether modules may use reference types (standard since Wasm 2.0:
    /// `funcref` and `externref` values, several tables, the table
    /// instructions). On by default; off, modules are validated as before
    /// Wasm 2.0 in this respect (at most one table), for the suites and
    /// tools that expect it (wasmtime's `wasm_reference_types`). Off also
    /// turns off the proposals built on it: function references and
    /// exceptions.
    pub fn wasm_reference_types(&mut self, enable: bool) -> &mut Self {
        self.reference_types = enable;
        self
    }

    /// Whether modules may use relaxed SIMD (Wasm 3.0): `v128` operators
    /// whose result may depend on the machine, for speed (fused or
    /// unfused multiply-add, how out-of-range lanes of a swizzle, a
    /// truncation or a dot product come out, laneselect's mask bits, min
    /// and max of NaNs and zeros). Both tiers run them. The interpreter
    /// always gives the deterministic results of
    /// [`Config::relaxed_simd_deterministic`]; the JIT uses the machine's
    /// fastest form unless that is on. On by default, as in wasmtime.
    pub fn wasm_relaxed_simd(&mut self, enable: bool) -> &mut Self {
        self.relaxed_simd = enable;
        self
    }

    /// Whether relaxed SIMD gives the same result on every machine and
    /// tier (off by default, as in wasmtime). On, each relaxed operator
    /// computes what its strict counterpart does: `relaxed_swizzle` as
    /// `i8x16.swizzle`, the truncations as the saturating ones,
    /// `relaxed_laneselect` as `v128.bitselect`, `relaxed_min`/`max` as
    /// `min`/`max`, `relaxed_q15mulr_s` as `q15mulr_sat_s`; `relaxed_madd`
    /// and `relaxed_nmadd` fuse (one rounding); the dot products treat both
    /// operands as signed and wrap. wasmtime's choices, so results match
    /// it too. Costs speed only where the native form differs (x86-64).
    pub fn relaxed_simd_deterministic(&mut self, enable: bool) -> &mut Self {
        self.relaxed_simd_deterministic = enable;
        self
    }

    /// Keeps what the JIT compiles in directory `dir` (created if needed),
    /// so creating the same module again, in this process or another,
    /// loads its code instead of compiling it. Entries are keyed by a
    /// SHA-256 of the module's bytes and of every setting the code depends
    /// on (Petrel's version, the CPU, the code-changing `Config` settings);
    /// they are written whole and renamed into place, so concurrent
    /// processes can share a directory, and the oldest-used are removed
    /// once the directory holds more than `limit` bytes
    /// ([`DEFAULT_COMPILE_CACHE_LIMIT`], 1 GiB, suits most). A damaged or
    /// unusable entry is compiled again and replaced; a directory that
    /// cannot be written only means no caching. Under `Tier::Auto`, a
    /// module that gets hot takes its code from here when it can, and
    /// keeps it here when it is compiled. Off by default in the
    /// library (as in wasmtime); `petrel run` turns it on. The directory
    /// must be writable only by you: its entries are run as machine code.
    #[cfg(feature = "std")]
    pub fn compile_cache(&mut self, dir: impl Into<std::path::PathBuf>, limit: u64) -> &mut Self {
        self.compile_cache = Some(CompileCache {
            dir: dir.into(),
            limit,
        });
        self
    }

    /// How the engine allocates instances' memories and tables: on demand
    /// (the default) or from a pool with bounded totals
    /// ([`InstanceAllocationStrategy`]).
    pub fn allocation_strategy(&mut self, strategy: InstanceAllocationStrategy) -> &mut Self {
        self.allocation = strategy;
        self
    }

    /// Turns the compile cache off (the default).
    #[cfg(feature = "std")]
    pub fn disable_compile_cache(&mut self) -> &mut Self {
        self.compile_cache = None;
        self
    }

    /// Whether the JIT may use signal handlers and guard pages for traps
    /// (the default, on platforms that support it: Linux on x86-64,
    /// aarch64 and riscv64). Each linear memory is then a reservation of 4 GiB of address
    /// space plus a 2 GiB guard region, so compiled code needs no bounds
    /// check for almost any access, and a trap unwinds straight to the host
    /// instead of being checked after every call. Turn it off where address
    /// space is scarce or the process must own SIGSEGV, SIGBUS, SIGILL and
    /// SIGFPE: every trap is then an explicit check. Petrel's handler
    /// passes faults that are not Wasm traps on to the handler installed
    /// before it. The interpreter never uses signals.
    pub fn signals_based_traps(&mut self, enable: bool) -> &mut Self {
        self.signals_based_traps = enable;
        self
    }

    /// Whether guest code consumes fuel (off by default). With fuel on,
    /// every store starts with none: give it some with
    /// [`Store::set_fuel`](crate::Store::set_fuel). A guest that runs out
    /// traps with [`TrapCode::OutOfFuel`](crate::TrapCode::OutOfFuel), and
    /// the store stays usable: add fuel and call again. The cost model is
    /// the same on both tiers, so a call consumes the same fuel on each
    /// (see `docs/embedding.md`). Costs run time only when on.
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Self {
        self.consume_fuel = enable;
        self
    }

    /// Whether guest code checks the engine's epoch against its store's
    /// deadline at every function entry and loop header (off by default).
    /// Once [`Engine::increment_epoch`](crate::Engine::increment_epoch)
    /// has moved the epoch to the deadline set with
    /// [`Store::set_epoch_deadline`](crate::Store::set_epoch_deadline),
    /// the guest traps with [`TrapCode::Interrupt`](crate::TrapCode::Interrupt).
    /// This is how another thread stops a runaway guest, cheaply: a timer
    /// thread increments the epoch. Costs run time only when on.
    pub fn epoch_interruption(&mut self, enable: bool) -> &mut Self {
        self.epoch_interruption = enable;
        self
    }

    /// The stack a guest may use, in bytes, on either tier: the native
    /// stack of compiled code ([`Config::max_native_stack`]) and the
    /// interpreter's value stack ([`Config::max_value_stack`], 8 bytes a
    /// slot). Past it, a call traps with
    /// [`TrapCode::StackOverflow`](crate::TrapCode::StackOverflow).
    pub fn max_wasm_stack(&mut self, bytes: usize) -> &mut Self {
        self.max_native_stack = bytes;
        self.max_value_stack = (bytes / 8).max(1);
        self
    }
}

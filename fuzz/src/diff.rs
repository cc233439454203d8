//! The differential comparison itself, shared by the `differential` target
//! and the regression tests: instantiate one module in up to three
//! *voices* (Petrel's interpreter, Petrel's JIT, and `wasmi` as the
//! oracle), call every exported function in each with the same arguments,
//! and panic on the first disagreement.
//!
//! What is compared: each call's results or trap code (see
//! [`Outcome`]), then every exported memory byte for byte, every exported
//! global, and every exported table's size and null entries. The
//! interpreter is held to wasmi, and the JIT to the interpreter. Engines
//! may legitimately exhaust their stacks at different depths, after
//! different side effects: a call that exhausts the interpreter's ends the
//! comparison, and another voice whose stack runs out is dropped while the
//! others go on.
//!
//! The compiled voice is the JIT for a third of the modules and, for the
//! others, `Tier::Auto` with a threshold of 1 to 64 calls compiled in
//! the foreground, by module or per function (all picked from a hash of
//! the module, so the inputs' transcripts do not change): the
//! interpreter's first calls, then compiled code, with frames moving at
//! hot loops (on-stack replacement), and per function, stacks alternating
//! between the tiers through bridges. It is held to the interpreter like
//! the JIT.
//!
//! The JIT is an `Option` so a voice can be switched off while a tier lacks
//! a feature (as it did for SIMD until `f332068`); so is wasmi, which has
//! no typed function references: modules with the 3.0 type system compare
//! Petrel's two tiers only. An export with a non-nullable reference
//! parameter is not called (no value of that type can be made here).
//!
//! Fuel: half the inputs run Petrel's two tiers with fuel metering on and
//! the same budget before every call (wasmi runs unmetered). The tiers
//! must then agree to the unit on the fuel a call that returns leaves, and
//! run out at the same point: a call that exhausts the budget must do so
//! in both, with the same side effects, after which wasmi (which kept
//! going) is no longer comparable and the run ends. Fuel left after any
//! other trap is not compared: the JIT charges a block when it enters it,
//! so a trap inside it has already paid for the rest (`docs/embedding.md`).

use crate::oracle::{wasmi_default, Outcome, Value};
use crate::{dump_module, smith, verdict};
use arbitrary::{Result, Unstructured};

/// The differential target's check on one fuzz input: `wasm-smith` makes
/// a module from it (with a fuel counter injected, so every call ends),
/// and [`compare`] runs it. Returns the transcript, or `None` for an input
/// that makes no module to compare (GC instructions Petrel refuses).
pub fn check_input(data: &[u8]) -> Result<Option<String>> {
    let mut u = Unstructured::new(data);
    let config = smith::differential(&mut u)?;
    let mut module = wasm_smith::Module::new(config.clone(), &mut u)?;
    let fuel = *u.choose(&[100u32, 1_000, 10_000])?;
    module
        .ensure_termination(fuel)
        .expect("wasm-smith generated every body, so fuel can be injected");
    let wasm = module.to_bytes();
    if verdict::uses_gc_instructions(&wasm) || verdict::may_wait_forever(&wasm) {
        return Ok(None);
    }
    dump_module(&wasm);
    // wasmi has no typed function references, no exception handling and
    // no threads, and one bug of its own.
    let with_wasmi = !config.gc_enabled
        && !config.exceptions_enabled
        && !config.threads_enabled
        && !verdict::wasmi_known_bug(&wasm);
    let mut transcript = String::new();
    compare_into(&wasm, &mut u, with_wasmi, true, &mut transcript)?;
    Ok(Some(transcript))
}

/// Whether wasmi trapping with a division by zero (`w`) where the
/// interpreter returned (`p`) is wasmi 2.0.0's known bug, which has more
/// triggers than `verdict::wasmi_known_bug` can match before running
/// (`regressions/differential-wasmi-*`: wasmtime 48 and both Petrel tiers
/// return there). The fuzz target then drops wasmi for the rest of the
/// module; the compiled voice still answers to the interpreter, and the
/// regression replays (which use [`compare`]) still report it.
fn wasmi_divide_bug(p: &Outcome, w: Option<&Outcome>) -> bool {
    matches!(p, Outcome::Returned(_))
        && matches!(
            w,
            Some(Outcome::Trapped(petrel::TrapCode::IntegerDivideByZero))
        )
}

/// Runs `wasm` (valid, without imports, guaranteed to terminate) in every
/// voice (wasmi only `with_wasmi`) with arguments drawn from `u`; panics if
/// two disagree. Returns the interpreter's transcript: every call with its
/// arguments and outcome, then the exported state, one line each (memories
/// as a length and a hash). The interpreter is the same on every ISA, so
/// the transcript is too; `tests/seeds_replay.rs` holds each ISA's to the
/// digests recorded on x86-64.
pub fn compare(wasm: &[u8], u: &mut Unstructured<'_>, with_wasmi: bool) -> Result<String> {
    let mut transcript = String::new();
    compare_into(wasm, u, with_wasmi, false, &mut transcript)?;
    Ok(transcript)
}

/// [`compare`]; with `tolerant`, wasmi's known division bug
/// ([`wasmi_divide_bug`]) drops wasmi instead of failing.
fn compare_into(
    wasm: &[u8],
    u: &mut Unstructured<'_>,
    with_wasmi: bool,
    tolerant: bool,
    transcript: &mut String,
) -> Result<()> {
    use std::fmt::Write;
    let mut log = |line: std::fmt::Arguments<'_>| {
        let _ = writeln!(transcript, "{line}");
    };
    let fuel = if u.arbitrary::<bool>()? {
        Some(u.int_in_range(0..=200_000)?)
    } else {
        None
    };
    let mut interp = Petrel::new(wasm, petrel::Tier::Interpreter, fuel);
    let hash = fnv1a(wasm);
    let (upper, jit_name, per_function) = match hash % 3 {
        0 => (petrel::Tier::Jit, "jit", false),
        1 => (petrel::Tier::Auto, "auto", false),
        _ => (petrel::Tier::Auto, "auto-fn", true),
    };
    let mut jit = Some(Petrel::new_tiered(
        wasm,
        upper,
        fuel,
        (hash >> 8) as u32 % 64 + 1,
        per_function,
    ));
    let mut wasmi = with_wasmi.then(|| Wasmi::new(wasm));

    let p = interp.instantiate();
    let mut j = jit.as_mut().map(Petrel::instantiate);
    let mut w = wasmi.as_mut().map(Wasmi::instantiate);
    log(format_args!("fuel {fuel:?}; instantiate: {p:?}"));
    if stack_overflowed(&p, (&mut jit, &mut j), (&mut wasmi, &mut w)) {
        return Ok(());
    }
    if !same_fuel("instantiation", (&interp, &p), jit.as_ref().zip(j.as_ref())) {
        return Ok(());
    }
    if let Some(w) = &w {
        assert_same("instantiation", ("interpreter", &p), ("wasmi", w));
    }
    if let Some(j) = &j {
        assert_same("instantiation", ("interpreter", &p), (jit_name, j));
    }
    if p != Outcome::Returned(vec![]) {
        return Ok(());
    }

    let exports: Vec<(String, petrel::FuncType)> = interp
        .module
        .exports()
        .filter_map(|e| Some((e.name().to_string(), e.ty().func()?.clone())))
        .filter(|(_, ty)| {
            ty.params()
                .all(|t| t.as_ref().is_none_or(petrel::RefType::is_nullable))
        })
        .collect();
    let rounds = u.int_in_range(1..=2)?;
    for _ in 0..rounds {
        for (name, ty) in &exports {
            let args = ty
                .params()
                .map(|t| Value::arbitrary_of(u, &t))
                .collect::<Result<Vec<_>>>()?;
            let p = interp.call(name, ty, &args);
            log(format_args!("{name}{args:?}: {p:?}"));
            let mut j = jit.as_mut().map(|jit| jit.call(name, ty, &args));
            let mut w = wasmi.as_mut().map(|w| w.call(name, &args));
            if stack_overflowed(&p, (&mut jit, &mut j), (&mut wasmi, &mut w)) {
                return Ok(());
            }
            let what = format!("call to `{name}` with {args:?}");
            if !same_fuel(&what, (&interp, &p), jit.as_ref().zip(j.as_ref())) {
                return Ok(());
            }
            if tolerant && wasmi_divide_bug(&p, w.as_ref()) {
                (wasmi, w) = (None, None);
            }
            if let Some(w) = &w {
                assert_same(&what, ("interpreter", &p), ("wasmi", w));
            }
            if let Some(j) = &j {
                assert_same(&what, ("interpreter", &p), (jit_name, j));
            }
        }
    }

    let p = interp.exported_state();
    for (name, state) in &p {
        match state {
            State::Memory(bytes) => log(format_args!(
                "memory {name}: {} bytes, fnv1a {:016x}",
                bytes.len(),
                fnv1a(bytes)
            )),
            other => log(format_args!("{name}: {other:?}")),
        }
    }
    if let Some(wasmi) = &wasmi {
        assert_same_state(("interpreter", &p), ("wasmi", &wasmi.exported_state()));
    }
    if let Some(jit) = &jit {
        assert_same_state(("interpreter", &p), (jit_name, &jit.exported_state()));
    }
    Ok(())
}

/// Whether the interpreter's stack overflowed (`p`), which ends the
/// comparison. Another voice whose stack overflowed is dropped for the
/// rest of the run: engines stop recursing at different depths, after
/// different side effects (the JIT's depth depends on its frame sizes, so
/// on the ISA), and the interpreter goes on alone, so its transcript is the
/// same on every ISA.
fn stack_overflowed(
    p: &Outcome,
    (jit, j): (&mut Option<Petrel>, &mut Option<Outcome>),
    (wasmi, w): (&mut Option<Wasmi>, &mut Option<Outcome>),
) -> bool {
    if j.as_ref().is_some_and(Outcome::is_stack_overflow) {
        (*jit, *j) = (None, None);
    }
    if w.as_ref().is_some_and(Outcome::is_stack_overflow) {
        (*wasmi, *w) = (None, None);
    }
    p.is_stack_overflow()
}

/// Holds the two tiers to the same fuel accounting after one call (or
/// instantiation) that ended in `p` on the interpreter and `j` on the JIT.
/// Returns whether the comparison goes on: it stops once the budget ran
/// out, since wasmi, unmetered, went further.
fn same_fuel(
    what: &str,
    (interp, p): (&Petrel, &Outcome),
    jit: Option<(&Petrel, &Outcome)>,
) -> bool {
    let out = Outcome::Trapped(petrel::TrapCode::OutOfFuel);
    let Some((jit, j)) = jit else {
        return *p != out;
    };
    if *p == out || *j == out {
        assert_same(what, ("interpreter", p), ("jit", j));
        // (A start function that ran out left no instance to look at.)
        if interp.instance.is_some() {
            assert_same_state(
                ("interpreter", &interp.exported_state()),
                ("jit", &jit.exported_state()),
            );
        }
    }
    if matches!(
        p,
        Outcome::Returned(_) | Outcome::Threw(_) | Outcome::Trapped(petrel::TrapCode::OutOfFuel)
    ) && p == j
    {
        assert_eq!(
            interp.fuel_left(),
            jit.fuel_left(),
            "{what}: fuel left, interpreter vs jit"
        );
    }
    *p != out
}

/// The 64-bit FNV-1a hash of `bytes`: stable across platforms and Rust
/// versions (unlike `std`'s hasher), for transcripts compared between
/// machines.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn assert_same(what: &str, (a_name, a): (&str, &Outcome), (b_name, b): (&str, &Outcome)) {
    let same = match (a, b) {
        // Neither engine's error text is specified; that both refused is
        // what matters.
        (Outcome::Failed(_), Outcome::Failed(_)) => true,
        _ => a == b,
    };
    assert!(
        same,
        "{what}: {a_name} and {b_name} disagree\n  {a_name}: {a}\n  {b_name}: {b}"
    );
}

/// One exported memory, global or table, as much of it as every voice
/// can report.
#[derive(Debug, PartialEq)]
enum State {
    Memory(Vec<u8>),
    Global(Value),
    /// The size and, per element, whether it is null.
    Table(Vec<bool>),
}

/// Every exported memory, global and table by name (the engines list
/// exports in different orders).
type ExportedState = std::collections::BTreeMap<String, State>;

fn assert_same_state((a_name, a): (&str, &ExportedState), (b_name, b): (&str, &ExportedState)) {
    let names = |s: &ExportedState| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(a),
        names(b),
        "exported entities: {a_name} vs {b_name}"
    );
    for (name, a) in a {
        let b = &b[name];
        let (x, y) = match (a, b) {
            (State::Memory(x), State::Memory(y)) => (x.as_slice(), y.as_slice()),
            (State::Table(x), State::Table(y)) => {
                assert_eq!(
                    x.len(),
                    y.len(),
                    "size of exported table `{name}`: {a_name} vs {b_name}"
                );
                if let Some(i) = x.iter().zip(y).position(|(p, q)| p != q) {
                    panic!(
                        "exported table `{name}`[{i}]: {a_name} null = {}, {b_name} null = {}",
                        x[i], y[i]
                    );
                }
                continue;
            }
            (State::Global(x), State::Global(y)) => {
                assert_eq!(x, y, "exported global `{name}`: {a_name} vs {b_name}");
                continue;
            }
            _ => panic!("export `{name}` is of different kinds in {a_name} and {b_name}"),
        };
        assert_eq!(
            x.len(),
            y.len(),
            "size of exported memory `{name}`: {a_name} vs {b_name}"
        );
        if let Some(at) = x.iter().zip(y).position(|(p, q)| p != q) {
            panic!(
                "exported memory `{name}` differs first at byte {at:#x}: \
                 {a_name} {:#04x}, {b_name} {:#04x}",
                x[at], y[at]
            );
        }
    }
}

struct Petrel {
    module: petrel::Module,
    store: petrel::Store<()>,
    instance: Option<petrel::Instance>,
    /// The fuel every call starts with, when metering is on.
    fuel: Option<u64>,
}

impl Petrel {
    fn new(wasm: &[u8], tier: petrel::Tier, fuel: Option<u64>) -> Self {
        Self::new_tiered(wasm, tier, fuel, 1, false)
    }

    /// [`Petrel::new`], with `threshold` as `Tier::Auto`'s tier-up
    /// threshold (compiled in the foreground, so runs repeat), by module
    /// or `per_function`.
    fn new_tiered(
        wasm: &[u8],
        tier: petrel::Tier,
        fuel: Option<u64>,
        threshold: u32,
        per_function: bool,
    ) -> Self {
        let mut config = crate::petrel_config();
        config
            .tier(tier)
            .consume_fuel(fuel.is_some())
            .tier_up_threshold(threshold)
            .tier_up_per_function(per_function)
            .tier_up_in_background(false);
        let engine = petrel::Engine::new(&config);
        let module = petrel::Module::from_binary(&engine, wasm)
            .unwrap_or_else(|e| panic!("Petrel ({tier:?}) rejected a valid module: {e}"));
        let store = petrel::Store::new(&engine, ());
        Self {
            module,
            store,
            instance: None,
            fuel,
        }
    }

    /// Fills the tank to the run's budget, so every call starts alike in
    /// both tiers whatever the previous one left.
    fn refuel(&mut self) {
        if let Some(fuel) = self.fuel {
            self.store.set_fuel(fuel).expect("fuel metering is on");
        }
    }

    fn fuel_left(&self) -> Option<u64> {
        self.fuel
            .map(|_| self.store.get_fuel().expect("fuel metering is on"))
    }

    fn instantiate(&mut self) -> Outcome {
        self.refuel();
        let r = petrel::Instance::new(&mut self.store, &self.module, &[]);
        let outcome = Outcome::from_petrel(&r, &[]);
        self.instance = r.ok();
        outcome
    }

    fn call(&mut self, name: &str, ty: &petrel::FuncType, args: &[Value]) -> Outcome {
        let func = self
            .instance
            .unwrap()
            .get_func(&self.store, name)
            .expect("exported function");
        let args: Vec<petrel::Val> = args.iter().map(|a| a.to_petrel()).collect();
        let mut results: Vec<petrel::Val> =
            ty.results().map(|t| petrel::Val::default_for(&t)).collect();
        self.refuel();
        let r = func.call(&mut self.store, &args, &mut results);
        if let Err(petrel::Error::Exception(exn)) = &r {
            let payload = exn.payload(&self.store);
            return Outcome::Threw(payload.iter().map(Value::from_petrel).collect());
        }
        Outcome::from_petrel(&r, &results)
    }

    fn exported_state(&self) -> ExportedState {
        let inst = self.instance.expect("instantiated");
        let store = &self.store;
        let mut state = ExportedState::new();
        for export in self.module.exports() {
            let name = export.name();
            let item = match export.ty() {
                petrel::ExternType::Memory(_) => match inst.get_memory(store, name) {
                    Some(m) => State::Memory(m.data(store).to_vec()),
                    None => {
                        let m = inst
                            .get_shared_memory(store, name)
                            .expect("exported memory");
                        let bytes = m.data().iter();
                        // SAFETY: no other thread holds this memory (the
                        // module is instantiated in this store alone), so
                        // nothing writes the cells while they are read.
                        State::Memory(bytes.map(|b| unsafe { *b.get() }).collect())
                    }
                },
                petrel::ExternType::Global(_) => {
                    let g = inst.get_global(store, name).expect("exported global");
                    State::Global(Value::from_petrel(&g.get(store)))
                }
                petrel::ExternType::Table(_) => {
                    let t = inst.get_table(store, name).expect("exported table");
                    let nulls = (0..t.size(store))
                        .map(|i| t.get(store, i).expect("element in bounds").is_null())
                        .collect();
                    State::Table(nulls)
                }
                _ => continue,
            };
            state.insert(name.to_string(), item);
        }
        state
    }
}

struct Wasmi {
    module: wasmi::Module,
    store: wasmi::Store<()>,
    instance: Option<wasmi::Instance>,
}

impl Wasmi {
    fn new(wasm: &[u8]) -> Self {
        let mut config = wasmi::Config::default();
        // Only what Petrel implements, so a module that slips past Petrel's
        // validator cannot pass here for the wrong reason.
        config
            .wasm_tail_call(true)
            .wasm_extended_const(true)
            .wasm_multi_memory(true)
            .wasm_custom_page_sizes(true)
            .wasm_wide_arithmetic(true)
            .wasm_memory64(true)
            // Relaxed SIMD with wasmi's one set of results, which are
            // Petrel's deterministic ones (`petrel_config`).
            .wasm_relaxed_simd(true);
        let engine = wasmi::Engine::new(&config);
        let module = wasmi::Module::new(&engine, wasm)
            .unwrap_or_else(|e| panic!("wasmi rejected a valid module: {e}"));
        let store = wasmi::Store::new(&engine, ());
        Self {
            module,
            store,
            instance: None,
        }
    }

    fn instantiate(&mut self) -> Outcome {
        let r = wasmi::Instance::new(&mut self.store, &self.module, &[]);
        let outcome = Outcome::from_wasmi(&r, &[]);
        self.instance = r.ok();
        outcome
    }

    fn call(&mut self, name: &str, args: &[Value]) -> Outcome {
        let func = self
            .instance
            .unwrap()
            .get_func(&self.store, name)
            .expect("exported function");
        let args: Vec<wasmi::Val> = args.iter().map(|a| a.to_wasmi()).collect();
        let mut results: Vec<wasmi::Val> = func
            .ty(&self.store)
            .results()
            .iter()
            .map(|t| wasmi_default(*t))
            .collect();
        let r = func.call(&mut self.store, &args, &mut results);
        Outcome::from_wasmi(&r, &results)
    }

    fn exported_state(&self) -> ExportedState {
        let inst = self.instance.expect("instantiated");
        let store = &self.store;
        let mut state = ExportedState::new();
        for export in self.module.exports() {
            let name = export.name();
            let item = match export.ty() {
                wasmi::ExternType::Memory(_) => {
                    let m = inst.get_memory(store, name).expect("exported memory");
                    State::Memory(m.data(store).to_vec())
                }
                wasmi::ExternType::Global(_) => {
                    let g = inst.get_global(store, name).expect("exported global");
                    State::Global(Value::from_wasmi(&g.get(store)))
                }
                wasmi::ExternType::Table(_) => {
                    let t = inst.get_table(store, name).expect("exported table");
                    let nulls = (0..t.size(store))
                        .map(|i| t.get(store, i).expect("element in bounds").is_null())
                        .collect();
                    State::Table(nulls)
                }
                wasmi::ExternType::Func(_) => continue,
            };
            state.insert(name.to_string(), item);
        }
        state
    }
}

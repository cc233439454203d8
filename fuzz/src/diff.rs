//! The differential comparison itself, shared by the `differential` target
//! and the regression tests: instantiate one module in up to three
//! *voices* (Petrel's interpreter, Petrel's JIT, and `wasmi` as the
//! oracle), call every exported function in each with the same arguments,
//! and panic on the first disagreement.
//!
//! What is compared: each call's results or trap code (see
//! [`Outcome`]), then every exported memory byte for byte, every exported
//! global, and every exported table's size and null entries. The
//! interpreter is held to wasmi, and the JIT to the interpreter. A call
//! that exhausts any voice's stack ends the comparison: the engines may
//! legitimately stop at different depths, after different side effects.
//!
//! The JIT is an `Option` so a voice can be switched off while a tier lacks
//! a feature (as it did for SIMD until `f332068`).

use crate::oracle::{wasmi_default, Outcome, Value};
use arbitrary::{Result, Unstructured};

/// Runs `wasm` (valid, without imports, guaranteed to terminate) in every
/// voice with arguments drawn from `u`; panics if two disagree.
pub fn compare(wasm: &[u8], u: &mut Unstructured<'_>) -> Result<()> {
    let mut interp = Petrel::new(wasm, petrel::Tier::Interpreter);
    let mut jit = Some(Petrel::new(wasm, petrel::Tier::Jit));
    let mut wasmi = Wasmi::new(wasm);

    let p = interp.instantiate();
    let j = jit.as_mut().map(Petrel::instantiate);
    let w = wasmi.instantiate();
    if p.is_stack_overflow()
        || w.is_stack_overflow()
        || j.as_ref().is_some_and(Outcome::is_stack_overflow)
    {
        return Ok(());
    }
    assert_same("instantiation", ("interpreter", &p), ("wasmi", &w));
    if let Some(j) = &j {
        assert_same("instantiation", ("interpreter", &p), ("jit", j));
    }
    if p != Outcome::Returned(vec![]) {
        return Ok(());
    }

    let exports: Vec<(String, petrel::FuncType)> = interp
        .module
        .exports()
        .filter_map(|e| Some((e.name().to_string(), e.ty().func()?.clone())))
        .collect();
    let rounds = u.int_in_range(1..=2)?;
    for _ in 0..rounds {
        for (name, ty) in &exports {
            let args = ty
                .params()
                .map(|t| Value::arbitrary_of(u, t))
                .collect::<Result<Vec<_>>>()?;
            let p = interp.call(name, ty, &args);
            let j = jit.as_mut().map(|jit| jit.call(name, ty, &args));
            let w = wasmi.call(name, &args);
            if p.is_stack_overflow()
                || w.is_stack_overflow()
                || j.as_ref().is_some_and(Outcome::is_stack_overflow)
            {
                return Ok(());
            }
            let what = format!("call to `{name}` with {args:?}");
            assert_same(&what, ("interpreter", &p), ("wasmi", &w));
            if let Some(j) = &j {
                assert_same(&what, ("interpreter", &p), ("jit", j));
            }
        }
    }

    let p = interp.exported_state();
    assert_same_state(("interpreter", &p), ("wasmi", &wasmi.exported_state()));
    if let Some(jit) = &jit {
        assert_same_state(("interpreter", &p), ("jit", &jit.exported_state()));
    }
    Ok(())
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
}

impl Petrel {
    fn new(wasm: &[u8], tier: petrel::Tier) -> Self {
        let engine = petrel::Engine::new(petrel::Config::new().tier(tier));
        let module = petrel::Module::from_binary(&engine, wasm)
            .unwrap_or_else(|e| panic!("Petrel ({tier:?}) rejected a valid module: {e}"));
        let store = petrel::Store::new(&engine, ());
        Self {
            module,
            store,
            instance: None,
        }
    }

    fn instantiate(&mut self) -> Outcome {
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
        let mut results: Vec<petrel::Val> = ty.results().map(petrel::Val::default_for).collect();
        let r = func.call(&mut self.store, &args, &mut results);
        Outcome::from_petrel(&r, &results)
    }

    fn exported_state(&self) -> ExportedState {
        let inst = self.instance.expect("instantiated");
        let store = &self.store;
        let mut state = ExportedState::new();
        for export in self.module.exports() {
            let name = export.name();
            let item = match export.ty() {
                petrel::ExternType::Memory(_) => {
                    let m = inst.get_memory(store, name).expect("exported memory");
                    State::Memory(m.data(store).to_vec())
                }
                petrel::ExternType::Global(_) => {
                    let g = inst.get_global(store, name).expect("exported global");
                    State::Global(Value::from_petrel(&g.get(store)))
                }
                petrel::ExternType::Table(_) => {
                    let t = inst.get_table(store, name).expect("exported table");
                    let nulls = (0..t.size(store))
                        .map(|i| match t.get(store, i).expect("element in bounds") {
                            petrel::Val::FuncRef(f) => f.is_none(),
                            petrel::Val::ExternRef(r) => r.is_none(),
                            other => panic!("table element of type {}", other.ty()),
                        })
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
            .wasm_tail_call(false)
            .wasm_extended_const(false)
            .wasm_multi_memory(true)
            .wasm_custom_page_sizes(false)
            .wasm_wide_arithmetic(false)
            .wasm_relaxed_simd(false);
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

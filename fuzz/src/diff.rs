//! The differential comparison itself, shared by the `differential` target
//! and the regression tests: instantiate one module in Petrel and in wasmi,
//! call every exported function with the same arguments, and panic on the
//! first disagreement.
//!
//! What is compared: each call's results or trap code (see
//! [`Outcome`]), then every exported memory byte for byte, every exported
//! global, and every exported table's size and null entries. A call that
//! exhausts either engine's stack ends the comparison: the engines may
//! legitimately stop at different depths, after different side effects.

use crate::oracle::{wasmi_default, Outcome, Value};
use arbitrary::{Result, Unstructured};

/// Runs `wasm` (valid, without imports, guaranteed to terminate) in both
/// engines with arguments drawn from `u`; panics if they disagree.
pub fn compare(wasm: &[u8], u: &mut Unstructured<'_>) -> Result<()> {
    let mut petrel = Petrel::new(wasm);
    let mut wasmi = Wasmi::new(wasm);

    let p = petrel.instantiate();
    let w = wasmi.instantiate();
    if p.is_stack_overflow() || w.is_stack_overflow() {
        return Ok(());
    }
    assert_same("instantiation", &p, &w);
    if p != Outcome::Returned(vec![]) {
        return Ok(());
    }

    let exports: Vec<(String, petrel::FuncType)> = petrel
        .module
        .exports()
        .filter_map(|e| Some((e.name().to_string(), e.ty().func()?.clone())))
        .collect();
    let rounds = u.int_in_range(1..=2)?;
    for _ in 0..rounds {
        for (name, ty) in &exports {
            let args = ty
                .params()
                .iter()
                .map(|t| Value::arbitrary_of(u, *t))
                .collect::<Result<Vec<_>>>()?;
            let p = petrel.call(name, ty, &args);
            let w = wasmi.call(name, &args);
            if p.is_stack_overflow() || w.is_stack_overflow() {
                return Ok(());
            }
            assert_same(&format!("call to `{name}` with {args:?}"), &p, &w);
        }
    }

    compare_exported_state(&petrel, &wasmi);
    Ok(())
}

fn assert_same(what: &str, petrel: &Outcome, wasmi: &Outcome) {
    let same = match (petrel, wasmi) {
        // Neither engine's error text is specified; that both refused is
        // what matters.
        (Outcome::Failed(_), Outcome::Failed(_)) => true,
        _ => petrel == wasmi,
    };
    assert!(
        same,
        "{what}: engines disagree\n  petrel: {petrel}\n  wasmi:  {wasmi}"
    );
}

fn compare_exported_state(petrel: &Petrel, wasmi: &Wasmi) {
    let p_inst = petrel.instance.expect("instantiated");
    let w_inst = wasmi.instance.expect("instantiated");
    for export in petrel.module.exports() {
        let name = export.name();
        match export.ty() {
            petrel::ExternType::Memory(_) => {
                let p = p_inst.get_memory(&petrel.store, name).unwrap();
                let w = w_inst.get_memory(&wasmi.store, name).unwrap();
                let (p, w) = (p.data(&petrel.store), w.data(&wasmi.store));
                assert_eq!(p.len(), w.len(), "size of exported memory `{name}`");
                if let Some(at) = p.iter().zip(w).position(|(a, b)| a != b) {
                    panic!(
                        "exported memory `{name}` differs first at byte {at:#x}: \
                         petrel {:#04x}, wasmi {:#04x}",
                        p[at], w[at]
                    );
                }
            }
            petrel::ExternType::Global(_) => {
                let p = p_inst.get_global(&petrel.store, name).unwrap();
                let w = w_inst.get_global(&wasmi.store, name).unwrap();
                let p = Value::from_petrel(&p.get(&petrel.store));
                let w = Value::from_wasmi(&w.get(&wasmi.store));
                assert_eq!(p, w, "value of exported global `{name}`");
            }
            petrel::ExternType::Table(_) => {
                let p = p_inst.get_table(&petrel.store, name).unwrap();
                let w = w_inst.get_table(&wasmi.store, name).unwrap();
                let size = p.size(&petrel.store);
                assert_eq!(
                    size,
                    w.size(&wasmi.store),
                    "size of exported table `{name}`"
                );
                for i in 0..size {
                    let p_null = match p.get(&petrel.store, i).unwrap() {
                        petrel::Val::FuncRef(f) => f.is_none(),
                        petrel::Val::ExternRef(r) => r.is_none(),
                        other => panic!("table element of type {}", other.ty()),
                    };
                    let w_null = w.get(&wasmi.store, i).unwrap().is_null();
                    assert_eq!(p_null, w_null, "null-ness of `{name}`[{i}]");
                }
            }
            petrel::ExternType::Func(_) => {}
        }
    }
}

struct Petrel {
    module: petrel::Module,
    store: petrel::Store<()>,
    instance: Option<petrel::Instance>,
}

impl Petrel {
    fn new(wasm: &[u8]) -> Self {
        let engine = petrel::Engine::default();
        let module = petrel::Module::from_binary(&engine, wasm)
            .unwrap_or_else(|e| panic!("Petrel rejected a valid module: {e}"));
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
        let mut results: Vec<petrel::Val> = ty
            .results()
            .iter()
            .map(|t| petrel::Val::default_for(*t))
            .collect();
        let r = func.call(&mut self.store, &args, &mut results);
        Outcome::from_petrel(&r, &results)
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
            .wasm_multi_memory(false)
            .wasm_custom_page_sizes(false)
            .wasm_wide_arithmetic(false);
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
}

//! Runs WebAssembly specification scripts (`.wast`) against Petrel.
//!
//! [`run_wast`] executes every directive of a script in order and counts
//! each as passed or failed; the `petrel wast` command and the spec-suite
//! test (`tests/spec.rs`) are both thin layers over it.

mod spectest;
mod values;

use petrel::{Config, Engine, Error, Extern, Instance, Linker, Module, Store, Val};
use std::collections::BTreeMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, Wat};

/// One directive that did not behave as the script says.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The script's name, as given to [`run_wast`].
    pub file: String,
    /// 1-based line of the directive.
    pub line: usize,
    /// 1-based column of the directive.
    pub col: usize,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// The outcome of one script.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Directives that behaved as expected.
    pub passed: usize,
    /// Directives that did not.
    pub failed: usize,
    /// One entry per failed directive, in script order.
    pub failures: Vec<Failure>,
}

/// Runs the script `source` (named `name` in failure messages) on a
/// fresh engine built from `config`. Never panics: a panic inside the
/// engine is reported as a failure of the directive that caused it.
pub fn run_wast(name: &str, source: &str, config: &Config) -> Report {
    let mut report = Report::default();
    let mut lexer = wast::lexer::Lexer::new(source);
    lexer.allow_confusing_unicode(true);
    let buf = match wast::parser::ParseBuffer::new_with_lexer(lexer) {
        Ok(buf) => buf,
        Err(e) => {
            report.fail(name, source, None, format!("cannot lex script: {e}"));
            return report;
        }
    };
    let script = match wast::parser::parse::<Wast<'_>>(&buf) {
        Ok(w) => w,
        Err(e) => {
            report.fail(name, source, None, format!("cannot parse script: {e}"));
            return report;
        }
    };
    let mut ctx = Context::new(Engine::new(config));
    run_directives(&mut ctx, script.directives, name, source, &mut report);
    report
}

/// Runs `directives` in `ctx`, counting each in `report`. A `(thread ...)`
/// runs its own directives on a new host thread, in a store of its own
/// over the same engine, with the shared memories of the module it names
/// shared (the other exports belong to this store and cannot be); `(wait
/// $T)` joins it and counts its directives here. Threads not waited for
/// are joined at the end.
fn run_directives<'a>(
    ctx: &mut Context,
    directives: Vec<WastDirective<'a>>,
    name: &str,
    source: &'a str,
    report: &mut Report,
) {
    std::thread::scope(|scope| {
        let mut threads = BTreeMap::new();
        for directive in directives {
            let span = directive.span();
            match directive {
                WastDirective::Thread(thread) => {
                    let shared = match thread.shared_module {
                        Some(module) => match ctx.shared_exports(module.name()) {
                            Ok(exports) => vec![(module.name().to_string(), exports)],
                            Err(msg) => {
                                report.fail(name, source, Some(span), msg);
                                continue;
                            }
                        },
                        None => Vec::new(),
                    };
                    let engine = ctx.engine.clone();
                    let directives = thread.directives;
                    let handle = scope.spawn(move || {
                        let mut ctx = Context::new(engine);
                        ctx.shared_modules.extend(shared);
                        let mut report = Report::default();
                        run_directives(&mut ctx, directives, name, source, &mut report);
                        report
                    });
                    threads.insert(thread.name.name().to_string(), handle);
                    report.passed += 1;
                }
                WastDirective::Wait { thread, .. } => match threads.remove(thread.name()) {
                    Some(handle) => {
                        join_thread(handle, name, source, span, report);
                        report.passed += 1;
                    }
                    None => report.fail(
                        name,
                        source,
                        Some(span),
                        format!("no running thread `{}`", thread.name()),
                    ),
                },
                directive => {
                    let result = catch_unwind(AssertUnwindSafe(|| ctx.run(directive)));
                    match result {
                        Ok(Ok(())) => report.passed += 1,
                        Ok(Err(msg)) => report.fail(name, source, Some(span), msg),
                        Err(panic) => {
                            let msg = panic_message(&*panic);
                            report.fail(
                                name,
                                source,
                                Some(span),
                                format!("engine panicked: {msg}"),
                            );
                        }
                    }
                }
            }
        }
        for (_, handle) in threads {
            join_thread(
                handle,
                name,
                source,
                wast::token::Span::from_offset(0),
                report,
            );
        }
    });
}

/// Joins a script thread and adds its counts to `report`.
fn join_thread(
    handle: std::thread::ScopedJoinHandle<'_, Report>,
    name: &str,
    source: &str,
    span: wast::token::Span,
    report: &mut Report,
) {
    match handle.join() {
        Ok(thread) => {
            report.passed += thread.passed;
            report.failed += thread.failed;
            report.failures.extend(thread.failures);
        }
        Err(panic) => {
            let msg = panic_message(&*panic);
            report.fail(
                name,
                source,
                Some(span),
                format!("script thread panicked: {msg}"),
            );
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

impl Report {
    fn fail(&mut self, file: &str, source: &str, span: Option<wast::token::Span>, message: String) {
        let (line, col) = span.map_or((0, 0), |s| s.linecol_in(source));
        self.failed += 1;
        self.failures.push(Failure {
            file: file.to_string(),
            line: line + 1,
            col: col + 1,
            message,
        });
    }
}

/// A directive's verdict: `Err` says why it failed.
type Verdict = Result<(), String>;

/// The state a script builds up.
struct Context {
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    current: Option<Instance>,
    named: BTreeMap<String, Instance>,
    definitions: BTreeMap<String, Module>,
    /// In a script thread: the shared exports of the modules the thread
    /// shares, by module name.
    shared_modules: BTreeMap<String, Vec<(String, Extern)>>,
}

impl Context {
    fn new(engine: Engine) -> Self {
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        linker.allow_shadowing(true);
        spectest::define(&mut store, &mut linker);
        Self {
            engine,
            store,
            linker,
            current: None,
            named: BTreeMap::new(),
            definitions: BTreeMap::new(),
            shared_modules: BTreeMap::new(),
        }
    }

    /// The exports of instance `module` that another thread can use: its
    /// shared memories.
    fn shared_exports(&self, module: &str) -> Result<Vec<(String, Extern)>, String> {
        if let Some(exports) = self.shared_modules.get(module) {
            return Ok(exports.clone());
        }
        let instance = self.instance(Some(module))?;
        Ok(instance
            .exports(&self.store)
            .into_iter()
            .filter(|(_, e)| matches!(e, Extern::SharedMemory(_)))
            .collect())
    }

    fn run(&mut self, directive: WastDirective<'_>) -> Verdict {
        match directive {
            WastDirective::Module(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let module = self.compile(&mut module)?;
                let instance = self
                    .linker
                    .instantiate(&mut self.store, &module)
                    .map_err(|e| format!("instantiation failed: {e}"))?;
                self.current = Some(instance);
                if let Some(name) = name {
                    self.named.insert(name, instance);
                }
                Ok(())
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let compiled = self.compile(&mut module)?;
                if let Some(name) = name {
                    self.definitions.insert(name, compiled);
                }
                Ok(())
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let def = module
                    .and_then(|m| self.definitions.get(m.name()))
                    .ok_or("unknown module definition")?
                    .clone();
                let inst = self
                    .linker
                    .instantiate(&mut self.store, &def)
                    .map_err(|e| format!("instantiation failed: {e}"))?;
                self.current = Some(inst);
                if let Some(name) = instance {
                    self.named.insert(name.name().to_string(), inst);
                }
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                if let Some(exports) = module.and_then(|m| self.shared_modules.get(m.name())) {
                    for (field, export) in exports.clone() {
                        self.linker
                            .define(name, &field, export)
                            .map_err(|e| format!("register failed: {e}"))?;
                    }
                    return Ok(());
                }
                let instance = self.instance(module.map(|m| m.name()))?;
                self.linker
                    .instance(&mut self.store, name, instance)
                    .map_err(|e| format!("register failed: {e}"))?;
                Ok(())
            }
            WastDirective::Invoke(invoke) => self.invoke(&invoke).map(|_| ()).map_err(describe),
            WastDirective::AssertReturn { exec, results, .. } => {
                let actual = self.execute(exec).map_err(describe)?;
                values::check_results(&self.store, &actual, &results)
            }
            WastDirective::AssertTrap { exec, message, .. } => match self.execute(exec) {
                Ok(vals) => Err(format!("expected trap `{message}`, got {vals:?}")),
                Err(e) => check_trap(&e, message),
            },
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call) {
                Ok(vals) => Err(format!("expected exhaustion `{message}`, got {vals:?}")),
                Err(e) => check_trap(&e, message),
            },
            WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            }
            | WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            } => {
                // Text that `wast` itself rejects is malformed already.
                let Ok(bytes) = module.encode() else {
                    return Ok(());
                };
                match Module::new(&self.engine, &bytes) {
                    Ok(_) => Err(format!(
                        "module should be rejected ({message}) but was accepted"
                    )),
                    Err(Error::Compile(_)) => Ok(()),
                    Err(e) => Err(format!("module rejected with the wrong kind of error: {e}")),
                }
            }
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => {
                let bytes = module
                    .encode()
                    .map_err(|e| format!("cannot encode module: {e}"))?;
                let module = Module::new(&self.engine, &bytes)
                    .map_err(|e| format!("module invalid: {e}"))?;
                match self.linker.instantiate(&mut self.store, &module) {
                    Ok(_) => Err(format!("module should fail to link ({message}) but linked")),
                    Err(Error::Link(_)) => Ok(()),
                    Err(e) => Err(format!("expected a link error ({message}), got: {e}")),
                }
            }
            WastDirective::AssertInvalidCustom { .. }
            | WastDirective::AssertMalformedCustom { .. } => {
                // Custom sections never invalidate a module for Petrel.
                Ok(())
            }
            WastDirective::AssertException { exec, .. } => match self.execute(exec) {
                Ok(vals) => Err(format!("expected an exception, got {vals:?}")),
                Err(Error::Exception(_)) => Ok(()),
                Err(e) => Err(format!("expected an exception, got error: {e}")),
            },
            WastDirective::AssertSuspension { .. } => {
                Err("directive not supported yet".to_string())
            }
            // Run by `run_directives`.
            WastDirective::Thread(_) | WastDirective::Wait { .. } => {
                Err("thread directive out of place".to_string())
            }
        }
    }

    fn compile(&mut self, module: &mut QuoteWat<'_>) -> Result<Module, String> {
        let bytes = module
            .encode()
            .map_err(|e| format!("cannot encode module: {e}"))?;
        Module::new(&self.engine, &bytes).map_err(|e| format!("module rejected: {e}"))
    }

    fn instance(&self, name: Option<&str>) -> Result<Instance, String> {
        match name {
            Some(name) => self
                .named
                .get(name)
                .copied()
                .ok_or_else(|| format!("unknown module `{name}`")),
            None => self
                .current
                .ok_or_else(|| "no module instantiated".to_string()),
        }
    }

    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Vec<Val>, Error> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Wat(mut wat) => {
                let bytes = match &mut wat {
                    Wat::Module(_) => wat
                        .encode()
                        .map_err(|e| Error::Usage(format!("cannot encode module: {e}")))?,
                    Wat::Component(_) => {
                        return Err(Error::Usage("components are not supported".into()))
                    }
                };
                let module = Module::new(&self.engine, &bytes)?;
                self.linker.instantiate(&mut self.store, &module)?;
                Ok(Vec::new())
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self
                    .instance(module.map(|m| m.name()))
                    .map_err(Error::Usage)?;
                let g = instance
                    .get_global(&self.store, global)
                    .ok_or_else(|| Error::Usage(format!("no global `{global}`")))?;
                Ok(vec![g.get(&self.store)])
            }
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Vec<Val>, Error> {
        let instance = self
            .instance(invoke.module.map(|m| m.name()))
            .map_err(Error::Usage)?;
        let func = instance
            .get_export(&self.store, invoke.name)
            .and_then(Extern::into_func)
            .ok_or_else(|| Error::Usage(format!("no exported function `{}`", invoke.name)))?;
        let mut args = Vec::with_capacity(invoke.args.len());
        for arg in &invoke.args {
            let WastArg::Core(arg) = arg else {
                return Err(Error::Usage("component values are not supported".into()));
            };
            args.push(values::arg(&mut self.store, arg).map_err(Error::Usage)?);
        }
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty.results().map(|t| Val::default_for(&t)).collect();
        func.call(&mut self.store, &args, &mut results)?;
        Ok(results)
    }
}

fn describe(e: Error) -> String {
    format!("unexpected error: {e}")
}

/// Whether `e` is a trap matching the script's expected message.
fn check_trap(e: &Error, expected: &str) -> Verdict {
    let Some(trap) = e.as_trap() else {
        return Err(format!("expected trap `{expected}`, got error: {e}"));
    };
    let actual = trap.code().message();
    let matches = actual.contains(expected)
        || expected.starts_with("uninitialized element")
            && actual.contains("uninitialized element")
        || expected == "undefined element" && trap.code() == petrel::TrapCode::TableOutOfBounds
        || expected == "unreachable" && trap.code() == petrel::TrapCode::Unreachable
        || expected == "null function reference" && trap.code() == petrel::TrapCode::NullReference;
    if matches {
        Ok(())
    } else {
        Err(format!("expected trap `{expected}`, got `{actual}`"))
    }
}

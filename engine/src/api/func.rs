//! Functions: [`Func`] handles (Wasm or host), calling them with boxed
//! values ([`Func::call`]) or typed ones ([`TypedFunc`]), and making host
//! functions from Rust closures ([`Func::wrap`], [`Func::new`]).

use super::backend;
use super::externals::check_val;
use super::resumable::ResumableCall;
use super::store::{AsContext, AsContextMut, Caller};
use super::types::{FuncType, ValType};
use super::values::{vals_from_slots, ExternRef, Stored, Val, ValRaw};
use crate::error::{Error, Result};
use crate::runtime::{with_slots, FuncEntity, HostContext, HostFn, StoreId, StoreInner};
use crate::types::{self as internal, TypeId};

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::marker::PhantomData;

/// A function: exported by an instance or defined by the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Func(pub(crate) Stored);

impl Func {
    /// A host function of type `ty` that receives and returns boxed values.
    pub fn new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Func {
        let inner = store.as_context_mut().inner;
        assert!(
            Arc::ptr_eq(&ty.engine, &inner.engine),
            "a function type of another engine was used"
        );
        let host = host_fn_from_untyped::<T>(ty.ty.clone(), func);
        Func::from_host(inner, ty.id, ty.ty, host)
    }

    /// A host function of type `ty` that reads its arguments and writes
    /// its results as raw slots ([`ValRaw`]), with nothing checked or
    /// converted: the fastest dynamic form. `func` gets one slice: the
    /// arguments on entry (one slot per value, two for a `v128`), and it
    /// writes the results over them from the start; the slice is as long
    /// as the longer of the two lists.
    ///
    /// # Safety
    ///
    /// `func` must write a result of the right type in every result
    /// slot, and every reference it writes must be null or belong to this
    /// store: compiled code relies on both (a typed function reference is
    /// called without a type check) and nothing checks them. Arguments may
    /// be read as the types `ty` gives them.
    pub unsafe fn new_unchecked<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &mut [ValRaw]) -> Result<()> + Send + Sync + 'static,
    ) -> Func {
        let inner = store.as_context_mut().inner;
        assert!(
            Arc::ptr_eq(&ty.engine, &inner.engine),
            "a function type of another engine was used"
        );
        let host: Arc<HostFn> = Arc::new(move |ctx: &mut HostContext<'_>, slots: &mut [u64]| {
            // SAFETY: as in `IntoFunc`: only stored in a `Store<T>`, whose
            // data the tiers pass.
            let caller = unsafe { Caller::<T>::from_context(ctx) };
            // SAFETY: `ValRaw` is `repr(transparent)` over `u64`, so the
            // slice reinterpreted has the same length, layout and
            // validity; the borrow of `slots` moves into it.
            let raw = unsafe {
                core::slice::from_raw_parts_mut(slots.as_mut_ptr().cast::<ValRaw>(), slots.len())
            };
            func(caller, raw)
        });
        Func::from_host(inner, ty.id, ty.ty, host)
    }

    /// A host function from a Rust closure whose parameters and result are
    /// WebAssembly-representable (`i32`, `i64`, `f32`, `f64`, ...),
    /// optionally taking a [`Caller`] first.
    pub fn wrap<T: 'static, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let inner = store.as_context_mut().inner;
        let host = func.into_func();
        let id = inner.engine.types.intern_func(&host.ty);
        Func::from_host(inner, id, host.ty, host.func)
    }

    /// A host function of type `sig`, whose engine-wide type id is `ty`.
    pub(crate) fn from_host(
        inner: &mut StoreInner,
        ty: TypeId,
        sig: internal::FuncType,
        func: Arc<HostFn>,
    ) -> Func {
        let slots = u32::try_from(sig.array_slots()).unwrap_or(u32::MAX);
        let index = inner.push_func(FuncEntity::Host {
            ty,
            slots,
            sig,
            func,
        });
        Func(Stored::new(inner.id, index))
    }

    /// The function's signature.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let inner = store.as_context().inner;
        let f = self.0.index_in(inner);
        FuncType {
            engine: inner.engine.clone(),
            id: inner.funcs[f as usize].type_id(),
            ty: inner.func_type(f).clone(),
        }
    }

    /// Calls the function with boxed arguments; results are written to
    /// `results`, whose length must match the signature.
    pub fn call(
        &self,
        mut store: impl AsContextMut,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let ctx = store.as_context_mut();
        let data = ctx.data as *mut _ as *mut ();
        let inner = ctx.inner;
        let index = self.0.index_in(inner);
        let ty = inner.func_type(index).clone();
        let raw_args = encode_vals(inner, "arguments", params, ty.params())?;
        check_count("results", results.len(), ty.results().len())?;
        let mut raw_results = alloc::vec![0u64; ty.result_slots()];
        backend::invoke(inner, data, index, &raw_args, &mut raw_results)?;
        decode_vals(inner, &raw_results, ty.results(), results);
        Ok(())
    }

    /// Calls the function like [`Func::call`], except that on the
    /// interpreter a call that runs out of fuel, or whose host function
    /// fails with a host error ([`Error::Host`]), is suspended instead of
    /// failed: the [`ResumableCall`] it returns can go on where it stopped,
    /// after the host added fuel or with the results the host function
    /// should have returned. The store is usable in between. The JIT runs
    /// guest code on the machine's stack and cannot suspend it: there a
    /// resumable call fails like [`Func::call`].
    pub fn call_resumable(
        &self,
        mut store: impl AsContextMut,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<ResumableCall> {
        let ctx = store.as_context_mut();
        let data = ctx.data as *mut _ as *mut ();
        let inner = ctx.inner;
        let index = self.0.index_in(inner);
        let ty = inner.func_type(index).clone();
        let raw_args = encode_vals(inner, "arguments", params, ty.params())?;
        check_count("results", results.len(), ty.results().len())?;
        let mut raw_results = alloc::vec![0u64; ty.result_slots()];
        let outcome = backend::invoke_resumable(inner, data, index, &raw_args, &mut raw_results)?;
        Ok(ResumableCall::new(
            inner,
            *self,
            outcome,
            &raw_results,
            results,
        ))
    }

    /// A typed view of the function, checked against `Params` and
    /// `Results` once here so calls need no checks or boxing.
    pub fn typed<Params: WasmParams, Results: WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<Params, Results>> {
        let ty = self.ty(store);
        let want_params = Params::types();
        let want_results = Results::types();
        if !ty.params().eq(want_params.iter().cloned())
            || !ty.results().eq(want_results.iter().cloned())
        {
            let asked = internal::FuncType::new(
                want_params.iter().map(ValType::to_internal),
                want_results.iter().map(ValType::to_internal),
            );
            return Err(Error::usage(alloc::format!(
                "type mismatch: function is {ty}, asked for {asked}"
            )));
        }
        Ok(TypedFunc {
            func: *self,
            _marker: PhantomData,
        })
    }
}

/// Fails unless `found` values were given where `expected` are.
fn check_count(what: &str, found: usize, expected: usize) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(Error::usage(alloc::format!(
            "expected {expected} {what}, got {found}"
        )))
    }
}

/// The raw slots of `vals`, checked against `types` (their number, their
/// types, and that references belong to the store).
pub(crate) fn encode_vals(
    inner: &StoreInner,
    what: &str,
    vals: &[Val],
    types: &[internal::ValType],
) -> Result<Vec<u64>> {
    check_count(what, vals.len(), types.len())?;
    let mut raw = Vec::new();
    for (val, &ty) in vals.iter().zip(types) {
        check_raw_val(inner, val, ty)?;
        let at = raw.len();
        raw.resize(at + ty.slots(), 0);
        val.write_slots(&mut raw[at..]);
    }
    Ok(raw)
}

/// Decodes values of `types` from `raw` into `out` (as long as `types`).
pub(crate) fn decode_vals(
    inner: &StoreInner,
    raw: &[u64],
    types: &[internal::ValType],
    out: &mut [Val],
) {
    let mut at = 0;
    for (out, &ty) in out.iter_mut().zip(types) {
        *out = Val::from_slots(&raw[at..], ty, inner.id, &inner.engine.types);
        at += ty.slots();
    }
}

/// A function whose signature was checked once, called without boxing.
pub struct TypedFunc<Params, Results> {
    func: Func,
    _marker: PhantomData<fn(Params) -> Results>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, R> Copy for TypedFunc<P, R> {}

impl<P, R> core::fmt::Debug for TypedFunc<P, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("TypedFunc").field(&self.func).finish()
    }
}

impl<Params: WasmParams, Results: WasmResults> TypedFunc<Params, Results> {
    /// The untyped function.
    pub fn func(&self) -> &Func {
        &self.func
    }

    /// Calls the function.
    pub fn call(&self, mut store: impl AsContextMut, params: Params) -> Result<Results> {
        let ctx = store.as_context_mut();
        let data = ctx.data as *mut _ as *mut ();
        let inner = ctx.inner;
        let index = self.func.0.index_in(inner);
        // One buffer: the arguments in, the results out, in place.
        with_slots(Params::SLOTS.max(Results::SLOTS), |values| {
            params.into_raw(&StoreInnerToken(inner), values)?;
            backend::invoke_in_place(inner, data, index, values, Params::SLOTS, Results::SLOTS)?;
            Ok(Results::from_raw(values, StoreIdToken(inner.id)))
        })
    }
}

/// A Rust type that is a WebAssembly value type.
pub trait WasmTy: Sized + Send + 'static {
    /// The WebAssembly type.
    fn ty() -> ValType;
    /// How many raw slots a value takes (two for `v128`).
    #[doc(hidden)]
    const SLOTS: usize = 1;
    /// Writes the value's `SLOTS` raw slots at the start of `out`.
    #[doc(hidden)]
    fn to_raw(self, inner: &StoreInnerToken<'_>, out: &mut [u64]) -> Result<()>;
    /// Reads a value from the raw slots at the start of `raw`.
    #[doc(hidden)]
    fn from_raw(raw: &[u64], store: StoreIdToken) -> Self;
}

/// Opaque: lets [`WasmTy`] check store ownership without exposing the
/// store's internals.
#[doc(hidden)]
pub struct StoreInnerToken<'a>(pub(crate) &'a StoreInner);

/// Opaque: the store id results are decoded for.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct StoreIdToken(pub(crate) StoreId);

macro_rules! num_wasm_ty {
    ($($t:ty => $variant:ident, $to:expr, $from:expr;)*) => {$(
        impl WasmTy for $t {
            fn ty() -> ValType { ValType::$variant }
            fn to_raw(self, _: &StoreInnerToken<'_>, out: &mut [u64]) -> Result<()> {
                out[0] = ($to)(self);
                Ok(())
            }
            fn from_raw(raw: &[u64], _: StoreIdToken) -> Self { ($from)(raw[0]) }
        }
    )*};
}

num_wasm_ty! {
    i32 => I32, |v: i32| v as u32 as u64, |r: u64| r as u32 as i32;
    u32 => I32, |v: u32| v as u64, |r: u64| r as u32;
    i64 => I64, |v: i64| v as u64, |r: u64| r as i64;
    u64 => I64, |v: u64| v, |r: u64| r;
    f32 => F32, |v: f32| v.to_bits() as u64, |r: u64| f32::from_bits(r as u32);
    f64 => F64, |v: f64| v.to_bits(), f64::from_bits;
}

impl WasmTy for Option<Func> {
    fn ty() -> ValType {
        ValType::FUNCREF
    }
    fn to_raw(self, inner: &StoreInnerToken<'_>, out: &mut [u64]) -> Result<()> {
        let val = Val::FuncRef(self);
        check_val(inner.0, &val, &ValType::FUNCREF)?;
        out[0] = val.to_raw();
        Ok(())
    }
    fn from_raw(raw: &[u64], store: StoreIdToken) -> Self {
        (raw[0] != 0).then(|| Func(Stored::new(store.0, (raw[0] - 1) as u32)))
    }
}

impl WasmTy for Option<ExternRef> {
    fn ty() -> ValType {
        ValType::EXTERNREF
    }
    fn to_raw(self, inner: &StoreInnerToken<'_>, out: &mut [u64]) -> Result<()> {
        let val = Val::ExternRef(self);
        check_val(inner.0, &val, &ValType::EXTERNREF)?;
        out[0] = val.to_raw();
        Ok(())
    }
    fn from_raw(raw: &[u64], store: StoreIdToken) -> Self {
        (raw[0] != 0).then(|| ExternRef(Stored::new(store.0, (raw[0] - 1) as u32)))
    }
}

/// A `v128`, as its 128 bits (lane 0 in the least significant bits).
impl WasmTy for u128 {
    fn ty() -> ValType {
        ValType::V128
    }
    const SLOTS: usize = 2;
    fn to_raw(self, _: &StoreInnerToken<'_>, out: &mut [u64]) -> Result<()> {
        out[0] = self as u64;
        out[1] = (self >> 64) as u64;
        Ok(())
    }
    fn from_raw(raw: &[u64], _: StoreIdToken) -> Self {
        raw[0] as u128 | (raw[1] as u128) << 64
    }
}

/// The parameters of a [`TypedFunc`]: a [`WasmTy`] or a tuple of them.
pub trait WasmParams: Send {
    /// How many raw slots the parameters take.
    #[doc(hidden)]
    const SLOTS: usize;
    #[doc(hidden)]
    fn types() -> Vec<ValType>;
    #[doc(hidden)]
    fn into_raw(self, inner: &StoreInnerToken<'_>, out: &mut [u64]) -> Result<()>;
}

/// The results of a [`TypedFunc`]: a [`WasmTy`] or a tuple of them.
pub trait WasmResults: Sized {
    /// How many raw slots the results take.
    #[doc(hidden)]
    const SLOTS: usize;
    #[doc(hidden)]
    fn types() -> Vec<ValType>;
    #[doc(hidden)]
    fn from_raw(raw: &[u64], store: StoreIdToken) -> Self;
}

impl<A: WasmTy> WasmParams for A {
    const SLOTS: usize = A::SLOTS;
    fn types() -> Vec<ValType> {
        alloc::vec![A::ty()]
    }
    fn into_raw(self, inner: &StoreInnerToken<'_>, out: &mut [u64]) -> Result<()> {
        self.to_raw(inner, out)
    }
}

impl<A: WasmTy> WasmResults for A {
    const SLOTS: usize = A::SLOTS;
    fn types() -> Vec<ValType> {
        alloc::vec![A::ty()]
    }
    fn from_raw(raw: &[u64], store: StoreIdToken) -> Self {
        A::from_raw(raw, store)
    }
}

macro_rules! tuple_impls {
    ($($name:ident)*) => {
        #[allow(non_snake_case, unused_variables, unused_mut, unused_assignments)]
        impl<$($name: WasmTy,)*> WasmParams for ($($name,)*) {
            const SLOTS: usize = 0 $(+ $name::SLOTS)*;
            fn types() -> Vec<ValType> {
                alloc::vec![$($name::ty(),)*]
            }
            fn into_raw(self, inner: &StoreInnerToken<'_>, out: &mut [u64]) -> Result<()> {
                let ($($name,)*) = self;
                let mut i = 0;
                $( $name.to_raw(inner, &mut out[i..])?; i += $name::SLOTS; )*
                Ok(())
            }
        }

        #[allow(non_snake_case, unused_variables, unused_mut, unused_assignments, clippy::unused_unit)]
        impl<$($name: WasmTy,)*> WasmResults for ($($name,)*) {
            const SLOTS: usize = 0 $(+ $name::SLOTS)*;
            fn types() -> Vec<ValType> {
                alloc::vec![$($name::ty(),)*]
            }
            fn from_raw(raw: &[u64], store: StoreIdToken) -> Self {
                let mut i = 0;
                ($({ let v = $name::from_raw(&raw[i..], store); i += $name::SLOTS; v },)*)
            }
        }

        #[allow(non_snake_case, unused_variables, unused_mut, unused_assignments)]
        impl<T: 'static, F, R, $($name: WasmTy,)*> IntoFunc<T, ($($name,)*), R> for F
        where
            F: Fn($($name),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            fn into_func(self) -> HostFuncBox {
                let ty = internal::FuncType::new(
                    [$($name::ty().to_internal(),)*],
                    R::types().iter().map(ValType::to_internal),
                );
                let host = move |ctx: &mut HostContext<'_>, slots: &mut [u64]| -> Result<()> {
                    // SAFETY: every caller of a host function passes slots
                    // for the longer of its parameter and result lists
                    // (`HostCallable`), which is what this closure reads and
                    // writes: its type was made from the same lists.
                    unsafe { assume_slots::<R>(slots, 0 $(+ $name::SLOTS)*) };
                    let store = StoreIdToken(ctx.inner.id);
                    let mut i = 0;
                    $( let $name = $name::from_raw(&slots[i..], store); i += $name::SLOTS; )*
                    (self)($($name),*).into_raw(&StoreInnerToken(ctx.inner), slots)
                };
                HostFuncBox { ty, func: Arc::new(host) }
            }
        }

        #[allow(non_snake_case, unused_variables, unused_mut, unused_assignments)]
        impl<T: 'static, F, R, $($name: WasmTy,)*> IntoFunc<T, (Caller<'_, T>, $($name,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($name),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            fn into_func(self) -> HostFuncBox {
                let ty = internal::FuncType::new(
                    [$($name::ty().to_internal(),)*],
                    R::types().iter().map(ValType::to_internal),
                );
                let host = move |ctx: &mut HostContext<'_>, slots: &mut [u64]| -> Result<()> {
                    // SAFETY: every caller of a host function passes slots
                    // for the longer of its parameter and result lists
                    // (`HostCallable`), which is what this closure reads and
                    // writes: its type was made from the same lists.
                    unsafe { assume_slots::<R>(slots, 0 $(+ $name::SLOTS)*) };
                    let store = StoreIdToken(ctx.inner.id);
                    let mut i = 0;
                    $( let $name = $name::from_raw(&slots[i..], store); i += $name::SLOTS; )*
                    // SAFETY: this closure is only ever stored in a
                    // `Store<T>` (via `Func::wrap` or `Linker<T>`), and the
                    // tiers pass that store's data as `ctx.data`.
                    let caller = unsafe { Caller::<T>::from_context(ctx) };
                    let ret = (self)(caller, $($name),*);
                    ret.into_raw(&StoreInnerToken(ctx.inner), slots)
                };
                HostFuncBox { ty, func: Arc::new(host) }
            }
        }
    };
}

tuple_impls!();
tuple_impls!(A1);
tuple_impls!(A1 A2);
tuple_impls!(A1 A2 A3);
tuple_impls!(A1 A2 A3 A4);
tuple_impls!(A1 A2 A3 A4 A5);
tuple_impls!(A1 A2 A3 A4 A5 A6);
tuple_impls!(A1 A2 A3 A4 A5 A6 A7);
tuple_impls!(A1 A2 A3 A4 A5 A6 A7 A8);
tuple_impls!(A1 A2 A3 A4 A5 A6 A7 A8 A9);
tuple_impls!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10);

/// Tells the compiler that `slots` holds `params` slots and `R`'s
/// results, so that it drops the bounds checks of each argument and
/// result, and the panic path with them (which would keep compiled code's
/// entry into a small closure from being a leaf).
///
/// # Safety
///
/// `slots` is at least that long.
#[inline(always)]
unsafe fn assume_slots<R: WasmRet>(slots: &[u64], params: usize) {
    debug_assert!(slots.len() >= params.max(R::SLOTS));
    // SAFETY: the caller's promise.
    unsafe { core::hint::assert_unchecked(slots.len() >= params.max(R::SLOTS)) }
}

/// What a host closure may return: nothing, a [`WasmTy`], a tuple of
/// them, or a `Result` of those.
pub trait WasmRet {
    #[doc(hidden)]
    fn types() -> Vec<ValType>;
    /// How many raw slots the results take.
    #[doc(hidden)]
    const SLOTS: usize;
    /// Writes the results' raw slots at the start of `out`, checking that
    /// references belong to the store.
    #[doc(hidden)]
    fn into_raw(self, store: &StoreInnerToken<'_>, out: &mut [u64]) -> Result<()>;
}

impl<A: WasmTy> WasmRet for A {
    const SLOTS: usize = A::SLOTS;
    fn types() -> Vec<ValType> {
        alloc::vec![A::ty()]
    }
    fn into_raw(self, store: &StoreInnerToken<'_>, out: &mut [u64]) -> Result<()> {
        self.to_raw(store, out)
    }
}

impl<R: WasmRet> WasmRet for Result<R> {
    const SLOTS: usize = R::SLOTS;
    fn types() -> Vec<ValType> {
        R::types()
    }
    fn into_raw(self, store: &StoreInnerToken<'_>, out: &mut [u64]) -> Result<()> {
        self?.into_raw(store, out)
    }
}

macro_rules! ret_tuple {
    ($($name:ident)*) => {
        #[allow(non_snake_case, unused_variables, unused_mut, unused_assignments)]
        impl<$($name: WasmTy,)*> WasmRet for ($($name,)*) {
            const SLOTS: usize = 0 $(+ $name::SLOTS)*;
            fn types() -> Vec<ValType> {
                alloc::vec![$($name::ty(),)*]
            }
            fn into_raw(self, store: &StoreInnerToken<'_>, out: &mut [u64]) -> Result<()> {
                let ($($name,)*) = self;
                let mut i = 0;
                $( $name.to_raw(store, &mut out[i..])?; i += $name::SLOTS; )*
                Ok(())
            }
        }
    };
}

ret_tuple!();
ret_tuple!(A1 A2);
ret_tuple!(A1 A2 A3);
ret_tuple!(A1 A2 A3 A4);
ret_tuple!(A1 A2 A3 A4 A5);
ret_tuple!(A1 A2 A3 A4 A5 A6);

/// A Rust closure that can become a host function. Implemented for
/// `Fn(A1, ..., An) -> R` and `Fn(Caller<'_, T>, A1, ..., An) -> R`.
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_func(self) -> HostFuncBox;
}

/// Opaque: a type-erased host function and its signature.
#[doc(hidden)]
pub struct HostFuncBox {
    pub(crate) ty: internal::FuncType,
    pub(crate) func: Arc<HostFn>,
}

/// Wraps a closure over boxed values, of type `ty`, as a type-erased host
/// function.
pub(crate) fn host_fn_from_untyped<T: 'static>(
    ty: internal::FuncType,
    func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
) -> Arc<HostFn> {
    Arc::new(move |ctx: &mut HostContext<'_>, slots: &mut [u64]| {
        let (store, types) = (ctx.inner.id, &ctx.inner.engine.types);
        let params = vals_from_slots(ty.params(), slots, store, types);
        let mut results: Vec<Val> = ty
            .results()
            .iter()
            .map(|&t| Val::from_slots(&[0, 0], t, store, types))
            .collect();
        // SAFETY: as in `IntoFunc`: only stored in a `Store<T>`, whose data
        // the tiers pass.
        let caller = unsafe { Caller::<T>::from_context(ctx) };
        func(caller, &params, &mut results)?;
        let mut at = 0;
        for (r, &t) in results.iter().zip(ty.results()) {
            // The gate for host results: a guest relies on a typed
            // function reference being of its type.
            check_raw_val(ctx.inner, r, t).map_err(|_| {
                Error::usage(alloc::format!(
                    "host function returned a value that is not a {t}"
                ))
            })?;
            at += r.write_slots(&mut slots[at..]);
        }
        Ok(())
    })
}

/// [`check_val`] for a type as the engine writes it.
pub(crate) fn check_raw_val(inner: &StoreInner, val: &Val, ty: internal::ValType) -> Result<()> {
    if !val.belongs_to(inner) {
        return Err(Error::usage("a reference from another store was used"));
    }
    if !val.matches(inner, ty) {
        return Err(Error::usage(alloc::format!(
            "type mismatch: expected {ty}, got {}",
            describe(val)
        )));
    }
    Ok(())
}

/// What a value is, for a type mismatch message.
pub(crate) fn describe(val: &Val) -> alloc::string::String {
    match val {
        Val::FuncRef(Some(_)) => "a function of another type".into(),
        v if v.is_null() => "null".into(),
        v => alloc::format!("{}", v.ty()),
    }
}

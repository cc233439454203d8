//! The public types of values and of what a module imports and exports,
//! shaped like wasmtime's. Each wraps the internal type of the same name
//! (`crate::types`), so the internal type system can grow with Wasm 3.0
//! while these keep their shape; the enums are `#[non_exhaustive]` for the
//! variants it will add.

use super::engine::Engine;
use crate::runtime::EngineShared;
use crate::types as internal;
use crate::types::{TypeId, TypeIndex};
use alloc::sync::Arc;
use core::fmt;
use core::hash::{Hash, Hasher};

/// The type of a WebAssembly value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
    /// 128-bit vector.
    V128,
    /// A reference.
    Ref(RefType),
}

impl ValType {
    /// `funcref`: a nullable reference to any function.
    pub const FUNCREF: ValType = ValType::Ref(RefType::FUNCREF);
    /// `externref`: a nullable reference to a host value.
    pub const EXTERNREF: ValType = ValType::Ref(RefType::EXTERNREF);
    /// `nullfuncref`: only the null function reference.
    pub const NULLFUNCREF: ValType = ValType::Ref(RefType::new(true, HeapType::NoFunc));
    /// `nullexternref`: only the null external reference.
    pub const NULLEXTERNREF: ValType = ValType::Ref(RefType::new(true, HeapType::NoExtern));
    /// `anyref`.
    pub const ANYREF: ValType = ValType::Ref(RefType::new(true, HeapType::Any));
    /// `eqref`.
    pub const EQREF: ValType = ValType::Ref(RefType::new(true, HeapType::Eq));
    /// `i31ref`.
    pub const I31REF: ValType = ValType::Ref(RefType::new(true, HeapType::I31));
    /// `structref`.
    pub const STRUCTREF: ValType = ValType::Ref(RefType::new(true, HeapType::Struct));
    /// `arrayref`.
    pub const ARRAYREF: ValType = ValType::Ref(RefType::new(true, HeapType::Array));
    /// `nullref`: only the null reference of the `any` hierarchy.
    pub const NULLREF: ValType = ValType::Ref(RefType::new(true, HeapType::None));
    /// `exnref`.
    pub const EXNREF: ValType = ValType::Ref(RefType::new(true, HeapType::Exn));
    /// `nullexnref`.
    pub const NULLEXNREF: ValType = ValType::Ref(RefType::new(true, HeapType::NoExn));

    /// Whether this is a reference type.
    pub fn is_ref(&self) -> bool {
        matches!(self, ValType::Ref(_))
    }

    /// The reference type, if this is one.
    pub fn as_ref(&self) -> Option<&RefType> {
        match self {
            ValType::Ref(r) => Some(r),
            _ => None,
        }
    }

    /// Whether this is `funcref`.
    pub fn is_funcref(&self) -> bool {
        *self == ValType::FUNCREF
    }

    /// Whether this is `externref`.
    pub fn is_externref(&self) -> bool {
        *self == ValType::EXTERNREF
    }

    /// Whether a value of type `self` may be used where `other` is wanted
    /// (subtyping: `(ref $t)` matches `funcref`, `nullfuncref` matches
    /// every nullable function type, and so on).
    pub fn matches(&self, other: &ValType) -> bool {
        match (self, other) {
            (ValType::Ref(a), ValType::Ref(b)) => a.matches(b),
            _ => self == other,
        }
    }

    pub(crate) fn to_internal(&self) -> internal::ValType {
        match self {
            ValType::I32 => internal::ValType::I32,
            ValType::I64 => internal::ValType::I64,
            ValType::F32 => internal::ValType::F32,
            ValType::F64 => internal::ValType::F64,
            ValType::V128 => internal::ValType::V128,
            ValType::Ref(r) => internal::ValType::Ref(r.to_internal()),
        }
    }

    /// The public form of `ty`, whose concrete types are `engine`'s.
    pub(crate) fn from_internal(ty: internal::ValType, engine: &Arc<EngineShared>) -> Self {
        match ty {
            internal::ValType::I32 => ValType::I32,
            internal::ValType::I64 => ValType::I64,
            internal::ValType::F32 => ValType::F32,
            internal::ValType::F64 => ValType::F64,
            internal::ValType::V128 => ValType::V128,
            internal::ValType::Ref(r) => ValType::Ref(RefType::from_internal(r, engine)),
        }
    }

    /// The engine of the concrete type in it, if there is one.
    pub(crate) fn engine(&self) -> Option<&Arc<EngineShared>> {
        self.as_ref().and_then(RefType::engine)
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_internal().fmt(f)
    }
}

/// A reference type: a heap type, and whether null is a value of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RefType {
    nullable: bool,
    heap: HeapType,
}

impl RefType {
    /// `funcref`.
    pub const FUNCREF: RefType = RefType::new(true, HeapType::Func);
    /// `externref`.
    pub const EXTERNREF: RefType = RefType::new(true, HeapType::Extern);

    /// A reference type.
    pub const fn new(nullable: bool, heap: HeapType) -> Self {
        RefType { nullable, heap }
    }

    /// Whether null is a value of the type.
    pub fn is_nullable(&self) -> bool {
        self.nullable
    }

    /// What the references point at.
    pub fn heap_type(&self) -> &HeapType {
        &self.heap
    }

    /// Whether a reference of type `self` may be used where `other` is
    /// wanted.
    pub fn matches(&self, other: &RefType) -> bool {
        (other.nullable || !self.nullable) && self.heap.matches(&other.heap)
    }

    pub(crate) fn to_internal(&self) -> internal::RefType {
        internal::RefType {
            nullable: self.nullable,
            heap: self.heap.to_internal(),
        }
    }

    pub(crate) fn from_internal(r: internal::RefType, engine: &Arc<EngineShared>) -> Self {
        RefType {
            nullable: r.nullable,
            heap: HeapType::from_internal(r.heap, engine),
        }
    }

    fn engine(&self) -> Option<&Arc<EngineShared>> {
        match &self.heap {
            HeapType::ConcreteFunc(f) => Some(&f.engine),
            _ => None,
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_internal().fmt(f)
    }
}

/// What a reference points at: an abstract heap type, or a concrete
/// function type. The `any` hierarchy (`any`, `eq`, `i31`, `struct`,
/// `array`, `none`) is part of Wasm 3.0's type system; without GC
/// instructions (not in Petrel yet) its references can only be null.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeapType {
    /// Any function.
    Func,
    /// Functions of this type (and its declared subtypes).
    ConcreteFunc(FuncType),
    /// No function: the type of the null function reference.
    NoFunc,
    /// Any host value.
    Extern,
    /// No host value.
    NoExtern,
    /// The top of the GC hierarchy.
    Any,
    /// References that can be compared.
    Eq,
    /// 31-bit integers.
    I31,
    /// Any struct.
    Struct,
    /// Any array.
    Array,
    /// The bottom of the GC hierarchy.
    None,
    /// Any exception.
    Exn,
    /// No exception.
    NoExn,
}

impl HeapType {
    /// Whether `self` is a subtype of `other`.
    pub fn matches(&self, other: &HeapType) -> bool {
        match (self, other) {
            (HeapType::ConcreteFunc(a), HeapType::ConcreteFunc(b)) => a.matches(b),
            (HeapType::ConcreteFunc(f), _) | (_, HeapType::ConcreteFunc(f)) => f
                .engine
                .types
                .heap_matches(self.to_internal(), other.to_internal()),
            _ => internal::heap_matches_funcs(self.to_internal(), other.to_internal()),
        }
    }

    pub(crate) fn to_internal(&self) -> internal::HeapType {
        use internal::HeapType as H;
        match self {
            HeapType::Func => H::Func,
            HeapType::ConcreteFunc(f) => H::Concrete(TypeIndex::Engine(f.id)),
            HeapType::NoFunc => H::NoFunc,
            HeapType::Extern => H::Extern,
            HeapType::NoExtern => H::NoExtern,
            HeapType::Any => H::Any,
            HeapType::Eq => H::Eq,
            HeapType::I31 => H::I31,
            HeapType::Struct => H::Struct,
            HeapType::Array => H::Array,
            HeapType::None => H::None,
            HeapType::Exn => H::Exn,
            HeapType::NoExn => H::NoExn,
        }
    }

    pub(crate) fn from_internal(h: internal::HeapType, engine: &Arc<EngineShared>) -> Self {
        use internal::HeapType as H;
        match h {
            H::Func => HeapType::Func,
            H::NoFunc => HeapType::NoFunc,
            H::Extern => HeapType::Extern,
            H::NoExtern => HeapType::NoExtern,
            H::Any => HeapType::Any,
            H::Eq => HeapType::Eq,
            H::I31 => HeapType::I31,
            H::Struct => HeapType::Struct,
            H::Array => HeapType::Array,
            H::None => HeapType::None,
            H::Exn => HeapType::Exn,
            H::NoExn => HeapType::NoExn,
            // Struct and array types are shown as the abstract type of
            // their kind: the API has no struct or array types yet, and
            // their references can only be null.
            H::Concrete(TypeIndex::Engine(id)) => match engine.types.get(id).composite {
                internal::CompositeType::Func(ty) => HeapType::ConcreteFunc(FuncType {
                    engine: engine.clone(),
                    id,
                    ty,
                }),
                internal::CompositeType::Struct(_) => HeapType::Struct,
                internal::CompositeType::Array(_) => HeapType::Array,
            },
            H::Concrete(other) => unreachable!("unregistered type {other} at the API"),
        }
    }
}

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_internal().fmt(f)
    }
}

/// The signature of a function, registered with an engine (so a
/// concrete reference type can name it, and calls and imports compare it
/// by its id). Clones share one allocation.
#[derive(Clone)]
pub struct FuncType {
    pub(crate) engine: Arc<EngineShared>,
    pub(crate) id: TypeId,
    /// The signature, concrete types in it as `engine`'s ids.
    pub(crate) ty: internal::FuncType,
}

impl FuncType {
    /// A signature from its parameter and result types, registered with
    /// `engine` as a final type of its own.
    ///
    /// # Panics
    /// If a concrete type among them belongs to another engine.
    pub fn new(
        engine: &Engine,
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        let shared = &engine.inner;
        let mut check = |t: ValType| {
            if let Some(other) = t.engine() {
                assert!(
                    Arc::ptr_eq(other, shared),
                    "a concrete type of another engine was used in a function type"
                );
            }
            t.to_internal()
        };
        let params: alloc::vec::Vec<_> = params.into_iter().map(&mut check).collect();
        let results: alloc::vec::Vec<_> = results.into_iter().map(&mut check).collect();
        Self::of_internal(shared, internal::FuncType::new(params, results))
    }

    /// `ty` (concrete types in it as `engine`'s ids), registered with
    /// `engine` as a final type of its own.
    pub(crate) fn of_internal(engine: &Arc<EngineShared>, ty: internal::FuncType) -> Self {
        let id = engine.types.intern_func(&ty);
        FuncType {
            engine: engine.clone(),
            id,
            ty,
        }
    }

    /// The parameter types.
    pub fn params(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.ty
            .params()
            .iter()
            .map(|t| ValType::from_internal(*t, &self.engine))
    }

    /// The result types.
    pub fn results(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.ty
            .results()
            .iter()
            .map(|t| ValType::from_internal(*t, &self.engine))
    }

    /// Whether a function of type `self` may be used where `other` is
    /// wanted: the same type, or one that declares it as a supertype.
    pub fn matches(&self, other: &FuncType) -> bool {
        Arc::ptr_eq(&self.engine, &other.engine) && self.engine.types.is_subtype(self.id, other.id)
    }
}

/// Two function types are equal when they are the same type of the same
/// engine (for types without `rec` or `sub`, when their parameters and
/// results are).
impl PartialEq for FuncType {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.engine, &other.engine) && self.id == other.id
    }
}

impl Eq for FuncType {}

impl Hash for FuncType {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl fmt::Debug for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.ty, f)
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.ty, f)
    }
}

/// The type of a linear memory; sizes are in pages, of 64 KiB unless the
/// module declared another size (custom page sizes:
/// [`page_size`](Self::page_size)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemoryType(pub(crate) internal::MemoryType);

impl MemoryType {
    /// A 32-bit, unshared memory type with 64 KiB pages.
    pub fn new(min: u32, max: Option<u32>) -> Self {
        MemoryType(internal::MemoryType {
            limits: internal::Limits {
                min: min.into(),
                max: max.map(Into::into),
            },
            memory64: false,
            shared: false,
            page_size_log2: internal::DEFAULT_PAGE_SIZE_LOG2,
        })
    }

    /// A 32-bit shared memory type (the threads proposal) with 64 KiB
    /// pages: a shared memory must have a maximum.
    pub fn shared(min: u32, max: u32) -> Self {
        let mut ty = Self::new(min, Some(max));
        ty.0.shared = true;
        ty
    }

    /// A 64-bit (memory64), unshared memory type with 64 KiB pages: its
    /// addresses, `memory.size` and `memory.grow` are `i64`s. Sizes may
    /// reach 2^48 pages; the engine's limit
    /// ([`Config::max_memory_pages`](crate::Config::max_memory_pages))
    /// still bounds what it can grow to.
    pub fn new64(min: u64, max: Option<u64>) -> Self {
        MemoryType(internal::MemoryType {
            limits: internal::Limits { min, max },
            memory64: true,
            shared: false,
            page_size_log2: internal::DEFAULT_PAGE_SIZE_LOG2,
        })
    }

    /// The size of its pages in bytes: 65,536, or 1 for a memory declared
    /// with `(pagesize 1)` (the custom-page-sizes proposal).
    pub fn page_size(&self) -> u64 {
        self.0.page_size()
    }

    /// The log2 of [`page_size`](Self::page_size): 16 or 0.
    pub fn page_size_log2(&self) -> u8 {
        self.0.page_size_log2
    }

    /// The initial size in pages (for a live memory: its current size).
    pub fn minimum(&self) -> u64 {
        self.0.limits.min
    }

    /// The size it may grow to, if bounded.
    pub fn maximum(&self) -> Option<u64> {
        self.0.limits.max
    }

    /// Whether addresses are 64-bit (memory64).
    pub fn is_64(&self) -> bool {
        self.0.memory64
    }

    /// Whether the memory is shared between threads.
    pub fn is_shared(&self) -> bool {
        self.0.shared
    }

    /// The same type with the maximum `max` (in pages): lower than the
    /// declared one, a memory of it still satisfies an import of the
    /// declared type (a host that caps what a guest's memory may grow
    /// to).
    pub fn with_maximum(mut self, max: u64) -> Self {
        self.0.limits.max = Some(max);
        self
    }
}

impl fmt::Display for MemoryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The type of a table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableType {
    element: RefType,
    pub(crate) ty: internal::TableType,
}

impl TableType {
    /// A table of `element` references.
    pub fn new(element: RefType, min: u32, max: Option<u32>) -> Self {
        TableType {
            ty: internal::TableType {
                element: element.to_internal(),
                limits: internal::Limits {
                    min: min.into(),
                    max: max.map(Into::into),
                },
                table64: false,
            },
            element,
        }
    }

    /// A table64 of `element` references: its indices, `table.size` and
    /// `table.grow` are `i64`s.
    pub fn new64(element: RefType, min: u64, max: Option<u64>) -> Self {
        TableType {
            ty: internal::TableType {
                element: element.to_internal(),
                limits: internal::Limits { min, max },
                table64: true,
            },
            element,
        }
    }

    /// Whether indices are 64-bit (table64, part of memory64).
    pub fn is_64(&self) -> bool {
        self.ty.table64
    }

    pub(crate) fn from_internal(ty: internal::TableType, engine: &Arc<EngineShared>) -> Self {
        TableType {
            element: RefType::from_internal(ty.element, engine),
            ty,
        }
    }

    /// The element type.
    pub fn element(&self) -> &RefType {
        &self.element
    }

    /// The initial size in elements (for a live table: its current size).
    pub fn minimum(&self) -> u64 {
        self.ty.limits.min
    }

    /// The size it may grow to, if bounded.
    pub fn maximum(&self) -> Option<u64> {
        self.ty.limits.max
    }
}

impl fmt::Display for TableType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ty.fmt(f)
    }
}

/// Whether a global can be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Immutable.
    Const,
    /// Mutable.
    Var,
}

/// The type of a global.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GlobalType {
    content: ValType,
    pub(crate) ty: internal::GlobalType,
}

impl GlobalType {
    /// A global type.
    pub fn new(content: ValType, mutability: Mutability) -> Self {
        GlobalType {
            ty: internal::GlobalType {
                content: content.to_internal(),
                mutability: match mutability {
                    Mutability::Const => internal::Mutability::Const,
                    Mutability::Var => internal::Mutability::Var,
                },
            },
            content,
        }
    }

    pub(crate) fn from_internal(ty: internal::GlobalType, engine: &Arc<EngineShared>) -> Self {
        GlobalType {
            content: ValType::from_internal(ty.content, engine),
            ty,
        }
    }

    /// The value type.
    pub fn content(&self) -> &ValType {
        &self.content
    }

    /// Whether it can be written.
    pub fn mutability(&self) -> Mutability {
        match self.ty.mutability {
            internal::Mutability::Const => Mutability::Const,
            internal::Mutability::Var => Mutability::Var,
        }
    }
}

impl fmt::Display for GlobalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ty.fmt(f)
    }
}

/// The type of an import or export.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A table.
    Table(TableType),
    /// A linear memory.
    Memory(MemoryType),
    /// A global.
    Global(GlobalType),
    /// An exception tag.
    Tag(TagType),
}

impl ExternType {
    /// The function type, if this is a function.
    pub fn func(&self) -> Option<&FuncType> {
        match self {
            ExternType::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The memory type, if this is a memory.
    pub fn memory(&self) -> Option<&MemoryType> {
        match self {
            ExternType::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// The table type, if this is a table.
    pub fn table(&self) -> Option<&TableType> {
        match self {
            ExternType::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The global type, if this is a global.
    pub fn global(&self) -> Option<&GlobalType> {
        match self {
            ExternType::Global(g) => Some(g),
            _ => None,
        }
    }

    pub(crate) fn from_internal(ty: internal::ExternType, engine: &Arc<EngineShared>) -> Self {
        match ty {
            internal::ExternType::Func(id, ty) => ExternType::Func(FuncType {
                engine: engine.clone(),
                id,
                ty,
            }),
            internal::ExternType::Table(t) => {
                ExternType::Table(TableType::from_internal(t, engine))
            }
            internal::ExternType::Memory(m) => ExternType::Memory(MemoryType(m)),
            internal::ExternType::Global(g) => {
                ExternType::Global(GlobalType::from_internal(g, engine))
            }
            internal::ExternType::Tag(id, ty) => ExternType::Tag(TagType(FuncType {
                engine: engine.clone(),
                id,
                ty,
            })),
        }
    }
}

impl fmt::Display for ExternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExternType::Func(t) => t.fmt(f),
            ExternType::Table(t) => t.fmt(f),
            ExternType::Memory(t) => t.fmt(f),
            ExternType::Global(t) => t.fmt(f),
            ExternType::Tag(t) => write!(f, "(tag {})", t.0),
        }
    }
}

/// The type of an exception tag: a function type without results, whose
/// parameters are the payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TagType(pub(crate) FuncType);

impl TagType {
    /// A tag type from a function type.
    pub fn new(ty: FuncType) -> Self {
        TagType(ty)
    }

    /// The function type: its parameters are the payload.
    pub fn ty(&self) -> &FuncType {
        &self.0
    }
}

/// One import of a module.
#[derive(Debug, Clone)]
pub struct ImportType<'m> {
    pub(crate) module: &'m str,
    pub(crate) name: &'m str,
    pub(crate) ty: ExternType,
}

impl<'m> ImportType<'m> {
    /// The module name the import is looked up in.
    pub fn module(&self) -> &'m str {
        self.module
    }

    /// The field name within that module.
    pub fn name(&self) -> &'m str {
        self.name
    }

    /// What is expected.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}

/// One export of a module.
#[derive(Debug, Clone)]
pub struct ExportType<'m> {
    pub(crate) name: &'m str,
    pub(crate) ty: ExternType,
}

impl<'m> ExportType<'m> {
    /// The export's name.
    pub fn name(&self) -> &'m str {
        self.name
    }

    /// What is exported.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}

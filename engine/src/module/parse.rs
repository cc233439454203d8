//! One pass over the binary: every payload goes through `wasmparser`'s
//! validator and, once accepted, into [`ModuleInfo`]. Function bodies are
//! validated here too, in full, so a module that compiles is valid.

use super::body::validate_body;
use super::{
    ConstExpr, ConstOp, DataSegment, ElemSegment, EntityIndex, FuncBody, FuncNames, Import,
    ModuleInfo, SegmentMode,
};
use crate::config::Config;
use crate::error::CompileError;
use crate::types::{
    CompositeType, FieldType, FuncType, GlobalType, Limits, MemoryType, Mutability, RefType,
    StorageType, SubType, TableType, TypeIndex, ValType, DEFAULT_PAGE_SIZE_LOG2,
};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use wasmparser::{
    ExternalKind, FuncValidatorAllocations, Parser, Payload, TypeRef, ValidPayload, Validator,
    WasmFeatures,
};

/// The proposals an engine with `config` accepts: Wasm 2.0 (fixed-width
/// SIMD included) plus the Wasm 3.0 proposals every tier implements, each
/// unless its `Config` switch is off (multi-memory, extended constant
/// expressions, tail calls, typed function references, exceptions,
/// relaxed SIMD, memory64), and the later proposals whose switch is on (wide
/// arithmetic, custom page sizes). Exactly these: a broader set lets in encodings
/// that no tier implements.
///
/// Typed function references come with `wasmparser`'s GC feature, which
/// Wasm 3.0 folds them into: recursion groups, subtype declarations, the
/// `any`/`eq`/`i31`/`struct`/`array`/`none` heap types, `global.get` of an
/// earlier global in constant expressions, struct and array types. What
/// of GC needs a collector (the instructions that make or inspect such
/// references) is refused by `body::validate_body`; without them a
/// reference of the `any` hierarchy can only be null.
pub(crate) fn features(config: &Config) -> WasmFeatures {
    let mut f = WasmFeatures::WASM2;
    for (on, feature) in [
        (config.multi_memory, WasmFeatures::MULTI_MEMORY),
        (config.extended_const, WasmFeatures::EXTENDED_CONST),
        (config.tail_call, WasmFeatures::TAIL_CALL),
        (
            config.function_references,
            WasmFeatures::FUNCTION_REFERENCES.union(WasmFeatures::GC),
        ),
        (config.exceptions, WasmFeatures::EXCEPTIONS),
        (config.wide_arithmetic, WasmFeatures::WIDE_ARITHMETIC),
        (config.custom_page_sizes, WasmFeatures::CUSTOM_PAGE_SIZES),
        (config.relaxed_simd, WasmFeatures::RELAXED_SIMD),
        (config.threads, WasmFeatures::THREADS),
        (config.memory64, WasmFeatures::MEMORY64),
    ] {
        if on {
            f |= feature;
        }
    }
    if !config.reference_types {
        f.remove(
            WasmFeatures::REFERENCE_TYPES
                | WasmFeatures::FUNCTION_REFERENCES
                | WasmFeatures::GC
                | WasmFeatures::EXCEPTIONS,
        );
    }
    f
}

fn unsupported(what: &str, offset: u64) -> CompileError {
    CompileError::new(
        alloc::format!("{what} is not supported yet"),
        Some(offset as usize),
    )
}

/// A defined type, concrete types by module index. Shared and
/// continuation types are refused.
fn sub_type(sub: &wasmparser::SubType, offset: u64) -> Result<SubType, CompileError> {
    let composite = &sub.composite_type;
    if composite.shared || composite.descriptor_idx.is_some() || composite.describes_idx.is_some() {
        return Err(unsupported("shared or described types", offset));
    }
    let composite = match &composite.inner {
        wasmparser::CompositeInnerType::Func(f) => {
            let params = f
                .params()
                .iter()
                .map(|t| val_type(*t, offset))
                .collect::<Result<Vec<_>, _>>()?;
            let results = f
                .results()
                .iter()
                .map(|t| val_type(*t, offset))
                .collect::<Result<Vec<_>, _>>()?;
            CompositeType::Func(FuncType::new(params, results))
        }
        wasmparser::CompositeInnerType::Struct(s) => CompositeType::Struct(
            s.fields
                .iter()
                .map(|f| field_type(f, offset))
                .collect::<Result<_, _>>()?,
        ),
        wasmparser::CompositeInnerType::Array(a) => CompositeType::Array(field_type(&a.0, offset)?),
        wasmparser::CompositeInnerType::Cont(_) => {
            return Err(unsupported("continuation types", offset))
        }
    };
    // The validator allows at most one.
    let supertype = match sub.supertype_idxs.first() {
        Some(index) => {
            Some(TypeIndex::Module(index.as_module_index().ok_or_else(
                || unsupported("this supertype index", offset),
            )?))
        }
        None => None,
    };
    Ok(SubType {
        is_final: sub.is_final,
        supertype,
        composite,
    })
}

fn field_type(f: &wasmparser::FieldType, offset: u64) -> Result<FieldType, CompileError> {
    Ok(FieldType {
        storage: match f.element_type {
            wasmparser::StorageType::I8 => StorageType::I8,
            wasmparser::StorageType::I16 => StorageType::I16,
            wasmparser::StorageType::Val(t) => StorageType::Val(val_type(t, offset)?),
        },
        mutable: f.mutable,
    })
}

fn val_type(ty: wasmparser::ValType, offset: u64) -> Result<ValType, CompileError> {
    ValType::from_wasmparser(ty).ok_or_else(|| unsupported("this reference type", offset))
}

fn table_type(ty: &wasmparser::TableType, offset: u64) -> Result<TableType, CompileError> {
    let element = RefType::from_wasmparser(ty.element_type)
        .ok_or_else(|| unsupported("this table element type", offset))?;
    if ty.shared {
        return Err(unsupported("shared tables", offset));
    }
    Ok(TableType {
        element,
        limits: Limits {
            min: ty.initial,
            max: ty.maximum,
        },
        table64: ty.table64,
    })
}

fn memory_type(ty: &wasmparser::MemoryType, offset: u64) -> Result<MemoryType, CompileError> {
    // A shared memory is reserved to its maximum up front, which a 64-bit
    // one's (up to 2^48 pages) cannot be.
    if ty.shared && ty.memory64 {
        return Err(unsupported("shared 64-bit memories", offset));
    }
    // The validator accepted the page size (custom page sizes on, and 1
    // byte or 64 KiB); anything else is refused here all the same.
    let page_size_log2 = match ty.page_size_log2 {
        None => DEFAULT_PAGE_SIZE_LOG2,
        Some(0) => 0,
        Some(16) => 16,
        Some(_) => return Err(unsupported("this custom page size", offset)),
    };
    Ok(MemoryType {
        limits: Limits {
            min: ty.initial,
            max: ty.maximum,
        },
        memory64: ty.memory64,
        shared: ty.shared,
        page_size_log2,
    })
}

fn global_type(ty: &wasmparser::GlobalType, offset: u64) -> Result<GlobalType, CompileError> {
    Ok(GlobalType {
        content: val_type(ty.content_type, offset)?,
        mutability: if ty.mutable {
            Mutability::Var
        } else {
            Mutability::Const
        },
    })
}

/// Decodes and validates `bytes` (the binary format) with `features`.
pub(crate) fn parse_and_validate(
    bytes: &[u8],
    features: WasmFeatures,
) -> Result<ModuleInfo, CompileError> {
    parse(bytes, features, true)
}

#[cfg(feature = "jit")]
/// Decodes `bytes`, a module validated before (an artifact's, whose code
/// was compiled from it): the sections are still checked, which is cheap,
/// but the function bodies, most of the work, are not.
pub(crate) fn parse_validated(
    bytes: &[u8],
    features: WasmFeatures,
) -> Result<ModuleInfo, CompileError> {
    parse(bytes, features, false)
}

fn parse(
    bytes: &[u8],
    features: WasmFeatures,
    check_bodies: bool,
) -> Result<ModuleInfo, CompileError> {
    let mut validator = Validator::new_with_features(features);
    let mut info = ModuleInfo::default();
    let mut allocs = FuncValidatorAllocations::default();
    let mut next_body_func = 0u32;

    // The parser must know the features too: it decodes some encodings
    // (compact imports, from a post-2.0 proposal) that the validator never
    // sees.
    let mut parser = Parser::new(0);
    parser.set_features(features);
    for payload in parser.parse_all(bytes) {
        let payload = payload?;
        match validator.payload(&payload)? {
            ValidPayload::Ok | ValidPayload::End(_) => {}
            ValidPayload::Parser(_) => {
                return Err(CompileError::new("nested modules are not supported", None))
            }
            ValidPayload::Func(_, _) if !check_bodies => {}
            ValidPayload::Func(func, body) => {
                let func_index = next_body_func;
                next_body_func += 1;
                let mut v = func.into_validator(core::mem::take(&mut allocs));
                // Function indices count imports first, as everywhere else.
                validate_body(&mut v, &body, &info.memories)
                    .map_err(|e| e.in_func(info.num_imported_funcs + func_index))?;
                allocs = v.into_allocations();
            }
        }
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader {
                    let group = group?;
                    let start = info.types.len() as u32;
                    for (offset, sub) in group.into_types_and_offsets() {
                        info.types.push(sub_type(&sub, offset)?);
                    }
                    info.rec_groups.push(start..info.types.len() as u32);
                }
            }
            Payload::ImportSection(reader) => {
                let range = reader.range();
                for import in reader.into_imports() {
                    let import = import?;
                    let offset = range.start;
                    let index = match import.ty {
                        TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                            info.funcs.push(ty);
                            info.num_imported_funcs += 1;
                            EntityIndex::Func(info.funcs.len() as u32 - 1)
                        }
                        TypeRef::Table(ty) => {
                            info.tables.push(table_type(&ty, offset)?);
                            info.num_imported_tables += 1;
                            EntityIndex::Table(info.tables.len() as u32 - 1)
                        }
                        TypeRef::Memory(ty) => {
                            info.memories.push(memory_type(&ty, offset)?);
                            info.num_imported_memories += 1;
                            EntityIndex::Memory(info.memories.len() as u32 - 1)
                        }
                        TypeRef::Global(ty) => {
                            info.globals.push(global_type(&ty, offset)?);
                            info.num_imported_globals += 1;
                            EntityIndex::Global(info.globals.len() as u32 - 1)
                        }
                        TypeRef::Tag(tag) => {
                            info.tags.push(tag.func_type_idx);
                            info.num_imported_tags += 1;
                            EntityIndex::Tag(info.tags.len() as u32 - 1)
                        }
                    };
                    info.imports.push(Import {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        index,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    info.funcs.push(ty?);
                }
            }
            Payload::TableSection(reader) => {
                let offset = reader.range().start;
                for table in reader {
                    let table = table?;
                    info.tables.push(table_type(&table.ty, offset)?);
                    info.table_inits.push(match table.init {
                        wasmparser::TableInit::RefNull => None,
                        wasmparser::TableInit::Expr(e) => Some(ConstExpr::decode(&e)?),
                    });
                }
            }
            Payload::MemorySection(reader) => {
                let range = reader.range();
                check_memory_limits_leb(
                    &bytes[range.start as usize..range.end as usize],
                    range.start as usize,
                )?;
                let offset = range.start;
                for memory in reader {
                    info.memories.push(memory_type(&memory?, offset)?);
                }
            }
            Payload::GlobalSection(reader) => {
                let offset = reader.range().start;
                for global in reader {
                    let global = global?;
                    info.globals.push(global_type(&global.ty, offset)?);
                    info.global_inits
                        .push(ConstExpr::decode(&global.init_expr)?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    let index = match export.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => {
                            EntityIndex::Func(export.index)
                        }
                        ExternalKind::Table => EntityIndex::Table(export.index),
                        ExternalKind::Memory => EntityIndex::Memory(export.index),
                        ExternalKind::Global => EntityIndex::Global(export.index),
                        ExternalKind::Tag => EntityIndex::Tag(export.index),
                    };
                    info.exports.insert(export.name.to_string(), index);
                    info.export_order.push(export.name.to_string());
                }
            }
            Payload::StartSection { func, .. } => info.start = Some(func),
            Payload::TagSection(reader) => {
                for tag in reader {
                    info.tags.push(tag?.func_type_idx);
                }
            }
            Payload::ElementSection(reader) => {
                for elem in reader {
                    let elem = elem?;
                    let mode = match elem.kind {
                        wasmparser::ElementKind::Passive => SegmentMode::Passive,
                        wasmparser::ElementKind::Declared => SegmentMode::Declared,
                        wasmparser::ElementKind::Active {
                            table_index,
                            offset_expr,
                        } => SegmentMode::Active {
                            index: table_index.unwrap_or(0),
                            offset: ConstExpr::decode(&offset_expr)?,
                        },
                    };
                    let items = match elem.items {
                        wasmparser::ElementItems::Functions(funcs) => funcs
                            .into_iter()
                            .map(|f| f.map(|f| ConstExpr::Single(ConstOp::RefFunc(f))))
                            .collect::<Result<Vec<_>, _>>()?,
                        wasmparser::ElementItems::Expressions(ty, exprs) => {
                            RefType::from_wasmparser(ty).ok_or_else(|| {
                                unsupported("this element type", elem.range.start)
                            })?;
                            exprs
                                .into_iter()
                                .map(|e| {
                                    e.map_err(CompileError::from)
                                        .and_then(|e| ConstExpr::decode(&e))
                                })
                                .collect::<Result<Vec<_>, _>>()?
                        }
                    };
                    info.elems.push(ElemSegment {
                        mode,
                        items: items.into_boxed_slice(),
                    });
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data?;
                    let mode = match data.kind {
                        wasmparser::DataKind::Passive => SegmentMode::Passive,
                        wasmparser::DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => SegmentMode::Active {
                            index: memory_index,
                            offset: ConstExpr::decode(&offset_expr)?,
                        },
                    };
                    // The contents are the last `data.len()` bytes of the
                    // segment's range.
                    let end = data.range.end as usize;
                    let start = end - data.data.len();
                    info.datas.push(DataSegment {
                        mode,
                        bytes: start..end,
                    });
                }
            }
            Payload::CodeSectionEntry(body) => {
                let range = body.range();
                info.bodies.push(FuncBody {
                    range: range.start as usize..range.end as usize,
                });
            }
            Payload::CustomSection(reader) => {
                let start = reader.data_offset() as usize;
                let section = start..start + reader.data().len();
                if let wasmparser::KnownCustom::Name(names) = reader.as_known() {
                    // A malformed name section is not an error (the spec
                    // says custom sections never invalidate a module).
                    read_names(names, section, &mut info);
                }
            }
            _ => {}
        }
    }
    info.table_images = super::table_image::build(&info);
    Ok(info)
}

/// Reads the module's name from its name section and notes where the
/// section is, for the function names (decoded when first needed:
/// `FuncNames`).
fn read_names(
    names: wasmparser::NameSectionReader<'_>,
    section: core::ops::Range<usize>,
    info: &mut ModuleInfo,
) {
    info.func_names = FuncNames::new(section);
    for name in names {
        match name {
            Ok(wasmparser::Name::Module { name, .. }) => {
                info.module_name = Some(String::from(name));
            }
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

/// `wasmparser` reads memory limits as 64-bit LEB128 whatever the index
/// type, but for 32-bit memories the binary format allows at most 5 bytes
/// (the spec's `binary-leb128` tests check this).
fn check_memory_limits_leb(section: &[u8], base: usize) -> Result<(), CompileError> {
    let mut pos = 0;
    let leb = |pos: &mut usize| -> Result<usize, CompileError> {
        let start = *pos;
        loop {
            let byte = *section
                .get(*pos)
                .ok_or_else(|| CompileError::new("unexpected end of section", Some(base + *pos)))?;
            *pos += 1;
            if byte & 0x80 == 0 {
                return Ok(*pos - start);
            }
        }
    };
    let too_long =
        |at: usize| CompileError::new("integer representation too long", Some(base + at));
    let count_len = leb(&mut pos)?;
    let count = section[..count_len]
        .iter()
        .rev()
        .fold(0u64, |acc, b| (acc << 7) | (b & 0x7f) as u64);
    for _ in 0..count {
        let flags = *section
            .get(pos)
            .ok_or_else(|| CompileError::new("unexpected end of section", Some(base + pos)))?;
        pos += 1;
        let is64 = flags & 0x04 != 0;
        let at = pos;
        if leb(&mut pos)? > 5 && !is64 {
            return Err(too_long(at));
        }
        if flags & 0x01 != 0 {
            let at = pos;
            if leb(&mut pos)? > 5 && !is64 {
                return Err(too_long(at));
            }
        }
        if flags & 0x08 != 0 {
            leb(&mut pos)?;
        }
    }
    Ok(())
}

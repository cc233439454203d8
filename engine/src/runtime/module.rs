//! A module as the runtime holds it: what decoding found (with its types
//! registered), the bytes that function bodies and data segments point
//! into, and the code its engine's tier made of it.

#[cfg(feature = "std")]
use super::memory::image::Images;
use crate::module::ModuleInfo;
use alloc::boxed::Box;
use core::any::{Any, TypeId};
use core::ops::Deref;

/// A module's binary: owned, or kept inside something that lives as long
/// as the module (the mapping of the artifact it was loaded from, so that
/// loading a large artifact copies none of it).
pub(crate) enum ModuleBytes {
    Owned(Box<[u8]>),
    Shared(Box<dyn AsRef<[u8]> + Send + Sync>),
}

impl Deref for ModuleBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            ModuleBytes::Owned(b) => b,
            ModuleBytes::Shared(s) => (**s).as_ref(),
        }
    }
}

impl From<Box<[u8]>> for ModuleBytes {
    fn from(b: Box<[u8]>) -> Self {
        ModuleBytes::Owned(b)
    }
}

/// Shared by every instance of a module, in every store and thread.
pub(crate) struct ModuleShared {
    pub info: ModuleInfo,
    pub bytes: ModuleBytes,
    /// The tier's code for this module (the interpreter's lazily
    /// translated functions, or the JIT's machine code), read only by that
    /// tier.
    code: Box<dyn Any + Send + Sync>,
    /// The type of `code`, taken from it when the module was made:
    /// comparing it is cheaper than asking `code` on every entry.
    code_type: TypeId,
    /// Copy-on-write images of its memories' initial contents, made on
    /// first use (or given by the artifact the module was loaded from).
    #[cfg(feature = "std")]
    pub images: std::sync::OnceLock<Images>,
    /// Under `Tier::Auto`, the JIT's code, made when the module is hot
    /// (`code` is then the interpreter's).
    pub upper: super::tier_up::UpperCode,
}

impl ModuleShared {
    /// A module of `info`, `bytes` and the tier's `code`.
    pub fn new(info: ModuleInfo, bytes: ModuleBytes, code: Box<dyn Any + Send + Sync>) -> Self {
        Self {
            info,
            bytes,
            code_type: (*code).type_id(),
            code,
            #[cfg(feature = "std")]
            images: std::sync::OnceLock::new(),
            upper: Default::default(),
        }
    }

    /// The module, with `images` as its memories' images.
    #[cfg(feature = "std")]
    pub fn with_images(self, images: Option<Images>) -> Self {
        if let Some(images) = images {
            let _ = self.images.set(images);
        }
        self
    }

    /// The images of its memories, made now if they were not yet.
    #[cfg(feature = "std")]
    pub fn images(&self) -> &Images {
        self.images
            .get_or_init(|| super::memory::image::build(&self.info, &self.bytes))
    }

    /// The tier's code, or under `Tier::Auto` the upper tier's once it is
    /// made, if it is a `T`.
    #[inline]
    pub fn code_or_upper<T: 'static>(&self) -> Option<&T> {
        self.code::<T>().or_else(|| self.upper.get::<T>())
    }

    /// The tier's code, if it is a `T`.
    #[inline]
    pub fn code<T: 'static>(&self) -> Option<&T> {
        if self.code_type != TypeId::of::<T>() {
            return None;
        }
        // SAFETY: `code_type` is the type of the value in `code`, read
        // from it when the module was made (`code` never changes), so that
        // value is a `T`.
        Some(unsafe { &*(&*self.code as *const (dyn Any + Send + Sync) as *const T) })
    }
}

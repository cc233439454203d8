//! The one lock engine-wide state uses: the standard library's mutex with
//! `std`, a spin lock on `no_std` targets (where there is no thread to
//! park). Poisoning is ignored: the data behind these locks stays
//! consistent whatever a panicking thread was doing (each critical section
//! is a lookup or a single insert).

#[cfg(feature = "std")]
#[derive(Debug, Default)]
pub(crate) struct Mutex<T>(std::sync::Mutex<T>);

#[cfg(feature = "std")]
impl<T> Mutex<T> {
    // For statics: only targets without 64-bit atomics have one.
    #[cfg_attr(target_has_atomic = "64", allow(dead_code))]
    pub const fn new(value: T) -> Self {
        Self(std::sync::Mutex::new(value))
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(not(feature = "std"))]
#[derive(Debug, Default)]
pub(crate) struct Mutex<T>(spin::Mutex<T>);

#[cfg(not(feature = "std"))]
impl<T> Mutex<T> {
    // For statics: only targets without 64-bit atomics have one.
    #[cfg_attr(target_has_atomic = "64", allow(dead_code))]
    pub const fn new(value: T) -> Self {
        Self(spin::Mutex::new(value))
    }

    pub fn lock(&self) -> spin::MutexGuard<'_, T> {
        self.0.lock()
    }
}

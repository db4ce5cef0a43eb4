//! Splitting one kernel call over threads: `for_each_mut` hands each part of a call to exactly
//! one thread and returns when all are done (a scoped fork-join, like rayon's `par_iter_mut`).
//!
//! - wasm built with `+atomics` (the threads build): the parts run on the calling thread and on
//!   the pool of wasm instances that share its memory (`imp` below; JS starts them with
//!   `init({ threads })` and each one parks in `thread_worker_loop`).
//! - other wasm builds: serially.
//! - host (cargo test): on `std::thread::scope` threads when a test asks for them
//!   (`with_host_threads`), so the splitting code is tested with real concurrency.
//!
//! A part is handed out through one 64-bit claim word (generation | parts | next): a thread that
//! wakes up late for a finished call can never claim a part of the next one, because the
//! generation it saw no longer matches. The caller keeps the closure and the parts alive until
//! every claimed part has reported done, so borrowing them from its stack is sound.
//!
//! This file and `exports/` are the only ones with `unsafe`.

/// Threads that parts may run on, the caller included (1 = no pool).
pub fn threads() -> usize {
    imp::threads()
}

/// Calls `f` on every item, items spread over the threads; returns when all calls have returned.
/// Calls nested inside a part, and calls while another thread is using the pool, run serially.
pub fn for_each_mut<T: Send>(items: &mut [T], f: &(dyn Fn(&mut T) + Sync)) {
    if items.len() <= 1 || threads() <= 1 {
        items.iter_mut().for_each(f);
        return;
    }
    imp::for_each_mut(items, f);
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use std::cell::Cell;
    thread_local! {
        static HOST_THREADS: Cell<usize> = const { Cell::new(1) };
    }
    pub fn threads() -> usize {
        HOST_THREADS.with(Cell::get)
    }
    pub fn for_each_mut<T: Send>(items: &mut [T], f: &(dyn Fn(&mut T) + Sync)) {
        // Nested calls inside a part see threads() == 1 (a new thread's default).
        std::thread::scope(|s| {
            for it in items.iter_mut() {
                s.spawn(move || f(it));
            }
        });
    }
    /// Runs `body` with kernels on this test thread splitting their work over `n` threads.
    #[cfg(test)]
    pub fn with_host_threads<R>(n: usize, body: impl FnOnce() -> R) -> R {
        let old = HOST_THREADS.with(|c| c.replace(n));
        let r = body();
        HOST_THREADS.with(|c| c.set(old));
        r
    }
}
#[cfg(test)]
pub use imp::with_host_threads;

/// The pool's controls, for exports/par.rs. Without a pool (wasm without atomics, host) they are
/// no-ops: one thread, nothing to wait for.
#[cfg(target_arch = "wasm32")]
pub use imp::{pool_size, set_limit, worker_loop, worker_parts};

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
mod imp {
    pub fn threads() -> usize {
        1
    }
    pub fn pool_size() -> usize {
        1
    }
    pub fn worker_parts() -> u32 {
        0
    }
    pub fn set_limit(_: u32) {}
    pub fn worker_loop() {}
    pub fn for_each_mut<T: Send>(items: &mut [T], f: &(dyn Fn(&mut T) + Sync)) {
        items.iter_mut().for_each(f);
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
mod imp {
    use core::arch::wasm32::{memory_atomic_notify, memory_atomic_wait32};
    use core::hint::spin_loop;
    use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::*};

    /// Bumped once per parallel call; sleeping workers wait on it.
    static GEN: AtomicU32 = AtomicU32::new(0);
    /// generation << 32 | parts << 16 | next part to hand out.
    static CLAIM: AtomicU64 = AtomicU64::new(0);
    /// Parts of the current call that have finished.
    static DONE: AtomicUsize = AtomicUsize::new(0);
    /// The current call's `&dyn Fn(usize)`, as its two words.
    static JOB: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
    static WORKERS: AtomicU32 = AtomicU32::new(0);
    /// Workers asleep in atomic.wait (notify is a call into the engine; skipped when none sleep).
    static SLEEPING: AtomicU32 = AtomicU32::new(0);
    static BUSY: AtomicBool = AtomicBool::new(false);
    /// Parts run by workers (not the caller), for tests to see that the pool takes part.
    static WORKER_PARTS: AtomicU32 = AtomicU32::new(0);
    /// Threads a call may use (set from JS: setNumThreads), when the pool has that many.
    static LIMIT: AtomicU32 = AtomicU32::new(u32::MAX);
    /// Spin iterations a worker waits for the next call before it sleeps: long enough (~0.4 ms
    /// here) to bridge the JS work between the matmuls of a training step (2^12 lost ~15% of an
    /// epoch's speed to wake-ups, 2^16 and up did not).
    const SPIN: u32 = 1 << 18;

    pub fn threads() -> usize {
        // Inside a part (BUSY: a call is running, and only its parts run kernels meanwhile) a
        // nested call runs serially, so it must plan for one thread: a GEMM split for two threads
        // and then run serially packs its B once per half (conv's per-image GEMMs lost ~10%).
        if BUSY.load(Relaxed) {
            return 1;
        }
        (WORKERS.load(Relaxed) + 1).min(LIMIT.load(Relaxed)) as usize
    }
    pub fn pool_size() -> usize {
        WORKERS.load(Relaxed) as usize + 1
    }
    pub fn worker_parts() -> u32 {
        WORKER_PARTS.load(Relaxed)
    }
    pub fn set_limit(n: u32) {
        LIMIT.store(n.max(1), Relaxed);
    }

    type Job<'a> = &'a (dyn Fn(usize) + Sync);

    /// Claims and runs parts of generation `gen` until none is left.
    fn help(gen: u32, worker: bool) {
        loop {
            let w = CLAIM.load(Acquire);
            let (parts, next) = ((w >> 16) as u16 as usize, w as u16 as usize);
            if (w >> 32) as u32 != gen || next >= parts {
                return;
            }
            let words = [JOB[0].load(Relaxed), JOB[1].load(Relaxed)];
            if CLAIM.compare_exchange(w, w + 1, AcqRel, Relaxed).is_ok() {
                // SAFETY: the claim succeeded, so generation `gen` is still running and its
                // caller is blocked in for_each_mut until this part reports done: the words
                // are the live `&dyn Fn` it published before the claim word (Release/Acquire).
                let job: Job = unsafe { core::mem::transmute::<[usize; 2], Job>(words) };
                job(next);
                if worker {
                    WORKER_PARTS.fetch_add(1, Relaxed);
                }
                DONE.fetch_add(1, Release);
            }
        }
    }

    pub fn for_each_mut<T: Send>(items: &mut [T], f: &(dyn Fn(&mut T) + Sync)) {
        let parts = items.len();
        if parts > u16::MAX as usize || BUSY.swap(true, Acquire) {
            items.iter_mut().for_each(f);
            return;
        }
        struct Items<T>(*mut T);
        // SAFETY (Sync): each index is claimed by exactly one thread, so no two threads touch one item.
        unsafe impl<T: Send> Sync for Items<T> {}
        let base = Items(items.as_mut_ptr());
        let base = &base;
        let run = move |i: usize| {
            // SAFETY: i < parts and is handed out once (the claim word's compare-exchange).
            f(unsafe { &mut *base.0.add(i) })
        };
        let job: Job = &run;
        // SAFETY: a fat reference is two words; workers turn them back only while this call waits.
        let words = unsafe { core::mem::transmute::<Job, [usize; 2]>(job) };
        JOB[0].store(words[0], Relaxed);
        JOB[1].store(words[1], Relaxed);
        DONE.store(0, Relaxed);
        let gen = GEN.load(Relaxed).wrapping_add(1);
        CLAIM.store((gen as u64) << 32 | (parts as u64) << 16, Release);
        GEN.store(gen, SeqCst);
        if SLEEPING.load(SeqCst) > 0 {
            // SAFETY: notify on an aligned static in (shared) linear memory.
            unsafe { memory_atomic_notify(GEN.as_ptr() as *mut i32, u32::MAX) };
        }
        help(gen, false);
        // The caller may be a browser's main thread, which must not block in atomic.wait.
        while DONE.load(Acquire) < parts {
            spin_loop();
        }
        BUSY.store(false, Release);
    }

    /// A worker instance's life: spin a little for the next call, then sleep until one comes.
    pub fn worker_loop() -> ! {
        WORKERS.fetch_add(1, AcqRel);
        let mut seen = GEN.load(Acquire);
        loop {
            let mut spins = 0u32;
            while GEN.load(Acquire) == seen {
                if spins < SPIN {
                    spin_loop();
                    spins += 1;
                } else {
                    // SeqCst pairs with the caller's GEN store / SLEEPING load: either it sees this
                    // sleeper and notifies, or the wait sees the new GEN and returns at once.
                    SLEEPING.fetch_add(1, SeqCst);
                    // SAFETY: wait on an aligned static in shared memory; this is a worker, not a main thread.
                    unsafe { memory_atomic_wait32(GEN.as_ptr() as *mut i32, seen as i32, -1) };
                    SLEEPING.fetch_sub(1, SeqCst);
                }
            }
            seen = GEN.load(Acquire);
            help(seen, true);
        }
    }
}

/// f32s that the threads of one parallel call read and write without locks (Hogwild! SGD:
/// word2vec's threads all update the same weight rows, and a rare lost update costs nothing
/// measurable). A thread works on a row in place through a `SharedRow`, whose every access is one
/// volatile load or store of four floats (a row's tail: of one), so no reference into the shared
/// memory ever exists and the compiler neither merges nor splits nor re-reads those accesses.
///
/// Why volatile accesses and not atomics. Two threads may hit one element at once. Rust's model
/// (C++'s) calls racing plain accesses undefined behaviour; racing `AtomicU32` Relaxed accesses
/// are defined, and were the first version here. But wasm has only sequentially consistent
/// atomics and no atomic v128: V8 compiles each `i32.atomic.store` to an `xchg`, a full barrier,
/// and word2vec stores ~700 floats per skip-gram pair. Measured on the threads build (one lane,
/// Moby-Dick skip-gram): 45–65k words per CPU second with atomics against 270–310k with the
/// thread's own matrix, 5–6× slower, which no second thread can win back. What volatile relies
/// on, beyond the Rust model: LLVM, which Rust lowers to, defines a volatile load that races with
/// a store as returning a target-dependent value rather than undef (LangRef, "Memory Model for
/// Concurrent Operations"), and volatile accesses are never duplicated, merged or invented, so the
/// compiler cannot turn one racy read into two that disagree; the wasm threads memory model
/// defines racing plain accesses (a read returns bytes some write stored). An engine emits one
/// 16-byte load or store for a v128 access (x86 `movups`, ARM64 `ldr q`); the hardware may carry
/// it out in pieces, but the rows are 4-byte aligned, so every piece boundary falls between two
/// f32s and no f32 is torn: a racing read sees each float either before or after the other
/// thread's write. The worst case is Hogwild's own: a lost update. Only this type does it, and
/// only word2vec uses it.
///
/// Why four floats per access. Copying each row out and back one volatile f32 at a time (the
/// version before this one: volatile scalar accesses are not vectorised, and a copy costs a pass
/// of its own) made one Hogwild lane ~1.5× the CPU time of the one-thread path on the same work,
/// so two threads were slower than one.
pub struct SharedF32<'a> {
    ptr: *mut f32,
    len: usize,
    _borrow: core::marker::PhantomData<&'a mut [f32]>,
}
// SAFETY: see above: every access through the pointer is one volatile access of one or four
// floats (the documented race), and the struct holds the exclusive borrow of the slice for 'a,
// so nothing outside the parallel call touches it meanwhile.
unsafe impl Sync for SharedF32<'_> {}
unsafe impl Send for SharedF32<'_> {}

impl<'a> SharedF32<'a> {
    pub fn new(s: &'a mut [f32]) -> Self {
        SharedF32 { ptr: s.as_mut_ptr(), len: s.len(), _borrow: core::marker::PhantomData }
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// self[start..start + len], to read and change in place.
    #[inline(always)]
    pub fn row(&self, start: usize, len: usize) -> SharedRow<'_> {
        assert!(start <= self.len && len <= self.len - start);
        // SAFETY: start ≤ len (checked above), so the pointer stays inside the slice or one past it.
        SharedRow { ptr: unsafe { self.ptr.add(start) }, len, _shared: core::marker::PhantomData }
    }
}

/// One row of a `SharedF32` (see there): loads and stores of four floats or one, each one volatile
/// access, each bounds-checked against the row.
#[derive(Clone, Copy)]
pub struct SharedRow<'a> {
    ptr: *mut f32,
    len: usize,
    _shared: core::marker::PhantomData<&'a SharedF32<'a>>,
}

/// Four floats at a 4-byte aligned address: one v128 access in wasm (`packed`, so that
/// `read_volatile`'s alignment requirement is the f32's and not the v128's 16 bytes).
#[cfg(target_arch = "wasm32")]
#[repr(C, packed)]
#[derive(Clone, Copy)]
struct Four(core::arch::wasm32::v128);
#[cfg(target_arch = "wasm32")]
impl Four {
    #[inline(always)]
    fn of(v: [f32; 4]) -> Self {
        // SAFETY: both are 16 bytes of plain data.
        Four(unsafe { core::mem::transmute::<[f32; 4], core::arch::wasm32::v128>(v) })
    }
    #[inline(always)]
    fn floats(self) -> [f32; 4] {
        let Four(v) = self;
        // SAFETY: as in `of`.
        unsafe { core::mem::transmute::<core::arch::wasm32::v128, [f32; 4]>(v) }
    }
}
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy)]
struct Four([f32; 4]);
#[cfg(not(target_arch = "wasm32"))]
impl Four {
    #[inline(always)]
    fn of(v: [f32; 4]) -> Self {
        Four(v)
    }
    #[inline(always)]
    fn floats(self) -> [f32; 4] {
        self.0
    }
}

impl SharedRow<'_> {
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// row[i..i + 4]
    #[inline(always)]
    pub fn load4(&self, i: usize) -> [f32; 4] {
        assert!(i + 4 <= self.len);
        // SAFETY: in bounds (checked above); Four's alignment is 1 and the address is an f32's;
        // racing writes are the documented Hogwild race.
        unsafe { (self.ptr.add(i) as *const Four).read_volatile() }.floats()
    }
    /// row[i..i + 4] = v
    #[inline(always)]
    pub fn store4(&self, i: usize, v: [f32; 4]) {
        assert!(i + 4 <= self.len);
        // SAFETY: as in `load4`.
        unsafe { (self.ptr.add(i) as *mut Four).write_volatile(Four::of(v)) }
    }
    /// row[i]
    #[inline(always)]
    pub fn load(&self, i: usize) -> f32 {
        assert!(i < self.len);
        // SAFETY: in bounds (checked above), aligned (from a slice), the documented race.
        unsafe { self.ptr.add(i).read_volatile() }
    }
    /// row[i] = v
    #[inline(always)]
    pub fn store(&self, i: usize, v: f32) {
        assert!(i < self.len);
        // SAFETY: as in `load`.
        unsafe { self.ptr.add(i).write_volatile(v) }
    }
}

//! The global allocator, chosen by measurement (BENCHMARKS.md, "Allocator"): mimalloc by
//! default (feature `alloc-mimalloc`, built without transparent huge pages); the system's with
//! `--no-default-features`; jemalloc with `--no-default-features --features alloc-jemalloc`. It
//! lives in the library so the server, kube-inject, `bench_tool` and the criterion benches all
//! run on the same one.

#[cfg(all(feature = "alloc-mimalloc", feature = "alloc-jemalloc"))]
compile_error!(
    "features alloc-mimalloc and alloc-jemalloc are exclusive: \
     build jemalloc with --no-default-features --features alloc-jemalloc"
);

#[cfg(all(feature = "alloc-mimalloc", not(feature = "alloc-jemalloc")))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(all(feature = "alloc-jemalloc", not(feature = "alloc-mimalloc")))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

//! The global allocator, chosen at build time for measurement (BENCHMARKS.md, "Allocator"):
//! the system's by default, mimalloc with `--features alloc-mimalloc`, jemalloc with
//! `--features alloc-jemalloc`. It lives in the library so the server, `bench_tool` and the
//! criterion benches all run on the same one.

#[cfg(all(feature = "alloc-mimalloc", feature = "alloc-jemalloc"))]
compile_error!("features alloc-mimalloc and alloc-jemalloc are exclusive: pick one allocator");

#[cfg(all(feature = "alloc-mimalloc", not(feature = "alloc-jemalloc")))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(all(feature = "alloc-jemalloc", not(feature = "alloc-mimalloc")))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/work/main/cli/tests/guests/threads/target/wasm32-wasip1-threads/release/petrel-threads-guest.wasm: /work/main/cli/tests/guests/threads/src/main.rs

/work/main/cli/tests/guests/threads/target/wasm32-wasip1-threads/release/deps/petrel_threads_guest-a01f550b55744d90.d: src/main.rs

/work/main/cli/tests/guests/threads/target/wasm32-wasip1-threads/release/deps/petrel_threads_guest-a01f550b55744d90.wasm: src/main.rs

src/main.rs:

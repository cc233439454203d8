//! Threads for `petrel run -S threads`: `std::thread` on
//! `wasm32-wasip1-threads` (each thread is `wasi.thread-spawn`, a new
//! instance over the shared memory; joins, locks and channels are
//! `memory.atomic.wait32`/`notify`). The first argument picks a scenario;
//! each prints what the test checks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Barrier, Mutex};
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scenario = args.get(1).map(String::as_str).unwrap_or("count");
    match scenario {
        // Threads adding to a counter under a lock and to an atomic; each
        // thread's result comes back through `join`.
        "count" => {
            let threads = 8;
            let per_thread = 10_000u64;
            let locked = Arc::new(Mutex::new(0u64));
            let atomic = Arc::new(AtomicU64::new(0));
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (locked, atomic) = (Arc::clone(&locked), Arc::clone(&atomic));
                    std::thread::spawn(move || {
                        let mut mine = 0u64;
                        for i in 0..per_thread {
                            *locked.lock().unwrap() += 1;
                            atomic.fetch_add(i, Ordering::Relaxed);
                            mine += i * t;
                        }
                        mine
                    })
                })
                .collect();
            let sum: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
            println!("locked {}", locked.lock().unwrap());
            println!("atomic {}", atomic.load(Ordering::Relaxed));
            println!("joined {sum}");
        }
        // A pipeline over channels: numbers through three stages of
        // threads, the result checked by the main thread.
        "pipeline" => {
            let (tx1, rx1) = mpsc::channel::<u64>();
            let (tx2, rx2) = mpsc::channel::<u64>();
            let (tx3, rx3) = mpsc::channel::<u64>();
            let a = std::thread::spawn(move || rx1.iter().for_each(|n| tx2.send(n * n).unwrap()));
            let b = std::thread::spawn(move || rx2.iter().for_each(|n| tx3.send(n + 1).unwrap()));
            for n in 0..1000 {
                tx1.send(n).unwrap();
            }
            drop(tx1);
            let total: u64 = rx3.iter().sum();
            a.join().unwrap();
            b.join().unwrap();
            println!("pipeline {total}");
        }
        // Word counts from several threads writing to one map, and files
        // written by threads into the preopened directory given as the
        // second argument (the WASI context is shared).
        "files" => {
            let dir = args.get(2).expect("a directory").clone();
            let counts = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    let (dir, counts) = (dir.clone(), Arc::clone(&counts));
                    std::thread::spawn(move || {
                        let text = format!("thread {t} wrote this line\n").repeat(t + 1);
                        let path = format!("{dir}/out-{t}.txt");
                        std::fs::write(&path, &text).unwrap();
                        let back = std::fs::read_to_string(&path).unwrap();
                        let mut counts = counts.lock().unwrap();
                        for word in back.split_whitespace() {
                            *counts.entry(word.to_string()).or_default() += 1;
                        }
                    })
                })
                .collect();
            handles.into_iter().for_each(|h| h.join().unwrap());
            let counts = counts.lock().unwrap();
            let mut words: Vec<_> = counts.iter().collect();
            words.sort();
            for (word, n) in words {
                println!("{word} {n}");
            }
        }
        // A thread ends the program with `exit(7)` while the main thread
        // waits for a message that never comes.
        "exit-in-thread" => {
            let (_tx, rx) = mpsc::channel::<()>();
            std::thread::spawn(|| {
                std::thread::sleep(Duration::from_millis(50));
                println!("thread exits");
                std::process::exit(7);
            });
            let _ = rx.recv();
            println!("unreachable: main woke up");
        }
        // A thread traps (an abort is `unreachable`) while the others
        // spin in Wasm and the main thread is blocked in a join.
        "trap-in-thread" => {
            let barrier = Arc::new(Barrier::new(3));
            let spinners: Vec<_> = (0..2)
                .map(|_| {
                    let barrier = Arc::clone(&barrier);
                    std::thread::spawn(move || {
                        barrier.wait();
                        let mut x = 1u64;
                        loop {
                            x = std::hint::black_box(x.wrapping_mul(6364136223846793005) + 1);
                        }
                    })
                })
                .collect();
            let trapper = std::thread::spawn(move || {
                barrier.wait();
                std::thread::sleep(Duration::from_millis(50));
                println!("thread traps");
                std::process::abort();
            });
            trapper.join().ok();
            spinners.into_iter().for_each(|h| drop(h.join()));
            println!("unreachable: main joined");
        }
        // The main thread returns while another thread spins: the program
        // ends with 0 (as a C program returning from `main`).
        "main-returns" => {
            std::thread::spawn(|| loop {
                std::hint::spin_loop();
            });
            std::thread::sleep(Duration::from_millis(20));
            println!("main returns");
        }
        // A thread sleeps for a minute while the main thread writes and
        // returns: a sleep must not hold up the other threads' WASI calls.
        "sleeper" => {
            std::thread::spawn(|| std::thread::sleep(Duration::from_secs(60)));
            std::thread::sleep(Duration::from_millis(50));
            for i in 0..3 {
                println!("line {i}");
            }
        }
        // A thread waits to read a line of stdin (a pipe nobody writes)
        // while the main thread writes and returns: the read must not hold
        // up the other threads' WASI calls.
        "reader" => {
            std::thread::spawn(|| {
                let mut line = String::new();
                let _ = std::io::stdin().read_line(&mut line);
                println!("read {line:?}");
            });
            std::thread::sleep(Duration::from_millis(50));
            for i in 0..3 {
                println!("line {i}");
            }
        }
        // A thread allocates 32 MiB (the shared memory grows): under
        // `-W max-memory-size=8M` the allocation fails and the program
        // aborts.
        "alloc" => {
            let big = std::thread::spawn(|| vec![1u8; 32 << 20].iter().map(|&b| b as u64).sum::<u64>());
            println!("allocated {}", big.join().unwrap());
        }
        // Threads that never end, joined by the main thread: only a
        // deadline stops the program.
        "spin" => {
            let spinners: Vec<_> = (0..2)
                .map(|_| {
                    std::thread::spawn(|| loop {
                        std::hint::spin_loop();
                    })
                })
                .collect();
            println!("spinning");
            spinners.into_iter().for_each(|h| drop(h.join()));
        }
        other => {
            eprintln!("unknown scenario {other}");
            std::process::exit(2);
        }
    }
}

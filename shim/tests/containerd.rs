//! The shim under a real containerd: Debian's `containerd` started as a
//! child of this test with its own root, state and socket in a temporary
//! directory, an OCI image of a real WASI program (the Rust guest of
//! petrel-wasi's tests) imported with `ctr image import`, and containers
//! run with `ctr run --rm --runtime io.containerd.petrel.v1`. Each step
//! checks what a user of `ctr` sees: the image's entrypoint and command or
//! the given arguments, output, exit status, the environment, mounts (and
//! nothing outside them), a trap, `ctr task kill` on a spinning guest and
//! on one blocked in a host call, that later starts of an image load the
//! artifact precompiled by the first, that an ordinary image holding the
//! module as a file runs too, and that an image carrying an artifact is
//! refused.
//!
//! There is one test, so one containerd: [`Containerd`]'s `Drop` removes
//! the containers, stops the shims and containerd, unmounts and deletes
//! the directories, whether the steps pass or fail. Needs root (scripts/test
//! runs as root in CI) and `containerd` on the `PATH` (scripts/test installs
//! Debian's): without either the test fails, it never skips.

#[path = "../../cli/tests/support/mod.rs"]
mod support;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const RUNTIME: &str = "io.containerd.petrel.v1";
const IMAGE: &str = "docker.io/library/petrel-guest:test";
const ARTIFACT_IMAGE: &str = "docker.io/library/petrel-artifact:test";
const FILE_IMAGE: &str = "docker.io/library/petrel-file:test";
/// How long one `ctr` command may take (the first run of an image
/// precompiles it).
const CTR_TIMEOUT: Duration = Duration::from_secs(120);

#[test]
fn containerd_runs_wasm_images_on_petrel() {
    let guest = support::build_wasip1("wasi/tests/guests/rust", "wasi-guests", "the WASI guest")
        .join("petrel-wasi-guest.wasm");
    let containerd = Containerd::start();
    let dir = containerd.dir.clone();

    let image = build_image(&dir, "guest", &fs::read(&guest).unwrap(), IMAGE);
    containerd.import(&image);

    // The image's entrypoint and command, and its output.
    let out = containerd.run("entry", &[], &[]);
    assert_eq!(
        stdout(&out),
        "argv[0]=/guest.wasm\nargv[1]=args\nargv[2]=from-image\n",
        "{}",
        show(&out)
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    // Arguments from the command line replace them.
    let out = containerd.run("args", &[], &["/guest.wasm", "args", "a b", "-c"]);
    assert_eq!(
        stdout(&out),
        "argv[0]=/guest.wasm\nargv[1]=args\nargv[2]=a b\nargv[3]=-c\n",
        "{}",
        show(&out)
    );

    // The guest's exit status is the container's.
    let out = containerd.run("exit", &[], &["/guest.wasm", "exit", "7"]);
    assert_eq!(stdout(&out), "exiting with 7\n", "{}", show(&out));
    assert_eq!(out.status.code(), Some(7), "{}", show(&out));

    // The container's environment, and nothing of the host's.
    let out = containerd.run(
        "env",
        &["--env", "GREETING=hello from containerd"],
        &["/guest.wasm", "env"],
    );
    let env = stdout(&out);
    assert!(
        env.lines().any(|l| l == "GREETING=hello from containerd"),
        "{}",
        show(&out)
    );
    assert!(
        env.lines().any(|l| l.starts_with("PATH=")),
        "{}",
        show(&out)
    );
    assert!(
        !env.contains("CARGO"),
        "the host's environment leaked: {env}"
    );

    // Mounts are the guest's preopens: a read-only one it reads and cannot
    // change, a read-write one it writes to; nothing outside them.
    let data = dir.join("data");
    let outbox = dir.join("outbox");
    fs::create_dir_all(&data).unwrap();
    fs::create_dir_all(&outbox).unwrap();
    fs::write(data.join("hello.txt"), "mounted from the host\n").unwrap();
    fs::write(dir.join("secret.txt"), "beside the mount\n").unwrap();
    let ro = format!("type=bind,src={},dst=/data,options=rbind:ro", path(&data));
    let rw = format!("type=bind,src={},dst=/out,options=rbind:rw", path(&outbox));
    let mounts = ["--mount", ro.as_str(), "--mount", rw.as_str()];

    let out = containerd.run("cat", &mounts, &["/guest.wasm", "cat", "/data/hello.txt"]);
    assert_eq!(stdout(&out), "mounted from the host\n", "{}", show(&out));
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    let out = containerd.run(
        "write",
        &mounts,
        &[
            "/guest.wasm",
            "write",
            "/out/note.txt",
            "written by the guest",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(
        fs::read_to_string(outbox.join("note.txt")).unwrap(),
        "written by the guest"
    );

    let out = containerd.run(
        "write-ro",
        &mounts,
        &["/guest.wasm", "write", "/data/hello.txt", "changed"],
    );
    assert_refused(&out, "writing to a read-only mount");
    assert_eq!(
        fs::read_to_string(data.join("hello.txt")).unwrap(),
        "mounted from the host\n",
        "a read-only mount was changed"
    );

    // Outside the mounts: the host's files beside them, and the container's
    // own /proc (whose /proc/self/mem is the shim's memory), /etc and root.
    for (id, target) in [
        ("beside", "/data/../secret.txt"),
        ("host-path", path(&dir.join("secret.txt"))),
        ("proc", "/proc/self/status"),
        ("proc-via-mount", "/data/../proc/self/status"),
        ("mem", "/proc/self/mem"),
        ("etc", "/etc/passwd"),
    ] {
        let out = containerd.run(id, &mounts, &["/guest.wasm", "cat", target]);
        assert_eq!(stdout(&out), "", "{target} was read: {}", show(&out));
        assert_refused(&out, &format!("reading {target}"));
    }

    // A trap ends the container non-zero, with the trap on its stderr.
    let out = containerd.run("trap", &[], &["/guest.wasm", "trap"]);
    assert_eq!(stdout(&out), "about to abort\n", "{}", show(&out));
    assert_eq!(out.status.code(), Some(134), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unreachable"),
        "{}",
        show(&out)
    );

    // `ctr task kill` (SIGTERM) stops a guest that spins, through the
    // epoch: the guest is interrupted and the shim returns.
    let status = containerd.kill_when("spin", &["/guest.wasm", "spin"], "spinning");
    assert_eq!(status.code(), Some(128 + 15), "SIGTERM: 128 + 15");
    let log = containerd.log();
    assert!(
        log.contains("the guest ended with status 143"),
        "the guest was not interrupted; containerd's log:\n{log}"
    );
    // A guest blocked in a host call (reading a stdin that stays open) never
    // reaches an epoch check: the shim exits after its grace period.
    let status = containerd.kill_when("blocked", &["/guest.wasm", "wait-stdin"], "waiting");
    assert_eq!(status.code(), Some(128 + 15), "SIGTERM: 128 + 15");
    let log = containerd.log();
    assert!(
        log.contains("the guest did not stop within"),
        "the blocked guest was not stopped by the grace exit; containerd's log:\n{log}"
    );

    // The first run precompiled the image's layer: containerd keeps the
    // artifact under the shim's label, and later starts load it.
    let artifact = containerd.precompiled_artifact();
    assert!(
        artifact.starts_with(b"\0ptrl\r\n\x1a"),
        "the precompiled content is no Petrel artifact"
    );
    let log = containerd.log();
    assert!(
        log.matches("loading the precompiled module").count() >= 2,
        "later starts did not load the artifact; containerd's log:\n{log}"
    );

    // An ordinary image, whose file system layer holds the module as a
    // file that the entrypoint names.
    let image = build_file_image(&dir, &fs::read(&guest).unwrap(), FILE_IMAGE);
    containerd.ctr_ok(&["image", "import", "--all-platforms", path(&image)]);
    let out = containerd.run_image(FILE_IMAGE, "file", &[], &[]);
    assert_eq!(
        stdout(&out),
        "argv[0]=/guest.wasm\nargv[1]=args\nargv[2]=from-image\n",
        "{}",
        show(&out)
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    // An image whose layer is itself an artifact (machine code) is refused.
    let engine = petrel::Engine::new(petrel::Config::new().tier(petrel::Tier::Jit));
    let forged = engine
        .precompile_module(&fs::read(&guest).unwrap())
        .unwrap();
    let image = build_image(&dir, "artifact", &forged, ARTIFACT_IMAGE);
    containerd.import(&image);
    let out = containerd.run_image(ARTIFACT_IMAGE, "forged", &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("never run from an image"),
        "{}",
        show(&out)
    );
}

/// A containerd of this test's own: config, root, state, socket and log in
/// `dir`, the containers in namespace `namespace`.
struct Containerd {
    dir: PathBuf,
    namespace: String,
    child: Child,
}

impl Containerd {
    /// Starts containerd and waits until it answers.
    fn start() -> Containerd {
        // SAFETY: geteuid(2) has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        assert!(
            root,
            "the containerd test needs root (containerd, mounts, cgroups)"
        );
        for tool in ["containerd", "ctr"] {
            assert!(
                Command::new(tool).arg("--version").output().is_ok(),
                "`{tool}` is not installed (scripts/test installs Debian's `containerd`)"
            );
        }
        let unique = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("petrel-shim-{}-{unique}", std::process::id());
        let dir = std::env::temp_dir().join(&name);
        fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config.toml");
        fs::write(
            &config,
            format!(
                r#"version = 2
root = "{dir}/root"
state = "{dir}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "{dir}/containerd.sock"

[ttrpc]
  address = "{dir}/containerd.sock.ttrpc"

[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "{dir}/opt"
"#,
                dir = dir.display()
            ),
        )
        .unwrap();
        // containerd finds the shim by its name, on the PATH.
        let shim = Path::new(env!("CARGO_BIN_EXE_containerd-shim-petrel-v1"));
        let path_var = format!(
            "{}:{}",
            shim.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let log = fs::File::create(dir.join("containerd.log")).unwrap();
        let child = Command::new("containerd")
            .arg("--config")
            .arg(&config)
            .env("PATH", path_var)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("containerd should start");
        let mut containerd = Containerd {
            dir,
            namespace: name,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = containerd.child.try_wait() {
                panic!(
                    "containerd exited ({status}) before it answered; its log:\n{}",
                    containerd.log()
                );
            }
            let out = containerd.ctr(&["version"], Duration::from_secs(10));
            if out.status.success() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "containerd did not answer within a minute: {}\nits log:\n{}",
                show(&out),
                containerd.log()
            );
            thread::sleep(Duration::from_millis(200));
        }
        containerd
    }

    /// `ctr` with this containerd's socket and namespace.
    fn ctr_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("ctr");
        cmd.arg("--address")
            .arg(self.dir.join("containerd.sock"))
            .arg("--namespace")
            .arg(&self.namespace)
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `ctr ARGS`, killed (and the test failed) after `timeout`.
    fn ctr(&self, args: &[&str], timeout: Duration) -> Output {
        let mut cmd = self.ctr_command(args);
        let child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ctr should start");
        wait_output(child, timeout, &format!("ctr {}", args.join(" ")))
    }

    /// Runs `ctr ARGS`, which must succeed.
    fn ctr_ok(&self, args: &[&str]) -> Output {
        let out = self.ctr(args, CTR_TIMEOUT);
        assert!(
            out.status.success(),
            "ctr {}: {}\ncontainerd's log:\n{}",
            args.join(" "),
            show(&out),
            self.log()
        );
        out
    }

    /// Imports `image` (`ctr image import`) so that `ctr run` runs it.
    ///
    /// Debian 12's containerd and `ctr` (1.6.20) predate the fix (1.6.25,
    /// 1.7.7) that lets them unpack an image with layers that are not file
    /// systems: they would apply the Wasm layer as a tar archive. So the
    /// image is imported without unpacking, and its one snapshot, empty, is
    /// committed here under the name a fixed containerd's unpack gives it
    /// (the chain ID of one layer is its diff ID); `ctr run` then finds the
    /// image unpacked and starts the container on an empty root file system,
    /// as with a fixed containerd.
    fn import(&self, image: &Image) {
        self.ctr_ok(&[
            "image",
            "import",
            "--all-platforms",
            "--no-unpack",
            path(&image.tar),
        ]);
        let key = format!("unpack-{}", image.diff_id);
        self.ctr_ok(&["snapshots", "prepare", &key]);
        self.ctr_ok(&["snapshots", "commit", &image.diff_id, &key]);
    }

    /// Runs the test image in container `id` with `ctr run` `flags` and,
    /// if any, the process `args` (else the image's).
    fn run(&self, id: &str, flags: &[&str], args: &[&str]) -> Output {
        self.run_image(IMAGE, id, flags, args)
    }

    fn run_image(&self, image: &str, id: &str, flags: &[&str], args: &[&str]) -> Output {
        let fifo = self.fifo_dir();
        let mut all = vec!["run", "--rm", "--runtime", RUNTIME, "--fifo-dir", &fifo];
        all.extend_from_slice(flags);
        all.extend_from_slice(&[image, id]);
        all.extend_from_slice(args);
        self.ctr(&all, CTR_TIMEOUT)
    }

    /// Runs container `id` with the process `args`, waits until the guest
    /// prints `ready`, `ctr task kill`s it and returns how `ctr run` ended.
    /// The container's stdin stays open until then.
    fn kill_when(&self, id: &str, args: &[&str], ready: &str) -> ExitStatus {
        let mut child = self
            .ctr_command(&["run", "--rm", "--runtime", RUNTIME, "--fifo-dir"])
            .arg(self.fifo_dir())
            .args([IMAGE, id])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ctr should start");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let started = rx.recv_timeout(CTR_TIMEOUT);
        if started.as_deref() != Ok(ready) {
            let _ = child.kill();
            panic!("the guest of {id} did not start: {started:?}");
        }
        self.ctr_ok(&["task", "kill", id]);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!(
                    "`ctr task kill` did not stop {id} within 30 s; containerd's log:\n{}",
                    self.log()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// The artifact containerd keeps for the test image's layer: the
    /// content labelled by the shim's compiler.
    fn precompiled_artifact(&self) -> Vec<u8> {
        let out = self.ctr_ok(&["content", "ls"]);
        let listing = stdout(&out);
        // DIGEST SIZE AGE LABELS, the labels KEY=VALUE, comma-separated;
        // the artifact's names the layer it was made of.
        let digest = listing
            .lines()
            .find(|line| {
                line.split([',', '\t', ' ']).any(|label| {
                    label.starts_with("runwasi.io/precompiled/petrel/")
                        && label.contains("/original=")
                })
            })
            .and_then(|line| line.split_whitespace().next())
            .map(str::to_string);
        let digest = match digest {
            Some(digest) => digest,
            None => panic!("no content labelled by the shim's compiler:\n{listing}"),
        };
        self.ctr_ok(&["content", "get", &digest]).stdout
    }

    /// Where `ctr run` makes the FIFOs of the containers' standard streams.
    fn fifo_dir(&self) -> String {
        path(&self.dir.join("fifo")).to_string()
    }

    /// containerd's log so far (the shims' logs included).
    fn log(&self) -> String {
        fs::read_to_string(self.dir.join("containerd.log")).unwrap_or_default()
    }
}

impl Drop for Containerd {
    /// Removes what the test made, in an order that leaves nothing behind
    /// even after a failed step: the containers and their tasks, the shim
    /// processes containerd started (their pid files are in its state
    /// directory), containerd, the mounts under the directory, the
    /// directories.
    fn drop(&mut self) {
        let quick = Duration::from_secs(30);
        let ls = self.ctr(&["containers", "ls", "--quiet"], quick);
        for id in String::from_utf8_lossy(&ls.stdout).lines() {
            self.ctr(&["task", "kill", "--signal", "SIGKILL", id], quick);
            self.ctr(&["task", "delete", "--force", id], quick);
            self.ctr(&["containers", "delete", id], quick);
        }
        let tasks = self
            .dir
            .join("state/io.containerd.runtime.v2.task")
            .join(&self.namespace);
        for bundle in fs::read_dir(&tasks).into_iter().flatten().flatten() {
            let pid = fs::read_to_string(bundle.path().join("shim.pid")).unwrap_or_default();
            if let Ok(pid) = pid.trim().parse::<i32>() {
                // SAFETY: kill(2) on a pid read from our containerd's own
                // state; no memory is involved.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        // SAFETY: as above, on our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(15);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Snapshots and bundles still mounted, deepest first.
        let mountinfo = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let mut mounted: Vec<&str> = mountinfo
            .lines()
            .filter_map(|line| line.split(' ').nth(4))
            .filter(|point| Path::new(point).starts_with(&self.dir))
            .collect();
        mounted.sort_by_key(|point| std::cmp::Reverse(point.len()));
        for point in mounted {
            let _ = Command::new("umount").args(["-l", point]).status();
        }
        if let Err(err) = fs::remove_dir_all(&self.dir) {
            eprintln!("could not remove {}: {err}", self.dir.display());
        }
        // The shim's container state (libcontainer's root), per namespace,
        // and the directories containerd 1.6 keeps its shims' sockets and
        // that state in whatever its configuration says: each removed only
        // if empty (so never another containerd's).
        let run = Path::new("/run/containerd");
        let _ = fs::remove_dir_all(run.join("petrel").join(&self.namespace));
        for empty in ["petrel", "s", "fifo", ""] {
            let _ = fs::remove_dir(run.join(empty));
        }
    }
}

/// Waits for `child`'s output, killing it after `timeout`.
fn wait_output(mut child: Child, timeout: Duration, what: &str) -> Output {
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {timeout:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

/// An OCI image tarball of one Wasm layer holding `wasm`, named `name`,
/// whose entrypoint is `/guest.wasm` and command `args from-image`, built
/// with runwasi's `oci-tar-builder` in `dir`. Its root file system lists
/// the layer (runwasi's images list none; containerd 1.6.20 needs one per
/// layer, see [`Containerd::import`]).
fn build_image(dir: &Path, stem: &str, wasm: &[u8], name: &str) -> Image {
    use oci_spec::image::{Arch, ConfigBuilder, ImageConfigurationBuilder, RootFsBuilder};
    use sha2::{Digest, Sha256};
    let layer = dir.join(format!("{stem}.wasm"));
    fs::write(&layer, wasm).unwrap();
    // The layer is not compressed: its diff ID is its digest.
    let diff_id = format!("sha256:{:x}", Sha256::digest(wasm));
    let config = ImageConfigurationBuilder::default()
        .architecture(Arch::Wasm)
        .os("wasip1")
        .config(
            ConfigBuilder::default()
                .entrypoint(vec!["/guest.wasm".to_string()])
                .cmd(vec!["args".to_string(), "from-image".to_string()])
                // Images of Wasm layers only have no file system layers to
                // tell their configurations apart: a label does.
                .labels(std::collections::HashMap::from([(
                    "petrel.test.image".to_string(),
                    name.to_string(),
                )]))
                .build()
                .unwrap(),
        )
        .rootfs(
            RootFsBuilder::default()
                .diff_ids(vec![diff_id.clone()])
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let mut builder = oci_tar_builder::Builder::default();
    builder
        .add_layer_with_media_type(&layer, oci_tar_builder::WASM_LAYER_MEDIA_TYPE.to_string())
        .add_config(config, name.to_string());
    let tar = dir.join(format!("{stem}.tar"));
    builder.build(fs::File::create(&tar).unwrap()).unwrap();
    Image { tar, diff_id }
}

/// An OCI image tarball of one ordinary file system layer holding `wasm`
/// as `/guest.wasm`, named `name`, with the entrypoint and command of
/// [`build_image`]'s (a `FROM scratch` image built for `wasi/wasm`).
fn build_file_image(dir: &Path, wasm: &[u8], name: &str) -> PathBuf {
    use oci_spec::image::{Arch, ConfigBuilder, ImageConfigurationBuilder, RootFsBuilder};
    use sha2::{Digest, Sha256};
    let mut layer = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(wasm.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    layer.append_data(&mut header, "guest.wasm", wasm).unwrap();
    let layer = layer.into_inner().unwrap();
    let diff_id = format!("sha256:{:x}", Sha256::digest(&layer));
    let layer_path = dir.join("file-layer.tar");
    fs::write(&layer_path, &layer).unwrap();
    let config = ImageConfigurationBuilder::default()
        .architecture(Arch::Wasm)
        .os("wasip1")
        .config(
            ConfigBuilder::default()
                .entrypoint(vec!["/guest.wasm".to_string()])
                .cmd(vec!["args".to_string(), "from-image".to_string()])
                .build()
                .unwrap(),
        )
        .rootfs(
            RootFsBuilder::default()
                .diff_ids(vec![diff_id])
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let mut builder = oci_tar_builder::Builder::default();
    builder
        .add_layer(&layer_path)
        .add_config(config, name.to_string());
    let tar = dir.join("file-image.tar");
    builder.build(fs::File::create(&tar).unwrap()).unwrap();
    tar
}

/// An image tarball, and the diff ID of its one layer.
struct Image {
    tar: PathBuf,
    diff_id: String,
}

/// Checks that the guest's file operation failed: the Rust guest unwraps
/// the error, and its panic aborts (a trap, status 134).
#[track_caller]
fn assert_refused(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() == Some(134) && stderr.contains("panicked"),
        "{what} should fail: {}",
        show(out)
    );
}

fn path(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn show(out: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

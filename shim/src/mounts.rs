//! The container's mounts, which the guest gets as its preopened
//! directories. The shim runs inside the container, so its
//! `/proc/self/mountinfo` lists them at their paths in the container, with
//! whether each is read-only.
//!
//! Not every mount is the guest's: `/proc`, `/sys` and `/dev` (and what is
//! mounted beneath them) are the kernel's view for the process that hosts
//! the guest (`/proc/self/mem` would let a guest write the shim's own
//! memory), and the root file system is the image's, which for a Wasm
//! image holds nothing the guest needs. Files mounted in (Kubernetes'
//! `/etc/hosts`, for one) are not directories and cannot be preopens.

use petrel_wasi::DirPerms;

/// Where the system's own file systems are mounted in every container.
const SYSTEM: [&str; 3] = ["/proc", "/sys", "/dev"];

/// A mount the guest may get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Its path in the container, which is also its name for the guest.
    pub path: String,
    pub perms: DirPerms,
}

/// The mounts of `/proc/self/mountinfo` the guest may get, in the order
/// they were mounted (a path mounted twice counts once, as the later
/// mount, which hides the other).
pub fn from_mountinfo(text: &str) -> Vec<Mount> {
    let mut mounts: Vec<Mount> = Vec::new();
    for line in text.lines() {
        // ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - TYPE ...
        let fields: Vec<&str> = line.split(' ').collect();
        let (Some(&point), Some(&options)) = (fields.get(4), fields.get(5)) else {
            continue;
        };
        if !point.starts_with('/') || !fields[6..].contains(&"-") {
            continue;
        }
        let path = unescape(point);
        if path == "/" || is_system(&path) {
            continue;
        }
        let perms = if options.split(',').any(|o| o == "ro") {
            DirPerms::ReadOnly
        } else {
            DirPerms::ReadWrite
        };
        mounts.retain(|m| m.path != path);
        mounts.push(Mount { path, perms });
    }
    mounts
}

/// Whether `path` is one of the system's mounts or beneath one.
fn is_system(path: &str) -> bool {
    SYSTEM.iter().any(|system| {
        path.strip_prefix(system)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// A mount point as the kernel writes it: space, tab, newline and
/// backslash as three octal digits after a backslash.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal {
            Some(d) => {
                let value = d.iter().fold(0u32, |v, c| v * 8 + u32::from(c - b'0'));
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A container's mountinfo as the shim sees it under `ctr run` with
    /// two bind mounts, one read-only, one with a space in its name.
    const MOUNTINFO: &str = "\
1133 1011 0:95 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
1134 1133 0:97 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
1135 1133 0:98 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755
1136 1135 0:99 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5,mode=620
1137 1135 0:100 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k
1138 1133 0:101 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro
1139 1138 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - tmpfs tmpfs ro
1140 1133 254:0 /tmp/t/data /data ro,relatime - ext4 /dev/vda rw
1141 1133 254:0 /tmp/t/out /srv/my\\040out rw,relatime - ext4 /dev/vda rw
1142 1134 0:102 / /proc/kcore ro,relatime - tmpfs tmpfs ro
1143 1133 0:103 / /devices rw,relatime - tmpfs tmpfs rw
1144 1133 254:0 /tmp/t/out2 /data ro,relatime - ext4 /dev/vda rw
";

    #[test]
    fn only_the_containers_own_mounts_are_the_guests() {
        let mounts = from_mountinfo(MOUNTINFO);
        let found: Vec<(&str, DirPerms)> =
            mounts.iter().map(|m| (m.path.as_str(), m.perms)).collect();
        assert_eq!(
            found,
            [
                ("/srv/my out", DirPerms::ReadWrite),
                // `/devices` is not `/dev`.
                ("/devices", DirPerms::ReadWrite),
                // Mounted twice: the later mount counts.
                ("/data", DirPerms::ReadOnly),
            ]
        );
    }

    #[test]
    fn malformed_lines_are_skipped() {
        let garbage = "\n1 2\nnot a mountinfo line at all\n1 2 3 4 /x rw no-separator\n";
        assert!(from_mountinfo(garbage).is_empty());
        assert_eq!(unescape("a\\0"), "a\\0");
        assert_eq!(unescape("a\\134b\\011"), "a\\b\t");
        assert_eq!(unescape("\\777"), "?");
    }
}

//! A Lambda's CPU share on this machine: a cgroup v1 `cpu` group whose CFS quota is the memory
//! size's share of one vCPU (Lambda gives a full vCPU at 1,769 MB), switched on and off by the
//! emulator as invocations start and end.

use std::ffi::{CStr, CString};
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The memory size at which Lambda gives one full vCPU.
pub const FULL_VCPU_MB: u64 = 1769;
/// The smallest CFS quota the kernel takes.
const MIN_QUOTA_US: u64 = 1000;

/// One cgroup for the emulator's bootstraps (one at a time), removed when dropped.
pub struct CpuShare {
    dir: PathBuf,
    quota_us: u64,
    /// `cgroup.procs` as a C string, for the hook that runs between fork and exec.
    procs: CString,
}

/// The CFS quota, in µs per `period_us`, of a Lambda with `memory_mb`.
pub fn quota_us(memory_mb: u64, period_us: u64) -> u64 {
    (period_us * memory_mb + FULL_VCPU_MB / 2) / FULL_VCPU_MB
}

impl CpuShare {
    /// A new group under `root` (the cgroup v1 `cpu` mount, /sys/fs/cgroup/cpu), unthrottled
    /// until [`CpuShare::throttle`].
    pub fn create(root: &Path, memory_mb: u64, period_us: u64) -> Result<CpuShare, String> {
        let quota = quota_us(memory_mb, period_us);
        if quota < MIN_QUOTA_US {
            return Err(format!(
                "{memory_mb} MB of a {period_us} µs period is a {quota} µs quota; the kernel \
                 takes {MIN_QUOTA_US} µs at least: use a longer period"
            ));
        }
        let dir = root.join(format!("lambda-emu-{}", std::process::id()));
        let fail = |what: &str, e: io::Error| format!("{}: {what}: {e}", dir.display());
        fs::create_dir(&dir).map_err(|e| {
            fail(
                "cannot create the cgroup (root and cgroup v1's cpu controller are needed)",
                e,
            )
        })?;
        let share = CpuShare {
            procs: CString::new(dir.join("cgroup.procs").as_os_str().as_bytes())
                .map_err(|e| e.to_string())?,
            dir,
            quota_us: quota,
        };
        share.write("cpu.cfs_quota_us", "-1")?;
        share.write("cpu.cfs_period_us", &period_us.to_string())?;
        Ok(share)
    }

    pub fn quota_us(&self) -> u64 {
        self.quota_us
    }

    /// Holds the group to its quota, or lets it run free.
    pub fn throttle(&self, on: bool) -> Result<(), String> {
        self.switch().set(on)
    }

    /// The time the group's tasks have spent throttled so far, in ns (`cpu.stat`).
    pub fn throttled_ns(&self) -> u64 {
        fs::read_to_string(self.dir.join("cpu.stat"))
            .ok()
            .and_then(|stat| {
                stat.lines()
                    .find_map(|line| line.strip_prefix("throttled_time "))
                    .and_then(|n| n.trim().parse().ok())
            })
            .unwrap_or(0)
    }

    /// The group's `cgroup.procs`, for a child to move itself into before exec.
    pub fn procs(&self) -> &CStr {
        &self.procs
    }

    /// A handle that switches the quota on and off, for the runtime API's threads.
    pub fn switch(&self) -> Switch {
        Switch {
            quota_file: self.dir.join("cpu.cfs_quota_us"),
            quota_us: self.quota_us,
        }
    }

    fn write(&self, file: &str, value: &str) -> Result<(), String> {
        fs::write(self.dir.join(file), value)
            .map_err(|e| format!("{}: {value} into {file}: {e}", self.dir.display()))
    }
}

/// Switches a group's quota on (a fresh period starts with the whole quota) and off.
#[derive(Clone)]
pub struct Switch {
    quota_file: PathBuf,
    quota_us: u64,
}

impl Switch {
    pub fn set(&self, on: bool) -> Result<(), String> {
        let quota = if on {
            self.quota_us.to_string()
        } else {
            "-1".into()
        };
        fs::write(&self.quota_file, &quota)
            .map_err(|e| format!("{}: {quota}: {e}", self.quota_file.display()))
    }
}

impl Drop for CpuShare {
    fn drop(&mut self) {
        // Empty by now: every bootstrap was killed and waited for.
        let _ = fs::remove_dir(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_128_mb_lambda_gets_about_seven_percent_of_a_vcpu() {
        assert_eq!(quota_us(128, 20_000), 1447);
        assert_eq!(quota_us(128, 100_000), 7236);
        assert_eq!(quota_us(1769, 20_000), 20_000);
    }

    #[test]
    fn a_quota_under_the_kernels_minimum_is_refused_before_any_cgroup_is_made() {
        let error = CpuShare::create(Path::new("/nonexistent"), 128, 10_000)
            .err()
            .expect("refused");
        assert!(error.contains("724 µs quota"), "{error}");
    }
}

//! The door a forked bootstrap waits at before exec: the child first moves itself into its
//! cgroup (the kernel takes tens of ms to move a task between cgroups, which is no part of a
//! Lambda's init), says it is ready, and execs only when let through. Init is timed from then.

use std::ffi::CStr;
use std::io::{self, PipeReader, PipeWriter, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::thread::{self, JoinHandle};
use std::time::Instant;

pub struct Door {
    ready: (PipeReader, PipeWriter),
    release: (PipeReader, PipeWriter),
}

impl Door {
    pub fn new() -> io::Result<Door> {
        Ok(Door {
            ready: io::pipe()?,
            release: io::pipe()?,
        })
    }

    /// For `Command::pre_exec`: in the child, join `cgroup_procs` (if any), say so, and wait
    /// to be let through. Only async-signal-safe calls (open, write, read, close).
    pub fn hook(
        &self,
        cgroup_procs: Option<&CStr>,
    ) -> impl FnMut() -> io::Result<()> + Send + Sync + 'static {
        let procs = cgroup_procs.map(CStr::to_owned);
        let (ready, release): (RawFd, RawFd) =
            (self.ready.1.as_raw_fd(), self.release.0.as_raw_fd());
        move || {
            // SAFETY: plain system calls on descriptors and a path made before the fork; "0"
            // in cgroup.procs is the caller.
            unsafe {
                if let Some(procs) = &procs {
                    let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                    if fd < 0 {
                        return Err(io::Error::last_os_error());
                    }
                    let written = libc::write(fd, b"0".as_ptr().cast(), 1);
                    let error = io::Error::last_os_error();
                    libc::close(fd);
                    if written != 1 {
                        return Err(error);
                    }
                }
                let mut byte = 0u8;
                if libc::write(ready, b"r".as_ptr().cast(), 1) != 1
                    || libc::read(release, (&raw mut byte).cast(), 1) != 1
                {
                    return Err(io::Error::last_os_error());
                }
            }
            Ok(())
        }
    }

    /// Opens the door from a thread as soon as the child is ready (call before spawning, whose
    /// return waits for the exec): the instant it was let through, or `None` if it never was.
    pub fn open_when_ready(self) -> (JoinHandle<Option<Instant>>, Ends) {
        let Door {
            ready: (mut ready, ready_writer),
            release: (release_reader, mut release),
        } = self;
        let opener = thread::spawn(move || {
            let mut byte = [0u8];
            ready.read_exact(&mut byte).ok()?;
            let at = Instant::now();
            release.write_all(b"g").ok()?;
            Some(at)
        });
        (
            opener,
            Ends {
                _ready: ready_writer,
                _release: release_reader,
            },
        )
    }
}

/// The parent's copies of the child's ends: dropped once the child is spawned (or failed), so
/// the opener sees the end of the pipe if the child died before it was ready.
pub struct Ends {
    _ready: PipeWriter,
    _release: PipeReader,
}

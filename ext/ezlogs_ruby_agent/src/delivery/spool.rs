//! The optional disk spool (`delivery.spool_dir`): batches that cannot be
//! sent are written here and replayed, oldest first, when the collector
//! answers again, by this process or the next one.
//!
//! Each batch is one file, `<ms since epoch>-<pid>-<seq>-<events>.batch`,
//! holding the uncompressed JSON body. It is written to a `.tmp` file,
//! synced and renamed, so a crash mid-write leaves no partial batch. A
//! process replaying a batch first renames it to `.claimed-<pid>-<start>`
//! (`Claimer`), so two processes sharing the directory never send the same
//! batch; claims left by a process that died are released when the spool
//! is opened.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

const SUFFIX: &str = ".batch";

pub struct Spool {
    dir: PathBuf,
    max_bytes: u64,
    claimer: Claimer,
    seq: u64,
}

pub struct Entry {
    path: PathBuf,
    pub events: u64,
}

#[derive(Debug)]
pub enum SpoolError {
    Full,
    Io(io::Error),
}

impl Spool {
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<Spool> {
        fs::create_dir_all(dir)?;
        let spool = Spool {
            dir: dir.to_owned(),
            max_bytes,
            claimer: Claimer::this_process(),
            seq: 0,
        };
        spool.release_dead_claims();
        Ok(spool)
    }

    /// Bytes of batches waiting in the directory (from every process).
    pub fn bytes(&self) -> u64 {
        self.contents().0
    }

    /// Bytes and events of the batches waiting in the directory.
    pub fn contents(&self) -> (u64, u64) {
        self.waiting().iter().fold((0, 0), |(bytes, events), path| {
            let size = fs::metadata(path).map_or(0, |m| m.len());
            (bytes + size, events + events_in(path))
        })
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.waiting().is_empty()
    }

    /// Writes a batch, unless that would take the spool past its cap.
    pub fn push(&mut self, json: &[u8], events: u64) -> Result<(), SpoolError> {
        if self.bytes() + json.len() as u64 > self.max_bytes {
            return Err(SpoolError::Full);
        }
        self.seq += 1;
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        let stem = format!("{millis:016}-{:010}-{:010}", self.claimer.pid, self.seq);
        self.write(&stem, json, events).map_err(SpoolError::Io)
    }

    /// Writes a batch file atomically: a crash leaves no partial batch.
    fn write(&self, stem: &str, json: &[u8], events: u64) -> io::Result<()> {
        let name = format!("{stem}-{events}{SUFFIX}");
        let tmp = self.dir.join(format!("{name}.tmp"));
        let write = || -> io::Result<()> {
            let mut file = File::create(&tmp)?;
            file.write_all(json)?;
            file.sync_all()?;
            fs::rename(&tmp, self.dir.join(&name))
        };
        write().inspect_err(|_| {
            let _ = fs::remove_file(&tmp);
        })
    }

    /// Puts two smaller batches in the place of a claimed one that a
    /// receiver refused as too large: they are replayed in its turn, in
    /// order. Each is `(json, events)`.
    pub fn split(&self, entry: Entry, halves: [(&[u8], u64); 2]) -> io::Result<()> {
        let stem = unclaimed_path(&entry.path)
            .as_deref()
            .and_then(Path::file_name)
            .and_then(|name| name.to_str())
            .and_then(|name| name.rsplit_once('-'))
            .map(|(stem, _)| stem.to_owned());
        let Some(stem) = stem else {
            self.release(entry);
            return Err(io::Error::other("not a spooled batch's name"));
        };
        for (part, (json, events)) in halves.into_iter().enumerate() {
            if let Err(error) = self.write(&format!("{stem}.{}", part + 1), json, events) {
                self.release(entry);
                return Err(error);
            }
        }
        self.remove(entry);
        Ok(())
    }

    /// Claims the oldest waiting batch for this process.
    pub fn claim_oldest(&self) -> Option<(Entry, Vec<u8>)> {
        for path in self.waiting() {
            let claimed = claimed_path(&path, self.claimer);
            if fs::rename(&path, &claimed).is_err() {
                continue; // another process claimed it first
            }
            let entry = Entry {
                events: events_in(&path),
                path: claimed,
            };
            match fs::read(&entry.path) {
                Ok(json) => return Some((entry, json)),
                Err(_) => self.release(entry),
            }
        }
        None
    }

    /// The batch was delivered.
    pub fn remove(&self, entry: Entry) {
        let _ = fs::remove_file(entry.path);
    }

    /// The batch could not be delivered; it waits again, in its place.
    pub fn release(&self, entry: Entry) {
        unclaim(&entry.path);
    }

    /// Batch files in order, oldest first.
    fn waiting(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.to_str().is_some_and(|s| s.ends_with(SUFFIX)))
                    .collect()
            })
            .unwrap_or_default();
        paths.sort();
        paths
    }

    fn release_dead_claims(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for path in entries.filter_map(Result::ok).map(|e| e.path()) {
            let Some(owner) = claim_owner(&path) else {
                continue;
            };
            if !owner.is_running(self.claimer) {
                unclaim(&path);
            }
        }
    }
}

/// Puts a claimed batch back under its waiting name.
fn unclaim(claimed: &Path) {
    if let Some(original) = unclaimed_path(claimed) {
        let _ = fs::rename(claimed, original);
    }
}

fn claimed_path(path: &Path, claimer: Claimer) -> PathBuf {
    let mut claimed = path.as_os_str().to_owned();
    claimed.push(format!(".claimed-{}", claimer.name()));
    PathBuf::from(claimed)
}

fn unclaimed_path(path: &Path) -> Option<PathBuf> {
    let text = path.to_str()?;
    let end = text.rfind(".claimed-")?;
    Some(PathBuf::from(&text[..end]))
}

fn claim_owner(path: &Path) -> Option<Claimer> {
    let text = path.to_str()?;
    Claimer::parse(&text[text.rfind(".claimed-")? + ".claimed-".len()..])
}

fn events_in(path: &Path) -> u64 {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(SUFFIX))
        .and_then(|n| n.rsplit('-').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The process that claims a batch: its pid, and when it started (clock
/// ticks since boot, from /proc; None where there is no /proc). The pid
/// alone does not say whether the claimer still runs: a container's app
/// gets the same pid (often 1) at every restart, and pids are reused in
/// time. A claim held for a live process is never released: its batch
/// would wait for good, uncounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Claimer {
    pid: u32,
    started: Option<u64>,
}

impl Claimer {
    fn this_process() -> Claimer {
        let pid = crate::process::current_pid();
        Claimer {
            pid,
            started: start_time(pid),
        }
    }

    /// `<pid>-<start>`, or `<pid>` without a start time.
    fn name(self) -> String {
        match self.started {
            Some(started) => format!("{}-{started}", self.pid),
            None => self.pid.to_string(),
        }
    }

    fn parse(name: &str) -> Option<Claimer> {
        let (pid, started) = match name.split_once('-') {
            Some((pid, started)) => (pid, Some(started.parse().ok()?)),
            None => (name, None),
        };
        Some(Claimer {
            pid: pid.parse().ok()?,
            started,
        })
    }

    /// Whether the process that claimed still runs, asked by `this`
    /// process: it does if it is `this` (a worker that configure retired
    /// may still be sending the batch); it does not if it only shares
    /// this pid (an earlier process, whatever its name says); else a
    /// process with its pid exists (kill answers, or refuses: another
    /// user's) and, when both start times can be read, started when it
    /// did.
    fn is_running(self, this: Claimer) -> bool {
        if self.pid == this.pid {
            return self == this;
        }
        // SAFETY: kill with signal 0 only checks that the process exists.
        let exists = unsafe { libc::kill(self.pid as libc::pid_t, 0) } == 0
            || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        exists
            && match (self.started, start_time(self.pid)) {
                (Some(claimed), Some(now)) => claimed == now,
                _ => true,
            }
    }
}

/// Field 22 of /proc/<pid>/stat (proc(5)): when the process started, in
/// clock ticks since boot. The fields are counted after the command's
/// closing parenthesis, since the command itself may hold spaces and
/// parentheses.
fn start_time(pid: u32) -> Option<u64> {
    start_time_in(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

fn start_time_in(stat: &str) -> Option<u64> {
    let after_command = &stat[stat.rfind(')')? + 1..];
    after_command.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ezlogs-spool-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn replays_in_order_and_survives_reopening() {
        let path = dir("order");
        let mut spool = Spool::open(&path, 1 << 20).unwrap();
        for i in 0..3 {
            spool.push(format!("[{i}]").as_bytes(), 1).unwrap();
        }
        drop(spool);
        let spool = Spool::open(&path, 1 << 20).unwrap();
        let mut seen = Vec::new();
        while let Some((entry, json)) = spool.claim_oldest() {
            assert_eq!(entry.events, 1);
            seen.push(String::from_utf8(json).unwrap());
            spool.remove(entry);
        }
        assert_eq!(seen, ["[0]", "[1]", "[2]"]);
        assert!(spool.is_empty());
        fs::remove_dir_all(path).unwrap();
    }

    #[test]
    fn refuses_batches_past_the_cap_and_ignores_partial_writes() {
        let path = dir("cap");
        let mut spool = Spool::open(&path, 10).unwrap();
        spool.push(b"[1,2,3]", 3).unwrap();
        assert!(matches!(spool.push(b"[4,5,6]", 3), Err(SpoolError::Full)));
        fs::write(path.join("0000000000000000-1-1-5.batch.tmp"), b"[trunc").unwrap();
        let (entry, json) = spool.claim_oldest().unwrap();
        assert_eq!(json, b"[1,2,3]");
        spool.release(entry);
        assert_eq!(spool.bytes(), 7);
        fs::remove_dir_all(path).unwrap();
    }

    #[test]
    fn a_split_batch_is_replayed_in_its_place_in_order() {
        let path = dir("split");
        let mut spool = Spool::open(&path, 1 << 20).unwrap();
        spool.push(b"[1,2,3]", 3).unwrap();
        spool.push(b"[4]", 1).unwrap();
        let (entry, _) = spool.claim_oldest().unwrap();
        spool.split(entry, [(b"[1]", 1), (b"[2,3]", 2)]).unwrap();
        let (entry, _) = spool.claim_oldest().unwrap();
        spool.split(entry, [(b"[1a]", 1), (b"[1b]", 1)]).unwrap();
        let mut seen = Vec::new();
        while let Some((entry, json)) = spool.claim_oldest() {
            seen.push((String::from_utf8(json).unwrap(), entry.events));
            spool.remove(entry);
        }
        let expected = [("[1a]", 1), ("[1b]", 1), ("[2,3]", 2), ("[4]", 1)];
        assert_eq!(seen, expected.map(|(json, n)| (json.to_owned(), n)));
        fs::remove_dir_all(path).unwrap();
    }

    /// A batch claimed by `claimer`; whether the spool, opened again,
    /// released it.
    fn released_when_claimed_by(name: &str, claimer: Claimer) -> bool {
        let path = dir(name);
        let mut spool = Spool::open(&path, 1 << 20).unwrap();
        spool.push(b"[1]", 1).unwrap();
        let (entry, _) = spool.claim_oldest().unwrap();
        let claimed = claimed_path(&unclaimed_path(&entry.path).unwrap(), claimer);
        fs::rename(&entry.path, &claimed).unwrap();
        assert!(spool.is_empty());
        let released = !Spool::open(&path, 1 << 20).unwrap().is_empty();
        fs::remove_dir_all(path).unwrap();
        released
    }

    #[test]
    fn releases_claims_of_processes_that_died() {
        let gone = Claimer {
            pid: u32::MAX / 2,
            started: None,
        };
        assert!(released_when_claimed_by("claims-gone", gone));
    }

    #[test]
    fn releases_claims_of_an_earlier_process_with_this_pid() {
        // A container's app restarted with the same pid: the claim names
        // a start time that is not this process's.
        let this = Claimer::this_process();
        let started = this.started.expect("Linux has /proc");
        let earlier = Claimer {
            started: Some(started.saturating_sub(1)),
            ..this
        };
        assert!(released_when_claimed_by("claims-same-pid", earlier));
        // Or named in the form kept where there is no /proc.
        let unnamed_start = Claimer {
            started: None,
            ..this
        };
        assert!(released_when_claimed_by(
            "claims-same-pid-bare",
            unnamed_start
        ));
        // A claim of this very process (a worker that configure retired may
        // still be sending it) is kept.
        assert!(!released_when_claimed_by("claims-own", this));
        // Nor is a claim of another process that runs (init, here).
        let init = Claimer {
            pid: 1,
            started: start_time(1),
        };
        assert!(!released_when_claimed_by("claims-init", init));
    }

    #[test]
    fn names_a_claimer_and_reads_start_times_past_any_command() {
        let this = Claimer::this_process();
        assert_eq!(Claimer::parse(&this.name()), Some(this));
        assert_eq!(
            Claimer::parse("42"),
            Some(Claimer {
                pid: 42,
                started: None
            })
        );
        assert_eq!(Claimer::parse("x-1"), None);
        let stat = "7 (a) b (c)) S 1 7 7 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 12345 0";
        assert_eq!(start_time_in(stat), Some(12345));
        assert_eq!(start_time_in("7 (a"), None);
    }
}

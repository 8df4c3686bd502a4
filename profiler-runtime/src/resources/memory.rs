//! The process's resident memory, read the cheap way: on Linux
//! `/proc/self/statm` kept open and re-read with one `pread` (about a
//! microsecond), elsewhere through `sysinfo` (slower; it refreshes more).

/// Reads the process's resident memory again and again.
pub(crate) struct RssReader {
    #[cfg(target_os = "linux")]
    statm: Option<(std::fs::File, u64)>,
}

impl RssReader {
    /// A reader; on Linux it opens `/proc/self/statm` once and works out
    /// the page size its counts are in.
    pub(crate) fn open() -> RssReader {
        RssReader {
            #[cfg(target_os = "linux")]
            statm: linux::open(),
        }
    }

    /// The resident memory now, in bytes; `None` where the platform does not say.
    pub(crate) fn read(&mut self) -> Option<u64> {
        #[cfg(target_os = "linux")]
        if let Some((file, page_size)) = &self.statm {
            return linux::resident_pages(file).map(|pages| pages * page_size);
        }
        super::sample().map(|s| s.rss_bytes)
    }
}

/// Resident memory now, for callers that read now and then (a stage's start
/// and end): one reader for the process, kept open, behind a lock.
pub(crate) fn resident_now() -> Option<u64> {
    static SHARED: std::sync::LazyLock<std::sync::Mutex<RssReader>> =
        std::sync::LazyLock::new(|| std::sync::Mutex::new(RssReader::open()));
    crate::record::sync::lock(&SHARED).read()
}

#[cfg(target_os = "linux")]
mod linux {
    use std::fs::File;
    use std::os::unix::fs::FileExt;

    pub(super) fn open() -> Option<(File, u64)> {
        static PAGE_SIZE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        let file = File::open("/proc/self/statm").ok()?;
        let pages = resident_pages(&file)?;
        // Worked out once per process: it reads /proc/self/status.
        Some((file, *PAGE_SIZE.get_or_init(|| page_size(pages))))
    }

    /// The second field of `statm`: resident pages.
    pub(super) fn resident_pages(file: &File) -> Option<u64> {
        let mut buf = [0u8; 128];
        let n = file.read_at(&mut buf, 0).ok()?;
        let text = std::str::from_utf8(&buf[..n]).ok()?;
        text.split_ascii_whitespace().nth(1)?.parse().ok()
    }

    /// The kernel's page size, from `VmRSS` (in KiB) over the resident page
    /// count read just before it, as the nearest of the sizes Linux uses (4,
    /// 16 or 64 KiB; no libc call: the standard library does not expose
    /// `sysconf`). 4 KiB if unsure.
    fn page_size(pages: u64) -> u64 {
        let kib = std::fs::read_to_string("/proc/self/status").ok().and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        });
        match kib {
            Some(kib) if pages > 0 && kib > 0 => {
                let estimate = (kib * 1024) as f64 / pages as f64;
                let distance = |size: &u64| (estimate / *size as f64).ln().abs();
                [4096u64, 16384, 65536]
                    .into_iter()
                    .min_by(|a, b| distance(a).total_cmp(&distance(b)))
                    .unwrap_or(4096)
            }
            _ => 4096,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "enabled")]
    fn the_cheap_reading_follows_the_process() {
        let mut reader = RssReader::open();
        let before = reader.read().expect("this platform reports resident memory");
        assert!(before > 1 << 20, "{before}");
        // 64 MiB written, so resident.
        let block = vec![1u8; 64 << 20];
        let after = reader.read().unwrap();
        assert!(after >= before + (48 << 20), "{before} -> {after}");
        drop(block);
    }
}

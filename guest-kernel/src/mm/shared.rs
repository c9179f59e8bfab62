//! The shared file mappings of the program: which pages belong to which file at which offset,
//! so that what the program writes there can be written back to the file (msync, munmap,
//! exit: host/file_mappings.rs). Each mapping holds the file through an fd of its own (a
//! duplicate the kernel made at mmap), which is closed once no mapping uses it.

use crate::abi::errno::ENOMEM;

/// The file behind a mapping: the kernel's own fd for it and the file's identity (`st_dev`,
/// `st_ino`) when mapped, so that an fd the program closed and reused is never written to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MappedFile {
    pub fd: u64,
    pub dev: u64,
    pub ino: u64,
}

/// Pages `[start, end)` hold the file's bytes from `offset` on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SharedMapping {
    pub start: u64,
    pub end: u64,
    pub offset: u64,
    pub file: MappedFile,
}

impl SharedMapping {
    /// An empty entry, to fill arrays with.
    pub const NONE: SharedMapping = SharedMapping { start: 0, end: 0, offset: 0, file: MappedFile { fd: 0, dev: 0, ino: 0 } };

    /// The part of this mapping inside `[start, end)`, if any, with its file offset.
    pub fn clip(&self, start: u64, end: u64) -> Option<SharedMapping> {
        let (from, to) = (self.start.max(start), self.end.min(end));
        (from < to).then(|| SharedMapping { start: from, end: to, offset: self.offset + (from - self.start), ..*self })
    }
}

/// Most shared file mappings a program may have at once (more: mmap answers ENOMEM).
pub const MAX_SHARED_MAPPINGS: usize = 64;

/// The mappings, in no order, never overlapping; plus the fds no mapping uses any more, for
/// the kernel to close on the host.
pub struct SharedMappings {
    maps: [SharedMapping; MAX_SHARED_MAPPINGS],
    len: usize,
    unused_fds: [u64; MAX_SHARED_MAPPINGS],
    unused_len: usize,
}

impl Default for SharedMappings {
    fn default() -> Self {
        Self::new()
    }
}

impl SharedMappings {
    pub const fn new() -> Self {
        SharedMappings { maps: [SharedMapping::NONE; MAX_SHARED_MAPPINGS], len: 0, unused_fds: [0; MAX_SHARED_MAPPINGS], unused_len: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn has_room(&self) -> bool {
        self.len < MAX_SHARED_MAPPINGS
    }

    pub fn insert(&mut self, mapping: SharedMapping) -> Result<(), i64> {
        if !self.has_room() {
            return Err(ENOMEM);
        }
        self.maps[self.len] = mapping;
        self.len += 1;
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = &SharedMapping> {
        self.maps[..self.len].iter()
    }

    /// The pages of the other mappings that hold the same file page as `va` of `mapping`.
    pub fn twins_of(&self, mapping: SharedMapping, va: u64) -> impl Iterator<Item = u64> + '_ {
        let file_offset = mapping.offset + (va - mapping.start);
        self.iter()
            .filter(move |m| m.file.dev == mapping.file.dev && m.file.ino == mapping.file.ino)
            .filter(move |m| m.offset <= file_offset && file_offset - m.offset < m.end - m.start)
            .map(move |m| m.start + (file_offset - m.offset))
            .filter(move |&twin| twin != va)
    }

    /// Whether another mapping maps part of the same file as `mapping`.
    pub fn has_twin(&self, mapping: &SharedMapping) -> bool {
        let end = mapping.offset + (mapping.end - mapping.start);
        self.iter().any(|m| {
            m.start != mapping.start
                && (m.file.dev, m.file.ino) == (mapping.file.dev, mapping.file.ino)
                && m.offset < end
                && mapping.offset < m.offset + (m.end - m.start)
        })
    }

    /// The mapping holding the page at `addr`.
    pub fn find(&self, addr: u64) -> Option<SharedMapping> {
        self.maps[..self.len].iter().find(|m| m.start <= addr && addr < m.end).copied()
    }

    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        self.maps[..self.len].iter().any(|m| m.start < end && start < m.end)
    }

    /// The parts of the mappings inside `[start, end)`, into `out`; returns how many.
    pub fn overlapping(&self, start: u64, end: u64, out: &mut [SharedMapping; MAX_SHARED_MAPPINGS]) -> usize {
        let mut count = 0;
        for piece in self.maps[..self.len].iter().filter_map(|m| m.clip(start, end)) {
            out[count] = piece;
            count += 1;
        }
        count
    }

    /// Every mapping of the file `dev`/`ino`, into `out`; returns how many.
    pub fn of_file(&self, dev: u64, ino: u64, out: &mut [SharedMapping; MAX_SHARED_MAPPINGS]) -> usize {
        let mut count = 0;
        for mapping in self.maps[..self.len].iter().filter(|m| m.file.dev == dev && m.file.ino == ino) {
            out[count] = *mapping;
            count += 1;
        }
        count
    }

    /// Takes `[start, end)` out of every mapping (its pages are going away): mappings inside
    /// it vanish, mappings around it are cut or split. An fd no mapping uses any more is kept
    /// for `take_unused_fd`. ENOMEM, changing nothing, when a split finds the table full.
    pub fn remove(&mut self, start: u64, end: u64) -> Result<(), i64> {
        let splits = self.maps[..self.len].iter().filter(|m| m.start < start && end < m.end).count();
        if self.len + splits > MAX_SHARED_MAPPINGS {
            return Err(ENOMEM);
        }
        let mut i = 0;
        while i < self.len {
            let m = self.maps[i];
            if m.end <= start || end <= m.start {
                i += 1;
                continue;
            }
            let before = (m.start < start).then(|| SharedMapping { end: start, ..m });
            let after = (end < m.end).then(|| SharedMapping { start: end, offset: m.offset + (end - m.start), ..m });
            match (before, after) {
                (Some(b), Some(a)) => {
                    self.maps[i] = b;
                    self.maps[self.len] = a;
                    self.len += 1;
                }
                (Some(piece), None) | (None, Some(piece)) => self.maps[i] = piece,
                (None, None) => {
                    self.len -= 1;
                    self.maps[i] = self.maps[self.len];
                    let still_used = self.maps[..self.len].iter().any(|other| other.file.fd == m.file.fd);
                    if !still_used && self.unused_len < MAX_SHARED_MAPPINGS {
                        self.unused_fds[self.unused_len] = m.file.fd;
                        self.unused_len += 1;
                    }
                    continue;
                }
            }
            i += 1;
        }
        Ok(())
    }

    /// An fd that no mapping uses any more, if there is one (the kernel closes it).
    pub fn take_unused_fd(&mut self) -> Option<u64> {
        self.unused_len = self.unused_len.checked_sub(1)?;
        Some(self.unused_fds[self.unused_len])
    }

    /// Takes out the one mapping `[start, end)` lies in, cut to that range, keeping its fd
    /// open (mremap moves it and puts it back); None when the range is not inside one mapping.
    pub fn detach(&mut self, start: u64, end: u64) -> Option<SharedMapping> {
        let piece = self.maps[..self.len].iter().find(|m| m.start <= start && end <= m.end)?.clip(start, end)?;
        self.remove(start, end).ok()?;
        if self.unused_len > 0 && self.unused_fds[self.unused_len - 1] == piece.file.fd {
            self.unused_len -= 1;
        }
        Some(piece)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: MappedFile = MappedFile { fd: 900, dev: 1, ino: 7 };

    fn mapping(start: u64, end: u64, offset: u64, fd: u64) -> SharedMapping {
        SharedMapping { start, end, offset, file: MappedFile { fd, ..FILE } }
    }

    fn all(table: &SharedMappings) -> Vec<SharedMapping> {
        let mut out = [SharedMapping::NONE; MAX_SHARED_MAPPINGS];
        let n = table.overlapping(0, u64::MAX, &mut out);
        let mut v = out[..n].to_vec();
        v.sort_by_key(|m| m.start);
        v
    }

    #[test]
    fn removing_the_middle_splits_with_the_right_offsets_and_keeps_the_fd() {
        let mut table = SharedMappings::new();
        table.insert(mapping(0x10000, 0x14000, 0x2000, 900)).unwrap();
        table.remove(0x11000, 0x12000).unwrap();
        assert_eq!(all(&table), vec![mapping(0x10000, 0x11000, 0x2000, 900), mapping(0x12000, 0x14000, 0x4000, 900)]);
        assert_eq!(table.take_unused_fd(), None, "still used by both halves");
        table.remove(0x10000, 0x14000).unwrap();
        assert!(table.is_empty());
        assert_eq!(table.take_unused_fd(), Some(900), "closed once, when the last part goes");
        assert_eq!(table.take_unused_fd(), None);
    }

    #[test]
    fn overlapping_parts_are_clipped_to_the_range() {
        let mut table = SharedMappings::new();
        table.insert(mapping(0x10000, 0x12000, 0, 900)).unwrap();
        table.insert(mapping(0x20000, 0x22000, 0x5000, 901)).unwrap();
        let mut out = [SharedMapping::NONE; MAX_SHARED_MAPPINGS];
        assert_eq!(table.overlapping(0x11000, 0x21000, &mut out), 2);
        let mut parts = out[..2].to_vec();
        parts.sort_by_key(|m| m.start);
        assert_eq!(parts, vec![mapping(0x11000, 0x12000, 0x1000, 900), mapping(0x20000, 0x21000, 0x5000, 901)]);
        assert_eq!(table.of_file(1, 7, &mut out), 2);
        assert_eq!(table.of_file(1, 8, &mut out), 0);
    }

    #[test]
    fn twins_are_the_other_mappings_pages_of_the_same_file_page() {
        let mut table = SharedMappings::new();
        let first = mapping(0x10000, 0x13000, 0x1000, 900);
        table.insert(first).unwrap();
        assert!(!table.has_twin(&first));
        table.insert(mapping(0x50000, 0x52000, 0x2000, 901)).unwrap();
        table.insert(SharedMapping { file: MappedFile { ino: 8, ..FILE }, ..mapping(0x70000, 0x73000, 0x1000, 902) }).unwrap();
        assert!(table.has_twin(&first));
        // File page 0x2000: page 0x11000 of the first, 0x50000 of the second; not the other file's.
        assert_eq!(table.twins_of(first, 0x11000).collect::<Vec<_>>(), vec![0x50000]);
        assert_eq!(table.twins_of(first, 0x10000).count(), 0, "file page 0x1000 is the first's alone");
    }

    #[test]
    fn detach_takes_a_mapping_out_without_giving_up_its_fd() {
        let mut table = SharedMappings::new();
        table.insert(mapping(0x10000, 0x13000, 0x1000, 900)).unwrap();
        assert_eq!(table.detach(0x10000, 0x13000), Some(mapping(0x10000, 0x13000, 0x1000, 900)));
        assert!(table.is_empty());
        assert_eq!(table.take_unused_fd(), None);
        assert_eq!(table.detach(0x10000, 0x11000), None);
    }

    #[test]
    fn a_split_in_a_full_table_changes_nothing() {
        let mut table = SharedMappings::new();
        for i in 0..MAX_SHARED_MAPPINGS as u64 {
            table.insert(mapping(i * 0x10000, i * 0x10000 + 0x3000, 0, 900 + i)).unwrap();
        }
        assert_eq!(table.insert(mapping(0x100_0000, 0x100_1000, 0, 1)), Err(ENOMEM));
        assert_eq!(table.remove(0x1000, 0x2000), Err(ENOMEM));
        assert_eq!(all(&table).len(), MAX_SHARED_MAPPINGS);
        table.remove(0, 0x3000).unwrap();
        assert_eq!(table.take_unused_fd(), Some(900));
    }
}

//! The map of user virtual memory areas: which ranges exist and with what protection. Page
//! tables follow it lazily (demand paging); this map is the truth for faults and for
//! validating user pointers.

pub const PROT_READ: u32 = 1;
pub const PROT_WRITE: u32 = 2;
pub const PROT_EXEC: u32 = 4;
pub const PROT_MASK: u32 = PROT_READ | PROT_WRITE | PROT_EXEC;

/// What a range was created for (areas of different kinds never merge).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VmaKind {
    /// A segment of the program image.
    Image,
    /// The `brk` heap.
    Heap,
    /// The main thread's stack.
    Stack,
    /// An anonymous `mmap`.
    Anonymous,
    /// An `mmap` of a file: private ones are filled when mapped, shared ones (mm/shared.rs)
    /// when their pages are first touched.
    File,
    /// A shared `mmap` of a file open read-only: a copy filled when mapped, never writable
    /// (mprotect answers EACCES, as Linux does for such a mapping).
    ReadOnlySharedFile,
    /// The vDSO or its vvar page: the kernel's frames, shared by every program, never writable.
    Vdso,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    pub prot: u32,
    pub kind: VmaKind,
}

impl Vma {
    pub const fn new(start: u64, end: u64, prot: u32, kind: VmaKind) -> Self {
        Vma { start, end, prot, kind }
    }
    pub fn allows(&self, need: u32) -> bool {
        self.prot & need == need
    }
}

pub const MAX_VMAS: usize = 1024;

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum VmaError {
    /// The range overlaps an existing area.
    Overlap,
    /// Part of the range is not mapped.
    NotMapped,
    /// The table of areas is full.
    Full,
}

/// Areas sorted by address, never overlapping.
pub struct VmaMap {
    areas: [Vma; MAX_VMAS],
    len: usize,
}

const EMPTY: Vma = Vma::new(0, 0, 0, VmaKind::Anonymous);

impl Default for VmaMap {
    fn default() -> Self {
        Self::new()
    }
}

impl VmaMap {
    pub const fn new() -> Self {
        VmaMap { areas: [EMPTY; MAX_VMAS], len: 0 }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Vma> {
        self.areas[..self.len].iter()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Index of the first area that ends after `addr`.
    fn first_ending_after(&self, addr: u64) -> usize {
        self.areas[..self.len].partition_point(|v| v.end <= addr)
    }

    /// The area containing `addr`.
    pub fn find(&self, addr: u64) -> Option<Vma> {
        let i = self.first_ending_after(addr);
        (i < self.len && self.areas[i].start <= addr).then(|| self.areas[i])
    }

    /// Whether `[start, end)` is covered without holes by areas that all allow `need`.
    pub fn covers(&self, start: u64, end: u64, need: u32) -> bool {
        let mut at = start;
        let mut i = self.first_ending_after(start);
        while at < end {
            if i >= self.len || self.areas[i].start > at || !self.areas[i].allows(need) {
                return false;
            }
            at = self.areas[i].end;
            i += 1;
        }
        true
    }

    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        let i = self.first_ending_after(start);
        i < self.len && self.areas[i].start < end
    }

    /// Adds an area over a free range.
    pub fn insert(&mut self, vma: Vma) -> Result<(), VmaError> {
        if self.overlaps(vma.start, vma.end) {
            return Err(VmaError::Overlap);
        }
        if self.len == MAX_VMAS {
            return Err(VmaError::Full);
        }
        let i = self.first_ending_after(vma.start);
        self.areas.copy_within(i..self.len, i + 1);
        self.areas[i] = vma;
        self.len += 1;
        self.coalesce();
        Ok(())
    }

    /// Splits the area containing `addr` in two at `addr` (no-op on a boundary).
    fn split_at(&mut self, addr: u64) {
        let i = self.first_ending_after(addr);
        if i < self.len && self.areas[i].start < addr {
            let whole = self.areas[i];
            self.areas.copy_within(i..self.len, i + 1);
            self.areas[i] = Vma { end: addr, ..whole };
            self.areas[i + 1] = Vma { start: addr, ..whole };
            self.len += 1;
        }
    }

    /// Merges neighbours that touch and agree in kind and protection.
    fn coalesce(&mut self) {
        let mut out = 0;
        for i in 0..self.len {
            let next = self.areas[i];
            if out > 0 {
                let last = &mut self.areas[out - 1];
                if last.end == next.start && last.prot == next.prot && last.kind == next.kind {
                    last.end = next.end;
                    continue;
                }
            }
            self.areas[out] = next;
            out += 1;
        }
        self.len = out;
    }

    /// Removes `[start, end)` from whatever areas it touches (holes are fine, as for munmap).
    pub fn remove(&mut self, start: u64, end: u64) -> Result<(), VmaError> {
        if self.len + 2 > MAX_VMAS {
            return Err(VmaError::Full);
        }
        self.split_at(start);
        self.split_at(end);
        let first = self.first_ending_after(start);
        let last = self.first_ending_after(end);
        let gone = self.areas[first..last].iter().filter(|v| v.start >= start && v.end <= end).count();
        self.areas.copy_within(first + gone..self.len, first);
        self.len -= gone;
        Ok(())
    }

    /// Sets the protection of `[start, end)`, which must be mapped without holes.
    pub fn protect(&mut self, start: u64, end: u64, prot: u32) -> Result<(), VmaError> {
        if !self.covers(start, end, 0) {
            return Err(VmaError::NotMapped);
        }
        if self.len + 2 > MAX_VMAS {
            return Err(VmaError::Full);
        }
        self.split_at(start);
        self.split_at(end);
        let first = self.first_ending_after(start);
        for vma in &mut self.areas[first..self.len] {
            if vma.start >= end {
                break;
            }
            vma.prot = prot;
        }
        self.coalesce();
        Ok(())
    }

    /// Moves the end of the area that ends at `old_end` (the heap) to `new_end`.
    pub fn resize_ending_at(&mut self, old_end: u64, new_end: u64) -> Result<(), VmaError> {
        let i = self.first_ending_after(old_end - 1);
        if i >= self.len || self.areas[i].end != old_end || new_end <= self.areas[i].start {
            return Err(VmaError::NotMapped);
        }
        if new_end > old_end && self.overlaps(old_end, new_end) {
            return Err(VmaError::Overlap);
        }
        self.areas[i].end = new_end;
        Ok(())
    }

    /// The highest free range of `len` bytes inside `[lowest, highest)`, as its start.
    pub fn find_free(&self, len: u64, lowest: u64, highest: u64) -> Option<u64> {
        let mut top = highest;
        for vma in self.areas[..self.len].iter().rev() {
            if vma.start >= top {
                continue;
            }
            if vma.end <= top && top - vma.end >= len && top - len >= lowest {
                return Some(top - len);
            }
            top = top.min(vma.start);
        }
        (top >= lowest && top - lowest >= len).then(|| top - len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RW: u32 = PROT_READ | PROT_WRITE;

    fn anon(start: u64, end: u64, prot: u32) -> Vma {
        Vma::new(start, end, prot, VmaKind::Anonymous)
    }

    fn ranges(map: &VmaMap) -> Vec<(u64, u64, u32)> {
        map.iter().map(|v| (v.start, v.end, v.prot)).collect()
    }

    #[test]
    fn inserts_sorted_and_merges_neighbours() {
        let mut map = VmaMap::new();
        map.insert(anon(0x5000, 0x6000, RW)).unwrap();
        map.insert(anon(0x1000, 0x2000, RW)).unwrap();
        map.insert(anon(0x2000, 0x3000, PROT_READ)).unwrap();
        map.insert(anon(0x3000, 0x5000, PROT_READ)).unwrap();
        assert_eq!(ranges(&map), vec![(0x1000, 0x2000, RW), (0x2000, 0x5000, PROT_READ), (0x5000, 0x6000, RW)]);
        assert_eq!(map.insert(anon(0x1800, 0x2800, RW)), Err(VmaError::Overlap));
    }

    #[test]
    fn finds_and_checks_coverage() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x3000, RW)).unwrap();
        map.insert(anon(0x3000, 0x4000, PROT_READ)).unwrap();
        map.insert(anon(0x8000, 0x9000, RW)).unwrap();
        assert_eq!(map.find(0x2fff).map(|v| v.start), Some(0x1000));
        assert_eq!(map.find(0x4000), None);
        assert!(map.covers(0x1000, 0x4000, PROT_READ));
        assert!(!map.covers(0x1000, 0x4000, PROT_WRITE));
        assert!(!map.covers(0x3000, 0x8800, PROT_READ));
        assert!(map.covers(0x8100, 0x8200, RW));
        assert!(map.covers(0x8100, 0x8100, RW));
    }

    #[test]
    fn removes_with_splits_and_holes() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x9000, RW)).unwrap();
        map.remove(0x3000, 0x4000).unwrap();
        assert_eq!(ranges(&map), vec![(0x1000, 0x3000, RW), (0x4000, 0x9000, RW)]);
        map.remove(0x2000, 0x5000).unwrap();
        assert_eq!(ranges(&map), vec![(0x1000, 0x2000, RW), (0x5000, 0x9000, RW)]);
        map.remove(0, 0x10000).unwrap();
        assert!(map.is_empty());
    }

    #[test]
    fn protects_a_middle_range_and_merges_back() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x5000, RW)).unwrap();
        map.protect(0x2000, 0x3000, PROT_READ).unwrap();
        assert_eq!(ranges(&map), vec![(0x1000, 0x2000, RW), (0x2000, 0x3000, PROT_READ), (0x3000, 0x5000, RW)]);
        map.protect(0x2000, 0x3000, RW).unwrap();
        assert_eq!(ranges(&map), vec![(0x1000, 0x5000, RW)]);
        assert_eq!(map.protect(0x4000, 0x6000, RW), Err(VmaError::NotMapped));
    }

    #[test]
    fn finds_free_space_top_down() {
        let mut map = VmaMap::new();
        assert_eq!(map.find_free(0x1000, 0x1000, 0x10000), Some(0xf000));
        map.insert(anon(0xe000, 0x10000, RW)).unwrap();
        map.insert(anon(0xa000, 0xc000, RW)).unwrap();
        assert_eq!(map.find_free(0x2000, 0x1000, 0x10000), Some(0xc000));
        assert_eq!(map.find_free(0x3000, 0x1000, 0x10000), Some(0x7000));
        assert_eq!(map.find_free(0xa000, 0x1000, 0x10000), None);
        assert_eq!(map.find_free(0x9000, 0x1000, 0x10000), Some(0x1000));
    }

    #[test]
    fn resizes_the_heap() {
        let mut map = VmaMap::new();
        map.insert(Vma::new(0x1000, 0x2000, RW, VmaKind::Heap)).unwrap();
        map.insert(anon(0x5000, 0x6000, RW)).unwrap();
        map.resize_ending_at(0x2000, 0x4000).unwrap();
        assert_eq!(map.find(0x3fff).map(|v| v.kind), Some(VmaKind::Heap));
        assert_eq!(map.resize_ending_at(0x4000, 0x6000), Err(VmaError::Overlap));
        map.resize_ending_at(0x4000, 0x3000).unwrap();
        assert_eq!(map.find(0x3000), None);
    }

    #[test]
    fn reports_a_full_table() {
        let mut map = VmaMap::new();
        for i in 0..MAX_VMAS as u64 {
            map.insert(anon(0x1000 + i * 0x2000, 0x2000 + i * 0x2000, RW)).unwrap();
        }
        assert_eq!(map.insert(anon(0x10_0000_0000, 0x10_0000_1000, RW)), Err(VmaError::Full));
        assert_eq!(map.remove(0x1000, 0x1800), Err(VmaError::Full));
    }
}

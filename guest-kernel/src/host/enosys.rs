//! Counting the system calls the kernel does not implement, for the host's report at exit.

/// One entry of the table the EXIT port hands over: `u32 nr, u32 count`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct EnosysEntry {
    pub nr: u32,
    pub count: u32,
}

pub const MAX_ENTRIES: usize = 128;

pub struct EnosysTable {
    entries: [EnosysEntry; MAX_ENTRIES],
    len: usize,
}

impl Default for EnosysTable {
    fn default() -> Self {
        Self::new()
    }
}

impl EnosysTable {
    pub const fn new() -> Self {
        EnosysTable { entries: [EnosysEntry { nr: 0, count: 0 }; MAX_ENTRIES], len: 0 }
    }

    /// Counts one more call of `nr` (numbers beyond the table's room are folded into the
    /// last entry's count would hide them, so they are dropped; 128 distinct calls is plenty).
    pub fn record(&mut self, nr: u64) {
        let nr = nr.min(u32::MAX as u64) as u32;
        if let Some(entry) = self.entries[..self.len].iter_mut().find(|e| e.nr == nr) {
            entry.count = entry.count.saturating_add(1);
        } else if self.len < MAX_ENTRIES {
            self.entries[self.len] = EnosysEntry { nr, count: 1 };
            self.len += 1;
        }
    }

    pub fn entries(&self) -> &[EnosysEntry] {
        &self.entries[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_number_once_per_entry() {
        let mut table = EnosysTable::new();
        table.record(56);
        table.record(7);
        table.record(56);
        assert_eq!(table.entries(), &[EnosysEntry { nr: 56, count: 2 }, EnosysEntry { nr: 7, count: 1 }]);
    }

    #[test]
    fn stops_adding_when_full() {
        let mut table = EnosysTable::new();
        for nr in 0..200 {
            table.record(nr);
        }
        assert_eq!(table.entries().len(), MAX_ENTRIES);
        table.record(u64::MAX);
        assert_eq!(table.entries().len(), MAX_ENTRIES);
    }
}

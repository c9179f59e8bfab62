//! `struct stat` and `struct statx` on x86-64: the host's newfstatat writes the one, statx(2)
//! returns the other.

/// `sizeof(struct stat)`.
pub const STAT_SIZE: usize = 144;
/// Offsets in `struct stat` of the device and inode numbers (`st_dev`, `st_ino`, u64).
pub const ST_DEV: usize = 0;
pub const ST_INO: usize = 8;
/// Offsets in `struct stat` of the owner (`st_uid`, u32) and the size (`st_size`, u64).
pub const ST_UID: usize = 28;
pub const ST_SIZE: usize = 48;

/// `sizeof(struct statx)`.
pub const STATX_SIZE: usize = 256;
/// The fields a `struct statx` made from a `struct stat` has (STATX_BASIC_STATS).
const STATX_BASIC_STATS: u32 = 0x7ff;

/// The `struct statx` of the `struct stat` in `stat`: the basic statistics.
pub fn statx_of(stat: &[u8]) -> [u8; STATX_SIZE] {
    let word = |at: usize| u64::from_le_bytes(stat[at..at + 8].try_into().unwrap());
    let mut out = [0u8; STATX_SIZE];
    let mut put = |at: usize, bytes: &[u8]| out[at..at + bytes.len()].copy_from_slice(bytes);
    let (dev, rdev) = (word(0), word(40));
    put(0, &STATX_BASIC_STATS.to_le_bytes());
    put(4, &(word(56) as u32).to_le_bytes());
    put(16, &(word(16) as u32).to_le_bytes());
    put(20, &stat[28..32]);
    put(24, &stat[32..36]);
    put(28, &stat[24..26]);
    put(32, &word(8).to_le_bytes());
    put(40, &word(48).to_le_bytes());
    put(48, &word(64).to_le_bytes());
    // atime, ctime, mtime: seconds then nanoseconds (u32); struct stat has them at 72, 104, 88.
    for (to, from) in [(64, 72), (96, 104), (112, 88)] {
        put(to, &word(from).to_le_bytes());
        put(to + 8, &(word(from + 8) as u32).to_le_bytes());
    }
    let major = |d: u64| (((d >> 8) & 0xfff) | ((d >> 32) & !0xfff)) as u32;
    let minor = |d: u64| ((d & 0xff) | ((d >> 12) & !0xff)) as u32;
    put(128, &major(rdev).to_le_bytes());
    put(132, &minor(rdev).to_le_bytes());
    put(136, &major(dev).to_le_bytes());
    put(140, &minor(dev).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
    }

    fn u64_at(bytes: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
    }

    #[test]
    fn a_statx_carries_the_fields_of_the_stat() {
        let mut stat = [0u8; STAT_SIZE];
        let mut put = |at: usize, bytes: &[u8]| stat[at..at + bytes.len()].copy_from_slice(bytes);
        put(0, &0x0803u64.to_le_bytes()); // st_dev: 8:3
        put(8, &77u64.to_le_bytes()); // st_ino
        put(16, &2u64.to_le_bytes()); // st_nlink
        put(24, &0o100644u32.to_le_bytes()); // st_mode
        put(ST_UID, &1000u32.to_le_bytes());
        put(32, &1001u32.to_le_bytes()); // st_gid
        put(40, &((0x123u64 << 8) | 0x89 | (0x6700u64 << 12)).to_le_bytes()); // st_rdev: 0x123:0x6789
        put(ST_SIZE, &5000u64.to_le_bytes());
        put(56, &4096u64.to_le_bytes()); // st_blksize
        put(64, &16u64.to_le_bytes()); // st_blocks
        for (at, seconds) in [(72, 10u64), (88, 20), (104, 30)] {
            put(at, &seconds.to_le_bytes()); // atime, mtime, ctime
            put(at + 8, &(seconds * 1000).to_le_bytes());
        }
        let statx = statx_of(&stat);
        assert_eq!(u32_at(&statx, 0), STATX_BASIC_STATS);
        assert_eq!((u32_at(&statx, 4), u32_at(&statx, 16)), (4096, 2), "blksize, nlink");
        assert_eq!((u32_at(&statx, 20), u32_at(&statx, 24)), (1000, 1001), "uid, gid");
        assert_eq!(u32_at(&statx, 28) & 0xffff, 0o100644, "mode");
        assert_eq!((u64_at(&statx, 32), u64_at(&statx, 40), u64_at(&statx, 48)), (77, 5000, 16), "ino, size, blocks");
        assert_eq!((u64_at(&statx, 64), u32_at(&statx, 72)), (10, 10_000), "atime");
        assert_eq!((u64_at(&statx, 96), u32_at(&statx, 104)), (30, 30_000), "ctime");
        assert_eq!((u64_at(&statx, 112), u32_at(&statx, 120)), (20, 20_000), "mtime");
        assert_eq!(u64_at(&statx, 80), 0, "no birth time");
        assert_eq!((u32_at(&statx, 128), u32_at(&statx, 132)), (0x123, 0x6789), "rdev major, minor");
        assert_eq!((u32_at(&statx, 136), u32_at(&statx, 140)), (8, 3), "dev major, minor");
    }
}

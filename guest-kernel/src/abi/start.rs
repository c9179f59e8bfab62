//! The start message of a warm start (docs/guest-abi.md, "Start message"): what a clone of a
//! program's template reads from fd `START_FD` at the kernel's start point, in place of the
//! boot info's strings, randomness and time.

use crate::abi::boot::{ProgramStrings, StringsError};

/// The fd the kernel reads its start message from (the host's `WarmStart.START_FD`).
pub const START_FD: u64 = 3;

/// "NVXSTRT1" read as a little-endian u64.
pub const START_MAGIC: u64 = 0x3154_5254_5358_564e;

/// Bytes before the strings block: magic, realtime_ns, 16 random bytes, argc, envc.
pub const HEADER_SIZE: usize = 48;

/// A parsed start message: borrowed from the bytes read.
pub struct StartMessage<'a> {
    pub realtime_ns: u64,
    pub random: [u8; 16],
    pub strings: ProgramStrings<'a>,
}

/// Why a start message cannot be used.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum StartMessageError {
    TooShort,
    BadMagic,
    Strings(StringsError),
}

fn u64_at(bytes: &[u8], offset: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[offset..offset + 8]);
    u64::from_le_bytes(word)
}

impl<'a> StartMessage<'a> {
    /// Parses `bytes`, all of them: the header, then exactly `1 + argc + envc` strings.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, StartMessageError> {
        if bytes.len() < HEADER_SIZE {
            return Err(StartMessageError::TooShort);
        }
        if u64_at(bytes, 0) != START_MAGIC {
            return Err(StartMessageError::BadMagic);
        }
        let mut random = [0u8; 16];
        random.copy_from_slice(&bytes[16..32]);
        let strings = ProgramStrings::parse(&bytes[HEADER_SIZE..], u64_at(bytes, 32), u64_at(bytes, 40))
            .map_err(StartMessageError::Strings)?;
        Ok(StartMessage { realtime_ns: u64_at(bytes, 8), random, strings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(realtime_ns: u64, argc: u64, envc: u64, strings: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend(START_MAGIC.to_le_bytes());
        bytes.extend(realtime_ns.to_le_bytes());
        bytes.extend(1..=16u8);
        bytes.extend(argc.to_le_bytes());
        bytes.extend(envc.to_le_bytes());
        bytes.extend(strings);
        bytes
    }

    #[test]
    fn the_magic_spells_its_name() {
        assert_eq!(&START_MAGIC.to_le_bytes(), b"NVXSTRT1");
    }

    #[test]
    fn parses_time_randomness_and_strings() {
        let bytes = message(1_700_000_000_000_000_000, 2, 1, b"/app/prog\0prog\0-v\0HOME=/tmp\0");
        let parsed = StartMessage::parse(&bytes).unwrap();
        assert_eq!(parsed.realtime_ns, 1_700_000_000_000_000_000);
        assert_eq!(parsed.random, core::array::from_fn(|i| i as u8 + 1));
        assert_eq!(parsed.strings.exec_path, b"/app/prog");
        assert_eq!(parsed.strings.argv().collect::<Vec<_>>(), vec![&b"prog"[..], &b"-v"[..]]);
        assert_eq!(parsed.strings.envp().collect::<Vec<_>>(), vec![&b"HOME=/tmp"[..]]);
    }

    #[test]
    fn refuses_short_or_foreign_messages() {
        let bytes = message(0, 0, 0, b"/p\0");
        assert_eq!(StartMessage::parse(&bytes[..HEADER_SIZE - 1]).err(), Some(StartMessageError::TooShort));
        assert_eq!(StartMessage::parse(&[]).err(), Some(StartMessageError::TooShort));
        let mut foreign = bytes.clone();
        foreign[0] ^= 1;
        assert_eq!(StartMessage::parse(&foreign).err(), Some(StartMessageError::BadMagic));
    }

    #[test]
    fn refuses_hostile_counts_and_strings() {
        let strings = |e| Some(StartMessageError::Strings(e));
        assert_eq!(StartMessage::parse(&message(0, u64::MAX, 0, b"/p\0")).err(), strings(StringsError::TooManyStrings));
        assert_eq!(StartMessage::parse(&message(0, 1, u64::MAX, b"/p\0")).err(), strings(StringsError::TooManyStrings));
        assert_eq!(StartMessage::parse(&message(0, 1 << 15, 1 << 15, b"/p\0")).err(), strings(StringsError::TooFewStrings));
        assert_eq!(StartMessage::parse(&message(0, 1, 0, b"/p\0a")).err(), strings(StringsError::TooFewStrings));
        assert_eq!(StartMessage::parse(&message(0, 0, 0, b"/p\0extra\0")).err(), strings(StringsError::TrailingBytes));
        assert_eq!(StartMessage::parse(&message(0, 0, 0, b"")).err(), strings(StringsError::TooFewStrings));
        assert_eq!(StartMessage::parse(&message(0, 0, 0, b"/p")).err(), strings(StringsError::TooFewStrings));
    }
}

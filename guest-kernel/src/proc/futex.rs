//! Futexes: WAIT, WAKE, REQUEUE, CMP_REQUEUE and their BITSET forms, with wait queues in the
//! scheduler (sched.rs). A wait blocks the calling thread; another thread runs meanwhile.
//! Private and shared futexes are the same: there is one address space.

#[cfg(not(test))]
use crate::abi::errno::{EAGAIN, EINVAL, ENOSYS, ETIMEDOUT};
#[cfg(not(test))]
use crate::abi::linux::{Timespec, CLOCK_REALTIME};
#[cfg(not(test))]
use crate::host::clock;
#[cfg(not(test))]
use crate::mm::user;
#[cfg(not(test))]
use crate::proc::sched::{self, Block, MATCH_ANY};
#[cfg(not(test))]
use crate::proc::task::{self, with_scheduler};

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_REQUEUE: u64 = 3;
const FUTEX_CMP_REQUEUE: u64 = 4;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;
const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;

/// futex(2) with its arguments as the call passes them; `timeout` is the most waiters to move
/// for the requeue operations.
#[cfg(not(test))]
pub fn futex(uaddr: u64, op: u64, val: u32, timeout: u64, uaddr2: u64, val3: u32) -> Result<u64, i64> {
    let command = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    sched::check_futex_address(uaddr)?;
    match command {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if command == FUTEX_WAIT { MATCH_ANY } else { val3 };
            if bitset == 0 {
                return Err(EINVAL);
            }
            let deadline = deadline(command, op, timeout)?;
            if user::read::<u32>(uaddr)? != val {
                return Err(EAGAIN);
            }
            task::block(Block { futex: Some((uaddr, bitset)), deadline, on_timeout: -ETIMEDOUT, fd: None });
            Ok(0)
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if command == FUTEX_WAKE { MATCH_ANY } else { val3 };
            if bitset == 0 {
                return Err(EINVAL);
            }
            // A woken thread waits for its turn: the waker may now be preempted for it.
            Ok(with_scheduler(|s| {
                let woken = s.wake(uaddr, bitset, val as u64);
                task::ask_preemption(s);
                woken
            }))
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            // The timeout argument is the most waiters to move; uaddr2 is the new word.
            let (moved, target) = (timeout as u32 as u64, uaddr2);
            sched::check_futex_address(target)?;
            if command == FUTEX_CMP_REQUEUE && user::read::<u32>(uaddr)? != val3 {
                return Err(EAGAIN);
            }
            Ok(with_scheduler(|s| {
                let done = s.wake_and_requeue(uaddr, val as u64, target, moved);
                task::ask_preemption(s);
                done
            }))
        }
        _ => Err(ENOSYS),
    }
}

/// Whether a futex call with operation `op` only wakes or moves waiters (it never blocks the
/// caller): those stay on the lean system call path, the common case in lock and condition
/// variable hand-offs.
pub fn never_blocks(op: u64) -> bool {
    let command = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    matches!(command, FUTEX_WAKE | FUTEX_WAKE_BITSET | FUTEX_REQUEUE | FUTEX_CMP_REQUEUE)
}

/// The monotonic deadline of a futex wait: none without a timeout; FUTEX_WAIT's timeout is
/// relative, FUTEX_WAIT_BITSET's absolute on CLOCK_MONOTONIC or (flag) CLOCK_REALTIME.
#[cfg(not(test))]
fn deadline(command: u64, op: u64, timeout: u64) -> Result<Option<u64>, i64> {
    if timeout == 0 {
        return Ok(None);
    }
    let limit = user::read::<Timespec>(timeout)?.to_ns()?;
    let monotonic = task::monotonic_now();
    if command == FUTEX_WAIT {
        return Ok(Some(monotonic.saturating_add(limit)));
    }
    if op & FUTEX_CLOCK_REALTIME != 0 {
        let realtime = clock::read(CLOCK_REALTIME).unwrap_or(0);
        return Ok(Some(monotonic.saturating_add(limit.saturating_sub(realtime))));
    }
    Ok(Some(limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wakes_and_requeues_never_block_waits_do() {
        for op in [FUTEX_WAKE, FUTEX_WAKE_BITSET, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE] {
            assert!(never_blocks(op), "op {op}");
            assert!(never_blocks(op | FUTEX_PRIVATE_FLAG), "private op {op}");
        }
        assert!(!never_blocks(FUTEX_WAIT));
        assert!(!never_blocks(FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
        assert!(!never_blocks(5), "an unknown operation takes the full path");
    }
}

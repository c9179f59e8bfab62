#!/usr/bin/env python3
"""Counts the guest kernel instructions PVM emulates while COMMAND runs, from KVM's
kvm_emulate_insn trace event (one event per emulated instruction), and optionally which kernel
functions they were in. Under this host's kvm_pvm every kernel instruction is emulated, so the
count is the kernel's work in a unit that does not depend on the machine's load.

    sudo mount -t debugfs none /sys/kernel/debug     # once; needs root
    benchmarks/pvm-probe/emulated.py [--kernel ELF] [--top N] -- COMMAND [ARGS...]

Only COMMAND and its threads are traced; the busiest vCPU thread is counted (one VM per run).
ELF is the guest kernel binary with its symbols (guest-kernel/target/cargo/release/nanvix-kernel).
Not part of the product: a measuring tool whose figures docs/benchmarks.md quotes.
"""
import argparse
import bisect
import collections
import os
import re
import subprocess
import sys

TRACING = '/sys/kernel/debug/tracing'
EVENT = re.compile(r'kvm_emulate_insn: [0-9a-f]+:([0-9a-f]+):')


def write(name, value):
    with open(os.path.join(TRACING, name), 'w') as f:
        f.write(value)


def symbols(elf):
    table = []
    listing = subprocess.run(['nm', '-n', '-C', elf], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        parts = line.split(' ', 2)
        if len(parts) == 3 and parts[1].lower() in 'tw':
            table.append((int(parts[0], 16), parts[2]))
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--kernel', help='guest kernel ELF, for a profile by function')
    parser.add_argument('--top', type=int, default=20)
    parser.add_argument('--buffer-kb', type=int, default=200000, help='trace buffer per CPU')
    parser.add_argument('command', nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ['--'] else args.command
    if not command:
        parser.error('no COMMAND')

    write('tracing_on', '0')
    write('events/enable', '0')
    write('events/kvm/kvm_emulate_insn/enable', '1')
    write('options/event-fork', '1')
    write('buffer_size_kb', str(args.buffer_kb))
    write('trace', '')
    # Only this process is traced; COMMAND and its threads (the vCPUs) follow through event-fork.
    write('set_event_pid', str(os.getpid()))
    write('tracing_on', '1')
    status = subprocess.run(command).returncode
    write('tracing_on', '0')
    write('set_event_pid', '')

    per_thread = collections.defaultdict(list)
    lost = 0
    with open(os.path.join(TRACING, 'trace')) as trace:
        for line in trace:
            match = EVENT.search(line)
            if match:
                per_thread[line.split()[0]].append(int(match.group(1), 16))
            elif 'LOST' in line:
                lost += int(re.search(r'LOST (\d+)', line).group(1))
    if not per_thread:
        print('no emulated instructions traced', file=sys.stderr)
        return 1
    thread, rips = max(per_thread.items(), key=lambda item: len(item[1]))
    print(f'{len(rips)} emulated instructions in {thread} (command exit status {status}, {lost} events lost)')
    if args.kernel:
        table = symbols(args.kernel)
        starts = [address for address, _ in table]
        counts = collections.Counter()
        for rip in rips:
            i = bisect.bisect_right(starts, rip) - 1
            counts[table[i][1] if i >= 0 else '?'] += 1
        for name, n in counts.most_common(args.top):
            print(f'{n:9d} {100 * n / len(rips):5.1f}% {name}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

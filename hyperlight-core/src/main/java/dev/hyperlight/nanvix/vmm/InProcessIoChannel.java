package dev.hyperlight.nanvix.vmm;

import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.loader.GuestAbi;
import dev.hyperlight.nanvix.memory.GuestMemory;
import dev.hyperlight.nanvix.memory.PageTableWalker;
import dev.hyperlight.nanvix.memory.UserMemory;
import dev.hyperlight.nanvix.syscall.FastCalls;
import dev.hyperlight.nanvix.syscall.RunState;
import dev.hyperlight.nanvix.syscall.SyscallRequest;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import java.lang.foreign.ValueLayout;

/** Single-process mode: the vCPU thread itself runs the syscall table over the sandbox's I/O. */
final class InProcessIoChannel implements IoChannel {

    private final SyscallTable table;
    private final GuestMemory memory;
    private final PageTableWalker walker;
    private final HostIo io;
    private final RunState runState;

    InProcessIoChannel(SyscallTable table, GuestMemory memory, HostIo io, RunState runState) {
        this.table = table;
        this.memory = memory;
        this.walker = new PageTableWalker(memory);
        this.io = io;
        this.runState = runState;
    }

    @Override
    public long call(SyscallRequest request, long cr3) {
        GuestMemory addressed = cr3 == 0 ? memory : new UserMemory(memory, walker, cr3);
        return table.dispatch(request, addressed, io, runState);
    }

    @Override
    public FastCalls.Program program(long cr3) {
        return new FastCalls.Program() {
            @Override
            public long umask() {
                return new UserMemory(memory, walker, cr3).readable(GuestAbi.DOOR_VA + GuestAbi.DOOR_UMASK_OFFSET, 8)
                        .get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
            }

            @Override
            public boolean writeCanBreakPipe(long fd) {
                return io.descriptors().writeCanBreakPipe(fd);
            }

            @Override
            public boolean readWouldWait(long fd) {
                return io.descriptors().readWouldWait(fd);
            }
        };
    }

    @Override
    public void close() {
        io.close();
    }
}

package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.hypervisor.DescriptorTable;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.Segment;
import dev.hyperlight.nanvix.hypervisor.SpecialRegisters;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A hypervisor without hardware, for the sandbox's own logic: its VMs have real (host) RAM, so the
 * guest image is written as for a real VM, and a vCPU's {@link VirtualCpu#run()} parks its thread
 * as a spinning guest would hold it, until {@link VirtualCpu#interrupt()}. It records what a test
 * checks: which VMs and vCPUs were closed, which threads ran them.
 */
final class ParkedHypervisor implements Hypervisor {

    /** Opened by a test to let {@link #createVm} go on; open from the start unless held. */
    final CountDownLatch createVmMayGoOn;
    /** Counted down when a {@link #createVm} call starts. */
    final CountDownLatch createVmCalled = new CountDownLatch(1);
    /**
     * Opened by a test to let an interrupted vCPU leave {@code run()}: until then its thread
     * ignores the stop, as a host call that cannot be interrupted would.
     */
    final CountDownLatch interruptedRunMayReturn;
    final List<ParkedVm> vms = new CopyOnWriteArrayList<>();
    volatile boolean closed;

    private ParkedHypervisor(boolean holdCreateVm, boolean ignoreInterrupts) {
        createVmMayGoOn = new CountDownLatch(holdCreateVm ? 1 : 0);
        interruptedRunMayReturn = new CountDownLatch(ignoreInterrupts ? 1 : 0);
    }

    /** VMs created at once, whose vCPUs leave {@code run()} as soon as they are interrupted. */
    static ParkedHypervisor prompt() {
        return new ParkedHypervisor(false, false);
    }

    /** {@link #createVm} waits for {@link #createVmMayGoOn}. */
    static ParkedHypervisor holdingCreateVm() {
        return new ParkedHypervisor(true, false);
    }

    /** An interrupted vCPU leaves {@code run()} only once {@link #interruptedRunMayReturn} opens. */
    static ParkedHypervisor ignoringInterrupts() {
        return new ParkedHypervisor(false, true);
    }

    @Override
    public String name() {
        return "parked";
    }

    @Override
    public VirtualMachine createVm(long memorySize) {
        createVmCalled.countDown();
        await(createVmMayGoOn);
        ParkedVm vm = new ParkedVm(memorySize);
        vms.add(vm);
        return vm;
    }

    /** The vCPU of the only VM created so far, once it exists. */
    ParkedVcpu onlyVcpu() {
        return vms.getFirst().vcpus.getFirst();
    }

    @Override
    public void close() {
        closed = true;
    }

    /**
     * Waits for {@code latch} as KVM_RUN waits for a kick: the host also interrupts the Java
     * thread of a stopped process (to wake its blocking host calls), which must not end the wait.
     */
    private static void await(CountDownLatch latch) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        boolean interrupted = false;
        while (true) {
            try {
                if (!latch.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                    throw new IllegalStateException("the test never opened the latch");
                }
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    final class ParkedVm implements VirtualMachine {
        private final Arena arena = Arena.ofShared();
        private final MemorySegment ram;
        final List<ParkedVcpu> vcpus = new CopyOnWriteArrayList<>();
        volatile boolean closed;

        ParkedVm(long memorySize) {
            ram = arena.allocate(memorySize, 4096);
        }

        @Override
        public MemorySegment memory() {
            return ram;
        }

        @Override
        public VirtualCpu createVcpu() {
            ParkedVcpu vcpu = new ParkedVcpu();
            vcpus.add(vcpu);
            return vcpu;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                vcpus.forEach(ParkedVcpu::close);
                arena.close();
            }
        }
    }

    final class ParkedVcpu implements VirtualCpu {
        /** Counted down when a thread enters {@link #run()}: the guest is "running". */
        final CountDownLatch running = new CountDownLatch(1);
        private final CountDownLatch interrupted = new CountDownLatch(1);
        volatile Thread runThread;
        /** Whether the interrupt came before the first run, so the guest never ran. */
        volatile boolean interruptedBeforeRun;
        volatile boolean closed;

        @Override
        public VmExit run() {
            runThread = Thread.currentThread();
            running.countDown();
            await(interrupted);
            await(interruptedRunMayReturn);
            return new VmExit.Interrupted();
        }

        @Override
        public void interrupt() {
            if (runThread == null && interrupted.getCount() > 0) {
                interruptedBeforeRun = true;
            }
            interrupted.countDown();
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public Registers registers() {
            return Registers.entry(0, 0, 2, 0, 0);
        }

        @Override
        public void setRegisters(Registers registers) {}

        @Override
        public SpecialRegisters specialRegisters() {
            Segment none = new Segment(0, 0, 0, 0, false, 0, false, false, false, false, false, true);
            DescriptorTable empty = new DescriptorTable(0, 0);
            return new SpecialRegisters(none, none, none, none, none, none, none, none, empty, empty,
                    0, 0, 0, 0, 0, 0, 0);
        }

        @Override
        public void setSpecialRegisters(SpecialRegisters registers) {}

        @Override
        public void setMsr(int index, long value) {}

        @Override
        public long tscKhz() {
            return 0;
        }
    }
}

package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.hypervisor.ClonedVm;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the KVM backend costs on its own, below the guest kernel: creating and destroying a VM,
 * and the bare exit round trip (a ring-0 {@code out} in a hand-assembled guest, to the host and
 * back). The forwarded system call of {@code LibraryBenchmarks} is judged against the latter.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class KvmBenchmarks {

    private static final int PORT = 0x6e0;

    /** /dev/kvm, opened once per fork. */
    @State(Scope.Benchmark)
    public static class Kvm {
        KvmHypervisor hypervisor;

        @Setup
        public void open() throws HypervisorException {
            hypervisor = KvmHypervisor.open(KvmHypervisor.DEVICE);
        }

        @TearDown
        public void close() {
            hypervisor.close();
        }
    }

    /** Creates and destroys an empty micro-VM of the library's default size with its one vCPU. */
    @Benchmark
    public void createAndCloseEmptyVm(Kvm kvm) throws HypervisorException {
        try (VirtualMachine vm = kvm.hypervisor.createVm(RuntimeConfig.DEFAULT_MEMORY);
                VirtualCpu vcpu = vm.createVcpu()) {
            vcpu.tscKhz(); // one ioctl, as a run asks it before boot; the guest is never entered
        }
    }

    /** Creates a small VM, enters a guest that exits at once with an {@code out}, and destroys it. */
    @Benchmark
    public VmExit createRunToFirstExitAndClose(Kvm kvm) throws HypervisorException {
        try (VirtualMachine vm = kvm.hypervisor.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, new GuestCode().movAl(1).outImm8Al(0x80).hlt().bytes());
            return vcpu.run();
        }
    }

    /**
     * A snapshot of a VM of the library's default size, taken at the first of two {@code out}
     * exits of the test guest: what a warm start clones.
     */
    @State(Scope.Benchmark)
    public static class Snapshot {
        KvmHypervisor hypervisor;
        VmSnapshot snapshot;

        @Setup(Level.Trial)
        public void take() throws HypervisorException {
            hypervisor = KvmHypervisor.open(KvmHypervisor.DEVICE);
            try (VirtualMachine vm = hypervisor.createVm(RuntimeConfig.DEFAULT_MEMORY); VirtualCpu vcpu = vm.createVcpu()) {
                TestGuest.load(vm.memory(), vcpu,
                        new GuestCode().movAl(1).outImm8Al(0x80).movAl(2).outImm8Al(0x80).hlt().bytes());
                vcpu.run();
                snapshot = vm.snapshot(vcpu, Map.of());
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            snapshot.close();
            hypervisor.close();
        }
    }

    /**
     * A warm start's host work and first entry: a copy-on-write clone of the snapshot (RAM mapped
     * from it, vCPU state restored, TSC moved on), entered, its next exit, closed.
     */
    @Benchmark
    public VmExit cloneRunToNextExitAndClose(Snapshot snapshot) throws HypervisorException {
        try (ClonedVm clone = snapshot.hypervisor.cloneVm(snapshot.snapshot)) {
            return clone.vcpu().run();
        }
    }

    /**
     * A VM whose guest writes to a port in a loop (2^31 times, i.e. for as long as any run takes).
     * {@code syncRegisters} picks how each exit's privilege level is read: from KVM's synced
     * registers or with {@code KVM_GET_SREGS}.
     */
    @State(Scope.Thread)
    public static class OutLoop {
        @Param({"true", "false"})
        public boolean syncRegisters;

        KvmHypervisor hypervisor;
        VirtualMachine vm;
        VirtualCpu vcpu;

        @Setup(Level.Trial)
        public void start() throws HypervisorException {
            GuestCode code = new GuestCode().movDx(PORT).movEcx(Integer.MAX_VALUE);
            int loop = code.position();
            byte[] guest = code.outDxEax().decEcx().jnzBackTo(loop).hlt().bytes();
            hypervisor = KvmHypervisor.open(KvmHypervisor.DEVICE, syncRegisters);
            vm = hypervisor.createVm(TestGuest.RAM_SIZE);
            vcpu = vm.createVcpu();
            TestGuest.load(vm.memory(), vcpu, guest);
        }

        @TearDown(Level.Trial)
        public void stop() {
            vcpu.close();
            vm.close();
            hypervisor.close();
        }
    }

    /** One VM exit and re-entry: the floor under every hypercall the guest kernel makes. */
    @Benchmark
    public VmExit exitRoundTrip(OutLoop loop) throws HypervisorException {
        return loop.vcpu.run();
    }

    /** A VM whose guest spins, run on its own platform thread until interrupted. */
    @State(Scope.Thread)
    public static class Spinning {
        VirtualMachine vm;
        VirtualCpu vcpu;
        CompletableFuture<Long> returnedAt;

        @Setup(Level.Invocation)
        public void start(Kvm kvm) throws Exception {
            vm = kvm.hypervisor.createVm(TestGuest.RAM_SIZE);
            vcpu = vm.createVcpu();
            TestGuest.load(vm.memory(), vcpu, new GuestCode().spin().bytes());
            returnedAt = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                try {
                    VmExit exit = vcpu.run();
                    long now = System.nanoTime();
                    if (exit instanceof VmExit.Interrupted) {
                        returnedAt.complete(now);
                    } else {
                        returnedAt.completeExceptionally(new IllegalStateException("unexpected exit " + exit));
                    }
                } catch (HypervisorException e) {
                    returnedAt.completeExceptionally(e);
                }
            });
            Thread.sleep(20); // well inside the spinning guest
        }

        @TearDown(Level.Invocation)
        public void stop() {
            vcpu.close();
            vm.close();
        }
    }

    /** From {@code interrupt()} to the vCPU thread's {@code run()} returning, in a spinning guest. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 5, batchSize = 1)
    @Measurement(iterations = 30, batchSize = 1)
    public long interruptLatency(Spinning spinning) throws Exception {
        spinning.vcpu.interrupt();
        return spinning.returnedAt.get(1, TimeUnit.SECONDS);
    }
}

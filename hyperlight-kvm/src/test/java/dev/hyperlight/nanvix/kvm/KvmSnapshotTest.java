package dev.hyperlight.nanvix.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.hostmem.GuestRam;
import dev.hyperlight.nanvix.hostmem.SnapshotRam;
import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.ClonedVm;
import dev.hyperlight.nanvix.hypervisor.Deployment;
import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.SnapshotRefusedException;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots of a hand-assembled guest on the real /dev/kvm: clones resume after the exit the
 * snapshot was taken at, each with its own copy-on-write RAM, their TSC moved on by the time since
 * (or, under PVM, reporting how far it is from that), and a snapshot saved to a file loads back or
 * is refused.
 *
 * <p>The guest stops at an {@code out} (the snapshot point), then reads a dword from {@link
 * #MAILBOX}, which the host writes into each clone, stores it at {@link #DATA} and reports it with
 * another {@code out}; then it reads the TSC and reports it in two halves.
 */
class KvmSnapshotTest extends KvmTestHypervisors {

    private static final int PORT = 0x6e0;
    private static final long MAILBOX = 0xb000;
    private static final long DATA = 0xc000;
    private static final int IN_SNAPSHOT = 0x5eed;
    private static final Map<String, String> TAGS = Map.of("kernel", "k1", "image", "i1");
    private static final byte[] GUEST = new GuestCode()
            .movAl(1).outImm8Al(0x80)
            .movRax((int) MAILBOX).loadDwordFromRax()
            .movEcx((int) DATA).storeEaxAtRcx()
            .movDx(PORT).outDxEax()
            .rdtsc().movEbxEdx().movDx(PORT).outDxEax().movEaxEbx().outDxEax()
            .hlt().bytes();

    @TempDir
    Path directory;

    /** Runs the guest to its first exit, sets {@link #DATA} and takes the snapshot. */
    private static VmSnapshot snapshotAtFirstExit(KvmHypervisor hypervisor) throws HypervisorException {
        try (VirtualMachine vm = hypervisor.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, GUEST);
            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(0x80, 1, 1, 0));
            vm.memory().set(ValueLayout.JAVA_INT, DATA, IN_SNAPSHOT);
            VmSnapshot snapshot = vm.snapshot(vcpu, TAGS);
            vm.memory().set(ValueLayout.JAVA_INT, DATA, 7); // after the snapshot: not in it
            return snapshot;
        }
    }

    /** Answers the clone's mailbox with {@code value} and runs it to the report of that value. */
    private static void answer(ClonedVm clone, int value) throws HypervisorException {
        clone.vm().memory().set(ValueLayout.JAVA_INT, MAILBOX, value);
        assertThat(clone.vcpu().run()).isEqualTo(new VmExit.IoOut(PORT, 4, value, 0));
    }

    /** The TSC the clone reads next (after {@link #answer}). */
    private static long guestTsc(ClonedVm clone) throws HypervisorException {
        VmExit low = clone.vcpu().run();
        VmExit high = clone.vcpu().run();
        assertThat(clone.vcpu().run()).isEqualTo(new VmExit.Halt());
        return ((VmExit.IoOut) high).value() << 32 | ((VmExit.IoOut) low).value();
    }

    @Test
    void clonesResumeAfterTheSnapshotExitAndNeverSeeEachOthersWrites() throws HypervisorException {
        try (VmSnapshot snapshot = snapshotAtFirstExit(kvm);
                ClonedVm first = kvm.cloneVm(snapshot);
                ClonedVm second = kvm.cloneVm(snapshot)) {
            assertThat(snapshot.info().hypervisor()).isEqualTo("kvm");
            assertThat(snapshot.info().memorySize()).isEqualTo(TestGuest.RAM_SIZE);
            assertThat(snapshot.info().tags()).containsAllEntriesOf(TAGS).containsKey(SnapshotOrigin.CPUID_TAG);
            assertThat(ProcSelf.anonymousKilobytes(first.vm().memory().address())).as("copied by cloning").isZero();
            assertThat(first.vm().memory().get(ValueLayout.JAVA_INT, DATA)).isEqualTo(IN_SNAPSHOT);

            answer(first, 0xaaaa);
            // The mailbox, DATA and the page tables whose accessed and dirty bits the CPU sets.
            assertThat(ProcSelf.anonymousKilobytes(first.vm().memory().address())).as("copied by one run")
                    .isPositive().isLessThanOrEqualTo(16 * GuestRam.PAGE_SIZE / 1024);
            answer(second, 0xbbbb);

            assertThat(first.vm().memory().get(ValueLayout.JAVA_INT, DATA)).isEqualTo(0xaaaa);
            assertThat(second.vm().memory().get(ValueLayout.JAVA_INT, DATA)).isEqualTo(0xbbbb);
            assertThat(snapshot.memory().get(ValueLayout.JAVA_INT, DATA)).isEqualTo(IN_SNAPSHOT);
            assertThat(snapshot.memory().get(ValueLayout.JAVA_INT, MAILBOX)).isZero();
            try (ClonedVm third = kvm.cloneVm(snapshot)) {
                assertThat(third.vm().memory().get(ValueLayout.JAVA_INT, DATA)).isEqualTo(IN_SNAPSHOT);
            }
        }
    }

    @Test
    void theSnapshotsRamIsSealedAndClonesOutliveIt() throws HypervisorException {
        VmSnapshot snapshot = snapshotAtFirstExit(kvm);
        int all = libc_h.F_SEAL_WRITE | libc_h.F_SEAL_GROW | libc_h.F_SEAL_SHRINK | libc_h.F_SEAL_SEAL;
        assertThat(((KvmVmSnapshot) snapshot).seals() & all).isEqualTo(all);
        try (ClonedVm clone = kvm.cloneVm(snapshot)) {
            snapshot.close();
            answer(clone, 0x1234);
            assertThatThrownBy(() -> kvm.cloneVm(snapshot)).isInstanceOf(IllegalStateException.class);
        }
    }

    /**
     * A clone made an hour after its snapshot (a clock an hour ahead) reads, with the lag it
     * reports, the snapshot's TSC moved on by an hour: what the guest's clocks need, whether the
     * TSC itself moved (hardware KVM: the clone's TSC is set, so the guest reads a TSC an hour
     * ahead) or the VMM moves the guest's calibration by the lag instead (PVM: a TSC write is
     * dropped and the guest reads the host's own TSC, which only goes forward on one host boot).
     */
    @Test
    void aCloneMadeAnHourLaterReadsATscAnHourAheadOrReportsHowFarBehindItIs() throws HypervisorException {
        try (VmSnapshot snapshot = snapshotAtFirstExit(kvm);
                ClonedVm now = kvm.cloneVm(snapshot);
                ClonedVm hourLater = kvm.cloneVm(snapshot, Clock.offset(Clock.systemUTC(), Duration.ofHours(1)))) {
            long khz = snapshot.info().tscKhz();
            assertThat(khz).isPositive();
            long second = khz * 1000;
            long snapshotTsc = ((KvmCpuState) snapshot.cpuState()).tsc();
            answer(now, 1);
            answer(hourLater, 2);
            long nowTsc = guestTsc(now);
            long laterTsc = guestTsc(hourLater);
            // The lag is measured against the TSC the clone actually has, so only the time from
            // making a clone to its guest's read separates the two; the emulated machine takes
            // seconds for that. An hour dwarfs it.
            long nowAhead = nowTsc + now.tscLag() - snapshotTsc;
            long laterAhead = laterTsc + hourLater.tscLag() - snapshotTsc;
            assertThat(nowAhead).as("a clone made now, with its lag").isBetween(0L, 60 * second);
            assertThat(laterAhead - nowAhead).as("an hour later, with its lag").isBetween(3_540 * second, 3_660 * second);
            if (snapshot.info().flavour() == Flavour.PVM) {
                assertThat(nowTsc).as("PVM: the host's TSC, on one host boot").isGreaterThanOrEqualTo(snapshotTsc);
                assertThat(laterTsc - nowTsc).as("PVM: both read the host's TSC").isBetween(0L, 60 * second);
                assertThat(hourLater.tscLag()).as("PVM: the whole hour").isBetween(3_540 * second, 3_660 * second);
            } else {
                // KVM may keep a vCPU's TSC within a second of the last one written.
                assertThat(laterTsc - nowTsc).as("the TSC itself").isBetween(3_540 * second, 3_660 * second);
                assertThat(Math.abs(hourLater.tscLag())).as("KVM took the TSC").isLessThanOrEqualTo(2 * second);
            }
        }
    }

    @Test
    void aSavedSnapshotLoadsAndClonesLikeTheOriginal() throws Exception {
        Path file = directory.resolve("guest.snapshot");
        try (VmSnapshot snapshot = snapshotAtFirstExit(kvm)) {
            snapshot.save(file);
        }
        // RAM is 2 MiB; only the pages the guest's tables, code and data use are stored.
        assertThat(Files.size(file)).isLessThan(64 * 1024);
        try (VmSnapshot loaded = kvm.loadSnapshot(file, Map.of("kernel", "k1"));
                ClonedVm clone = kvm.cloneVm(loaded)) {
            assertThat(loaded.info().tags()).containsAllEntriesOf(TAGS);
            assertThat(((KvmVmSnapshot) loaded).seals() & libc_h.F_SEAL_WRITE).isNotZero();
            assertThat(clone.vm().memory().get(ValueLayout.JAVA_INT, DATA)).isEqualTo(IN_SNAPSHOT);
            answer(clone, 0xcccc);
            assertThat(loaded.memory().get(ValueLayout.JAVA_INT, DATA)).isEqualTo(IN_SNAPSHOT);
        }
    }

    @Test
    void aTamperedOrMismatchedFileIsRefusedWithItsReason() throws Exception {
        Path file = directory.resolve("guest.snapshot");
        try (VmSnapshot snapshot = snapshotAtFirstExit(kvm)) {
            snapshot.save(file);
        }
        assertThat(refusal(file, Map.of("kernel", "k2"))).isEqualTo(SnapshotRefusedException.Reason.MISMATCHED_TAG);

        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 4096] ^= 1; // in the last stored page
        Path flipped = Files.write(directory.resolve("flipped.snapshot"), bytes);
        assertThat(refusal(flipped, Map.of())).isEqualTo(SnapshotRefusedException.Reason.DAMAGED);

        Path cut = Files.write(directory.resolve("cut.snapshot"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThat(refusal(cut, Map.of())).isEqualTo(SnapshotRefusedException.Reason.TRUNCATED);
        assertThat(SnapshotRamTest.memfdDescriptors()).as("refused loads leave no memfd").isZero();
    }

    private static SnapshotRefusedException.Reason refusal(Path file, Map<String, String> tags) throws Exception {
        try (VmSnapshot unexpected = kvm.loadSnapshot(file, tags)) {
            throw new AssertionError("loaded " + file + ": " + unexpected.info());
        } catch (SnapshotRefusedException e) {
            return e.reason();
        }
    }

    /** 200 clones in sequence, each run and closed, return every descriptor, mapping and thread. */
    @Test
    void twoHundredClonesLeaveNoDescriptorMappingOrThreadBehind() throws HypervisorException {
        int jvmSlack = 10;
        try (VmSnapshot snapshot = snapshotAtFirstExit(kvm)) {
            for (int i = 0; i < 10; i++) { // load classes and compile before the baseline
                runClone(snapshot, i);
            }
            long kvmDescriptors = ProcSelf.kvmDescriptors();
            long kvmMappings = ProcSelf.kvmMappings();
            long memfdMappings = SnapshotRamTest.memfdMappings();
            long descriptors = ProcSelf.openDescriptors();
            int mappings = ProcSelf.mappings().size();
            long threads = ProcSelf.threads();

            for (int i = 0; i < 200; i++) {
                runClone(snapshot, i);
            }

            assertThat(ProcSelf.kvmDescriptors()).as("KVM descriptors").isEqualTo(kvmDescriptors);
            assertThat(ProcSelf.kvmMappings()).as("kvm_run mappings").isEqualTo(kvmMappings);
            assertThat(SnapshotRamTest.memfdMappings()).as("mappings of the snapshot").isEqualTo(memfdMappings);
            assertThat(ProcSelf.openDescriptors()).as("open descriptors").isLessThanOrEqualTo(descriptors + jvmSlack);
            assertThat(ProcSelf.mappings().size()).as("mappings").isLessThanOrEqualTo(mappings + jvmSlack);
            assertThat(ProcSelf.threads()).as("threads").isLessThanOrEqualTo(threads);
        }
        assertThat(SnapshotRamTest.memfdDescriptors()).as("the snapshot's memfd, once closed").isZero();
        assertThat(SnapshotRamTest.memfdMappings()).as("its mappings").isZero();
    }

    /**
     * The multi-process deployment: a snapshot taken of a VM in a VMM process is held by this
     * process; each clone runs in a VMM process of its own, in RAM that process and this one
     * share, filled with a copy of the snapshot's data pages and nothing else, and no VMM process
     * ever holds the snapshot's memfd.
     */
    @Test
    void clonesInVmmProcessesGetACopyOfTheSnapshotsDataAndNeverItsMemfd() throws Exception {
        try (KvmHypervisor multi = KvmHypervisor.openMultiProcess(KvmHypervisor.DEVICE, new Deployment.MultiProcess(1));
                VmSnapshot snapshot = snapshotAtFirstExit(multi)) {
            long dataBytes = ((KvmVmSnapshot) snapshot).dataPages() * GuestRam.PAGE_SIZE;
            assertThat(dataBytes).isPositive().isLessThan(TestGuest.RAM_SIZE / 4);
            try (ClonedVm first = multi.cloneVm(snapshot); ClonedVm second = multi.cloneVm(snapshot)) {
                // Each clone's RAM holds exactly the snapshot's data: its holes stay holes.
                assertThat(VmmProcesses.guestRamDataBytes()).as("guest RAM of the two clones' VMM processes")
                        .containsExactlyInAnyOrder(dataBytes, dataBytes);
                assertThat(VmmProcesses.descriptorTargetsContaining("memfd:" + SnapshotRam.MEMFD_NAME))
                        .as("the snapshot's memfd in a VMM process").isZero();
                assertThat(first.vm().memory().get(ValueLayout.JAVA_INT, DATA)).isEqualTo(IN_SNAPSHOT);

                answer(first, 0xaaaa);
                answer(second, 0xbbbb);
                assertThat(first.vm().memory().get(ValueLayout.JAVA_INT, DATA)).isEqualTo(0xaaaa);
                assertThat(second.vm().memory().get(ValueLayout.JAVA_INT, DATA)).isEqualTo(0xbbbb);
                assertThat(snapshot.memory().get(ValueLayout.JAVA_INT, DATA)).isEqualTo(IN_SNAPSHOT);
                assertThat(snapshot.memory().get(ValueLayout.JAVA_INT, MAILBOX)).isZero();
                assertThat(ProcSelf.kvmDescriptors()).as("KVM VM and vCPU descriptors in this process").isZero();
            }
        }
    }

    /** A snapshot belongs to this process, not to a deployment: either one clones what the other took. */
    @Test
    void aSnapshotTakenInOneDeploymentClonesInTheOther() throws Exception {
        try (KvmHypervisor multi = KvmHypervisor.openMultiProcess(KvmHypervisor.DEVICE, new Deployment.MultiProcess(1));
                VmSnapshot inProcess = snapshotAtFirstExit(kvm);
                VmSnapshot inVmm = snapshotAtFirstExit(multi);
                ClonedVm inVmmFromInProcess = multi.cloneVm(inProcess);
                ClonedVm inProcessFromVmm = kvm.cloneVm(inVmm)) {
            answer(inVmmFromInProcess, 0x1111);
            answer(inProcessFromVmm, 0x2222);
            // Runs on to its end from the restored registers; its clock is not before the snapshot's.
            assertThat(guestTsc(inVmmFromInProcess)).isGreaterThanOrEqualTo(((KvmCpuState) inProcess.cpuState()).tsc());
        }
    }

    /** Clones in VMM processes, each run and closed, leave no process, descriptor or mapping behind. */
    @Test
    void clonesInVmmProcessesLeaveNothingBehind() throws Exception {
        long descriptors;
        int mappings;
        long threads;
        try (KvmHypervisor multi = KvmHypervisor.openMultiProcess(KvmHypervisor.DEVICE, new Deployment.MultiProcess(1));
                VmSnapshot snapshot = snapshotAtFirstExit(multi)) {
            for (int i = 0; i < 5; i++) { // load classes and compile before the baseline
                runClone(multi, snapshot, i);
            }
            descriptors = ProcSelf.openDescriptors();
            mappings = ProcSelf.mappings().size();
            threads = ProcSelf.threads();
            for (int i = 0; i < 50; i++) {
                runClone(multi, snapshot, i);
            }
            assertThat(VmmProcesses.guestRamDataBytes()).as("guest RAM left in VMM processes").isEmpty();
            assertThat(ProcSelf.openDescriptors()).as("open descriptors").isLessThanOrEqualTo(descriptors + 10);
            assertThat(ProcSelf.mappings().size()).as("mappings").isLessThanOrEqualTo(mappings + 10);
            assertThat(ProcSelf.threads()).as("threads").isLessThanOrEqualTo(threads + 2);
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!VmmProcesses.alive().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50); // a replacement the pool was starting ends as it comes up
        }
        assertThat(VmmProcesses.alive()).as("VMM processes once the backend is closed").isEmpty();
        assertThat(ProcSelf.mappings()).as("guest RAM and rings mapped here")
                .noneMatch(m -> m.path().contains("memfd:hyperlight"));
    }

    private static void runClone(VmSnapshot snapshot, int value) throws HypervisorException {
        runClone(kvm, snapshot, value);
    }

    private static void runClone(KvmHypervisor hypervisor, VmSnapshot snapshot, int value) throws HypervisorException {
        try (ClonedVm clone = hypervisor.cloneVm(snapshot)) {
            answer(clone, value);
            MemorySegment ram = clone.vm().memory();
            assertThat(ram.get(ValueLayout.JAVA_INT, DATA)).isEqualTo(value);
        }
    }
}

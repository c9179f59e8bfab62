package dev.hyperlight.nanvix.mshv;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.hypervisor.ClonedVm;
import dev.hyperlight.nanvix.hypervisor.CpuState;
import dev.hyperlight.nanvix.hypervisor.DescriptorTable;
import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.Segment;
import dev.hyperlight.nanvix.hypervisor.SnapshotFile;
import dev.hyperlight.nanvix.hypervisor.SnapshotInfo;
import dev.hyperlight.nanvix.hypervisor.SnapshotRefusedException;
import dev.hyperlight.nanvix.hypervisor.SpecialRegisters;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots and clones of the mshv backend, over the test harness ({@link KvmMshvKernel} on the
 * {@code /dev/kvm} at hand): a kernel-mode guest stops at an {@code out} (the snapshot point);
 * each clone, a new partition whose RAM maps the snapshot's sealed memfd private, resumes after
 * it with the snapshot's registers and memory, and neither the original VM, nor another clone,
 * nor the snapshot sees what it writes. Saved snapshots load back; files of another backend,
 * processor or with other tags are refused.
 *
 * <p>The guest: {@code out 0x80, al} (snapshot here), then reads the dword at {@link #DATA}, adds
 * one, stores it back, reports it with {@code out dx, eax}, reports RBX (set before the snapshot)
 * the same way, and halts.
 */
class MshvSnapshotTest {

    private static final Path KVM = Path.of("/dev/kvm");
    private static final long RAM = 2L << 20;
    private static final long PML4 = 0x2000;
    private static final long PDPT = 0x3000;
    private static final long PD = 0x4000;
    private static final long GDT = 0x8000;
    private static final long TSS = 0x9000;
    private static final long CODE = 0x10000;
    private static final long DATA = 0x20000;
    private static final int PORT = 0x3f8;
    private static final int IN_SNAPSHOT = 0x1234;
    private static final long RBX = 0x0bad_cafeL;
    private static final Map<String, String> TAGS = Map.of("kernel", "k1", "image", "i1");

    private static final byte[] GUEST = bytes(
            0xb0, 0x01, // mov al, 1
            0xe6, 0x80, // out 0x80, al: the snapshot point
            0xba, PORT & 0xff, PORT >> 8, 0, 0, // mov edx, PORT
            0x8b, 0x04, 0x25, 0x00, 0x00, 0x02, 0x00, // mov eax, [DATA]
            0xff, 0xc0, // inc eax
            0x89, 0x04, 0x25, 0x00, 0x00, 0x02, 0x00, // mov [DATA], eax
            0xef, // out dx, eax
            0x89, 0xd8, // mov eax, ebx
            0xef, // out dx, eax
            0xf4); // hlt

    private static Hypervisor mshv;

    @TempDir
    Path directory;

    @BeforeAll
    static void open() throws HypervisorException {
        mshv = new KvmMshvHarnessProvider().open();
    }

    @AfterAll
    static void close() {
        mshv.close();
    }

    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }

    /** Runs the guest to its snapshot point, sets {@link #DATA} and takes the snapshot. */
    private static VmSnapshot snapshotAtFirstExit() throws HypervisorException {
        try (VirtualMachine vm = mshv.createVm(RAM); VirtualCpu vp = vm.createVcpu()) {
            load(vm.memory(), vp);
            assertThat(vp.run()).isEqualTo(new VmExit.IoOut(0x80, 1, 1, 0));
            vm.memory().set(JAVA_INT, DATA, IN_SNAPSHOT);
            VmSnapshot snapshot = vm.snapshot(vp, TAGS);
            vm.memory().set(JAVA_INT, DATA, 7); // after the snapshot: not in it
            assertThat(vp.run()).as("the original runs on").isEqualTo(new VmExit.IoOut(PORT, 4, 8, 0));
            return snapshot;
        }
    }

    /** Runs a clone to its end: the value it stored, from the snapshot's DATA; RBX; the halt. */
    private static void runsOnFromTheSnapshot(ClonedVm clone) throws HypervisorException {
        assertThat(clone.vcpu().run()).isEqualTo(new VmExit.IoOut(PORT, 4, IN_SNAPSHOT + 1, 0));
        assertThat(clone.vcpu().run()).as("RBX from the snapshot").isEqualTo(new VmExit.IoOut(PORT, 4, RBX, 0));
        assertThat(clone.vcpu().run()).isEqualTo(new VmExit.Halt());
    }

    @Test
    void clonesResumeAfterTheSnapshotExitAndNeverSeeEachOthersWrites() throws Exception {
        try (VmSnapshot snapshot = snapshotAtFirstExit();
                ClonedVm first = mshv.cloneVm(snapshot);
                ClonedVm second = mshv.cloneVm(snapshot)) {
            assertThat(snapshot.info().hypervisor()).isEqualTo("mshv");
            assertThat(snapshot.info().memorySize()).isEqualTo(RAM);
            assertThat(snapshot.info().tscKhz()).as("the guest calibrates from CPUID").isZero();
            assertThat(snapshot.info().tags()).containsAllEntriesOf(TAGS).containsKey(SnapshotOrigin.CPU_TAG);
            assertThat(first.vm().memory().get(JAVA_INT, DATA)).isEqualTo(IN_SNAPSHOT);
            assertThat(anonymousKilobytes(first.vm().memory().address())).as("copied by cloning").isZero();

            runsOnFromTheSnapshot(first);
            assertThat(first.vm().memory().get(JAVA_INT, DATA)).isEqualTo(IN_SNAPSHOT + 1);
            assertThat(second.vm().memory().get(JAVA_INT, DATA)).as("another clone's write").isEqualTo(IN_SNAPSHOT);
            runsOnFromTheSnapshot(second);
            assertThat(snapshot.memory().get(JAVA_INT, DATA)).isEqualTo(IN_SNAPSHOT);
        }
    }

    @Test
    void theSnapshotsRamIsSealedAndClonesOutliveIt() throws Exception {
        VmSnapshot snapshot = snapshotAtFirstExit();
        int all = 0x1 | 0x2 | 0x4 | 0x8; // F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE (<fcntl.h>)
        assertThat(((MshvVmSnapshot) snapshot).seals() & all).isEqualTo(all);
        try (ClonedVm clone = mshv.cloneVm(snapshot)) {
            snapshot.close();
            runsOnFromTheSnapshot(clone);
            assertThatThrownBy(() -> mshv.cloneVm(snapshot)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aSavedSnapshotLoadsBackAndItsClonesRunOn() throws Exception {
        Path file = directory.resolve("guest.snapshot");
        try (VmSnapshot snapshot = snapshotAtFirstExit()) {
            snapshot.save(file);
            try (VmSnapshot loaded = mshv.loadSnapshot(file, TAGS); ClonedVm clone = mshv.cloneVm(loaded)) {
                assertThat(loaded.info()).isEqualTo(snapshot.info());
                assertThat(loaded.cpuState()).isEqualTo(snapshot.cpuState());
                runsOnFromTheSnapshot(clone);
            }
        }
    }

    @Test
    void loadingRefusesOtherBackendsProcessorsTagsAndDamagedState() throws Exception {
        Path file = directory.resolve("guest.snapshot");
        SnapshotInfo info;
        byte[] state;
        try (VmSnapshot snapshot = snapshotAtFirstExit()) {
            snapshot.save(file);
            info = snapshot.info();
            state = ((MshvCpuState) snapshot.cpuState()).encode();
        }
        MemorySegment ram = MemorySegment.ofArray(new byte[(int) RAM]);

        Path kvm = directory.resolve("kvm.snapshot");
        SnapshotFile.write(kvm, new SnapshotInfo("kvm", info.flavour(), RAM, 0, Instant.now(), info.tags()), state,
                ram, page -> false);
        assertRefused(kvm, TAGS, SnapshotRefusedException.Reason.OTHER_HYPERVISOR);

        Map<String, String> otherCpu = new HashMap<>(info.tags());
        otherCpu.put(SnapshotOrigin.CPU_TAG, "another processor");
        Path elsewhere = directory.resolve("elsewhere.snapshot");
        SnapshotFile.write(elsewhere, new SnapshotInfo("mshv", info.flavour(), RAM, 0, Instant.now(), otherCpu), state,
                ram, page -> false);
        assertRefused(elsewhere, TAGS, SnapshotRefusedException.Reason.MISMATCHED_TAG);

        assertRefused(file, Map.of("kernel", "k2"), SnapshotRefusedException.Reason.MISMATCHED_TAG);
        assertRefused(file, Map.of("runtime", "python"), SnapshotRefusedException.Reason.MISMATCHED_TAG);

        byte[] damaged = state.clone();
        damaged[6] ^= 1; // the first register's name: a register the snapshot does not save
        Path forged = directory.resolve("forged.snapshot");
        SnapshotFile.write(forged, info, damaged, ram, page -> false);
        assertRefused(forged, TAGS, SnapshotRefusedException.Reason.DAMAGED);
    }

    private static void assertRefused(Path file, Map<String, String> tags, SnapshotRefusedException.Reason reason) {
        assertThatThrownBy(() -> mshv.loadSnapshot(file, tags)).isInstanceOfSatisfying(SnapshotRefusedException.class,
                e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
    }

    @Test
    void anotherBackendsSnapshotIsNotCloned() {
        VmSnapshot foreign = new VmSnapshot() {
            @Override
            public SnapshotInfo info() {
                return new SnapshotInfo("kvm", Flavour.UNKNOWN, RAM, 0, Instant.now(), Map.of());
            }

            @Override
            public CpuState cpuState() {
                return new CpuState() {};
            }

            @Override
            public MemorySegment memory() {
                return MemorySegment.ofArray(new byte[(int) RAM]);
            }

            @Override
            public void save(Path file) {}

            @Override
            public void close() {}
        };
        assertThatThrownBy(() -> mshv.cloneVm(foreign)).isInstanceOfSatisfying(HypervisorException.class,
                e -> assertThat(e.kind()).isEqualTo(HypervisorException.Kind.UNSUPPORTED));
    }

    /**
     * Identity-maps the first 2 MiB with one large page, copies the guest to {@link #CODE} and
     * enters 64-bit mode in ring 0 there, RBX set.
     */
    private static void load(MemorySegment ram, VirtualCpu vp) throws HypervisorException {
        long present = 0x3;
        ram.set(JAVA_LONG, PML4, PDPT | present);
        ram.set(JAVA_LONG, PDPT, PD | present);
        ram.set(JAVA_LONG, PD, present | 0x80);
        MemorySegment.copy(GUEST, 0, ram, JAVA_BYTE, CODE, GUEST.length);
        ram.set(JAVA_LONG, GDT + 0x08, 0x00af_9b00_0000_ffffL);
        ram.set(JAVA_LONG, GDT + 0x10, 0x00cf_9300_0000_ffffL);
        ram.set(JAVA_LONG, GDT + 0x18, 0x67 | (TSS & 0xff_ffffL) << 16 | 0x8bL << 40);
        SpecialRegisters initial = vp.specialRegisters();
        Segment cs = new Segment(0, 0xffff_ffff, 0x08, 11, true, 0, false, true, true, true, false, false);
        Segment ds = new Segment(0, 0xffff_ffff, 0x10, 3, true, 0, true, true, false, true, false, false);
        Segment tr = new Segment(TSS, 0x67, 0x18, 11, true, 0, false, false, false, false, false, false);
        vp.setSpecialRegisters(new SpecialRegisters(cs, ds, ds, ds, ds, ds, tr, initial.ldt(),
                new DescriptorTable(GDT, 5 * 8 - 1), new DescriptorTable(0, 0),
                0x8005_0033L, 0, PML4, 0x20, 0, 0x500, initial.apicBase()));
        Registers entry = Registers.entry(CODE, 0x1_f000, 0x2, 0, 0);
        vp.setRegisters(new Registers(entry.rax(), RBX, entry.rcx(), entry.rdx(), entry.rsi(), entry.rdi(),
                entry.rsp(), entry.rbp(), entry.r8(), entry.r9(), entry.r10(), entry.r11(), entry.r12(), entry.r13(),
                entry.r14(), entry.r15(), entry.rip(), entry.rflags()));
    }

    /** The {@code Anonymous:} kilobytes of the mapping at {@code address} in /proc/self/smaps. */
    static long anonymousKilobytes(long address) throws IOException {
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] range = line.split(" ", 2)[0].split("-");
                inside = Long.compareUnsigned(address, Long.parseUnsignedLong(range[0], 16)) >= 0
                        && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0;
            } else if (inside && line.startsWith("Anonymous:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no mapping at 0x" + Long.toHexString(address));
    }
}

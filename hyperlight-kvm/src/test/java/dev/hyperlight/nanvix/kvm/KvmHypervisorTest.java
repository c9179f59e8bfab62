package dev.hyperlight.nanvix.kvm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.hostmem.GuestRam;
import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorException.Kind;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.kvm.sys.kvm_cpuid2;
import dev.hyperlight.nanvix.kvm.sys.kvm_cpuid_entry2;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Opening /dev/kvm, its failure modes, and guest RAM. Needs the real /dev/kvm. */
class KvmHypervisorTest {

    private static Hypervisor kvm;

    @BeforeAll
    static void openKvm() throws HypervisorException {
        kvm = KvmHypervisor.open(KvmHypervisor.DEVICE);
    }

    @AfterAll
    static void closeKvm() {
        kvm.close();
    }

    @Test
    void theProviderIsFoundByServiceLoaderAndOpensKvm() throws HypervisorException {
        HypervisorProvider provider = ServiceLoader.load(HypervisorProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("kvm"))
                .findFirst().orElseThrow();

        assertThat(provider).isInstanceOf(KvmHypervisorProvider.class);
        assertThat(provider.isPresent()).as("/dev/kvm exists on the test machine").isTrue();
        try (Hypervisor opened = provider.open()) {
            assertThat(opened.name()).isEqualTo("kvm");
        }
    }

    /**
     * KVM_GET_SUPPORTED_CPUID names the APIC ID of the host CPU it ran on (leaf 1 EBX 31..24, leaf
     * 0xB EDX; measured under this machine's PVM); the vCPUs get ID 0 and the CPUID digest a
     * snapshot is tagged with is the same in every process, so saved templates load in the next.
     */
    @Test
    void theCpuidCarriesNoHostCpusApicIdAndItsDigestIsTheSameOnEveryHostCpu() throws Exception {
        Set<String> digests = ConcurrentHashMap.newKeySet();
        Set<String> apicIds = ConcurrentHashMap.newKeySet();
        Set<Throwable> failures = ConcurrentHashMap.newKeySet();
        for (int cpu = 0; cpu < Runtime.getRuntime().availableProcessors(); cpu++) {
            int pinned = cpu;
            Thread.ofPlatform().start(() -> {
                try {
                    pinTo(pinned);
                } catch (Throwable e) {
                    failures.add(e);
                    return;
                }
                try (KvmHypervisor opened = KvmHypervisor.open(KvmHypervisor.DEVICE)) {
                    digests.add(opened.origin().cpuidDigest());
                    MemorySegment cpuid = opened.vcpuSetup().supportedCpuid();
                    long header = kvm_cpuid2.layout().byteSize();
                    long size = kvm_cpuid_entry2.layout().byteSize();
                    for (long at = header; at + size <= cpuid.byteSize(); at += size) {
                        MemorySegment entry = Arena.ofAuto().allocate(size, 8).copyFrom(cpuid.asSlice(at, size));
                        int function = kvm_cpuid_entry2.function(entry);
                        if (function == 1) {
                            apicIds.add("leaf 1: " + (kvm_cpuid_entry2.ebx(entry) >>> 24));
                        } else if (function == 0xb || function == 0x1f) {
                            apicIds.add("leaf " + function + ": " + kvm_cpuid_entry2.edx(entry));
                        }
                    }
                } catch (HypervisorException | RuntimeException e) {
                    failures.add(e);
                }
            }).join();
        }
        assertThat(failures).isEmpty();
        assertThat(apicIds).contains("leaf 1: 0").allMatch(id -> id.endsWith(": 0"));
        assertThat(digests).hasSize(1);
    }

    @Test
    void aMissingDeviceIsReportedInOneSentence() {
        Path missing = Path.of("/dev/no-such-kvm");

        assertThatThrownBy(() -> KvmHypervisor.open(missing))
                .isInstanceOfSatisfying(HypervisorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DEVICE_MISSING))
                .hasMessage("/dev/no-such-kvm does not exist: this host offers no KVM (enable hardware virtualization"
                        + " or load the kvm module).");
    }

    @Test
    void aDeviceThatIsNotKvmIsUnsupported() {
        assertThatThrownBy(() -> KvmHypervisor.open(Path.of("/dev/null")))
                .isInstanceOfSatisfying(HypervisorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNSUPPORTED))
                .hasMessageStartingWith("/dev/null is not a KVM device (KVM_GET_API_VERSION failed: ");
    }

    @Test
    void permissionErrorsAreTheirOwnKind() {
        // The tests run as root, which may open any device; the errno mapping is checked directly.
        for (int errno : new int[] {libc_h.EACCES, libc_h.EPERM}) {
            HypervisorException e = KvmHypervisor.openFailure(KvmHypervisor.DEVICE, errno);
            assertThat(e.kind()).isEqualTo(Kind.PERMISSION_DENIED);
            assertThat(e).hasMessageStartingWith("No permission to use /dev/kvm: this user may not open it");
        }
        assertThat(KvmHypervisor.openFailure(KvmHypervisor.DEVICE, 5 /* EIO */))
                .hasMessage("Cannot open /dev/kvm: Input/output error (errno 5).")
                .extracting(HypervisorException::kind).isEqualTo(Kind.FAILED);
    }

    @Test
    void memoryIsExactlyTheRequestedSizeAndZeroed() throws HypervisorException {
        long size = 3 * 1024 * 1024;
        try (VirtualMachine vm = kvm.createVm(size)) {
            MemorySegment memory = vm.memory();

            assertThat(memory.byteSize()).isEqualTo(size);
            assertThat(memory.asSlice(0, 4096).toArray(JAVA_BYTE)).containsOnly(0);
            assertThat(memory.get(JAVA_LONG, size - 8)).isZero();
            memory.set(JAVA_LONG, size - 8, 42);
            assertThat(memory.get(JAVA_LONG, size - 8)).isEqualTo(42);
        }
    }

    @Test
    void ramSitsBetweenTwoInaccessibleGuardPages() throws HypervisorException {
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE)) {
            long start = vm.memory().address();
            long end = start + vm.memory().byteSize();
            assertThat(start % (2 << 20)).as("2 MiB aligned, for huge pages").isZero();

            assertThat(ProcSelf.mappingAt(start)).isEqualTo(new ProcSelf.Mapping(start, end, "rw-p", ""));
            // Neighbouring PROT_NONE mappings may merge with a guard page, so only its page is pinned down.
            assertThat(ProcSelf.mappingAt(start - GuestRam.PAGE_SIZE).permissions()).isEqualTo("---p");
            assertThat(ProcSelf.mappingAt(start - GuestRam.PAGE_SIZE).end()).isEqualTo(start);
            assertThat(ProcSelf.mappingAt(end).permissions()).isEqualTo("---p");
            assertThat(ProcSelf.mappingAt(end).start()).isEqualTo(end);
        }
    }

    @Test
    void closingInvalidatesMemoryAndIsIdempotent() throws HypervisorException {
        VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE);
        MemorySegment memory = vm.memory();
        long address = memory.address();

        vm.close();
        vm.close();

        assertThatThrownBy(() -> memory.get(JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
        assertThat(ProcSelf.mappings()).noneMatch(m -> m.contains(address));
        assertThatThrownBy(vm::createVcpu).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void memorySizesThatAreNotWholePagesAreRejected() {
        assertThatThrownBy(() -> kvm.createVm(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> kvm.createVm(4097)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive multiple of 4096");
    }

    @Test
    void vmsOutliveTheHypervisorThatCreatedThem() throws HypervisorException {
        Hypervisor own = KvmHypervisor.open(KvmHypervisor.DEVICE);
        VirtualMachine vm = own.createVm(TestGuest.RAM_SIZE);
        own.close();
        own.close();

        try (vm; var vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, new GuestCode().hlt().bytes());
            assertThat(vcpu.run()).isEqualTo(new dev.hyperlight.nanvix.hypervisor.VmExit.Halt());
        }
        assertThatThrownBy(() -> own.createVm(TestGuest.RAM_SIZE)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void cpuidEntriesCarryTheApicIdsOfVcpuZero() {
        MemorySegment entry = MemorySegment.ofArray(new int[(int) kvm_cpuid_entry2.layout().byteSize() / 4]);
        kvm_cpuid_entry2.function(entry, 1);
        kvm_cpuid_entry2.ebx(entry, 0x0302_0800);
        KvmHypervisor.asVcpuZero(entry);
        assertThat(kvm_cpuid_entry2.ebx(entry)).as("leaf 1: APIC ID cleared, the rest kept").isEqualTo(0x0002_0800);
        for (int leaf : new int[] {0xb, 0x1f}) {
            kvm_cpuid_entry2.function(entry, leaf);
            kvm_cpuid_entry2.ecx(entry, 0x100);
            kvm_cpuid_entry2.edx(entry, 3);
            KvmHypervisor.asVcpuZero(entry);
            assertThat(kvm_cpuid_entry2.edx(entry)).as("leaf 0x%x: x2APIC ID", leaf).isZero();
            assertThat(kvm_cpuid_entry2.ecx(entry)).isEqualTo(0x100);
        }
        kvm_cpuid_entry2.function(entry, 7);
        kvm_cpuid_entry2.ebx(entry, 0x0302_0800);
        KvmHypervisor.asVcpuZero(entry);
        assertThat(kvm_cpuid_entry2.ebx(entry)).as("other leaves untouched").isEqualTo(0x0302_0800);
    }

    /** sched_setaffinity(0, ...) of the calling thread to one CPU. */
    private static void pinTo(int cpu) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle setaffinity = linker.downcallHandle(linker.defaultLookup().find("sched_setaffinity").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(128);
            mask.set(JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
            assertThat((int) setaffinity.invokeExact(0, 128L, mask)).as("sched_setaffinity to CPU %d", cpu).isZero();
        }
    }
}

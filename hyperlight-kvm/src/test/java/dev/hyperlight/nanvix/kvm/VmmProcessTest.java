package dev.hyperlight.nanvix.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Real VMM processes, without a VM: their confinement, their control ring, their end. */
@Tag("no-vm") // needs no /dev/kvm: the VMM reports the device missing and still serves its ring
class VmmProcessTest {

    private static final Path NO_DEVICE = Path.of("/nonexistent/kvm");
    private static final int SIGSYS_EXIT = 128 + 31;

    private record Probe(int exit, String output) {}

    private static Probe probe(String what) throws Exception {
        Process process = new ProcessBuilder(VmmProcess.executable().toString(), "probe", what)
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        return new Probe(process.exitValue(), output);
    }

    /** After confining, opening a host file, creating a socket and starting a program each kill the process. */
    @ParameterizedTest
    @ValueSource(strings = {"open", "socket", "execve"})
    void confinedProcessCannotReachOut(String what) throws Exception {
        Probe probe = probe(what);
        assertTrue(probe.output().contains("seccomp"), probe.output());
        assertFalse(probe.output().contains("escaped"), probe.output());
        assertEquals(SIGSYS_EXIT, probe.exit(), "killed by the seccomp filter: " + probe.output());
    }

    /** The filter still lets the VMM start its vCPU threads. */
    @Test
    void confinedProcessStartsThreads() throws Exception {
        Probe probe = probe("thread");
        assertEquals(0, probe.exit(), probe.output());
        assertTrue(probe.output().contains("thread-ok"), probe.output());
    }

    /** Landlock alone (without seccomp) refuses the file too, where the kernel has it. */
    @Test
    void landlockAloneRefusesFiles() throws Exception {
        Probe probe = probe("landlock-open");
        assertEquals(0, probe.exit(), probe.output());
        if (probe.output().contains("landlock")) {
            assertTrue(probe.output().contains("refused errno=" + libc_h.EACCES), probe.output());
        } else {
            assertTrue(probe.output().contains("escaped"), "no Landlock on this kernel: " + probe.output());
        }
    }

    @Test
    void reportsAMissingDeviceAndServesItsRing() throws Exception {
        try (VmmProcess vmm = VmmProcess.start(NO_DEVICE)) {
            HypervisorException missing = assertThrows(HypervisorException.class, () -> vmm.kvmFd(NO_DEVICE));
            assertEquals(HypervisorException.Kind.DEVICE_MISSING, missing.kind());
            assertTrue(vmm.confinement().contains("seccomp"), vmm.confinement().toString());
            // fd 2 is open in the VMM, but it is no handle it gave out: refused without an ioctl.
            VmmRing.Response response = vmm.control().call(VmmRing.Request.of(VmmRing.Op.CLOSE, 2, 0));
            assertEquals(-9, response.checkedResult()); // EBADF
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment argument = arena.allocate(64);
                VmmRing.Response ioctl = vmm.control().call(
                        new VmmRing.Request(VmmRing.Op.IOCTL, 2, 0xAE01, 0, argument));
                assertEquals(-9, ioctl.checkedResult());
            }
        }
    }

    @Test
    void aKilledProcessFailsTheCallInsteadOfHanging() throws Exception {
        try (VmmProcess vmm = VmmProcess.start(NO_DEVICE)) {
            ProcessHandle.of(vmm.pid()).orElseThrow().destroyForcibly();
            HypervisorException failed = assertThrows(HypervisorException.class,
                    () -> vmm.control().call(VmmRing.Request.of(VmmRing.Op.CLOSE, 2, 0)));
            assertTrue(failed.getMessage().contains("VMM process ended"), failed.getMessage());
        }
    }

    /**
     * A VMM process answering out of range fails the call, and is killed at once: it may host
     * other VMs, which must not run on in it; later calls fail too.
     */
    @Test
    void aMalformedResponseFailsTheCallAndEndsTheProcess() throws Exception {
        try (VmmProcess vmm = VmmProcess.start(NO_DEVICE, List.of("serve-malformed"))) {
            RemoteKvmKernel kernel = new RemoteKvmKernel(vmm, vmm::close);
            HypervisorException failed = assertThrows(HypervisorException.class, () -> kernel.ioctl(2, 0xAE00, 0));
            assertTrue(failed.getMessage().contains("malformed response"), failed.getMessage());
            assertFalse(vmm.isAlive(), "a VMM process that answered out of range is killed");
            HypervisorException after = assertThrows(HypervisorException.class, () -> kernel.createRam(2, 4096));
            assertTrue(after.getMessage().contains("was ended"), after.getMessage());
        }
        try (VmmProcess vmm = VmmProcess.start(NO_DEVICE, List.of("serve-malformed"))) {
            RemoteKvmKernel kernel = new RemoteKvmKernel(vmm, vmm::close);
            HypervisorException ram = assertThrows(HypervisorException.class, () -> kernel.createRam(2, 4096));
            assertTrue(ram.getMessage().contains("malformed response"), ram.getMessage());
            assertFalse(vmm.isAlive());
        }
    }

    /** Requests on descriptors the VMM did not get from KVM are refused there, and reported here. */
    @Test
    void requestsOnForeignDescriptorsAreRefused() throws Exception {
        try (VmmProcess vmm = VmmProcess.start(NO_DEVICE)) {
            RemoteKvmKernel kernel = new RemoteKvmKernel(vmm, vmm::close);
            assertEquals(-9, kernel.ioctl(2, 0xAE00, 0)); // KVM_GET_API_VERSION on stderr: EBADF
            HypervisorException ram = assertThrows(HypervisorException.class, () -> kernel.createRam(2, 4096));
            assertTrue(ram.getMessage().contains("errno 9"), ram.getMessage());
        }
    }

    @Test
    void startsAndClosesLeaveNoProcessOrDescriptorBehind() throws Exception {
        long fdsBefore = openDescriptors();
        long childrenBefore = ProcessHandle.current().children().count();
        for (int i = 0; i < 20; i++) {
            try (VmmProcess vmm = VmmProcess.start(NO_DEVICE)) {
                vmm.control().call(VmmRing.Request.of(VmmRing.Op.CLOSE, 2, 0));
            }
        }
        assertEquals(childrenBefore, ProcessHandle.current().children().count());
        assertEquals(fdsBefore, openDescriptors());
    }

    /** A file the VMM could resize under our mapping is refused: only sealed memfds of the right size. */
    @Test
    void refusesAnUnsealedMemfd() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            int memfd = libc_h.memfd_create(callState, arena.allocateFrom("unsealed"), libc_h.MFD_CLOEXEC);
            assertTrue(memfd >= 0);
            libc_h.ftruncate(callState, memfd, VmmRing.SIZE);
            int self = (int) libc_h.syscall(callState, libc_h.SYS_pidfd_open, ProcessHandle.current().pid(), 0, 0, 0,
                    0, 0);
            try {
                HypervisorException refused = assertThrows(HypervisorException.class,
                        () -> VmmProcess.takeSealedMemfd(self, memfd, VmmRing.SIZE));
                assertTrue(refused.getMessage().contains("not a sealed memfd"), refused.getMessage());
            } finally {
                VmmProcess.closeFd(self);
                VmmProcess.closeFd(memfd);
            }
        }
    }

    private static long openDescriptors() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}

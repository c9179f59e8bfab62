package dev.hyperlight.nanvix.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestImageTest {

    private static final long MEMORY = 64L << 20;
    private static final byte GARBAGE = (byte) 0xcc;

    private Arena arena;
    private MemorySegment ram;

    @TempDir
    Path directory;

    @BeforeEach
    void allocateRam() {
        arena = Arena.ofConfined();
        ram = arena.allocate(MEMORY, 4096);
        ram.fill(GARBAGE);
    }

    @AfterEach
    void freeRam() {
        arena.close();
    }

    private static byte[] seed() {
        byte[] random = new byte[32];
        for (int i = 0; i < random.length; i++) {
            random[i] = (byte) (i * 7 + 1);
        }
        return random;
    }

    private static BootRequest.Builder request(byte[] program) {
        return BootRequest.builder()
                .kernelElf(ElfBuilder.kernel().build())
                .programElf(program)
                .execPath("/work/hello")
                .argv(List.of("hello", "world"))
                .envp(List.of("PATH=/bin"))
                .random(seed())
                .realtimeNs(1_234_567_890L)
                .tscKhz(3_000_000);
    }

    private byte[] bytesAt(long gpa, long length) {
        return ram.asSlice(gpa, length).toArray(ValueLayout.JAVA_BYTE);
    }

    private void assertRamUntouched() {
        MemorySegment expected = arena.allocate(MEMORY);
        expected.fill(GARBAGE);
        assertThat(ram.mismatch(expected)).as("first changed byte").isEqualTo(-1L);
    }

    @Test
    void flagsATemplateThatWaitsForItsStartMessage() throws Exception {
        byte[] program = ElfBuilder.staticExecutable().build();

        GuestImage.write(ram, request(program).startMessage(true).build());

        assertThat(BootInfo.readFrom(ram).flags()).isEqualTo(BootInfo.FLAG_START_MESSAGE);
    }

    @Test
    void buildsABootableImage() throws Exception {
        byte[] program = ElfBuilder.staticExecutable().build();

        BootState state = GuestImage.write(ram, request(program).build());

        GuestLayout layout = state.layout();
        assertThat(state.rip()).isEqualTo(GuestAbi.KERNEL_BASE + 0x20_0000);
        assertThat(state.rdi()).isEqualTo(GuestAbi.KERNEL_BASE + 0x1000);
        assertThat(state.rsi()).isEqualTo(AbiVersion.CURRENT);
        assertThat(state.rsp()).isZero();
        assertThat(state.rflags()).isEqualTo(2);
        assertThat(state.cr0()).isEqualTo(0x8001_0033L);
        assertThat(state.cr3()).isEqualTo(0x4000);
        assertThat(state.cr4()).isEqualTo(0x620);
        assertThat(state.efer()).isEqualTo(0xd01);
        assertThat(state.gdt()).isEqualTo(Gdt.register());
        assertThat(state.idt()).isEqualTo(new DescriptorTableRegister(0, 0));
        assertThat(state.segments()).isEqualTo(Gdt.segmentRegisters());

        assertThat(layout.memorySize()).isEqualTo(MEMORY);
        assertThat(layout.kernelEnd()).isEqualTo(0x20_5000);
        assertThat(layout.programImage()).isEqualTo(0x40_0000);
        assertThat(layout.programSize()).isEqualTo(program.length);

        BootInfo info = BootInfo.readFrom(ram);
        assertThat(info.magic()).isEqualTo(BootInfo.MAGIC);
        assertThat(info.abiVersion()).isEqualTo(AbiVersion.CURRENT);
        assertThat(info.kernelBase()).isEqualTo(GuestAbi.KERNEL_BASE);
        assertThat(info.memorySize()).isEqualTo(MEMORY);
        assertThat(info.freeStart()).isEqualTo(layout.freeStart());
        assertThat(info.freeEnd()).isEqualTo(MEMORY);
        assertThat(info.hypercallPage()).isEqualTo(0x2000);
        assertThat(info.ioBuffer()).isEqualTo(0x10_0000);
        assertThat(info.ioBufferSize()).isEqualTo(0x10_0000);
        assertThat(info.programImage()).isEqualTo(0x40_0000);
        assertThat(info.programSize()).isEqualTo(program.length);
        assertThat(info.strings()).isEqualTo(layout.strings());
        assertThat(info.argc()).isEqualTo(2);
        assertThat(info.envc()).isEqualTo(1);
        assertThat(info.realtimeNs()).isEqualTo(1_234_567_890L);
        assertThat(info.tscKhz()).isEqualTo(3_000_000);
        assertThat(info.random()).isEqualTo(seed());
        assertThat(info.stackSize()).isEqualTo(8L << 20);
        assertThat(info.flags()).as("a cold start waits for no start message").isZero();

        assertThat(bytesAt(info.programImage(), info.programSize())).isEqualTo(program);
        assertThat(bytesAt(info.strings(), info.stringsSize())).isEqualTo(
                "/work/hello\0hello\0world\0PATH=/bin\0".getBytes(StandardCharsets.UTF_8));
        assertThat(bytesAt(0, 0x1000)).as("page 0").containsOnly(0);
        assertThat(bytesAt(0x2000, 0x1000)).as("hypercall page").containsOnly(0);
        assertThat(bytesAt(0x10_0000, 0x10_0000)).as("I/O buffer").containsOnly(0);
        assertThat(bytesAt(0x20_2040, 0x2fc0)).as("kernel bss").containsOnly(0);
        assertThat(bytesAt(info.freeStart(), 16)).as("free memory is the kernel's").containsOnly(GARBAGE);
    }

    @Test
    void theEntryStateFindsKernelAndBootInfoThroughThePageTables() throws Exception {
        BootState state = GuestImage.write(ram, request(ElfBuilder.staticExecutable().build()).build());

        long entryGpa = PageTablesTest.translate(ram, state.cr3(), state.rip()).orElseThrow().gpa();
        long bootInfoGpa = PageTablesTest.translate(ram, state.cr3(), state.rdi()).orElseThrow().gpa();
        long gdtGpa = PageTablesTest.translate(ram, state.cr3(), state.gdt().base()).orElseThrow().gpa();
        long tssGpa = PageTablesTest.translate(ram, state.cr3(), state.segments().tr().base()).orElseThrow().gpa();

        assertThat(bytesAt(entryGpa, 1)).containsExactly(0xc3);
        assertThat(bootInfoGpa).isEqualTo(0x1000);
        assertThat(ram.get(ValueLayout.JAVA_LONG_UNALIGNED, bootInfoGpa)).isEqualTo(BootInfo.MAGIC);
        assertThat(gdtGpa).isEqualTo(0x3000);
        assertThat(ram.get(ValueLayout.JAVA_LONG_UNALIGNED, gdtGpa + 0x10)).isEqualTo(Gdt.entries()[2]);
        assertThat(tssGpa).isEqualTo(0x3080);
    }

    @Test
    void acceptsRealStaticAndStaticPiePrograms() throws Exception {
        for (String flag : new String[] {"-static", "-static-pie"}) {
            byte[] program = GccPrograms.hello(directory, "hello" + flag, flag);

            BootState state = GuestImage.write(ram, request(program).build());

            assertThat(bytesAt(state.layout().programImage(), program.length)).isEqualTo(program);
        }
    }

    @Test
    void loadsTheBuiltGuestKernel() throws Exception {
        byte[] kernelElf;
        try (var in = GuestImageTest.class.getResourceAsStream("/hyperlight-nanvix/kernel/nanvix-kernel")) {
            assertThat(in).as("the guest-kernel jar (a test dependency) holds the kernel").isNotNull();
            kernelElf = in.readAllBytes();
        }

        BootState state = GuestImage.write(ram, request(ElfBuilder.staticExecutable().build())
                .kernelElf(kernelElf).build());

        ElfFile elf = ElfFile.parse(kernelElf, new ElfLimits(GuestAbi.kva(0x20_0000), GuestAbi.kva(MEMORY), MEMORY));
        assertThat(state.rip()).isEqualTo(elf.entryPoint());
        assertThat(state.layout().kernelStart()).isEqualTo(0x20_0000);
        for (ProgramHeader segment : elf.loadSegments()) {
            long gpa = segment.virtualAddress() - GuestAbi.KERNEL_BASE;
            assertThat(bytesAt(gpa, segment.fileSize()))
                    .isEqualTo(elf.segmentContents(segment).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void writesDynamicProgramsWholeForTheKernelToLoadWithTheirInterpreter() throws Exception {
        byte[] program = GccPrograms.hello(directory, "hello-dynamic", "-pie", "-fPIE");

        GuestImage.write(ram, request(program).build());

        BootInfo info = BootInfo.readFrom(ram);
        assertThat(bytesAt(info.programImage(), info.programSize())).isEqualTo(program);
    }

    @Test
    void refusesMalformedProgramsBeforeWritingAnything() {
        ElfBuilder arm = ElfBuilder.staticExecutable();
        arm.machine = 183;

        assertThatThrownBy(() -> GuestImage.write(ram, request(arm.build()).build()))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage("ELF file is for machine 183 (AArch64), not x86-64");
        assertThatThrownBy(() -> GuestImage.write(ram, request("print('hi')".getBytes(StandardCharsets.UTF_8)).build()))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage("not an ELF file");
        assertRamUntouched();
    }

    @Test
    void refusesABrokenKernel() {
        BootRequest broken = request(ElfBuilder.staticExecutable().build())
                .kernelElf(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1})
                .build();

        assertThatThrownBy(() -> GuestImage.write(ram, broken))
                .isInstanceOf(KernelImageException.class)
                .hasMessage("the guest kernel image is invalid: the ELF header is truncated: "
                        + "the file has 7 bytes, the header needs 64");
        assertRamUntouched();
    }

    @Test
    void refusesAProgramWhoseSegmentsAndStackDoNotFit() {
        ElfBuilder hungry = ElfBuilder.staticExecutable();
        hungry.headers.set(1, hungry.headers.get(1).withMemsz(56L << 20));

        assertThatThrownBy(() -> GuestImage.write(ram, request(hungry.build()).build()))
                .isInstanceOf(GuestLayoutException.class)
                .hasMessageStartingWith("guest memory of 64 MiB is too small for this program: "
                        + "its segments and stack need 64.0 MiB, ")
                .hasMessageEndingWith(" are free");
        assertRamUntouched();
    }

    @Test
    void refusesArgumentsItCannotPass() {
        BootRequest nul = request(ElfBuilder.staticExecutable().build()).argv(List.of("a\0b")).build();
        BootRequest tooLong = request(ElfBuilder.staticExecutable().build())
                .argv(List.of("x".repeat(3000))).stackSize(8192).build();

        assertThatThrownBy(() -> GuestImage.write(ram, nul))
                .isInstanceOf(BootArgumentException.class)
                .hasMessage("argument 0 contains a NUL character");
        assertThatThrownBy(() -> GuestImage.write(ram, tooLong))
                .isInstanceOf(BootArgumentException.class)
                .hasMessage("the program path, arguments and environment take 3.0 KiB, "
                        + "more than a quarter of the 8 KiB stack");
        assertRamUntouched();
    }

    @Test
    void refusesRamOfAnUnusableSize() {
        MemorySegment odd = ram.asSlice(0, MEMORY - 4096);

        assertThatThrownBy(() -> GuestImage.write(odd, request(ElfBuilder.staticExecutable().build()).build()))
                .isInstanceOf(GuestLayoutException.class)
                .hasMessage("guest memory of 65532 KiB is not a multiple of 2 MiB");
    }

    @Test
    void builderFillsInDefaults() {
        BootRequest request = BootRequest.builder()
                .kernelElf(new byte[1]).programElf(new byte[1]).execPath("/a").build();

        assertThat(request.stackSize()).isEqualTo(8L << 20);
        assertThat(request.ioBufferSize()).isEqualTo(1L << 20);
        assertThat(request.random()).hasSize(32);
        assertThat(request.realtimeNs()).isGreaterThan(1_600_000_000L * 1_000_000_000L);
        assertThat(request.tscKhz()).isZero();
        assertThat(request.argv()).isEmpty();
        assertThat(request.envp()).isEmpty();
    }

    @Test
    void requestValidatesWhatCallersControl() {
        assertThatThrownBy(() -> request(new byte[1]).stackSize(1000).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the stack size must be a positive multiple of 4 KiB");
        assertThatThrownBy(() -> request(new byte[1]).random(new byte[8]).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> request(new byte[1]).execPath(null).build())
                .isInstanceOf(NullPointerException.class);
    }
}

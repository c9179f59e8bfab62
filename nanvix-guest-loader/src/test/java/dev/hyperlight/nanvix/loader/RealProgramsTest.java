package dev.hyperlight.nanvix.loader;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parser against what gcc really produces. */
class RealProgramsTest {

    private static final ElfLimits LIMITS = ElfLimits.forProgram(256L << 20);

    @TempDir
    Path directory;

    @Test
    void parsesAStaticExecutable() throws Exception {
        ElfFile elf = ElfFile.parse(GccPrograms.hello(directory, "hello-static", "-static"), LIMITS);

        assertThat(elf.kind()).isEqualTo(ElfKind.STATIC);
        assertThat(elf.interpreter()).isEmpty();
        assertThat(elf.entryPoint()).isGreaterThanOrEqualTo(0x40_0000);
        assertEntryInExecutableSegment(elf);
    }

    @Test
    void parsesAStaticPie() throws Exception {
        ElfFile elf = ElfFile.parse(GccPrograms.hello(directory, "hello-static-pie", "-static-pie"), LIMITS);

        assertThat(elf.kind()).isEqualTo(ElfKind.STATIC_PIE);
        assertThat(elf.interpreter()).isEmpty();
        assertThat(elf.loadSegments().getFirst().virtualAddress()).isZero();
        assertEntryInExecutableSegment(elf);
    }

    @Test
    void parsesADynamicPieAndReportsTheLoader() throws Exception {
        ElfFile elf = ElfFile.parse(GccPrograms.hello(directory, "hello-dynamic", "-pie", "-fPIE"), LIMITS);

        assertThat(elf.kind()).isEqualTo(ElfKind.DYNAMIC_PIE);
        assertThat(elf.interpreter()).contains("/lib64/ld-linux-x86-64.so.2");
    }

    @Test
    void parsesTheBuiltGuestExample() throws Exception {
        Path example = Path.of("../guest-examples/hello-c");
        assertThat(example).as("guest-examples/hello-c, built by the guest-examples module before this one")
                .isRegularFile();

        ElfFile elf = ElfFile.parse(Files.readAllBytes(example), LIMITS);

        assertThat(elf.kind()).isEqualTo(ElfKind.STATIC);
        assertEntryInExecutableSegment(elf);
    }

    private static void assertEntryInExecutableSegment(ElfFile elf) {
        assertThat(elf.loadSegments()).anySatisfy(segment -> {
            assertThat(segment.isExecutable()).isTrue();
            assertThat(elf.entryPoint()).isBetween(segment.virtualAddress(), segment.endAddress() - 1);
        });
    }
}

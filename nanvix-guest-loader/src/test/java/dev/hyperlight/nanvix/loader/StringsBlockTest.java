package dev.hyperlight.nanvix.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class StringsBlockTest {

    @Test
    void putsPathArgumentsAndEnvironmentBackToBack() throws Exception {
        StringsBlock block = StringsBlock.encode("/bin/hello",
                List.of("hello", "", "wörld"), List.of("HOME=/", "LANG=C.UTF-8"));

        assertThat(block.argc()).isEqualTo(3);
        assertThat(block.envc()).isEqualTo(2);
        assertThat(block.bytes()).isEqualTo(
                "/bin/hello\0hello\0\0wörld\0HOME=/\0LANG=C.UTF-8\0".getBytes(StandardCharsets.UTF_8));
        assertThat(block.size()).isEqualTo(block.bytes().length);
    }

    @Test
    void encodesNoArgumentsAsThePathAlone() throws Exception {
        StringsBlock block = StringsBlock.encode("/a", List.of(), List.of());

        assertThat(block.bytes()).containsExactly('/', 'a', 0);
        assertThat(block.argc()).isZero();
        assertThat(block.envc()).isZero();
    }

    @Test
    void rejectsNulCharacters() {
        assertThatThrownBy(() -> StringsBlock.encode("/bin/a\0b", List.of(), List.of()))
                .isInstanceOf(BootArgumentException.class)
                .hasMessage("the program path contains a NUL character");
        assertThatThrownBy(() -> StringsBlock.encode("/bin/a", List.of("a", "b", "c\0"), List.of()))
                .isInstanceOf(BootArgumentException.class)
                .hasMessage("argument 2 contains a NUL character");
        assertThatThrownBy(() -> StringsBlock.encode("/bin/a", List.of("a"), List.of("X=1", "\0")))
                .isInstanceOf(BootArgumentException.class)
                .hasMessage("environment entry 1 contains a NUL character");
    }

    @Test
    void rejectsAnEmptyPathAndBrokenUnicode() {
        assertThatThrownBy(() -> StringsBlock.encode("", List.of(), List.of()))
                .isInstanceOf(BootArgumentException.class)
                .hasMessage("the program path is empty");
        assertThatThrownBy(() -> StringsBlock.encode("/a", List.of("\ud800"), List.of()))
                .isInstanceOf(BootArgumentException.class)
                .hasMessage("argument 0 is not valid Unicode (a lone surrogate)");
    }

    @Test
    void rejectsBlocksAboveTheSizeLimit() {
        String big = "x".repeat(StringsBlock.MAX_SIZE / 2);

        assertThatThrownBy(() -> StringsBlock.encode("/a", List.of(big, big), List.of()))
                .isInstanceOf(BootArgumentException.class)
                .hasMessage("the program path, arguments and environment are larger than the limit of 2 MiB");
    }

    @Test
    void rejectsTooManyStrings() {
        List<String> many = Collections.nCopies(StringsBlock.MAX_STRINGS, "a");

        assertThatThrownBy(() -> StringsBlock.encode("/a", many, List.of("B=1")))
                .isInstanceOf(BootArgumentException.class)
                .hasMessage("there are 65537 arguments and environment entries, more than the limit of 65536");
    }
}

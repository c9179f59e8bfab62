package dev.hyperlight.nanvix.vfs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GuestPathsTest {

    @Test
    void canonicalPaths() {
        assertThat(GuestPaths.isCanonical("/")).isTrue();
        assertThat(GuestPaths.isCanonical("/a/b")).isTrue();
        assertThat(GuestPaths.isCanonical("/a/")).isFalse();
        assertThat(GuestPaths.isCanonical("a")).isFalse();
        assertThat(GuestPaths.isCanonical("/a/../b")).isFalse();
    }

    @Test
    void parentsAndChildren() {
        assertThat(GuestPaths.parent("/")).isEqualTo("/");
        assertThat(GuestPaths.parent("/a")).isEqualTo("/");
        assertThat(GuestPaths.parent("/a/b")).isEqualTo("/a");
        assertThat(GuestPaths.child("/", "a")).isEqualTo("/a");
        assertThat(GuestPaths.child("/a", "b")).isEqualTo("/a/b");
        assertThat(GuestPaths.lastComponent("/a/b//")).isEqualTo("b");
        assertThat(GuestPaths.lastComponent("/")).isEmpty();
        assertThat(GuestPaths.components("//a/./b/../")).containsExactly("a", ".", "b", "..");
    }

    @Test
    void withinAndRebase() {
        assertThat(GuestPaths.isWithin("/a/b", "/a")).isTrue();
        assertThat(GuestPaths.isWithin("/ab", "/a")).isFalse();
        assertThat(GuestPaths.isWithin("/x", "/")).isTrue();
        assertThat(GuestPaths.rebase("/a/b/c", "/a/b", "/z")).isEqualTo("/z/c");
        assertThat(GuestPaths.rebase("/a/b", "/a/b", "/z")).isEqualTo("/z");
        assertThat(GuestPaths.rebase("/a/bc", "/a/b", "/z")).isEqualTo("/a/bc");
        assertThat(GuestPaths.rebase("/a/b", "/a", "/")).isEqualTo("/b");
        assertThat(GuestPaths.below("/tmp/x/y", "/tmp")).containsExactly("x", "y");
        assertThat(GuestPaths.below("/x", "/")).containsExactly("x");
    }
}

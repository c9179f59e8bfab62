package dev.hyperlight.nanvix.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("no-vm")
class BearerTokenTest {

    private final BearerToken token = new BearerToken("s3cret-token");

    @Test
    void acceptsTheTokenWithTheBearerScheme() {
        assertThat(token.accepts("Bearer s3cret-token")).isTrue();
        assertThat(token.accepts("bearer s3cret-token")).isTrue();
    }

    @Test
    void refusesAnythingElse() {
        assertThat(token.accepts(null)).isFalse();
        assertThat(token.accepts("")).isFalse();
        assertThat(token.accepts("s3cret-token")).isFalse();
        assertThat(token.accepts("Basic s3cret-token")).isFalse();
        assertThat(token.accepts("Bearer s3cret-toke")).isFalse();
        assertThat(token.accepts("Bearer s3cret-token2")).isFalse();
        assertThat(token.accepts("Bearer ")).isFalse();
    }
}

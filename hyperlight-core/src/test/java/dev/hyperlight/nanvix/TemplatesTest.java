package dev.hyperlight.nanvix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.hypervisor.CpuState;
import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.SnapshotInfo;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import dev.hyperlight.nanvix.vmm.Template;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The sandbox's template cache: made once per key, shared, bounded, renewed, closed only when unused. */
class TemplatesTest {

    /** A snapshot that only knows whether it was closed. */
    private static final class FakeSnapshot implements VmSnapshot {
        boolean closed;

        @Override
        public SnapshotInfo info() {
            return new SnapshotInfo("fake", Flavour.UNKNOWN, 1 << 20, 0, Instant.EPOCH, Map.of());
        }

        @Override
        public CpuState cpuState() {
            throw new UnsupportedOperationException();
        }

        @Override
        public MemorySegment memory() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void save(Path file) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private final List<FakeSnapshot> made = new ArrayList<>();
    private final List<Boolean> renewals = new ArrayList<>();

    private Optional<Template> make(boolean renewal) {
        FakeSnapshot snapshot = new FakeSnapshot();
        synchronized (made) {
            made.add(snapshot);
            renewals.add(renewal);
        }
        return Optional.of(new Template(snapshot, 0x2000, 3, 0));
    }

    private static WarmStart.Key key(String variable) {
        return new WarmStart.Key(GuestRuntime.PYTHON, List.of(variable), List.of(), "");
    }

    /** The clock address comes from the guest kernel (and a snapshot file): a page of the RAM, or 0. */
    @Test
    void aTemplatesClockIsAPageOfItsRam() {
        FakeSnapshot snapshot = new FakeSnapshot();
        assertThat(new Template(snapshot, 0x2000, 3, 0xff000).clock()).isEqualTo(0xff000);
        assertThat(new Template(snapshot, 0x2000, 3, 0).clock()).isZero();
        for (long bad : new long[] {0xff008, 1 << 20, -4096}) {
            assertThatThrownBy(() -> new Template(snapshot, 0x2000, 3, bad)).as("0x%x", bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aKeysTemplateIsMadeOnceAndSharedByConcurrentRuns() throws Exception {
        Templates templates = new Templates(0);
        CountDownLatch making = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<Optional<Templates.Lease>>> leases = new ArrayList<>();
            leases.add(threads.submit(() -> templates.get(key("A=1"), renewal -> {
                making.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return make(renewal);
            })));
            making.await();
            for (int i = 0; i < 3; i++) {
                leases.add(threads.submit(() -> templates.get(key("A=1"), this::make)));
            }
            release.countDown();
            for (Future<Optional<Templates.Lease>> lease : leases) {
                assertThat(lease.get().orElseThrow().template().snapshot()).isSameAs(made.getFirst());
            }
        } finally {
            threads.shutdown();
        }
        assertThat(made).hasSize(1);
    }

    @Test
    void aKeyWithoutATemplateIsRememberedButAFailedAttemptIsNot() throws Exception {
        Templates templates = new Templates(0);
        AtomicInteger attempts = new AtomicInteger();

        assertThat(templates.get(key("A=1"), renewal -> {
            attempts.incrementAndGet();
            return Optional.empty();
        })).isEmpty();
        assertThat(templates.get(key("A=1"), renewal -> {
            attempts.incrementAndGet();
            return Optional.empty();
        })).isEmpty();
        assertThat(attempts).hasValue(1);

        assertThatThrownBy(() -> templates.get(key("B=1"), renewal -> {
            throw new SandboxException(SandboxException.Reason.HOST_ERROR, "the run was cancelled");
        })).isInstanceOf(SandboxException.class);
        assertThat(templates.get(key("B=1"), this::make)).isPresent();
    }

    @Test
    void aTemplateIsRenewedAfterItsRunsAndClosedWhenItsLastRunEnds() throws Exception {
        Templates templates = new Templates(2);

        Templates.Lease first = templates.get(key("A=1"), this::make).orElseThrow();
        Templates.Lease second = templates.get(key("A=1"), this::make).orElseThrow();
        Templates.Lease third = templates.get(key("A=1"), this::make).orElseThrow();

        assertThat(made).hasSize(2);
        assertThat(renewals).containsExactly(false, true);
        assertThat(first.template()).isSameAs(second.template());
        assertThat(third.template().snapshot()).isSameAs(made.get(1));
        first.close();
        assertThat(made.getFirst().closed).isFalse();
        second.close();
        second.close();
        assertThat(made.getFirst().closed).isTrue();
        assertThat(made.get(1).closed).isFalse();
        third.close();
    }

    @Test
    void theLeastRecentlyUsedTemplatePastTheBoundIsClosedOnceUnused() throws Exception {
        Templates templates = new Templates(0);
        Templates.Lease held = templates.get(key("K=0"), this::make).orElseThrow();
        for (int i = 1; i <= Templates.MAX_TEMPLATES; i++) {
            templates.get(key("K=" + i), this::make).orElseThrow().close();
        }

        assertThat(made.get(1).closed).as("the least recently used after the first").isFalse();
        assertThat(made.getFirst().closed).as("evicted, but a run still uses it").isFalse();
        held.close();
        assertThat(made.getFirst().closed).isTrue();
        assertThat(made.subList(1, made.size())).noneMatch(snapshot -> snapshot.closed);
    }

    @Test
    void closingRetiresEveryTemplateAndLaterRunsStartCold() throws Exception {
        Templates templates = new Templates(0);
        Templates.Lease running = templates.get(key("A=1"), this::make).orElseThrow();
        templates.get(key("B=1"), this::make).orElseThrow().close();

        templates.close();

        assertThat(made.get(1).closed).isTrue();
        assertThat(made.getFirst().closed).isFalse();
        running.close();
        assertThat(made.getFirst().closed).isTrue();
        assertThat(templates.get(key("A=1"), this::make)).isEmpty();
        assertThat(made).hasSize(2);
    }
}

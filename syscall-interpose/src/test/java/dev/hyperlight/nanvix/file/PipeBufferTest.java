package dev.hyperlight.nanvix.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Poll;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A pipe's buffer: end of file, EPIPE, EAGAIN when full, and the run's memory budget. */
class PipeBufferTest {

    private static final MemorySegment PAGE = MemorySegment.ofArray(new byte[PipeBuffer.PIPE_BUF]);

    /** Bytes non-blocking writes put in before EAGAIN. */
    private static long fill(PipeBuffer pipe) {
        long total = 0;
        while (true) {
            try {
                total += pipe.write(PAGE, true);
            } catch (ErrnoException e) {
                assertThat(e.errno()).isEqualTo(Errno.EAGAIN);
                return total;
            }
        }
    }

    @Test
    void readsWhatWasWrittenThenEndOfFileOnceTheWriterIsGone() {
        PipeBuffer pipe = new PipeBuffer(new PipeBuffer.Budget());
        pipe.write(MemorySegment.ofArray("hello".getBytes()), false);
        pipe.closeWriteEnd();
        MemorySegment into = MemorySegment.ofArray(new byte[16]);

        assertThat(pipe.read(into, false)).isEqualTo(5);
        assertThat(pipe.read(into, false)).isZero();
        assertThat(pipe.readEndReadiness(Poll.POLLIN)).isEqualTo(Poll.POLLIN | Poll.POLLHUP);
    }

    @Test
    void writingWithoutReaderIsEpipeAndAnEmptyNonBlockingReadIsEagain() {
        PipeBuffer pipe = new PipeBuffer(new PipeBuffer.Budget());
        assertThatThrownBy(() -> pipe.read(MemorySegment.ofArray(new byte[1]), true))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EAGAIN));
        pipe.closeReadEnd();

        assertThatThrownBy(() -> pipe.write(PAGE, false))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPIPE));
    }

    @Test
    void fullSizePipesUntilTheRunsBudgetIsSpentThenOnePagePipes() {
        PipeBuffer.Budget budget = new PipeBuffer.Budget();
        List<PipeBuffer> pipes = new ArrayList<>();
        for (long i = 0; i < PipeBuffer.RUN_BUDGET / PipeBuffer.CAPACITY; i++) {
            pipes.add(new PipeBuffer(budget));
        }
        assertThat(fill(pipes.getFirst())).isEqualTo(PipeBuffer.CAPACITY);

        PipeBuffer small = new PipeBuffer(budget);
        assertThat(fill(small)).isEqualTo(PipeBuffer.PIPE_BUF);

        pipes.getFirst().closeReadEnd();
        pipes.getFirst().closeWriteEnd();
        assertThat(fill(new PipeBuffer(budget))).as("a closed pipe gives its share back").isEqualTo(PipeBuffer.CAPACITY);
    }
}

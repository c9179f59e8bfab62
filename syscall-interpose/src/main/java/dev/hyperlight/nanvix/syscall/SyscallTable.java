package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.memory.BadGuestAddressException;
import dev.hyperlight.nanvix.memory.GuestMemory;
import dev.hyperlight.nanvix.memory.GuestStringTooLongException;
import dev.hyperlight.nanvix.memory.IoVectors;
import dev.hyperlight.nanvix.memory.UserMemory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the host does with each forwarded system call: one {@link SyscallAction} per {@link
 * Syscall}, in one immutable table (the model is gVisor's linux64.go). {@link #defaults()} accepts
 * every file call and blocks the network; {@link #with} changes one entry:
 *
 * <pre>{@code
 * SyscallTable table = SyscallTable.defaults()
 *     .with(Syscall.OPENAT, SyscallAction.intercept((call, next) -> { audit(call.path()); return next.proceed(call); }))
 *     .with(Syscall.UNLINKAT, SyscallAction.block(Errno.EACCES));
 * }</pre>
 *
 * A number without an entry fails with ENOSYS. A table may carry a {@link SyscallAudit} that is
 * told every decided call, and {@link SyscallObserver}s that are told how each was decided. Each
 * decided call is also a {@code dev.hyperlight.nanvix.ForwardedCall} Flight Recorder event, when a
 * recording enables it (docs/observability.md).
 */
public final class SyscallTable {

    private static final Logger LOG = LoggerFactory.getLogger(SyscallTable.class);
    /** Before {@link #DEFAULTS}, which is made with it. */
    private static final SyscallObserver[] NO_OBSERVERS = {};

    /** One call the table decides, and how. */
    public record Entry(Syscall syscall, SyscallAction action) {
        public Entry {
            Objects.requireNonNull(syscall, "syscall");
            Objects.requireNonNull(action, "action");
        }
    }

    /**
     * Network socket calls fail as if a security module denied them, unless a policy accepts them;
     * local (AF_UNIX) sockets work ({@link SyscallAction.BlockNetwork}).
     */
    public static final Errno NETWORK_DENIED = Errno.EACCES;

    private static final SyscallTable DEFAULTS = defaultTable();

    private static SyscallTable defaultTable() {
        Map<Sysno, Entry> entries = new EnumMap<>(Sysno.class);
        for (Syscall call : Syscall.FORWARDED) {
            if (call.decidedAs().isPresent()) {
                continue;
            }
            SyscallAction action = Syscall.NETWORK.contains(call)
                    ? SyscallAction.blockNetwork(NETWORK_DENIED)
                    : SyscallAction.accept();
            entries.put(call.sysno(), new Entry(call, action));
        }
        return new SyscallTable(entries, Optional.empty(), NO_OBSERVERS);
    }

    private final Map<Sysno, Entry> entries;
    private final Optional<SyscallAudit> audit;
    /** Told in this order; an array, so that telling them allocates nothing. */
    private final SyscallObserver[] observers;

    private SyscallTable(Map<Sysno, Entry> entries, Optional<SyscallAudit> audit, SyscallObserver[] observers) {
        this.entries = entries;
        this.audit = audit;
        this.observers = observers;
    }

    /**
     * Every forwarded call runs its default implementation, except the network: socket calls fail
     * with EACCES unless they are on a local (AF_UNIX) socket.
     */
    public static SyscallTable defaults() {
        return DEFAULTS;
    }

    /**
     * A copy of this table in which {@code syscall} is decided by {@code action}.
     *
     * @throws IllegalArgumentException for a vectored call (readv...), which is decided by the
     *     entry of the call it is decided as ({@link Syscall#decidedAs})
     */
    public SyscallTable with(Syscall syscall, SyscallAction action) {
        syscall.decidedAs().ifPresent(plain -> {
            throw new IllegalArgumentException(syscall.name() + " is decided as " + plain.name()
                    + ": give " + plain.name() + " the action");
        });
        Map<Sysno, Entry> copy = new EnumMap<>(Sysno.class);
        copy.putAll(entries);
        copy.put(syscall.sysno(), new Entry(syscall, action));
        return new SyscallTable(copy, audit, observers);
    }

    /** A copy of this table in which every call of {@code syscalls} is decided by {@code action}. */
    public SyscallTable with(List<Syscall> syscalls, SyscallAction action) {
        SyscallTable table = this;
        for (Syscall syscall : syscalls) {
            table = table.with(syscall, action);
        }
        return table;
    }

    /** A copy of this table that tells {@code audit} about every call it decides. */
    public SyscallTable withAudit(SyscallAudit audit) {
        return new SyscallTable(entries, Optional.of(audit), observers);
    }

    /** A copy of this table that also tells {@code observer} how it decided every call, after any earlier ones. */
    public SyscallTable withObserver(SyscallObserver observer) {
        SyscallObserver[] more = Arrays.copyOf(observers, observers.length + 1);
        more[observers.length] = Objects.requireNonNull(observer, "observer");
        return new SyscallTable(entries, audit, more);
    }

    /** How {@code syscall} is decided, if the table has an entry for it. */
    public Optional<SyscallAction> action(Syscall syscall) {
        return Optional.ofNullable(entries.get(syscall.sysno())).map(Entry::action);
    }

    /** Every entry, by call number. */
    public List<Entry> entries() {
        return entries.values().stream().sorted(Comparator.comparingInt(e -> e.syscall().sysno().number())).toList();
    }

    /**
     * Decides {@code request}: the call's value, or {@code -errno}: {@code -ENOSYS} for a call
     * without entry or without default implementation, {@code -EFAULT} for a guest address outside
     * RAM, {@code -ENAMETOOLONG} for an unterminated path. Never throws for anything the guest
     * supplied, except {@link dev.hyperlight.nanvix.memory.UserPageFault} when {@code memory} is
     * the program's ({@link UserMemory}) and a page of its arguments is not accessible: then the
     * call has not run, and the VMM tells the guest kernel which range to map. This is the VMM's
     * entry point: {@link HostIo} is not exported to other modules, so only the VMM can call it.
     *
     * @param runState what interceptors keep for the run the calling process belongs to
     * @throws AuditFailedException when the audit cannot record the call: the caller must stop
     *     the run without giving the guest the result
     */
    @SuppressWarnings("exports")
    public long dispatch(SyscallRequest request, GuestMemory memory, HostIo io, RunState runState) {
        // Allocation-free when no recording enables it: the JIT removes an event that never escapes.
        ForwardedCallEvent event = new ForwardedCallEvent();
        event.begin();
        Sysno sysno = Sysno.of(request.number()).orElse(null);
        Syscall plain = sysno != null ? Syscall.plainCallOf(sysno) : null;
        if (plain != null) {
            // readv and the like: decided as the plain call over the gathered vectors.
            boolean intoProgram = ((Syscall.Buffer) plain.arguments().get(1)).output();
            try {
                IoVectors vectors = IoVectors.of(memory, request.arg1(), request.arg2(), intoProgram);
                request = SyscallRequest.of(plain.sysno(), request.arg0(), vectors.address(), vectors.length(),
                        request.arg3());
                memory = vectors;
                sysno = plain.sysno();
            } catch (IoVectors.InvalidVectorsException | BadGuestAddressException e) {
                memory.commit();
                LOG.debug("{}: {}", sysno.linuxName(), e.getMessage());
                return undecided(event, request.number(),
                        e instanceof BadGuestAddressException ? Errno.EFAULT : Errno.EINVAL);
            } catch (RuntimeException e) {
                memory.commit();
                throw e;
            }
        }
        Entry entry = sysno != null ? entries.get(sysno) : null;
        if (entry == null) {
            LOG.debug("no entry for {}", Sysno.nameOf(request.number()));
            return undecided(event, request.number(), Errno.ENOSYS);
        }
        SyscallCall call = new SyscallCall(entry.syscall(), request, memory, runState);
        if (memory instanceof UserMemory user) {
            if (!entry.syscall().takesUserAddresses()) {
                LOG.debug("{} arrived with user addresses, which it is not declared to take", call.name());
                return Errno.EFAULT.result();
            }
            call.checkUserArguments(user);
        }
        try {
            return decided(event, entry, call, request, io);
        } finally {
            memory.commit();
        }
    }

    /**
     * A call that fails with {@code errno} before any entry decides it (no entry, or a vectored
     * call's bad array): observed, and audited with action "none".
     */
    private long undecided(ForwardedCallEvent event, long number, Errno errno) {
        long result = errno.result();
        observed(event, number, SyscallDecision.NO_ENTRY, result, 0);
        String name = Sysno.nameOf(number);
        audit.ifPresent(sink -> record(sink, new SyscallAudit.Record(name, "", List.of(), "none", result,
                Duration.ZERO)));
        return result;
    }

    private long decided(ForwardedCallEvent event, Entry entry, SyscallCall call, SyscallRequest request,
            HostIo io) {
        SyscallDecision decision = decision(entry.action(), call, io);
        if (audit.isEmpty()) {
            boolean timed = observers.length > 0;
            long start = timed ? System.nanoTime() : 0;
            long result = decide(entry.action(), decision, call, io);
            observed(event, request.number(), decision, result, timed ? System.nanoTime() - start : 0);
            return result;
        }
        // Taken before the call runs: what the guest asked for, whatever a handler changes.
        String arguments = call.summary();
        List<SyscallAudit.PathArgument> paths = call.pathArguments();
        long start = System.nanoTime();
        long result = decide(entry.action(), decision, call, io);
        long nanos = System.nanoTime() - start;
        observed(event, request.number(), decision, result, nanos);
        record(audit.get(), new SyscallAudit.Record(call.name(), arguments, paths, entry.action().kind(), result,
                Duration.ofNanos(nanos)));
        return result;
    }

    /**
     * Tells the observers and commits the event; builds the event's strings only when a recording
     * takes it. An observer's failure is logged, never the guest's concern.
     */
    private void observed(ForwardedCallEvent event, long number, SyscallDecision decision, long result, long nanos) {
        for (SyscallObserver observer : observers) {
            try {
                observer.callDecided(number, decision, result, nanos);
            } catch (RuntimeException e) {
                LOG.warn("a system-call observer failed on {}; ignored", Sysno.nameOf(number), e);
            }
        }
        event.end();
        if (event.shouldCommit()) {
            event.name = Sysno.nameOf(number);
            event.number = number;
            event.decision = decision.label();
            event.result = result;
            event.errno = result < 0 && result >= -MAX_ERRNO
                    ? Errno.of((int) -result).map(Errno::name).orElse("E" + -result)
                    : null;
            event.commit();
        }
    }

    /** Linux's largest errno: a result in {@code -4095..-1} is an error, as the C library reads it. */
    private static final long MAX_ERRNO = 4095;

    /** Fails closed: a record the sink cannot take stops the run ({@link AuditFailedException}). */
    private static void record(SyscallAudit sink, SyscallAudit.Record record) {
        try {
            sink.record(record);
        } catch (RuntimeException e) {
            throw new AuditFailedException(record, e);
        }
    }

    private static SyscallDecision decision(SyscallAction action, SyscallCall call, HostIo io) {
        return switch (action) {
            case SyscallAction.Accept ignored -> SyscallDecision.ACCEPTED;
            case SyscallAction.Block ignored -> SyscallDecision.BLOCKED;
            case SyscallAction.BlockNetwork ignored -> isLocal(call, io) ? SyscallDecision.ACCEPTED : SyscallDecision.BLOCKED;
            case SyscallAction.Intercept ignored -> SyscallDecision.INTERCEPTED;
        };
    }

    private static long decide(SyscallAction action, SyscallDecision decision, SyscallCall call, HostIo io) {
        return switch (action) {
            case SyscallAction.Accept ignored -> runDefault(call, io);
            case SyscallAction.Block block -> block.errno().result();
            case SyscallAction.BlockNetwork block ->
                    decision == SyscallDecision.ACCEPTED ? runDefault(call, io) : block.errno().result();
            case SyscallAction.Intercept intercept -> guarded(call,
                    () -> intercept.handler().handle(call, changed -> runDefault(changed, io)));
        };
    }

    /** socket(AF_UNIX, ...), or a socket call on an fd that is a local socket. */
    private static boolean isLocal(SyscallCall call, HostIo io) {
        final long afUnix = 1;
        return call.sysno() == Sysno.SOCKET ? call.argument(0) == afUnix : io.sockets().isLocalSocket(call.fd(0));
    }

    private static long runDefault(SyscallCall call, HostIo io) {
        Syscall.Implementation implementation = Syscall.implementation(call.sysno());
        if (implementation == null) {
            return Errno.ENOSYS.result();
        }
        return guarded(call, () -> implementation.run(call, io));
    }

    private interface Body {
        long run();
    }

    /** Runs {@code body}, turning what the guest's input can make it throw into {@code -errno}. */
    private static long guarded(SyscallCall call, Body body) {
        try {
            return body.run();
        } catch (ErrnoException e) {
            LOG.trace("{}: {}", call.name(), e.getMessage());
            return e.errno().result();
        } catch (BadGuestAddressException e) {
            LOG.debug("{}: {}", call.name(), e.getMessage());
            return Errno.EFAULT.result();
        } catch (GuestStringTooLongException e) {
            LOG.debug("{}: {}", call.name(), e.getMessage());
            return Errno.ENAMETOOLONG.result();
        }
    }
}

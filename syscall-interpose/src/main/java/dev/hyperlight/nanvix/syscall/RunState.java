package dev.hyperlight.nanvix.syscall;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * State interceptors keep for one run (one guest program), one value per type, dropped with the
 * run. State for the whole sandbox lives in the interceptor itself.
 */
public final class RunState {

    private final ConcurrentHashMap<Class<?>, Object> values = new ConcurrentHashMap<>();

    /** An empty state, made by the VMM at the start of each run. */
    public RunState() {}

    /** This run's value of {@code type}, made by {@code initial} the first time it is asked for. */
    public <T> T get(Class<T> type, Supplier<? extends T> initial) {
        return type.cast(values.computeIfAbsent(type, key -> Objects.requireNonNull(initial.get(), "initial value")));
    }
}

package dev.beit3.model;

import ai.djl.ndarray.NDManager;
import dev.beit3.api.ModelClosedException;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The lifetime of one {@link Beit3}: calls run concurrently under the read lock, each in its own native memory
 * scope; {@link #close(Runnable)} takes the write lock, so it waits for running calls, and later calls fail with
 * {@link ModelClosedException}.
 */
final class CallGuard {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Supplier<String> name;
    private volatile boolean closed;

    /**
     * Creates an open guard.
     *
     * @param name what the model is called in "closed" messages, e.g. its head id
     */
    CallGuard(Supplier<String> name) {
        this.name = name;
    }

    /**
     * Runs a body under the read lock.
     *
     * @param body the call
     * @param <T> its result
     * @return the result
     * @throws ModelClosedException if the model is closed
     */
    <T> T guarded(Supplier<T> body) {
        ReentrantReadWriteLock.ReadLock r = lock.readLock();
        r.lock();
        try {
            requireOpen();
            return body.get();
        } finally {
            r.unlock();
        }
    }

    /**
     * Runs a body under the read lock in a fresh sub-manager of {@code parent}, closed when the body returns.
     *
     * @param parent the manager the scope hangs off (the encoder weights')
     * @param body the call
     * @param <T> its result (must not hold arrays of the scope)
     * @return the result
     */
    <T> T scoped(NDManager parent, Function<NDManager, T> body) {
        return guarded(() -> {
            try (NDManager scope = parent.newSubManager()) {
                return body.apply(scope);
            }
        });
    }

    /**
     * Fails if the model is closed; for checks made outside the lock (e.g. before tokenizing).
     *
     * @throws ModelClosedException if the model is closed
     */
    void requireOpen() {
        if (closed) {
            throw new ModelClosedException("this BEiT-3 model (" + name.get() + ") is closed; load it again");
        }
    }

    /**
     * Closes once: waits for running calls, then runs {@code release}. Idempotent.
     *
     * @param release frees the model's resources
     */
    void close(Runnable release) {
        ReentrantReadWriteLock.WriteLock w = lock.writeLock();
        w.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            release.run();
        } finally {
            w.unlock();
        }
    }
}

package dev.beit3.serve;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A one-shot test hook that holds the first batcher worker to reach it (or the model loader) until released: makes queue floods,
 * batching and shutdown deterministic instead of a matter of timing.
 */
final class Gate implements Runnable {
    private final java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile CountDownLatch entered = new CountDownLatch(1);
    private volatile CountDownLatch release = new CountDownLatch(1);
    volatile RuntimeException fail;

    void arm() {
        entered = new CountDownLatch(1);
        release = new CountDownLatch(1);
        armed.set(true);
    }

    @Override
    public void run() {
        RuntimeException f = fail;
        if (f != null) {
            throw f;
        }
        if (!armed.compareAndSet(true, false)) {
            return; // one-shot: only the first model call after arm() waits
        }
        entered.countDown();
        try {
            if (!release.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the gate");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void awaitEntered() throws InterruptedException {
        if (!entered.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("nothing reached the gate");
        }
    }

    void open() {
        armed.set(false);
        release.countDown();
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("condition not reached in 60 s");
            }
            Thread.sleep(2);
        }
    }
}

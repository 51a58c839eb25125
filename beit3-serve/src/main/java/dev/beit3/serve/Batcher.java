package dev.beit3.serve;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dynamic batching for one model and task: requests wait in a bounded queue; a worker thread takes
 * the oldest, then keeps taking requests until {@code maxBatch} items are collected or {@code maxDelay}
 * has passed since it took the first one, and runs them as one model call. It waits only while a request
 * is on its way (announced with {@link #arrive()} while its body is decoded): a lone request runs at once,
 * so the delay costs nothing at low load. Requests of one batch with
 * different keys (e.g. caption beam sizes) run as separate calls. A request is never split: one larger
 * than {@code maxBatch} runs alone (the facade cuts it into its own forward passes).
 *
 * <p>A full queue rejects at once ({@link Rejected}); the caller answers 429. A request whose future is
 * already done when the worker reaches it (the caller timed out and cancelled it) is skipped. If a
 * batched call fails, each of its requests is run alone, so one bad request cannot fail its neighbours.
 *
 * @param <I> one input item (an image, a text, an image-question pair)
 * @param <R> the result of one item
 */
final class Batcher<I, R> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);

    /** Thrown by {@link #submit} when the queue is full or the batcher is closing. */
    static final class Rejected extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final boolean closing;

        Rejected(String message, boolean closing) {
            super(message, null, false, false);
            this.closing = closing;
        }
    }

    private record Job<I, R>(Object key, List<I> items, CompletableFuture<List<R>> result) {}

    /** How often a waiting worker checks whether more requests are on their way. */
    private static final long POLL_NANOS = 200_000;

    private final String name;
    private final BlockingQueue<Job<I, R>> queue;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final BiFunction<Object, List<I>, List<R>> run;
    private final Metrics.BatcherMeters meters;
    private final Runnable beforeBatch;
    private final List<Thread> workers = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger arriving = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closing;

    /** A worker's request taken from the queue that did not fit its batch: it starts the worker's next one. */
    private final class Carry {
        Job<I, R> job;
    }

    /**
     * Starts the worker.
     *
     * @param name model/task, for the thread name and logs
     * @param capacity queued requests at most
     * @param maxBatch items per model call at most (whole requests)
     * @param maxDelay how long the worker waits for more requests after the first
     * @param workerCount threads taking batches from the queue (model calls at once)
     * @param run the model call: key and items to one result per item, in order
     * @param meters where queue depth and batch sizes go
     * @param beforeBatch called by the worker before each model call (a test hook; no-op in production)
     */
    Batcher(String name, int capacity, int maxBatch, Duration maxDelay, int workerCount, BiFunction<Object, List<I>, List<R>> run,
            Metrics.BatcherMeters meters, Runnable beforeBatch) {
        this.name = name;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.maxBatch = maxBatch;
        this.maxDelayNanos = maxDelay.toNanos();
        this.run = run;
        this.meters = meters;
        this.beforeBatch = beforeBatch;
        meters.queueDepth(queue::size);
        for (int i = 0; i < workerCount; i++) {
            Thread t = new Thread(this::loop, "beit3-batcher-" + name + "-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    /**
     * Queues a request.
     *
     * @param key requests with equal keys may share a model call
     * @param items the request's items
     * @return its results, in item order
     * @throws Rejected when the queue is full or the batcher is closing
     */
    CompletableFuture<List<R>> submit(Object key, List<I> items) {
        if (closing) {
            throw new Rejected("the server is shutting down", true);
        }
        Job<I, R> job = new Job<>(key, List.copyOf(items), new CompletableFuture<>());
        if (!queue.offer(job)) {
            throw new Rejected("the " + name + " queue is full (" + (queue.size()) + " requests waiting)", false);
        }
        return job.result;
    }

    /** Announces a request being decoded; close it after {@link #submit} (or on failure). */
    interface Arrival extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Announces a request that will be submitted soon: workers wait for it (up to {@code maxDelay}).
     *
     * @return close it once the request is submitted or refused
     */
    Arrival arrive() {
        arriving.incrementAndGet();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) {
                arriving.decrementAndGet();
            }
        };
    }

    /**
     * Whether a submit would be refused now: lets a caller refuse before the costly part of a request
     * (decoding its images).
     *
     * @return true when the queue is full or the batcher is closing
     */
    boolean full() {
        return closing || queue.remainingCapacity() == 0;
    }

    /**
     * Requests waiting (not yet taken by the worker).
     *
     * @return the queue depth
     */
    int queued() {
        return queue.size();
    }

    private void loop() {
        Carry carried = new Carry();
        while (!closing || carried.job != null || !queue.isEmpty()) {
            try {
                List<Job<I, R>> batch = collect(carried);
                if (!batch.isEmpty()) {
                    runBatch(batch);
                }
            } catch (InterruptedException e) {
                if (closing && queue.isEmpty() && carried.job == null) {
                    break;
                }
            } catch (RuntimeException | Error e) {
                LOG.error("batcher {} worker failed", name, e);
            }
        }
    }

    private Job<I, R> next(Carry carried, long timeoutNanos) throws InterruptedException {
        if (carried.job != null) {
            Job<I, R> j = carried.job;
            carried.job = null;
            return j;
        }
        return timeoutNanos <= 0 ? queue.poll() : queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private List<Job<I, R>> collect(Carry carried) throws InterruptedException {
        Job<I, R> first = next(carried, TimeUnit.MILLISECONDS.toNanos(100));
        if (first == null) {
            return List.of();
        }
        List<Job<I, R>> batch = new ArrayList<>();
        if (first.result.isDone()) {
            return batch; // cancelled while waiting (its caller timed out)
        }
        batch.add(first);
        int n = first.items.size();
        long deadline = System.nanoTime() + maxDelayNanos;
        while (n < maxBatch) {
            long left = deadline - System.nanoTime();
            Job<I, R> j = next(carried, Math.min(left, POLL_NANOS));
            if (j == null) {
                if (left <= POLL_NANOS || arriving.get() == 0 && queue.isEmpty()) {
                    break; // the delay is over, or nothing is on its way
                }
                continue;
            }
            if (j.result.isDone()) {
                continue;
            }
            if (n + j.items.size() > maxBatch) {
                carried.job = j; // starts this worker's next batch
                break;
            }
            batch.add(j);
            n += j.items.size();
        }
        return batch;
    }

    private void runBatch(List<Job<I, R>> batch) {
        try {
            beforeBatch.run();
            runGroups(batch);
        } catch (RuntimeException | Error e) {
            for (Job<I, R> j : batch) {
                j.result.completeExceptionally(e); // no-op for the jobs already answered
            }
            if (e instanceof Error) {
                throw e;
            }
        }
    }

    private void runGroups(List<Job<I, R>> batch) {
        Map<Object, List<Job<I, R>>> byKey = new LinkedHashMap<>();
        for (Job<I, R> j : batch) {
            byKey.computeIfAbsent(j.key, k -> new ArrayList<>()).add(j);
        }
        for (Map.Entry<Object, List<Job<I, R>>> e : byKey.entrySet()) {
            List<Job<I, R>> jobs = e.getValue();
            List<I> items = new ArrayList<>();
            for (Job<I, R> j : jobs) {
                items.addAll(j.items);
            }
            meters.batch(items.size());
            try {
                List<R> out = run.apply(e.getKey(), items);
                int from = 0;
                for (Job<I, R> j : jobs) {
                    j.result.complete(List.copyOf(out.subList(from, from + j.items.size())));
                    from += j.items.size();
                }
            } catch (RuntimeException ex) {
                if (jobs.size() == 1) {
                    jobs.get(0).result.completeExceptionally(ex);
                } else {
                    for (Job<I, R> j : jobs) { // find the request that failed; the others still get results
                        try {
                            j.result.complete(List.copyOf(run.apply(e.getKey(), j.items)));
                        } catch (RuntimeException one) {
                            j.result.completeExceptionally(one);
                        }
                    }
                }
            }
        }
    }

    /**
     * Stops taking requests, lets the worker finish every queued one, and waits for it.
     *
     * @param timeout how long to wait for the queue to drain
     */
    void drain(Duration timeout) {
        closing = true;
        long end = System.nanoTime() + timeout.toNanos();
        try {
            for (Thread t : workers) {
                t.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Drains with a 30 s bound, then abandons what is left (each abandoned request fails). */
    @Override
    public void close() {
        drain(Duration.ofSeconds(30));
        workers.forEach(Thread::interrupt);
        Job<I, R> j;
        while ((j = queue.poll()) != null) {
            j.result.completeExceptionally(new Rejected("the server shut down before this request ran", true));
        }
    }
}

package dev.beit3.spark;

import dev.beit3.model.Beit3;
import dev.beit3.model.EngineThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of this JVM (an executor, or the driver in local mode): one per {@link ModelSpec}, loaded by the
 * first task that asks, shared by all tasks of the JVM, closed by a shutdown hook.
 */
final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    private static final Map<ModelSpec, Beit3> MODELS = new ConcurrentHashMap<>();
    private static volatile boolean hookInstalled;

    private ExecutorModels() {}

    /**
     * The model for a spec, loading it on first use. Concurrent tasks asking for the same spec wait for one load.
     *
     * @param spec the model
     * @param threads intra-op threads for the engine (0 = DJL's default); only effective before the engine starts
     * @return the shared model (never close it)
     */
    static Beit3 get(ModelSpec spec, int threads) {
        Beit3 m = MODELS.get(spec);
        if (m != null) {
            return m;
        }
        return MODELS.computeIfAbsent(spec, s -> {
            prepareEngine(threads);
            installHook();
            long t0 = System.nanoTime();
            Beit3 loaded = s.load();
            LOG.info("beit3-spark: loaded {} in {} ms ({} model(s) in this JVM)", s.describe(),
                    (System.nanoTime() - t0) / 1_000_000, MODELS.size() + 1);
            return loaded;
        });
    }

    /**
     * Offline DJL and the thread count, set before the engine starts (the first model of the JVM); a JVM option
     * {@code -Dai.djl.pytorch.num_threads} wins over the parameter.
     */
    private static synchronized void prepareEngine(int requested) {
        int threads = threadsPerExecutor(requested);
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        String set = System.getProperty("ai.djl.pytorch.num_threads");
        if (threads > 0 && set == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        } else if (threads > 0 && !set.equals(Integer.toString(threads))) {
            LOG.warn("beit3-spark: threadsPerExecutor {} ignored: -Dai.djl.pytorch.num_threads={} is set for this JVM",
                    threads, set);
        }
    }

    /**
     * The engine threads an executor asks for, under the bound every entry point applies ({@link EngineThreads}:
     * at most 4 × this executor's processors), checked where the model loads, on the executor.
     *
     * @param requested the transformer's {@code threadsPerExecutor}, 0 = DJL's default
     * @return the count to set, 0 for DJL's default
     * @throws dev.beit3.api.InvalidInputException above the bound, naming the parameter
     */
    static int threadsPerExecutor(int requested) {
        return requested == 0 ? 0 : EngineThreads.check(requested, "threadsPerExecutor (Beit3Embedder)");
    }

    private static synchronized void installHook() {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "beit3-spark-models-close"));
            hookInstalled = true;
        }
    }

    /** @return how many models this JVM holds */
    static int size() {
        return MODELS.size();
    }

    /** Closes and forgets every model of this JVM (shutdown hook; tests). */
    static synchronized void closeAll() {
        List<Beit3> all = new ArrayList<>(MODELS.values());
        MODELS.clear();
        for (Beit3 m : all) {
            try {
                m.close();
            } catch (RuntimeException e) {
                LOG.warn("beit3-spark: closing a model failed: {}", e.toString());
            }
        }
    }
}

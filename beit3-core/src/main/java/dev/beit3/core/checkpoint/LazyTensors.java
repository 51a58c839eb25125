package dev.beit3.core.checkpoint;

import dev.beit3.api.CheckpointException;
import java.io.IOException;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A state dict whose tensors are read from the file when asked for and not kept: loading a model then
 * holds at most one tensor's bytes on the heap besides the weights already converted (instead of the
 * whole file). Keys, dtypes and shapes are known up front, from the already validated file structure.
 */
final class LazyTensors extends AbstractMap<String, TensorData> {
    /** What is known of a tensor without reading it. */
    record Meta(DType dtype, long[] shape) {
        long numel() {
            return TensorData.numel(shape, "tensor");
        }
    }

    /** Reads one tensor's bytes from the file. */
    @FunctionalInterface
    interface Loader {
        TensorData load(String name) throws IOException;
    }

    private final Map<String, Meta> meta;
    private final Loader loader;
    private final String file;

    LazyTensors(Map<String, Meta> meta, Loader loader, String file) {
        this.meta = Collections.unmodifiableMap(new LinkedHashMap<>(meta));
        this.loader = loader;
        this.file = file;
    }

    Meta meta(String key) {
        return meta.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return meta.containsKey(key);
    }

    @Override
    public TensorData get(Object key) {
        if (!(key instanceof String k) || !meta.containsKey(k)) {
            return null;
        }
        try {
            return loader.load(k);
        } catch (IOException e) {
            throw new CheckpointException("cannot read tensor " + dev.beit3.core.io.Printable.of(k) + " from " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int size() {
        return meta.size();
    }

    @Override
    public Set<String> keySet() {
        return meta.keySet();
    }

    @Override
    public Set<Entry<String, TensorData>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, TensorData>> iterator() {
                Iterator<String> keys = meta.keySet().iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return keys.hasNext();
                    }

                    @Override
                    public Entry<String, TensorData> next() {
                        String k = keys.next();
                        return new SimpleImmutableEntry<>(k, get(k));
                    }
                };
            }

            @Override
            public int size() {
                return meta.size();
            }
        };
    }
}

package dev.beit3.core.checkpoint;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** The value types the restricted unpickler produces besides String, Long, BigInteger, Double, Boolean, null, byte[], ArrayList, LinkedHashMap and LinkedHashSet. */
final class Pickle {
    private Pickle() {}

    /** A Python tuple; identity equality (tuples can nest arbitrarily deep, so no recursive hashCode). */
    static final class Tuple {
        final List<Object> items;

        Tuple(List<Object> items) {
            this.items = Collections.unmodifiableList(items);
        }

        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }
    }

    /** A reference to an allowed global ({@code module.name}). */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** A {@code torch.float32}-style dtype global. */
    record DTypeRef(DType dtype) {}

    /** An {@code argparse.Namespace}: its attributes. */
    static final class Namespace {
        final Map<String, Object> attributes = new java.util.LinkedHashMap<>();
    }

    /** A persistent storage reference: zip entry {@code data/<key>} holding {@code numel} elements of {@code dtype}. */
    record StorageRef(String key, DType dtype, long numel, String location) {}

    /** A tensor view of a storage, as given to {@code _rebuild_tensor_v2}. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
        String describe() {
            return "tensor " + storage.dtype().pythonName() + Arrays.toString(size);
        }
    }
}

package dev.beit3.core.checkpoint;

import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The outcome of loading a checkpoint into a model: keys the model needed but the file lacks, keys
 * of the file nobody asked for, and keys whose stored shape differs from the expected one.
 *
 * @param missing keys requested with {@code require} but absent, in request order
 * @param unexpected keys of the checkpoint no provider asked for, in file order (allowed: task files carry unused text-side keys)
 * @param mismatches keys present with another shape
 * @param used number of distinct keys loaded with the expected shape
 * @param purposes what each missing key was for, as the requesting provider said (may be empty)
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record LoadReport(List<String> missing, List<String> unexpected, List<ShapeMismatch> mismatches, int used,
        Map<String, String> purposes) {

    /**
     * A key whose stored shape differs from the shape the model expects.
     *
     * @param key the full key
     * @param expected the shape the model needs
     * @param found the shape in the checkpoint
     * @param purpose what it is for
     */
    public record ShapeMismatch(String key, long[] expected, long[] found, String purpose) {
        /**
         * Copies the shapes; a null purpose becomes "".
         */
        public ShapeMismatch {
            purpose = purpose == null ? "" : purpose;
            expected = expected.clone();
            found = found.clone();
        }

        /**
         * Equal when key, both shapes and purpose are equal.
         *
         * @param o another object
         * @return whether equal
         */
        @Override
        public boolean equals(Object o) {
            return o instanceof ShapeMismatch m && key.equals(m.key) && Arrays.equals(expected, m.expected)
                    && Arrays.equals(found, m.found) && purpose.equals(m.purpose);
        }

        /**
         * A hash over key and shapes.
         *
         * @return the hash
         */
        @Override
        public int hashCode() {
            return key.hashCode() * 31 + Arrays.hashCode(expected) * 7 + Arrays.hashCode(found);
        }

        /**
         * E.g. {@code "head.weight: expected [10, 64], found [1000, 64] (classifier)"}.
         *
         * @return the description
         */
        @Override
        public String toString() {
            return key + ": expected " + Arrays.toString(expected) + ", found " + Arrays.toString(found)
                    + " (" + purpose + ")";
        }
    }

    /**
     * Freezes the lists.
     */
    public LoadReport {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        mismatches = List.copyOf(mismatches);
        purposes = purposes == null ? Map.of() : Map.copyOf(purposes);
    }

    /**
     * A report without purposes for the missing keys.
     *
     * @param missing missing keys
     * @param unexpected unused keys
     * @param mismatches shape mismatches
     * @param used keys loaded
     */
    public LoadReport(List<String> missing, List<String> unexpected, List<ShapeMismatch> mismatches, int used) {
        this(missing, unexpected, mismatches, used, Map.of());
    }

    /**
     * Whether every requested key was found with the expected shape (unexpected keys are allowed).
     *
     * @return true when nothing is missing or misshapen
     */
    public boolean complete() {
        return missing.isEmpty() && mismatches.isEmpty();
    }

    /**
     * Throws when the report is not {@link #complete()}.
     *
     * @param context what was being loaded, e.g. {@code "loading encoder.pth into BEiT-3 base"}
     * @throws CheckpointException listing every missing key with its purpose, every mismatch with both shapes, and a hint
     */
    public void throwIfIncomplete(String context) {
        if (complete()) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        sb.append(context).append(": the checkpoint does not fit the model (").append(missing.size())
                .append(" missing key").append(missing.size() == 1 ? "" : "s").append(", ").append(mismatches.size())
                .append(" shape mismatch").append(mismatches.size() == 1 ? "" : "es").append(")");
        for (String k : missing) {
            sb.append("\n  missing ").append(dev.beit3.core.io.Printable.of(k));
            String p = purposes.get(k);
            if (p != null && !p.isEmpty()) {
                sb.append(" (").append(p).append(")");
            }
        }
        for (ShapeMismatch m : mismatches) {
            sb.append("\n  shape mismatch ").append(dev.beit3.core.io.Printable.of(String.valueOf(m)));
        }
        sb.append("\n  hint: ").append(hint());
        if (!unexpected.isEmpty()) {
            sb.append("\n  the checkpoint has ").append(unexpected.size()).append(" unused key")
                    .append(unexpected.size() == 1 ? "" : "s").append(", e.g. ")
                    .append(dev.beit3.core.io.Printable.of(String.join(", ", unexpected.subList(0, Math.min(5, unexpected.size())))));
        }
        throw new CheckpointException(sb.toString());
    }

    private String hint() {
        boolean vlmoKeys = unexpected.stream().anyMatch(k -> k.startsWith("transformer.blocks."));
        boolean beit3Keys = unexpected.stream().anyMatch(k -> k.startsWith("beit3."));
        boolean wantsBeit3 = missing.stream().anyMatch(k -> k.startsWith("beit3."));
        boolean wantsVlmo = missing.stream().anyMatch(k -> k.startsWith("transformer."));
        if (wantsBeit3 && vlmoKeys) {
            return "did you pass a VLMo checkpoint to a BEiT-3 model? Build a VLMo model for it";
        }
        if (wantsVlmo && beit3Keys) {
            return "did you pass a BEiT-3 checkpoint to a VLMo model? Build a BEiT-3 model for it";
        }
        if (!mismatches.isEmpty()) {
            return "a checkpoint of another size (dim, layers, vocabulary, image size) or another task? "
                    + "Check the model configuration against 'beit3 inspect CHECKPOINT'";
        }
        return "did you pass a VLMo checkpoint / a checkpoint of another size or task? "
                + "Compare with 'beit3 inspect CHECKPOINT'";
    }

    /**
     * One line for logs.
     *
     * @return e.g. {@code "used 131 keys, 0 missing, 0 shape mismatches, 2 unexpected"}
     */
    public String summary() {
        return "used " + used + " keys, " + missing.size() + " missing, " + mismatches.size() + " shape mismatches, "
                + unexpected.size() + " unexpected";
    }
}

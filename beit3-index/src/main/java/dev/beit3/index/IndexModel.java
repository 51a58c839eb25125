package dev.beit3.index;

import dev.beit3.api.Api;
import dev.beit3.model.Beit3;
import dev.beit3.model.Provenance;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The identity of the model whose embeddings an index holds. It is written into every commit's user data, and an
 * index opened with another model is refused: vectors of two models live in unrelated spaces, so mixing them
 * would return confident nonsense.
 *
 * @param checkpointSha256 SHA-256 of the checkpoint file (the model's {@link Provenance#checkpointSha256()})
 * @param head the head id ({@code retrieval})
 * @param imageSize the image side the model runs at (position tables interpolated to it, if so)
 * @param dimension the embedding width
 * @param description a human-readable summary (checkpoint file and configuration); not compared
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public record IndexModel(String checkpointSha256, String head, int imageSize, int dimension, String description) {
    static final String SHA = "beit3.model.sha256";
    static final String HEAD = "beit3.model.head";
    static final String IMAGE_SIZE = "beit3.model.image_size";
    static final String DIMENSION = "beit3.model.dimension";
    static final String DESCRIPTION = "beit3.model.description";

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException on an empty hash or head, or a non-positive size or width
     */
    public IndexModel {
        Objects.requireNonNull(checkpointSha256, "checkpointSha256");
        Objects.requireNonNull(head, "head");
        description = description == null ? "" : description;
        if (checkpointSha256.isBlank() || head.isBlank()) {
            throw new IllegalArgumentException("an index model needs a checkpoint sha256 and a head");
        }
        if (imageSize < 1 || dimension < 1 || dimension > 1024) {
            throw new IllegalArgumentException("image size must be positive and the dimension 1..1024 (Lucene's"
                    + " limit), got " + imageSize + " and " + dimension);
        }
    }

    /**
     * The identity of a loaded model (its provenance, head, image size and width).
     *
     * @param model a retrieval model
     * @return its identity
     */
    public static IndexModel of(Beit3 model) {
        Provenance p = model.provenance();
        return new IndexModel(p.checkpointSha256(), model.headId(), model.config().imageSize(), model.config().dim(),
                p.checkpoint() + " (" + p.config() + ")");
    }

    Map<String, String> toUserData() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(SHA, checkpointSha256);
        m.put(HEAD, head);
        m.put(IMAGE_SIZE, Integer.toString(imageSize));
        m.put(DIMENSION, Integer.toString(dimension));
        m.put(DESCRIPTION, description);
        return m;
    }

    static Optional<IndexModel> fromUserData(Map<String, String> data) {
        if (!data.containsKey(SHA)) {
            return Optional.empty();
        }
        return Optional.of(new IndexModel(data.get(SHA), data.get(HEAD), Integer.parseInt(data.get(IMAGE_SIZE)),
                Integer.parseInt(data.get(DIMENSION)), data.get(DESCRIPTION)));
    }

    /**
     * What differs between this model (the index's) and another (the caller's), or empty when they match.
     *
     * @param other the model a caller wants to use
     * @return a description of the difference
     */
    Optional<String> difference(IndexModel other) {
        StringBuilder sb = new StringBuilder();
        if (!checkpointSha256.equals(other.checkpointSha256)) {
            sb.append(String.format(Locale.ROOT, "checkpoint sha256 %s… vs %s…", shortHash(checkpointSha256),
                    shortHash(other.checkpointSha256)));
        }
        if (!head.equals(other.head)) {
            sb.append(sb.isEmpty() ? "" : ", ").append("head ").append(head).append(" vs ").append(other.head);
        }
        if (imageSize != other.imageSize) {
            sb.append(sb.isEmpty() ? "" : ", ").append("image size ").append(imageSize).append(" vs ")
                    .append(other.imageSize);
        }
        if (dimension != other.dimension) {
            sb.append(sb.isEmpty() ? "" : ", ").append("dimension ").append(dimension).append(" vs ")
                    .append(other.dimension);
        }
        return sb.isEmpty() ? Optional.empty() : Optional.of(sb.toString());
    }

    private static String shortHash(String h) {
        return h.length() > 12 ? h.substring(0, 12) : h;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s head, %d px, %d-wide, sha256 %s (%s)", head, imageSize, dimension,
                checkpointSha256, description);
    }
}

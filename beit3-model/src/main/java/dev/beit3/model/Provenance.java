package dev.beit3.model;

import dev.beit3.api.Api;
import java.util.List;

/**
 * Where a loaded model came from and what was done to it, in the manner of Tribuo's provenance.
 *
 * @param checkpoint path of the checkpoint
 * @param checkpointSha256 its SHA-256
 * @param config one-line configuration summary
 * @param head the head id and how it was chosen
 * @param unexpectedKeys checkpoint keys nothing read (e.g. the text side of a classification file)
 * @param notes load-time transformations (e.g. position interpolation)
 * @param tokenizer tokenizer file and SHA-256, or empty
 * @param libraryVersion beit3-java version
 * @param kernels the kernel backend and precision of the linear layers, and why they were chosen
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record Provenance(String checkpoint, String checkpointSha256, String config, String head,
        List<String> unexpectedKeys, List<String> notes, String tokenizer, String libraryVersion, String kernels) {

    /**
     * A provenance of a model on the DJL reference backend in fp32.
     *
     * @param checkpoint path of the checkpoint
     * @param checkpointSha256 its SHA-256
     * @param config one-line configuration summary
     * @param head the head id and how it was chosen
     * @param unexpectedKeys checkpoint keys nothing read
     * @param notes load-time transformations
     * @param tokenizer tokenizer file and SHA-256, or empty
     * @param libraryVersion beit3-java version
     */
    public Provenance(String checkpoint, String checkpointSha256, String config, String head,
            List<String> unexpectedKeys, List<String> notes, String tokenizer, String libraryVersion) {
        this(checkpoint, checkpointSha256, config, head, unexpectedKeys, notes, tokenizer, libraryVersion, "djl fp32");
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("checkpoint ").append(checkpoint).append(" (sha256 ").append(checkpointSha256).append(")\n");
        sb.append("model      ").append(config).append('\n');
        sb.append("head       ").append(head).append('\n');
        if (!tokenizer.isEmpty()) {
            sb.append("tokenizer  ").append(tokenizer).append('\n');
        }
        sb.append("kernels    ").append(kernels).append('\n');
        for (String n : notes) {
            sb.append("note       ").append(n).append('\n');
        }
        sb.append("unused     ").append(unexpectedKeys.size()).append(" checkpoint tensors\n");
        sb.append("library    beit3-java ").append(libraryVersion);
        return sb.toString();
    }
}

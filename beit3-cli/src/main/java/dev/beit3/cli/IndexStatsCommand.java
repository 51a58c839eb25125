package dev.beit3.cli;

import com.google.gson.JsonObject;
import dev.beit3.index.Beit3Index;
import dev.beit3.index.IndexStats;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code beit3 index stats}: counts, model, size of an index's last commit (no model needed). */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Counts, model and size of an index.",
            "Reads the last commit, so it works while an add runs.",
            "  beit3 index stats --index /tmp/idx"})
final class IndexStatsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--index", required = true, paramLabel = "DIR", description = "the index folder")
    Path index;

    @Option(names = "--json", description = "one JSON object")
    boolean json;

    IndexStatsCommand() {}

    static String summary(IndexStats s) {
        return String.format(Locale.ROOT, "%d documents (%d images, %d texts), %d deleted, %d segment%s, %s on disk",
                s.documents(), s.images(), s.texts(), s.deleted(), s.segments(), s.segments() == 1 ? "" : "s",
                size(s.bytesOnDisk()));
    }

    static String size(long b) {
        return b < 1 << 20 ? String.format(Locale.ROOT, "%.1f KB", b / 1024.0)
                : String.format(Locale.ROOT, "%.1f MB", b / (1024.0 * 1024));
    }

    static JsonObject json(IndexStats s) {
        JsonObject j = new JsonObject();
        j.addProperty("documents", s.documents());
        j.addProperty("images", s.images());
        j.addProperty("texts", s.texts());
        j.addProperty("deleted", s.deleted());
        j.addProperty("segments", s.segments());
        j.addProperty("bytes", s.bytesOnDisk());
        j.addProperty("generation", s.generation());
        JsonObject m = new JsonObject();
        m.addProperty("checkpoint_sha256", s.model().checkpointSha256());
        m.addProperty("head", s.model().head());
        m.addProperty("image_size", s.model().imageSize());
        m.addProperty("dimension", s.model().dimension());
        m.addProperty("description", s.model().description());
        j.add("model", m);
        JsonObject c = new JsonObject();
        c.addProperty("hnsw_m", s.config().maxConn());
        c.addProperty("beam_width", s.config().beamWidth());
        c.addProperty("quantization_bits", s.config().quantizationBits());
        j.add("vectors", c);
        return j;
    }

    /**
     * Runs the command.
     *
     * @return the exit code
     */
    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        return CliErrors.run(spec.commandLine().getErr(), () -> {
            IndexStats s = Beit3Index.stats(index);
            if (json) {
                out.println(Json.GSON.toJson(json(s)));
            } else {
                out.println("index:     " + index);
                out.println("holds:     " + summary(s));
                out.println("model:     " + s.model().head() + " head, " + s.model().imageSize() + " px, "
                        + s.model().dimension() + "-wide embeddings");
                out.println("  file:    " + s.model().description());
                out.println("  sha256:  " + s.model().checkpointSha256());
                out.println("vectors:   " + s.config() + ", dot product of normalised vectors (cosine)");
                out.println("commit:    generation " + s.generation());
            }
            out.flush();
            return CliErrors.OK;
        });
    }
}

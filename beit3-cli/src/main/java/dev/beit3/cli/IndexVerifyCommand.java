package dev.beit3.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.beit3.index.Beit3Index;
import dev.beit3.index.VerifyReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code beit3 index verify}: Lucene CheckIndex and every stored vector's norm. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check an index: Lucene CheckIndex and every stored vector.",
            "CheckIndex verifies checksums and structure; every live document must have a finite vector of",
            "norm 1. Needs the write lock (no add may run). Exit code 2 if anything is wrong.",
            "  beit3 index verify --index /tmp/idx"})
final class IndexVerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--index", required = true, paramLabel = "DIR", description = "the index folder")
    Path index;

    @Option(names = "--json", description = "one JSON object")
    boolean json;

    IndexVerifyCommand() {}

    /**
     * Runs the command.
     *
     * @return the exit code
     */
    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        return CliErrors.run(spec.commandLine().getErr(), () -> {
            VerifyReport r = Beit3Index.verify(index);
            if (json) {
                JsonObject j = new JsonObject();
                j.addProperty("ok", r.ok());
                j.addProperty("check_index_clean", r.checkIndexClean());
                j.addProperty("vectors_checked", r.vectorsChecked());
                j.addProperty("max_norm_error", r.maxNormError());
                JsonArray p = new JsonArray();
                r.problems().forEach(p::add);
                j.add("problems", p);
                out.println(Json.GSON.toJson(j));
            } else {
                out.printf(Locale.ROOT, "index %s: %s%n", index, r.ok() ? "OK" : "PROBLEMS FOUND");
                out.println("  Lucene CheckIndex: " + (r.checkIndexClean() ? "clean" : "NOT clean"));
                out.printf(Locale.ROOT, "  vectors: %d checked, largest |norm - 1| %.2e%n", r.vectorsChecked(),
                        r.maxNormError());
                r.problems().forEach(p -> out.println("  problem: " + p));
            }
            out.flush();
            return r.ok() ? CliErrors.OK : CliErrors.BAD_INPUT;
        });
    }
}

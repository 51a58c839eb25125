package dev.beit3.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointSummary;
import dev.beit3.core.checkpoint.DType;
import dev.beit3.core.io.Printable;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code beit3 inspect CHECKPOINT [--json]}: what a checkpoint file holds, without building a model. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show the container, state-dict location, extras, tensor and parameter counts, dtypes and the detected model.")
public final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "a .pth/.pt or .safetensors file")
    Path checkpoint;

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Option(names = "--tensors", description = "also list every tensor with dtype and shape")
    boolean listTensors;

    /** Creates the command (picocli instantiates it). */
    public InspectCommand() {}

    /**
     * Runs the command.
     *
     * @return the exit code
     */
    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        return CliErrors.run(spec.commandLine().getErr(), () -> {
            // opened, not read: every size, shape and view is validated, but no tensor is materialised
            Checkpoint c = Checkpoint.open(checkpoint);
            CheckpointSummary s = CheckpointSummary.of(c, dev.beit3.core.plugin.ProviderRegistry.discover());
            if (json) {
                out.println(Json.terminalSafe(new GsonBuilder().disableHtmlEscaping().serializeNulls().create().toJson(toJson(c, s))));
            } else {
                printText(out, c, s);
            }
            out.flush();
            return CliErrors.OK;
        });
    }

    private void printText(PrintWriter out, Checkpoint c, CheckpointSummary s) {
        out.println("file:        " + Printable.of(c.source().toString()));
        out.println("container:   " + (c.format() == Checkpoint.Format.PTH ? "pth (torch.save zip archive)" : "safetensors"));
        out.println("state dict:  " + (c.stateDictLocation().isEmpty() ? "top level (bare)"
                : "under '" + Printable.of(c.stateDictLocation()) + "'"));
        out.println("key layout:  " + c.keyLayout());
        out.println("extras:      " + (c.extras().isEmpty() ? "none" : Printable.of(String.join(", ", c.extras().keySet()))));
        out.println("tensors:     " + c.tensors().size());
        out.println("parameters:  " + String.format(Locale.ROOT, "%,d", c.parameterCount()));
        StringBuilder h = new StringBuilder();
        c.dtypeHistogram().forEach((d, n) -> h.append(h.length() == 0 ? "" : ", ").append(d.pythonName()).append(' ').append(n));
        out.println("dtypes:      " + h);
        out.println("model:       " + s.describe());
        if (s.family() != CheckpointSummary.Family.UNKNOWN) {
            out.println("  dim " + s.dim() + ", layers " + s.layers() + ", ffn " + s.ffnDim() + ", patch " + s.patchSize()
                    + ", image " + s.imageSize() + ", vocabulary " + s.vocabSize() + ", final LayerNorm "
                    + (s.finalLayerNorm() ? "yes" : "no")
                    + (s.numClasses() > 0 ? ", classes " + s.numClasses() : "")
                    + (s.vlExpertStartLayer() >= 0 ? ", VL expert from layer " + s.vlExpertStartLayer() : ""));
            if (!s.headModules().isEmpty()) {
                out.println("  head modules: " + Printable.of(String.join(", ", s.headModules())));
            }
        }
        out.println("sha256:      " + c.sha256());
        if (listTensors) {
            for (String k : c.tensors().keySet()) {
                out.println("  " + Printable.of(k) + "  " + c.dtype(k).orElseThrow().pythonName()
                        + java.util.Arrays.toString(c.shape(k).orElseThrow()));
            }
        }
    }

    private JsonObject toJson(Checkpoint c, CheckpointSummary s) {
        JsonObject o = new JsonObject();
        o.addProperty("file", c.source().toString());
        o.addProperty("format", c.format().name().toLowerCase(Locale.ROOT));
        o.addProperty("state_dict_location", c.stateDictLocation());
        o.addProperty("key_layout", c.keyLayout());
        JsonArray extras = new JsonArray();
        c.extras().keySet().forEach(extras::add);
        o.add("extras_keys", extras);
        o.addProperty("family", s.family().name().toLowerCase(Locale.ROOT));
        o.addProperty("description", s.describe());
        o.addProperty("tensor_count", c.tensors().size());
        o.addProperty("parameter_count", c.parameterCount());
        JsonObject hist = new JsonObject();
        for (Map.Entry<DType, Integer> e : c.dtypeHistogram().entrySet()) {
            hist.addProperty(e.getKey().pythonName(), e.getValue());
        }
        o.add("dtypes", hist);
        o.addProperty("dim", s.dim());
        o.addProperty("layers", s.layers());
        o.addProperty("ffn_dim", s.ffnDim());
        o.addProperty("patch_size", s.patchSize());
        o.addProperty("image_size", s.imageSize());
        o.addProperty("vocab_size", s.vocabSize());
        o.addProperty("final_layer_norm", s.finalLayerNorm());
        o.addProperty("head", s.head());
        o.addProperty("num_classes", s.numClasses());
        o.addProperty("vl_expert_start_layer", s.vlExpertStartLayer());
        JsonArray heads = new JsonArray();
        s.headModules().forEach(heads::add);
        o.add("head_modules", heads);
        o.addProperty("sha256", c.sha256());
        if (listTensors) {
            JsonArray ts = new JsonArray();
            for (String k : c.tensors().keySet()) {
                JsonArray e = new JsonArray();
                e.add(k);
                JsonArray shape = new JsonArray();
                for (long d : c.shape(k).orElseThrow()) {
                    shape.add(d);
                }
                e.add(shape);
                e.add(c.dtype(k).orElseThrow().pythonName());
                ts.add(e);
            }
            o.add("tensors", ts);
        }
        return o;
    }
}

package dev.beit3.cli;

import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointSummary;
import dev.beit3.core.checkpoint.SafeTensors;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code beit3 convert IN OUT.safetensors [--force]}: writes the state dict of a checkpoint as
 * safetensors (keys and order kept, bytes unchanged), through a temporary file in the target folder
 * that is atomically moved into place.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a checkpoint's state dict (.pth/.pt/.safetensors) to safetensors.")
public final class ConvertCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "the checkpoint to read")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "the safetensors file to write")
    Path output;

    @Option(names = "--force", description = "overwrite OUT if it exists")
    boolean force;

    @Option(names = "--to", paramLabel = "LAYOUT", defaultValue = "unilm",
            description = "key layout of OUT: unilm (the released checkpoints', default) or hf (the Hugging Face"
                    + " BEiT-3 port, transformers PR #22289)")
    String to;

    /** Creates the command (picocli instantiates it). */
    public ConvertCommand() {}

    /**
     * Runs the command.
     *
     * @return the exit code
     */
    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        return CliErrors.run(spec.commandLine().getErr(), () -> {
            if (!Files.exists(input)) {
                throw new NoSuchFileException(input.toString());
            }
            Path target = output.toAbsolutePath();
            if (Files.exists(target) && !force) {
                throw new FileAlreadyExistsException(output.toString());
            }
            if (Files.exists(target) && Files.isSameFile(target, input)) {
                throw new dev.beit3.api.InvalidInputException("OUT " + output + " is the input file; choose another name");
            }
            Path dir = target.getParent();
            if (!Files.isDirectory(dir)) {
                throw new NoSuchFileException(dir.toString(), null, "output folder does not exist");
            }
            if (!to.equals("unilm") && !to.equals("hf")) {
                throw new dev.beit3.api.InvalidInputException("--to " + to + ": choose unilm or hf");
            }
            Checkpoint c = Checkpoint.read(input);
            if (to.equals("hf") && !c.tensors().containsKey("beit3.text_embed.weight")) {
                throw new dev.beit3.api.InvalidInputException(input + " is not a BEiT-3 checkpoint; --to hf renames"
                        + " BEiT-3 keys only");
            }
            Map<String, dev.beit3.core.checkpoint.TensorData> tensors = to.equals("hf")
                    ? dev.beit3.core.checkpoint.HfLayout.toHf(c.tensors()) : c.tensors();
            CheckpointSummary s = CheckpointSummary.of(c);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put("converted_from", input.getFileName().toString());
            meta.put("source_sha256", c.sha256());
            if (!c.stateDictLocation().isEmpty()) {
                meta.put("state_dict_location", c.stateDictLocation());
            }
            meta.put("model", s.describe());
            if (to.equals("hf")) {
                meta.put("key_layout", dev.beit3.core.checkpoint.HfLayout.NAME);
            }
            Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            try {
                SafeTensors.write(tmp, tensors, meta);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            out.printf("wrote %s: %d tensors, %d parameters (%s)%s%n", output, c.tensors().size(), c.parameterCount(),
                    s.describe(), to.equals("hf") ? ", keys in the " + dev.beit3.core.checkpoint.HfLayout.NAME + " layout" : "");
            out.flush();
            return CliErrors.OK;
        });
    }
}

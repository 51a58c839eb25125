package dev.beit3.cli;

import dev.beit3.api.InvalidInputException;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointSummary;
import dev.beit3.core.checkpoint.SafeTensors;
import dev.beit3.core.io.Printable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code beit3 convert IN OUT.safetensors [--force]}: writes the state dict of a checkpoint as
 * safetensors (keys and order kept, bytes unchanged), through a temporary file in the target folder
 * that is moved into place atomically: without {@code --force} an existing OUT is never replaced, even by a
 * concurrent run; outputs get the process's usual file mode.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a checkpoint's state dict (.pth/.pt/.safetensors) to safetensors.")
public final class ConvertCommand implements Callable<Integer> {

    private static final SecureRandom RANDOM = new SecureRandom();

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
     * A new empty file next to the target. {@code Files.createFile} without attributes gives it the process's usual
     * mode (0666 less the umask, as {@code embed -o} and every other output get), unlike {@code createTempFile}'s
     * 0600; the random name and {@code CREATE_NEW} semantics keep concurrent runs apart.
     */
    static Path newTempFile(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + name + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    /**
     * Moves the finished file into place. With {@code replace}, an atomic rename over any existing file. Without it,
     * the no-overwrite promise is made atomically: a hard link fails if the target exists at that moment (two
     * concurrent runs: exactly one wins, the other gets {@code FileAlreadyExistsException}); where hard links are not
     * supported, a copy that creates the target with {@code O_EXCL}.
     */
    static void publish(Path tmp, Path target, boolean replace) throws IOException {
        if (replace) {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return;
        }
        try {
            Files.createLink(target, tmp);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | FileSystemException e) {
            Files.copy(tmp, target); // no REPLACE_EXISTING: the target is created exclusively
        }
    }

    /** What a folder holds, for the message that refuses to write over it. */
    private static String inTheWay(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            List<String> names = s.map(p -> Printable.of(p.getFileName().toString())).sorted().limit(6).toList();
            if (names.isEmpty()) {
                return " (empty)";
            }
            long total;
            try (Stream<Path> all = Files.list(folder)) {
                total = all.count();
            }
            return " holding " + total + (total == 1 ? " entry: " : " entries: ") + String.join(", ", names)
                    + (total > names.size() ? ", ..." : "");
        } catch (IOException e) {
            return "";
        }
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
            if (!Files.exists(input)) {
                throw new NoSuchFileException(input.toString());
            }
            Path target = output.toAbsolutePath().normalize();
            Path dir = target.getParent();
            if (dir == null || target.getFileName() == null) {
                throw new InvalidInputException("OUT " + Printable.of(output.toString()) + " is the root folder, not a"
                        + " file; give a file name such as model.safetensors");
            }
            if (Files.isDirectory(target)) {
                throw new InvalidInputException("OUT " + Printable.of(output.toString()) + " is a folder"
                        + inTheWay(target) + "; " + (force ? "--force replaces a file, never a folder; " : "")
                        + "give a file name such as " + Printable.of(output.resolve("model.safetensors").toString()));
            }
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !force) {
                throw new FileAlreadyExistsException(output.toString());
            }
            if (Files.exists(target) && Files.isSameFile(target, input)) {
                throw new InvalidInputException("OUT " + Printable.of(output.toString())
                        + " is the input file; choose another name");
            }
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
            CheckpointSummary s = CheckpointSummary.of(c, dev.beit3.core.plugin.ProviderRegistry.discover());
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
            Path tmp = newTempFile(dir, target.getFileName().toString());
            try {
                SafeTensors.write(tmp, tensors, meta);
                publish(tmp, target, force);
            } finally {
                Files.deleteIfExists(tmp);
            }
            out.printf("wrote %s: %d tensors, %d parameters (%s)%s%n", Printable.of(output.toString()), c.tensors().size(),
                    c.parameterCount(), s.describe(),
                    to.equals("hf") ? ", keys in the " + dev.beit3.core.checkpoint.HfLayout.NAME + " layout" : "");
            out.flush();
            return CliErrors.OK;
        });
    }
}

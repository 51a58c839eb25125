package dev.beit3.cli;

import dev.beit3.api.InvalidInputException;
import dev.beit3.core.io.Printable;
import dev.beit3.api.RgbImage;
import dev.beit3.model.Beit3;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/** Command-line inputs: image files and folders, text files, and batched image work that survives bad files. */
final class Inputs {
    /** File name endings taken from a folder. */
    static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "gif", "bmp", "wbmp", "tif", "tiff");

    private Inputs() {}

    /**
     * Expands image arguments: files are kept as given (they must exist), folders contribute their image
     * files (by extension, sorted by name, not recursive, hidden files skipped).
     *
     * @param args files and folders
     * @return the image files
     * @throws InvalidInputException when an argument does not exist or nothing is left
     */
    static List<Path> images(List<Path> args) {
        if (args == null || args.isEmpty()) {
            throw new InvalidInputException("no images given");
        }
        List<Path> out = new ArrayList<>();
        for (Path a : args) {
            if (Files.isDirectory(a)) {
                List<Path> found;
                try (Stream<Path> s = Files.list(a)) {
                    found = s.filter(Files::isRegularFile).filter(Inputs::looksLikeImage).sorted().toList();
                } catch (IOException e) {
                    throw new InvalidInputException("cannot list folder " + a + ": " + e.getMessage(), e);
                }
                if (found.isEmpty()) {
                    throw new InvalidInputException("folder " + a + " holds no image files (" + String.join(", ",
                            IMAGE_EXTENSIONS.stream().sorted().toList()) + ")");
                }
                out.addAll(found);
            } else if (Files.isRegularFile(a)) {
                out.add(a);
            } else {
                throw new InvalidInputException("image file not found: " + a);
            }
        }
        return out;
    }

    private static boolean looksLikeImage(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return !n.startsWith(".") && dot > 0 && IMAGE_EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * A path for messages: relative to the working folder when it lies inside it, else absolute.
     *
     * @param p the path
     * @return the path to show
     */
    static Path display(Path p) {
        Path cwd = Path.of("").toAbsolutePath();
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(cwd) && !abs.equals(cwd) ? cwd.relativize(abs) : abs;
    }

    /**
     * Reads texts: the given ones, or the non-blank lines of a file.
     *
     * @param texts texts from the command line, or null
     * @param file a file with one text per line, or null
     * @return the texts
     */
    static List<String> texts(List<String> texts, Path file) {
        List<String> out = new ArrayList<>();
        if (texts != null) {
            out.addAll(texts);
        }
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new InvalidInputException("text file not found: " + file + " (--texts-file)");
            }
            try {
                for (String line : Files.readAllLines(file)) {
                    if (!line.isBlank()) {
                        out.add(line.strip());
                    }
                }
            } catch (IOException e) {
                throw new InvalidInputException("cannot read " + file + " as UTF-8 text: " + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) {
            throw new InvalidInputException("no texts given; use --texts TEXT... or --texts-file FILE");
        }
        return out;
    }

    /** One result for one image file. */
    record Item<R>(Path file, R result) {}

    /** What a batched run produced: results of the readable images, and the files that failed. */
    record Outcome<R>(List<Item<R>> items, List<String> failures) {}

    /**
     * Runs {@code work} over the images in batches, decoding each file on its own so that a bad file is
     * reported (on the progress bar's stream) and skipped while the others are processed.
     *
     * @param model decodes with its limits
     * @param files image files
     * @param batch images per call
     * @param progress the progress bar
     * @param work one result per image of a batch
     * @return the outcome
     */
    static <R> Outcome<R> run(Beit3 model, List<Path> files, int batch, Progress progress,
            Function<List<RgbImage>, List<R>> work) {
        List<Item<R>> items = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (int start = 0; start < files.size(); start += batch) {
            List<Path> chunk = files.subList(start, Math.min(files.size(), start + batch));
            List<Path> ok = new ArrayList<>();
            List<RgbImage> images = new ArrayList<>();
            for (Path f : chunk) {
                try {
                    images.add(model.readImage(f));
                    ok.add(f);
                } catch (InvalidInputException e) {
                    failures.add(e.getMessage());
                    if (files.size() > 1) {
                        progress.println("beit3: skipped: " + e.getMessage());
                    }
                }
            }
            if (!images.isEmpty()) {
                List<R> res = work.apply(images);
                for (int i = 0; i < ok.size(); i++) {
                    items.add(new Item<>(ok.get(i), res.get(i)));
                }
            }
            progress.advance(chunk.size());
        }
        return new Outcome<>(items, failures);
    }

    /**
     * The exit code after a batched run: bad input when any file was skipped, with a closing line.
     *
     * @param err the error stream
     * @param total files attempted
     * @param failures the skipped files
     * @return the exit code
     */
    static int finish(java.io.PrintWriter err, int total, List<String> failures) {
        if (failures.isEmpty()) {
            return CliErrors.OK;
        }
        if (total == 1) {
            err.println("beit3: error: " + Printable.of(String.valueOf(failures.get(0))));
            err.flush();
            return CliErrors.BAD_INPUT;
        }
        err.println("beit3: error: " + failures.size() + " of " + total + " images could not be read"
                + (failures.size() < total ? " (the others were processed)" : "") + "; see the lines above");
        err.flush();
        return CliErrors.BAD_INPUT;
    }
}

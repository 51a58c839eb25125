package dev.beit3.cli;

import dev.beit3.api.CheckpointException;
import dev.beit3.api.InvalidInputException;
import dev.beit3.core.io.Printable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;

/** Runs a command body and maps its failure to an exit code and one line on stderr. */
final class CliErrors {
    /** Success. */
    static final int OK = 0;
    /** Internal error. */
    static final int INTERNAL = 1;
    /** Bad input. */
    static final int BAD_INPUT = 2;

    private CliErrors() {}

    static int run(PrintWriter err, Callable<Integer> body) {
        try {
            return body.call();
        } catch (CheckpointException | InvalidInputException e) {
            err.println("beit3: error: " + oneLine(e.getMessage()));
            return BAD_INPUT;
        } catch (NoSuchFileException e) {
            err.println("beit3: error: file not found: " + Printable.of(e.getFile()));
            return BAD_INPUT;
        } catch (FileAlreadyExistsException e) {
            err.println("beit3: error: " + Printable.of(e.getFile()) + " already exists (use --force to overwrite)");
            return BAD_INPUT;
        } catch (AccessDeniedException e) {
            err.println("beit3: error: permission denied: " + Printable.of(e.getFile()));
            return BAD_INPUT;
        } catch (IOException e) {
            err.println("beit3: error: I/O failure: " + oneLine(String.valueOf(e.getMessage())));
            return INTERNAL;
        } catch (Exception | Error e) {
            err.println("beit3: internal error: " + e.getClass().getSimpleName() + ": " + oneLine(String.valueOf(e.getMessage()))
                    + " (please report this)");
            return INTERNAL;
        } finally {
            err.flush();
        }
    }

    /**
     * Multi-line messages (load reports) are kept, but indented onto one logical error. Every other control character
     * (ESC, OSC, BEL, CR, NUL, C1, bidi overrides) is escaped: messages quote names and texts from input files.
     */
    static String oneLine(String s) {
        return s == null ? "" : Printable.lines(s.strip());
    }
}

package dev.beit3.cli;

import java.io.PrintWriter;

/** A one-line progress bar on stderr ({@code \r}-redrawn), or nothing when disabled. */
final class Progress implements AutoCloseable {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final String what;
    private final int total;
    private final boolean enabled;
    private int done;
    private boolean drawn;

    Progress(PrintWriter err, String what, int total, boolean enabled) {
        this.err = err;
        this.what = what;
        this.total = total;
        this.enabled = enabled;
    }

    /**
     * Counts finished items and redraws.
     *
     * @param n how many items were finished
     */
    void advance(int n) {
        done = Math.min(total, done + n);
        draw();
    }

    /**
     * Prints a line (a warning) without garbling the bar.
     *
     * @param line the line
     */
    void println(String line) {
        clear();
        err.println(dev.beit3.core.io.Printable.lines(line));
        err.flush();
        if (drawn) {
            draw();
        }
    }

    private void draw() {
        if (!enabled) {
            return;
        }
        int filled = total == 0 ? WIDTH : done * WIDTH / total;
        err.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + done + "/" + total + " " + what);
        err.flush();
        drawn = true;
    }

    private void clear() {
        if (enabled && drawn) {
            err.print("\r" + " ".repeat(WIDTH + 24 + what.length()) + "\r");
        }
    }

    /** Removes the bar (before the results are printed); idempotent. */
    void done() {
        clear();
        drawn = false;
        err.flush();
    }

    /** Removes the bar if it is still drawn. */
    @Override
    public void close() {
        done();
    }
}

package dev.beit3.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import dev.beit3.core.checkpoint.HostileCheckpoints;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.model.EngineThreads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Reliability II (issue 17) on the command line: every hostile input is made here (from the demo tokenizer and the
 * demo models at most), and each must end in exit 2 with one clear line, never a signal, an internal error or raw
 * control characters on the terminal.
 */
class CliReliabilityIITest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    /** Runs the command line in-process; task commands get the demo models ({@code --models}). */
    static Run run(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        if (Set.of("classify", "vqa", "caption").contains(a.get(0)) && !a.contains("--checkpoint")) {
            a.add(1, "--models");
            a.add(2, Fixtures.projectDemo().toString());
        }
        return runExactly(a.toArray(String[]::new));
    }

    static Run runExactly(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Beit3Cli.commandLine(); // as main runs it: unknown words refused, messages escaped
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Path demo(String name) {
        // particular files of the project's own demo (hostile inputs are made from them), whatever -Dbeit3.demo says
        return Fixtures.projectDemo().resolve(name);
    }

    private static String image() {
        return demo("samples/images/sample_00.png").toString();
    }

    /** No raw control character but the line feed (C0, DEL, C1, bidi overrides). */
    private static void assertPrintable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n') {
                continue;
            }
            assertThat(dev.beit3.core.io.Printable.isUnsafe(c))
                    .as("raw U+%04X at %d in %s", (int) c, i, s.replace("\u001b", "<ESC>")).isFalse();
        }
    }

    // ------------------------------------------------------------------ defect 1, in a child JVM

    /** The demo tokenizer with one 12,000-byte piece in front: this crashed the JVM (SIGSEGV, exit 139). */
    private Path longPieceSpm() throws IOException {
        byte[] piece = "a".repeat(12_000).getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x0a);
        varint(p, piece.length);
        p.writeBytes(piece);
        p.write(0x18);
        p.write(1);
        byte[] pieceMsg = p.toByteArray();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(0x0a);
        varint(o, pieceMsg.length);
        o.writeBytes(pieceMsg);
        o.writeBytes(Files.readAllBytes(demo("shapes.spm")));
        return Files.write(dir.resolve("long-piece.spm"), o.toByteArray());
    }

    private static void varint(ByteArrayOutputStream o, int n) {
        while (n >= 0x80) {
            o.write(n & 0x7f | 0x80);
            n >>>= 7;
        }
        o.write(n);
    }

    @Test
    void aLongPieceSpmIsRefusedCleanlyInAChildJvmNotKilledBySignal() throws Exception {
        Path spm = longPieceSpm();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx512m", "-Dai.djl.offline=true", "-cp", cp,
                Beit3Cli.class.getName(), "vqa", "--checkpoint", demo("vqa.pth").toString(), "--heads", "4", "--spm",
                spm.toString(), image(), "what shape is it?").redirectErrorStream(false).start();
        p.getOutputStream().close();
        Future<byte[]> err;
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            err = ex.submit(() -> p.getErrorStream().readAllBytes());
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
            String stderr = new String(err.get(), StandardCharsets.UTF_8);
            System.out.println("child JVM exit " + p.exitValue() + "; stderr tail: "
                    + stderr.lines().filter(l -> l.startsWith("beit3:")).findFirst().orElse(stderr));
            assertThat(p.exitValue()).as("exit code (134 = abort, 139 = SIGSEGV)").isEqualTo(2);
            assertThat(out).isEmpty();
            assertThat(stderr).contains("beit3: error:").contains("long-piece.spm")
                    .contains("piece 0 is 12000 bytes long");
        } finally {
            p.destroyForcibly();
            ex.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ defect 4: terminal injection

    static final List<String> EVIL = List.of("a\u001b[2J\u001b[Hcleared", "b\u001b]0;owned title\u0007",
            "c\rforged", "d\nfake.line  float32[1]", "e\u0000hidden", "f\u009b31mc1", "g\u202eevil.exe");

    @Test
    void inspectTensorsEscapesControlCharactersInPthAndSafetensorsNames() throws IOException {
        Path pth = Files.write(dir.resolve("evil.pth"), HostileCheckpoints.namedPth(EVIL));
        Path st = Files.write(dir.resolve("evil.safetensors"), HostileCheckpoints.namedSafetensors(EVIL));
        for (Path f : List.of(pth, st)) {
            Run r = run("inspect", "--tensors", f.toString());
            assertThat(r.code()).as(r.err()).isEqualTo(0);
            assertPrintable(r.out());
            List<String> tensorLines = r.out().lines().filter(l -> l.startsWith("  ") && l.endsWith("float32[1]"))
                    .toList();
            assertThat(tensorLines).as("one line per tensor, none forged").hasSize(EVIL.size());
            assertThat(r.out()).contains("a\\x1b[2J\\x1b[Hcleared", "b\\x1b]0;owned title\\x07", "c\\rforged",
                    "d\\nfake.line", "e\\x00hidden", "f\\u009b31mc1", "g\\u202eevil.exe");
            // JSON keeps the exact names (its encoder escapes them)
            Run j = run("inspect", "--json", "--tensors", f.toString());
            assertPrintable(j.out());
            JsonArray ts = JsonParser.parseString(j.out()).getAsJsonObject().getAsJsonArray("tensors");
            List<String> names = new ArrayList<>();
            ts.forEach(t -> names.add(t.getAsJsonArray().get(0).getAsString()));
            assertThat(names).containsExactlyInAnyOrderElementsOf(EVIL);
        }
    }

    @Test
    void errorMessagesQuotingInputAreEscaped() throws IOException {
        Path f = Files.write(dir.resolve("evil-budget.pth"),
                HostileCheckpoints.zeroStridePth(4, 1L << 24, "w\u001b]0;x\u0007\n"));
        Run r = run("inspect", f.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("beit3: error: ").contains("tensor w\\x1b]0;x\\x07\\n0");
        assertPrintable(r.err());
        assertThat(r.err().strip().lines()).hasSize(1);
    }

    @Test
    void echoedQuestionsAndLabelsAreEscaped() throws IOException {
        Run q = run("vqa", image(), "what\u001b[2J is\rit?");
        assertThat(q.code()).as(q.err()).isEqualTo(0);
        assertPrintable(q.out());
        assertThat(q.out()).contains("Q: what\\x1b[2J is\\rit?");
        // the demo classifier's labels, each with a terminal sequence appended
        JsonArray labels = JsonParser.parseString(Files.readString(demo("imageclassification_labels.json")))
                .getAsJsonArray();
        JsonArray evil = new JsonArray();
        labels.forEach(l -> evil.add(l.getAsString() + "\u001b[31m\u0007"));
        Path lf = Files.writeString(dir.resolve("labels.json"), evil.toString());
        Run c = run("classify", "--labels", lf.toString(), image());
        assertThat(c.code()).as(c.err()).isEqualTo(0);
        assertPrintable(c.out());
        assertThat(c.out()).contains("\\x1b[31m\\x07");
    }

    @Test
    void argumentErrorsFromPicocliAreEscapedToo() {
        StringWriter err = new StringWriter();
        CommandLine cl = Beit3Cli.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("classify", "--threads", "1\u001b]0;owned\u0007", "x.png");
        assertThat(code).isEqualTo(2);
        assertPrintable(err.toString());
        assertThat(err.toString()).contains("1\\x1b]0;owned\\x07");
    }

    // ------------------------------------------------------------------ defect 2 on the command line

    @Test
    void zeroStrideAmplificationIsRefusedByInspectAndConvertWithoutWritingAnything() throws IOException {
        Path f = Files.write(dir.resolve("amp.pth"), HostileCheckpoints.zeroStridePth(64, 1L << 24, "v"));
        Run i = run("inspect", "--tensors", f.toString());
        assertThat(i.code()).isEqualTo(2);
        assertThat(i.err()).contains("over the budget of").contains("storage bytes the file holds");
        Path out = dir.resolve("out.safetensors");
        Run c = run("convert", f.toString(), out.toString());
        assertThat(c.code()).isEqualTo(2);
        assertThat(c.err()).contains("over the budget of");
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("amp.pth");
        }
    }

    @Test
    void aDuplicateEntryArchiveIsRefusedByInspect() throws IOException {
        Path f = Files.write(dir.resolve("dup.pth"), HostileCheckpoints.duplicateEntryPth());
        Run r = run("inspect", "--tensors", f.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("two entries named 'archive/data/0'");
    }

    // ------------------------------------------------------------------ defect 6: threads and beams

    @Test
    void threadsAndBeamsHaveUpperBounds() {
        Run t = run("classify", "--threads", "100000", image());
        assertThat(t.code()).isEqualTo(2);
        assertThat(t.err()).contains("--threads 100000 is more than " + EngineThreads.PER_CORE + " × the")
                .contains("(at most " + EngineThreads.max() + ")");
        Run t0 = run("classify", "--threads", "0", image());
        assertThat(t0.code()).isEqualTo(2);
        assertThat(t0.err()).contains("--threads must be at least 1");
        Run b = run("caption", "--beams", "100000", image());
        assertThat(b.code()).isEqualTo(2);
        assertThat(b.err()).contains("--beams must be between 1 and 64");
        Run b0 = run("caption", "--beams", "65", image());
        assertThat(b0.code()).isEqualTo(2);
        Run lp = run("caption", "--length-penalty", "NaN", image());
        assertThat(lp.code()).isEqualTo(2);
        assertThat(lp.err()).contains("--length-penalty must be a finite number");
    }

    // ------------------------------------------------------------------ defect 7: option values

    @Test
    void anImageSizeThatIsNotAMultipleOfThePatchIsBadInputNamingTheOption() {
        Run r = run("classify", "--image-size", "100", image());
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("--image-size 100 is not a multiple of patch size 16 (use 96 or 112)")
                .doesNotContain("internal error");
    }

    @Test
    void anImageSizeWhosePositionTableOverflowsIntIsBadInput() {
        for (String s : List.of("1073741824", "2147483632", "1040")) {
            Run r = run("classify", "--image-size", s, image());
            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).contains("--image-size " + s + " at patch size 16 makes")
                    .contains("patches, more than the 4096 supported (at most 1024 px at this patch size)")
                    .doesNotContain("internal error");
        }
    }

    @Test
    void headsThatDoNotDivideTheWidthAreBadInputNamingTheOption() {
        Run r = run("classify", "--heads", "7", image());
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("dim 96 is not divisible by --heads 7 (divisors near 7: 6, 8)")
                .contains("--heads H").doesNotContain("internal error");
    }

    // ------------------------------------------------------------------ defects 7 and 8: convert

    @Test
    void convertToTheRootOrOverAFolderSaysWhatIsWrong() throws IOException {
        String in = demo("imageclassification.pth").toString();
        for (String[] args : List.of(new String[] {"convert", in, "/", "--force"}, new String[] {"convert", in, "/"})) {
            Run r = run(args);
            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).contains("is the root folder, not a file");
        }
        Path folder = Files.createDirectories(dir.resolve("out.safetensors"));
        Files.writeString(folder.resolve("notes.txt"), "x");
        Files.createDirectories(folder.resolve("sub"));
        Run r = run("convert", in, folder.toString(), "--force");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("is a folder holding 2 entries: notes.txt, sub")
                .contains("--force replaces a file, never a folder").doesNotContain("I/O failure");
        assertThat(folder.resolve("notes.txt")).hasContent("x");
    }

    @Test
    void concurrentConvertsWithoutForceNeverBothSucceed() throws Exception {
        String in = demo("imageclassification.pth").toString();
        ExecutorService ex = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 4; round++) {
                Path target = dir.resolve("race" + round + ".safetensors");
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<Run>> runs = new ArrayList<>();
                for (int k = 0; k < 2; k++) {
                    runs.add(ex.submit(() -> {
                        start.await();
                        return run("convert", in, target.toString());
                    }));
                }
                List<Integer> codes = new ArrayList<>();
                for (Future<Run> f : runs) {
                    Run r = f.get(120, TimeUnit.SECONDS);
                    codes.add(r.code());
                    if (r.code() != 0) {
                        assertThat(r.err()).contains("already exists");
                        assertThat(r.out()).doesNotContain("wrote");
                    }
                }
                assertThat(codes).as("round " + round).containsExactlyInAnyOrder(0, 2);
                assertThat(dev.beit3.core.checkpoint.Checkpoint.read(target).tensors()).isNotEmpty();
            }
            try (var s = Files.list(dir)) {
                assertThat(s.filter(p -> p.getFileName().toString().endsWith(".tmp"))).isEmpty();
            }
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void convertWritesTheProcessUsualFileMode() throws IOException {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Path usual = Files.createFile(dir.resolve("usual")); // open(2) with 0666 and the process umask
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(usual);
        Path out = dir.resolve("mode.safetensors");
        Run r = run("convert", demo("imageclassification.pth").toString(), out.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(Files.getPosixFilePermissions(out)).isEqualTo(expected);
        Run f = run("convert", demo("imageclassification.pth").toString(), out.toString(), "--force");
        assertThat(f.code()).as(f.err()).isEqualTo(0);
        assertThat(Files.getPosixFilePermissions(out)).isEqualTo(expected);
    }
}

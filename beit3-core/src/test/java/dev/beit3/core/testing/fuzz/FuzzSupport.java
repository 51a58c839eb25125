package dev.beit3.core.testing.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Helpers shared by the fuzz tests of all modules. */
public final class FuzzSupport {
    private FuzzSupport() {}

    /**
     * Latin-1 bytes of a string (for dictionary tokens).
     *
     * @param s the string
     * @return its bytes
     */
    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Prints the report, appends it to {@code target/fuzz-report.txt}, and asserts that the campaign found nothing
     * and that the output folder holds only the files the test itself wrote.
     *
     * @param r the report
     * @param dir the campaign's folder
     * @param allowed names of the files the test wrote there
     */
    public static void assertClean(Fuzzer.Report r, Path dir, String... allowed) {
        System.out.println(r.summary());
        try {
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "fuzz-report.txt"), r.summary() + System.lineSeparator(),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(r.findings()).as("fuzz findings of %s (inputs saved under target/fuzz-findings)", r.name())
                .isEmpty();
        assertThat(r.execs()).as("inputs run").isGreaterThan(0);
        try (Stream<Path> s = Files.list(dir)) {
            Set<String> names = s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
            assertThat(names).as("files in the output folder after fuzzing %s", r.name())
                    .isSubsetOf(Set.of(allowed));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?");
    private static final String[] NUMBERS = {"0", "-1", "1", "4294967296", "9223372036854775807",
        "18446744073709551616", "1e999", "-0", "2147483647", "2147483648", "1.5", "99999999999999999999999999"};

    /**
     * A mutator for files with an 8-byte little-endian header length and a JSON header (safetensors): replaces a
     * number of the header by an interesting one, and half of the time fixes the header length afterwards.
     *
     * @return the mutator
     */
    public static Fuzzer.Mutator jsonNumberMutator() {
        return (in, r, pool) -> {
            if (in.length < 9) {
                return null;
            }
            long n = Mutators.get(in, 0, 8);
            if (n <= 0 || n > in.length - 8) {
                return null;
            }
            String json = new String(in, 8, (int) n, StandardCharsets.ISO_8859_1);
            Matcher m = NUMBER.matcher(json);
            List<int[]> spans = new ArrayList<>();
            while (m.find()) {
                spans.add(new int[] {m.start(), m.end()});
            }
            if (spans.isEmpty()) {
                return null;
            }
            int[] sp = spans.get(r.nextInt(spans.size()));
            String mutated = json.substring(0, sp[0]) + NUMBERS[r.nextInt(NUMBERS.length)] + json.substring(sp[1]);
            byte[] head = mutated.getBytes(StandardCharsets.ISO_8859_1);
            byte[] out = new byte[8 + head.length + (in.length - 8 - (int) n)];
            Mutators.put(out, 0, 8, r.nextBoolean() ? head.length : n, false);
            System.arraycopy(head, 0, out, 8, head.length);
            System.arraycopy(in, 8 + (int) n, out, 8 + head.length, in.length - 8 - (int) n);
            return out;
        };
    }

    /**
     * Every regular file in a folder, sorted, as bytes (none when the folder does not exist).
     *
     * @param dir the folder
     * @param suffixes accepted name suffixes (lower case)
     * @return the contents
     */
    public static List<byte[]> files(Path dir, String... suffixes) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<byte[]> out = new ArrayList<>();
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
                for (String suf : suffixes) {
                    if (Files.isRegularFile(p) && n.endsWith(suf)) {
                        out.add(Files.readAllBytes(p));
                        break;
                    }
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

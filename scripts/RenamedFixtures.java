import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Test support (never used by the build itself): copies a fixture set ({@code testdata/fixtures} layout) or a
 * demo set ({@code models/demo} layout) to a new folder in which every model, tokenizer model, image and
 * sample file has another name, with every manifest ({@code *.json}) rewritten to match. The suite must pass
 * on such a copy unchanged: a test that assumes a file name of the public set fails on it.
 *
 * <pre>
 * java scripts/RenamedFixtures.java testdata/fixtures target/renamed/fixtures
 * java scripts/RenamedFixtures.java models/demo target/renamed/demo
 * mvn -B verify -Dbeit3.fixtures=$PWD/target/renamed/fixtures -Dbeit3.demo=$PWD/target/renamed/demo
 * </pre>
 *
 * Renamed: checkpoints ({@code .pth}, {@code .pt}) with their {@code .checkpoint.json}, {@code .spm} models
 * (except the third-party {@code beit3.spm}, which is looked up by name in the shared fixtures), the images under
 * {@code preprocess/images} with every {@code <image>__*.npy} derived from them, and the demo's
 * {@code samples/images}. New names carry no sizes and sort in another order than the old ones. Folder names
 * (model and case directories) and the manifests' own names are the layout and stay. {@code index.json}
 * gets the new sizes and sha256 of the rewritten manifests.
 */
public final class RenamedFixtures {
    private static final String NAME_CHAR = "A-Za-z0-9_.\\-";

    private RenamedFixtures() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: java scripts/RenamedFixtures.java SOURCE_SET TARGET_DIR");
            System.exit(2);
        }
        Path src = Path.of(args[0]).toAbsolutePath().normalize();
        Path dst = Path.of(args[1]).toAbsolutePath().normalize();
        if (!Files.isDirectory(src)) {
            System.err.println("no such fixture set: " + src);
            System.exit(2);
        }
        if (dst.startsWith(src) || src.startsWith(dst)) {
            System.err.println("target " + dst + " must lie outside the source " + src);
            System.exit(2);
        }
        deleteTree(dst);
        List<Path> files;
        try (Stream<Path> s = Files.walk(src)) {
            files = s.filter(Files::isRegularFile).map(src::relativize).sorted().toList();
        }
        boolean demo = Files.isRegularFile(src.resolve("models.json"));

        // old file name -> new file name (whole names; the same old name gets the same new name everywhere)
        Map<String, String> names = new LinkedHashMap<>();
        // old image stem -> new stem (image stems also prefix their derived .npy files)
        Map<String, String> stems = new LinkedHashMap<>();
        List<String> models = new ArrayList<>();
        List<String> pictures = new ArrayList<>();
        for (Path p : files) {
            String f = p.getFileName().toString();
            String dir = p.getParent() == null ? "" : p.getParent().toString().replace('\\', '/');
            if (f.endsWith(".pth") || f.endsWith(".pt") || f.endsWith(".spm") && !f.equals("beit3.spm")) {
                String stem = f.substring(0, f.lastIndexOf('.'));
                if (!models.contains(stem)) {
                    models.add(stem);
                }
            } else if (dir.equals("preprocess/images") || demo && dir.equals("samples/images")) {
                pictures.add(f);
            }
        }
        // reverse order so that sorting the new names does not give the old order
        for (int i = 0; i < models.size(); i++) {
            String stem = models.get(models.size() - 1 - i);
            String fresh = (demo ? "demonet" : "net") + String.format("%02d", i);
            for (String ext : List.of(".pth", ".pt", ".spm", ".checkpoint.json")) {
                names.put(stem + ext, fresh + ext);
            }
        }
        for (int i = 0; i < pictures.size(); i++) {
            String f = pictures.get(pictures.size() - 1 - i);
            int dot = f.lastIndexOf('.');
            String fresh = "pic" + String.format("%02d", i) + "x";
            stems.put(f.substring(0, dot), fresh);
            names.put(f, fresh + f.substring(dot));
        }

        Map<String, String> renamed = new TreeMap<>(); // old relative path -> new relative path
        for (Path p : files) {
            renamed.put(p.toString().replace('\\', '/'), rename(p, names, stems).replace('\\', '/'));
        }
        for (Map.Entry<String, String> e : renamed.entrySet()) {
            Path from = src.resolve(e.getKey());
            Path to = dst.resolve(e.getValue());
            Files.createDirectories(to.getParent());
            if (e.getKey().endsWith(".json")) {
                Files.writeString(to, rewrite(Files.readString(from), names, stems), StandardCharsets.UTF_8);
            } else {
                Files.copy(from, to);
            }
        }
        Path index = dst.resolve("index.json");
        if (Files.isRegularFile(index)) {
            Files.writeString(index, refreshIndex(Files.readString(index), dst));
        }
        long moved = renamed.entrySet().stream().filter(e -> !e.getKey().equals(e.getValue())).count();
        System.out.println("renamed copy of " + src + " in " + dst + ": " + files.size() + " files, " + moved
                + " renamed");
    }

    private static String rename(Path p, Map<String, String> names, Map<String, String> stems) {
        String f = p.getFileName().toString();
        String fresh = names.get(f);
        if (fresh == null && p.getParent() != null && p.getParent().toString().replace('\\', '/')
                .equals("preprocess")) {
            int sep = f.indexOf("__");
            if (sep > 0 && stems.containsKey(f.substring(0, sep))) {
                fresh = stems.get(f.substring(0, sep)) + f.substring(sep);
            }
        }
        if (fresh == null) {
            return p.toString();
        }
        return p.getParent() == null ? fresh : p.getParent().resolve(fresh).toString();
    }

    /** Replaces whole file names, then image stems (which also begin the names of derived files). */
    static String rewrite(String json, Map<String, String> names, Map<String, String> stems) {
        String out = json;
        for (Map.Entry<String, String> e : names.entrySet()) {
            out = replaceBounded(out, e.getKey(), e.getValue(), "(?![A-Za-z0-9_\\-])");
        }
        for (Map.Entry<String, String> e : stems.entrySet()) {
            out = replaceBounded(out, e.getKey(), e.getValue(), "(?![A-Za-z0-9])");
        }
        return out;
    }

    private static String replaceBounded(String text, String old, String fresh, String after) {
        Pattern p = Pattern.compile("(?<![" + NAME_CHAR + "])" + Pattern.quote(old) + after);
        return p.matcher(text).replaceAll(Matcher.quoteReplacement(fresh));
    }

    /** Updates "path": {"bytes": N, "sha256": "..."} entries of index.json for the files as written. */
    private static String refreshIndex(String index, Path root) throws IOException {
        Pattern entry = Pattern.compile("\"([^\"]+)\": \\{\\s*\"bytes\": (\\d+),\\s*\"sha256\": \"([0-9a-f]{64})\"");
        Matcher m = entry.matcher(index);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            Path f = root.resolve(m.group(1));
            String replacement = m.group();
            if (Files.isRegularFile(f) && !f.getFileName().toString().equals("index.json")) {
                byte[] b = Files.readAllBytes(f);
                replacement = replacement.replace("\"bytes\": " + m.group(2), "\"bytes\": " + b.length)
                        .replace(m.group(3), sha256(b));
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}

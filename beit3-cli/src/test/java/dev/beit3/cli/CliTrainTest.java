package dev.beit3.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beit3.core.testing.Fixtures;
import dev.beit3.train.ShapesWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code beit3 train}, {@code evaluate} and {@code pretrain} on tiny generated shapes-world data. */
class CliTrainTest {

    @TempDir
    Path dir;

    @Test
    void trainTwoStepsResumeOneAndEvaluate() throws Exception {
        Path data = dir.resolve("cls");
        ShapesWorld.write(data, "imageclassification", 12, 11);
        Path start = Fixtures.projectDemo().resolve("captioning.pth");
        Path out = dir.resolve("cls.pth");
        CliCheckpointCommandsTest.Run r = CliCheckpointCommandsTest.run("train", "--task", "imageclassification",
                "--data", data.toString(), "--checkpoint", start.toString(), "--heads", "4", "--steps", "3", "--batch",
                "4", "--lr", "1e-3", "--save-every", "2", "--output", out.toString(), "--threads", "1");
        System.out.println("cli train: " + r.out().strip());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("trained imageclassification: steps 0..3");
        assertThat(Files.isRegularFile(out)).isTrue();
        assertThat(Files.isRegularFile(dir.resolve("cls.pth.optim.safetensors"))).isTrue();

        CliCheckpointCommandsTest.Run more = CliCheckpointCommandsTest.run("train", "--task", "imageclassification",
                "--data", data.toString(), "--checkpoint", out.toString(), "--resume", "--heads", "4", "--steps", "4",
                "--batch", "4", "--output", dir.resolve("cls4.pth").toString(), "--threads", "1");
        assertThat(more.code()).as(more.err()).isZero();
        assertThat(more.out()).contains("steps 3..4");

        CliCheckpointCommandsTest.Run ev = CliCheckpointCommandsTest.run("evaluate", "--task", "imageclassification",
                "--data", data.toString(), "--checkpoint", dir.resolve("cls4.pth").toString(), "--heads", "4");
        System.out.println("cli evaluate: " + ev.out().strip());
        assertThat(ev.code()).as(ev.err()).isZero();
        assertThat(ev.out()).contains("imageclassification  examples 12  top1 ").contains("top5 ");
    }

    @Test
    void evaluateTheDemoCaptionerAndPretrainOneStep() throws Exception {
        Path data = dir.resolve("cap");
        ShapesWorld.write(data, "captioning", 4, 5);
        CliCheckpointCommandsTest.Run ev = CliCheckpointCommandsTest.run("evaluate", "--task", "captioning", "--data",
                data.toString(), "--models", Fixtures.projectDemo().toString(), "--json", "--threads", "1");
        assertThat(ev.code()).as(ev.err()).isZero();
        assertThat(ev.out()).contains("\"exact_match\"");
        CliCheckpointCommandsTest.Run pre = CliCheckpointCommandsTest.run("pretrain", "--task", "mlm_image_text",
                "--data", data.toString(), "--checkpoint",
                Fixtures.projectDemo().resolve("captioning.pth").toString(), "--spm", Fixtures.projectDemo().resolve("shapes.spm")
                        .toString(), "--heads", "4", "--steps", "1", "--batch", "2", "--max-text-length", "20",
                "--output", dir.resolve("mlm.safetensors").toString(), "--threads", "1");
        assertThat(pre.code()).as(pre.err()).isZero();
        assertThat(pre.out()).contains("trained mlm_image_text");
    }

    @Test
    void trainFromScratchWritesAModelTheOtherCommandsLoad() throws Exception {
        Path data = dir.resolve("cap-scratch");
        ShapesWorld.write(data, "captioning", 8, 6);
        Path out = dir.resolve("scratch.pth");
        CliCheckpointCommandsTest.Run r = CliCheckpointCommandsTest.run("train", "--task", "captioning", "--data",
                data.toString(), "--scratch", "image=64,patch=16,dim=48,heads=2,layers=1,ffn=96", "--spm",
                Fixtures.projectDemo().resolve("shapes.spm").toString(), "--max-text-length", "20", "--steps", "2", "--batch",
                "4", "--output", out.toString(), "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("trained captioning: steps 0..2");
        var written = dev.beit3.core.checkpoint.Checkpoint.read(out).tensors();
        assertThat(written.get("beit3.text_embed.weight").shape()).containsExactly(102, 48); // vocab from --spm
        assertThat(written.get("beit3.encoder.layers.0.ffn.B.fc1.weight").shape()).containsExactly(96, 48);
        assertThat(written).doesNotContainKey("beit3.encoder.layers.1.ffn.B.fc1.weight").containsKey("mlm_head.bias");
        CliCheckpointCommandsTest.Run ev = CliCheckpointCommandsTest.run("evaluate", "--task", "captioning", "--data",
                data.toString(), "--checkpoint", out.toString(), "--heads", "2", "--spm",
                Fixtures.projectDemo().resolve("shapes.spm").toString(), "--threads", "1");
        assertThat(ev.code()).as(ev.err()).isZero();
        assertThat(ev.out()).contains("captioning  examples 8  exact_match ");
    }

    @Test
    void theFullImageNetRecipeRunsFromTheCommandLine() throws Exception {
        Path data = dir.resolve("cls-recipe");
        ShapesWorld.write(data, "imageclassification", 8, 12);
        CliCheckpointCommandsTest.Run r = CliCheckpointCommandsTest.run("train", "--task", "imageclassification",
                "--data", data.toString(), "--checkpoint", Fixtures.projectDemo().resolve("imageclassification.pth").toString(),
                "--heads", "4", "--steps", "2", "--batch", "4", "--augment", "--rand-augment", "rand-m9-mstd0.5-inc1",
                "--random-erasing", "0.25", "--mixup", "0.8", "--cutmix", "1.0", "--output",
                dir.resolve("recipe.pth").toString(), "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("trained imageclassification: steps 0..2");
        CliCheckpointCommandsTest.Run odd = CliCheckpointCommandsTest.run("train", "--task", "imageclassification",
                "--data", data.toString(), "--checkpoint", Fixtures.projectDemo().resolve("imageclassification.pth").toString(),
                "--heads", "4", "--steps", "1", "--batch", "3", "--mixup", "0.8", "--output",
                dir.resolve("odd.pth").toString());
        assertThat(odd.code()).isEqualTo(2);
        assertThat(odd.err()).contains("even batch size");
        CliCheckpointCommandsTest.Run both = CliCheckpointCommandsTest.run("train", "--task", "imageclassification",
                "--data", data.toString(), "--checkpoint", Fixtures.projectDemo().resolve("imageclassification.pth").toString(),
                "--steps", "1", "--randaug", "--rand-augment", "rand-m9", "--output", dir.resolve("b.pth").toString());
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("exclude each other");
        Path vqaData = dir.resolve("vqa-randaug");
        ShapesWorld.write(vqaData, "vqa", 4, 14);
        CliCheckpointCommandsTest.Run vl = CliCheckpointCommandsTest.run("train", "--task", "vqa", "--data",
                vqaData.toString(), "--checkpoint", Fixtures.projectDemo().resolve("vqa.pth").toString(), "--spm",
                Fixtures.projectDemo().resolve("shapes.spm").toString(), "--heads", "4", "--max-text-length", "16",
                "--steps", "2", "--batch", "2", "--augment", "--no-flip", "--randaug", "--output",
                dir.resolve("vqa-ra.pth").toString(), "--threads", "1");
        assertThat(vl.code()).as(vl.err()).isZero();
        assertThat(vl.out()).contains("trained vqa: steps 0..2");
        CliCheckpointCommandsTest.Run vqa = CliCheckpointCommandsTest.run("train", "--task", "vqa", "--data",
                data.toString(), "--checkpoint", Fixtures.projectDemo().resolve("vqa.pth").toString(), "--steps", "1",
                "--rand-augment", "rand-m9", "--output", dir.resolve("v.pth").toString());
        assertThat(vqa.code()).isEqualTo(2);
        assertThat(vqa.err()).contains("image classification");
    }

    @Test
    void maskedImageModelingWithATorchScriptTokenizerFromScratch() throws Exception {
        Path data = dir.resolve("mim");
        ShapesWorld.write(data, "captioning", 8, 13); // lines with images and no visual_tokens
        Path tok = Fixtures.testdata("visual-tokenizer").resolve("colour8.pt");
        Path out = dir.resolve("mim.safetensors");
        CliCheckpointCommandsTest.Run r = CliCheckpointCommandsTest.run("pretrain", "--task", "mim_image", "--data",
                data.toString(), "--scratch", "image=64,patch=16,dim=48,heads=2,layers=1,ffn=96,vocab=102",
                "--visual-tokenizer", tok.toString(), "--visual-vocab", "8", "--steps", "3", "--batch", "4", "--lr",
                "1e-3", "--output", out.toString(), "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("trained mim_image: steps 0..3");
        var written = dev.beit3.core.checkpoint.Checkpoint.read(out).tensors();
        assertThat(written.get("mim_head.weight").shape()).containsExactly(8, 48);
        CliCheckpointCommandsTest.Run noTargets = CliCheckpointCommandsTest.run("pretrain", "--task", "mim_image",
                "--data", data.toString(), "--scratch", "image=64,patch=16,dim=48,heads=2,layers=1,ffn=96,vocab=102",
                "--steps", "1", "--batch", "4", "--output", dir.resolve("x.safetensors").toString());
        assertThat(noTargets.code()).isEqualTo(2);
        assertThat(noTargets.err()).contains("plug in a VisualTokenizer");
        CliCheckpointCommandsTest.Run wrongTask = CliCheckpointCommandsTest.run("train", "--task", "captioning",
                "--data", data.toString(), "--checkpoint", Fixtures.projectDemo().resolve("captioning.pth").toString(),
                "--visual-tokenizer", tok.toString(), "--steps", "1", "--output", dir.resolve("y.pth").toString());
        assertThat(wrongTask.code()).isEqualTo(2);
        assertThat(wrongTask.err()).contains("does not use one");
    }

    @Test
    void theStartingModelIsACheckpointOrScratchNeverBothOrNeither() {
        String[] common = {"--task", "imageclassification", "--data", dir.toString(), "--steps", "1", "--output",
            dir.resolve("o.pth").toString()};
        CliCheckpointCommandsTest.Run neither = CliCheckpointCommandsTest.run(concat(new String[] {"train"}, common));
        assertThat(neither.code()).isEqualTo(2);
        assertThat(neither.err()).contains("--checkpoint FILE, or --scratch SPEC");
        CliCheckpointCommandsTest.Run both = CliCheckpointCommandsTest.run(concat(new String[] {"train", "--scratch",
            "base", "--checkpoint", Fixtures.projectDemo().resolve("captioning.pth").toString()}, common));
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("exclude each other");
        CliCheckpointCommandsTest.Run bad = CliCheckpointCommandsTest.run(concat(new String[] {"train", "--scratch",
            "dim=96,heads=5"}, common));
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--scratch dim=96,heads=5").contains("not divisible");
        CliCheckpointCommandsTest.Run key = CliCheckpointCommandsTest.run(concat(new String[] {"train", "--scratch",
            "depth=4"}, common));
        assertThat(key.err()).contains("unknown key 'depth'");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void badInputExitsWithTwo() {
        CliCheckpointCommandsTest.Run r = CliCheckpointCommandsTest.run("train", "--task", "segmentation", "--data",
                dir.toString(), "--checkpoint", "x.pth", "--steps", "1", "--output", "y.pth");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--task must be one of");
        CliCheckpointCommandsTest.Run e = CliCheckpointCommandsTest.run("evaluate", "--task", "vqa", "--data",
                dir.resolve("missing").toString());
        assertThat(e.code()).isEqualTo(2);
    }
}
